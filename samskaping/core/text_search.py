"""Finding words in the records' texts: folding text for comparison, reading a query, cutting an excerpt.

Folded text is compared, never shown: casefolded, with accents dropped (é → e, ü → u) except the Norwegian
letters, which are letters of their own (æ, ø and å stay, so "år" is not "ar"). A query is its words; a text
matches when each of them is (part of) one of its words: "plan" finds "planlegge" and "årsplan".
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_QUERY = 100   # characters: more is refused (a search box is for a few words)
MAX_WORDS = 8     # different words in one query
EXCERPT_BEFORE, EXCERPT_AFTER = 50, 110  # characters around the first hit

# Combining marks dropped after decomposition; the ring of å (U+030A after an a) is kept.
_MARKS = re.compile("(?<!a)\u030a|[\u0300-\u0309\u030b-\u036f]")
# Text with none of these needs no decomposition (plain letters and æøå): the common case, made fast.
_NEEDS_DECOMPOSITION = re.compile("[^\x00-\x7fæøå]")
WORD = re.compile(r"\w+")  # a word of a text or a query: letters (æøå too), digits


def fold(text: str) -> str:
    """The text as it is compared: casefolded, accents dropped except on æ, ø, å."""
    folded = text.casefold()
    if not _NEEDS_DECOMPOSITION.search(folded):
        return folded
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", folded)))


def query_words(query: str) -> list[str]:
    """The query's different words, folded (letters and digits: "foreldre-møte" is two), at most MAX_WORDS."""
    return list(dict.fromkeys(WORD.findall(fold(query))))[:MAX_WORDS]


def excerpt(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """The words around the first hit of `words` in `text`, as parts (piece, is_a_hit), "…" where cut.
    The parts are plain text: the page escapes them and draws the hits as <mark>."""
    text = unicodedata.normalize("NFC", text)
    folded, positions = _folded_with_positions(text)
    spans = sorted((found, found + len(word)) for word in words for found in _all(folded, word))
    if not spans or len(folded) <= EXCERPT_BEFORE + EXCERPT_AFTER:  # a short text is shown whole
        start, end = 0, min(len(folded), EXCERPT_BEFORE + EXCERPT_AFTER)
    else:
        start, end = max(spans[0][0] - EXCERPT_BEFORE, 0), min(spans[0][0] + EXCERPT_AFTER, len(folded))
    start, end = _at_spaces(folded, start, end)
    parts: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for begin, finish in _merged(spans):
        if finish <= at or begin >= end:
            continue
        begin, finish = max(begin, at), min(finish, end)
        parts += [(_original(text, positions, at, begin), False), (_original(text, positions, begin, finish), True)]
        at = finish
    parts.append((_original(text, positions, at, end), False))
    if end < len(folded):
        parts.append(("…", False))
    return [(piece, hit) for piece, hit in parts if piece]


def _folded_with_positions(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, where folding changed its length (ß → ss), the original index of each folded
    character (None: the same index)."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    pieces, positions = [], []
    for index, char in enumerate(text):
        piece = fold(char)
        pieces.append(piece)
        positions.extend([index] * len(piece))
    return "".join(pieces), positions


def _original(text: str, positions: list[int] | None, start: int, end: int) -> str:
    if positions is None:
        return text[start:end]
    if start >= len(positions):
        return ""
    first = positions[start]
    last = positions[end] if end < len(positions) else len(text)
    return text[first:last]


def _all(folded: str, word: str) -> Iterable[int]:
    at = folded.find(word)
    while at != -1:
        yield at
        at = folded.find(word, at + len(word))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _at_spaces(folded: str, start: int, end: int) -> tuple[int, int]:
    """The cut moved to whole words: start after a space, end before one (if one is near)."""
    if start > 0:
        space = folded.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    if end < len(folded):
        space = folded.rfind(" ", end - 20, end)
        end = space if space > start else end
    return start, end
