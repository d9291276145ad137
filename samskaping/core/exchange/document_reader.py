"""An import file's JSON read with its records left as text until each is used, so it costs about its own size."""
from __future__ import annotations

import ctypes
import functools
import json
import sys
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

_decoder = json.JSONDecoder()
_WHITESPACE = json.decoder.WHITESPACE  # JSON's own: space, tab, line feed, carriage return
NOT_OURS_READ = 64 * 1024


class RecordTooDeep(Exception):
    """A record nested too deeply for the JSON reader; args: (table, index from 1)."""


class LazyRecords(Sequence):
    """A table's records as they stand in the file's text: each is decoded when it is read, never kept.

    Why: json.loads of a 30 MB export builds about 75 MB of objects, and the whole import (check, preview,
    merge) held them all at once, and the server kept much of that memory afterwards. Read like this, an
    import holds the text and one number per record; checking and merging take one record at a time."""

    def __init__(self, text: str, starts: array) -> None:
        self._text, self._starts = text, starts

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return _decoder.raw_decode(self._text, self._starts[index])[0]

    def __iter__(self) -> Iterator[Any]:
        text, decode = self._text, _decoder.raw_decode
        for start in self._starts:
            yield decode(text, start)[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, LazyRecords)) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"LazyRecords({len(self)} records)"


def read_document(text: str, *, keep: bool = False) -> Any:
    """The JSON value in `text`, like json.loads; but if it is an object, the lists in its `tables` object
    are LazyRecords (with `keep`: lists of the records decoded once, for a text of bounded size). Raises json.JSONDecodeError (with its line and column), ValueError, RecursionError, or
    RecordTooDeep naming the record."""
    at = _skip(text, 0)
    if text[at:at + 1] != "{":
        # Not a document of ours, which the caller says. A small one is read, for JSON's own error message;
        # a large one is not: it could cost many times its size in memory.
        return json.loads(text) if len(text) <= NOT_OURS_READ else None
    document, at = _object(text, at, lambda key, text, at: _tables(text, at, keep) if key == "tables" else None)
    at = _skip(text, at)
    if at != len(text):
        raise json.JSONDecodeError("Extra data", text, at)
    return document


def _skip(text: str, at: int) -> int:
    return _WHITESPACE.match(text, at).end()


def _object(text: str, at: int, special) -> tuple[dict, int]:
    """The object starting at text[at] == "{"; `special(key, text, at)` may read a member's value itself
    (returning (value, end)) or return None for the ordinary reading."""
    result: dict = {}
    at = _skip(text, at + 1)
    if text[at:at + 1] == "}":
        return result, at + 1
    while True:
        if text[at:at + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
        key, at = json.decoder.scanstring(text, at + 1)
        at = _skip(text, at)
        if text[at:at + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        at = _skip(text, at + 1)
        read = special(key, text, at)
        result[key], at = read if read is not None else _decoder.raw_decode(text, at)
        at = _skip(text, at)
        if text[at:at + 1] == ",":
            at = _skip(text, at + 1)
        elif text[at:at + 1] == "}":
            return result, at + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)


def _tables(text: str, at: int, keep: bool) -> tuple[Any, int] | None:
    if text[at:at + 1] != "{":
        return None
    return _object(text, at, lambda table, text, at: _records(table, text, at, keep) if text[at:at + 1] == "[" else None)


def _records(table: str, text: str, at: int, keep: bool) -> tuple[LazyRecords | list, int]:
    """The list at text[at] == "[": each item decoded once, to find where it ends and to know it is valid
    JSON, then dropped (only where it starts is kept), or with `keep` kept as decoded."""
    starts, kept = array("q"), []
    at = _skip(text, at + 1)
    if text[at:at + 1] == "]":
        return (kept if keep else LazyRecords(text, starts)), at + 1
    while True:
        try:
            record, end = _decoder.raw_decode(text, at)
        except RecursionError:
            raise RecordTooDeep(table, len(starts) + 1) from None
        if keep:
            kept.append(record)
        del record
        starts.append(at)
        at = _skip(text, end)
        if text[at:at + 1] == ",":
            at = _skip(text, at + 1)
        elif text[at:at + 1] == "]":
            return (kept if keep else LazyRecords(text, starts)), at + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)



M_MMAP_THRESHOLD = -3  # glibc's malloc.h
LARGE_BLOCK = 128 * 1024  # glibc's own starting value


@functools.cache
def large_blocks_apart() -> bool:
    """From now on every block of 128 KiB or more (a file's bytes, its text) gets its own mapping, which is
    returned to the system when freed, so the server's size falls back after an import (Linux, glibc).

    Why: glibc raises that limit each time such a block is freed, up to 32 MB; after that, the next file's
    text comes from a thread's heap, whose top is kept (up to twice the limit) when freed: a 30 MB import
    left the server 30 to 70 MB larger for good. Setting the limit once turns the raising off. Windows and
    macOS give large blocks back by themselves."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK))
    except (OSError, AttributeError):  # another C library (musl has no mallopt to speak of): nothing to do
        return False
