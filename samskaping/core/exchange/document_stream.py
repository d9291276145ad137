"""An export read from a file a piece at a time, its records spooled to disk one line each: whatever the size
of the file, the reader holds one piece of it, one record, and the first KEEP_DECODED characters of records
decoded (the command-line import of a large export).

The same JSON as document_reader reads (any layout: the app writes one record per line, a hand-made file may
not), with errors named by line and column as json itself names them. Each record is handed to `on_record`
as it is read (the import checks it there, so a damaged file is refused before anything is merged), and its
text is written to a per-table file; iterating a table then decodes one line at a time.
"""
from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator
from typing import IO, Any

from .document_reader import RecordTooDeep

CHUNK = 256 * 1024  # bytes read at a time: the reader holds a few times this much
MAX_VALUE_CHARS = 16 * 1024 * 1024  # one record, or one part besides the records, read at once at most
# Records kept decoded, not spooled, up to this many characters of their text (about 3.5 times that in memory):
# an export of a school year is read once; beyond it, memory stays bounded whatever the size of the file.
KEEP_DECODED = 16 * 1024 * 1024
_decoder = json.JSONDecoder()
_WHITESPACE = json.decoder.WHITESPACE


class ValueTooLarge(Exception):
    """One value (a record, a part of the header) is longer than MAX_VALUE_CHARS; args: (line, column)."""


class Spool:
    """A temporary folder for a document's tables; removed by close(), or once no table refers to it.
    The first KEEP_DECODED characters of records stay in memory as decoded (not written, not decoded again)."""

    def __init__(self) -> None:
        self.name = tempfile.mkdtemp(prefix="samskaping-import-")
        self.close = weakref.finalize(self, shutil.rmtree, self.name, ignore_errors=True)
        self.budget = KEEP_DECODED


def discard(document: object) -> None:
    """Remove the spool of a document read_stream returned, now (else once the document is gone)."""
    tables = document.get("tables") if isinstance(document, dict) else None
    for records in tables.values() if isinstance(tables, dict) else ():
        if isinstance(records, SpooledRecords):
            records.spool.close()


class SpooledRecords:
    """A table's records: the first ones kept decoded while the spool's budget lasts, the others in a file of
    the spool, one JSON text a line, decoded one at a time each time they are read."""

    def __init__(self, spool: Spool, name: str) -> None:
        self.spool, self._path, self._count = spool, os.path.join(spool.name, name), 0
        self._kept: list[Any] = []
        self._out: IO[bytes] | None = None

    def add(self, text: str, record: Any) -> None:
        if self._out is None and self.spool.budget >= len(text):
            self.spool.budget -= len(text)
            self._kept.append(record)
        else:
            if self._out is None:
                self._out = open(self._path, "wb")  # noqa: SIM115 (closed by finish())
            self._out.write(text.encode("utf-8", "surrogatepass") + b"\n")
        self._count += 1

    def finish(self) -> None:
        if self._out is not None:
            self._out.close()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        yield from self._kept  # those who read must not change them (merge.apply copies each)
        if self._out is None:
            return
        decode = _decoder.decode
        with open(self._path, "rb") as lines:
            for line in lines:
                yield decode(line.decode("utf-8", "surrogatepass"))

    def __repr__(self) -> str:
        return f"SpooledRecords({self._count} records)"


class _Text:
    """The file's text from `binary`, a piece at a time: buf[pos:] is what is not yet read."""

    def __init__(self, binary: IO[bytes]) -> None:
        self._binary, self._decode = binary, codecs.getincrementaldecoder("utf-8-sig")().decode
        self.buf, self.pos, self.eof = "", 0, False
        self._dropped = 0  # characters of the text before buf
        self._lines = 0  # line breaks in them
        self._last_break = -1  # where the last of them was (in the whole text)
        self.bytes_read = 0

    def more(self) -> None:
        """Read another piece, dropping what is read already."""
        breaks = self.buf.count("\n", 0, self.pos)
        if breaks:
            self._lines += breaks
            self._last_break = self._dropped + self.buf.rindex("\n", 0, self.pos)
        self._dropped += self.pos
        data = self._binary.read(CHUNK)
        try:
            text = self._decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise UnicodeDecodeError(error.encoding, error.object, self.bytes_read + error.start,
                                     self.bytes_read + error.end, error.reason) from None
        self.bytes_read += len(data)
        self.buf, self.pos, self.eof = self.buf[self.pos:] + text, 0, not data

    def where(self, at: int) -> tuple[int, int]:
        """(line, column) of buf[at], counted from 1 as json counts them."""
        line = self._lines + self.buf.count("\n", 0, at) + 1
        last = self.buf.rfind("\n", 0, at)
        column = at - last if last >= 0 else self._dropped + at - self._last_break
        return line, column

    def error(self, message: str, at: int) -> json.JSONDecodeError:
        line, column = self.where(at)
        error = json.JSONDecodeError(message, "", 0)
        error.lineno, error.colno = line, column  # what the import's message names
        return error

    def skip(self) -> str:
        """Skip white space; the next character ("" at the end)."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos:self.pos + 1]
            self.more()

    def value(self) -> tuple[Any, int, int]:
        """The JSON value after pos (and white space), and where its text starts and ends in buf; pos moves past it."""
        self.skip()
        while True:
            try:
                value, end = _decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if self.eof:
                    raise self.error(error.msg, error.pos) from None
                value, end = None, -1
            if end >= 0 and (end < len(self.buf) or self.eof):  # a number at the very end may go on
                start, self.pos = self.pos, end
                return value, start, end
            if len(self.buf) - self.pos > MAX_VALUE_CHARS:
                if end < 0:  # no value fits in that much text: damaged there, or a value longer than it
                    try:
                        _decoder.raw_decode(self.buf, self.pos)
                    except json.JSONDecodeError as error:
                        if not error.msg.startswith("Unterminated string") and error.pos < len(self.buf) - 1:
                            raise self.error(error.msg, error.pos) from None
                raise ValueTooLarge(*self.where(self.pos))
            self.more()

    def expect(self, allowed: str, message: str) -> str:
        found = self.skip()
        if not found or found not in allowed:
            raise self.error(message, self.pos)
        self.pos += 1
        return found


def read_stream(binary: IO[bytes], on_record: Callable[[str, int, Any, dict], None]) -> dict:
    """The document in `binary` (an object), its `tables` as SpooledRecords; `on_record(table, index from 1,
    record, the document's other parts read so far)` for each record as it is read. Raises json.JSONDecodeError
    (its lineno and colno set), UnicodeDecodeError, RecursionError, RecordTooDeep or ValueTooLarge."""
    text = _Text(binary)
    document: dict = {}
    text.expect("{", "Expecting value")
    if text.skip() == "}":
        text.pos += 1
    else:
        while True:
            if text.skip() != '"':
                raise text.error("Expecting property name enclosed in double quotes", text.pos)
            key = text.value()[0]
            text.expect(":", "Expecting ':' delimiter")
            if key == "tables" and text.skip() == "{":
                document[key] = _tables(text, document, on_record)
            else:
                document[key] = text.value()[0]
            if text.expect(",}", "Expecting ',' delimiter") == "}":
                break
    if text.skip():
        raise text.error("Extra data", text.pos)
    return document


def _tables(text: _Text, document: dict, on_record) -> dict:
    spool, tables = Spool(), {}
    try:
        return _read_tables(text, document, on_record, spool, tables)
    except BaseException:  # a damaged file: nothing of it stays
        for records in tables.values():
            if isinstance(records, SpooledRecords):
                records.finish()
        spool.close()
        raise


def _read_tables(text: _Text, document: dict, on_record, spool: Spool, tables: dict[str, Any]) -> dict:
    text.expect("{", "Expecting value")
    if text.skip() == "}":
        text.pos += 1
        return tables
    while True:
        if text.skip() != '"':
            raise text.error("Expecting property name enclosed in double quotes", text.pos)
        table = text.value()[0]
        text.expect(":", "Expecting ':' delimiter")
        if text.skip() != "[":
            tables[table] = text.value()[0]  # not a list: the import's checks say so
        else:
            text.pos += 1
            records = tables[table] = SpooledRecords(spool, f"{len(tables)}.jsonl")
            if text.skip() == "]":
                text.pos += 1
            else:
                while True:
                    try:
                        record, raw, last = _record(text)
                    except RecursionError:
                        raise RecordTooDeep(table, len(records) + 1) from None
                    on_record(table, len(records) + 1, record, document)
                    records.add(raw if "\n" not in raw else json.dumps(record, ensure_ascii=False), record)
                    if last:
                        break
            records.finish()
        if text.expect(",}", "Expecting ',' delimiter") == "}":
            return tables


_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


def _record(text: _Text) -> tuple[Any, str, bool]:
    """The record at pos, its text, and whether it was the table's last; pos moves past it and its comma.
    A record and its comma within the piece read: one decode and one match."""
    buf, at = text.buf, text.pos
    try:
        record, end = _decoder.raw_decode(buf, at)
    except json.JSONDecodeError:
        end = -1  # at a piece's end, or damaged: read as any value (which says where and what)
    separator = _SEPARATOR.match(buf, end) if end >= 0 else None
    if separator is not None and separator.end() < len(buf):
        text.pos = separator.end()
        return record, buf[at:end], separator.group(1) == "]"
    record, start, end = text.value()
    raw = text.buf[start:end]  # before reading on: that drops what is read from buf
    last = text.expect(",]", "Expecting ',' delimiter") == "]"
    if not last:
        text.skip()  # so the next record starts where it stands (a failed decode costs a count of its lines)
    return record, raw, last
