"""The search's index: per kind, the words of every record's texts (folded, core/text_search.py) with the records
each is in, kept until the kind's table changes (web/lookups.kept_while_unchanged) and then brought up to date.

Why an index: at 50k records a scan of every meeting's text costs 30-60 ms of CPU a query (29 MB of notes), and
folding them all over a second. Here a query word is looked up in the vocabulary (every word containing it:
"plan" finds "planlegge" and "årsplan"), and the records of those words are united, and for several query
words intersected, as bitmaps (a Python int, one bit per slot): a few milliseconds at 50k records.

Slots: at a full build the records are laid out newest first (schools by name), so the first hits of a query
are its lowest bits. A record written later gets a new slot at the end (its old one is marked dead); its place
in the order is found among the few of them at query time. After a write the kind's index is made again from
the one before: only the records that are new or replaced are read again (copy-on-write: a write puts a new
record object in the table, so an unchanged record is the very object seen before). When the added slots
grow many, or a school is renamed (a meeting is found by its school's name), the kind is laid out afresh.
"""
from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from flask import current_app

from ..core.text_search import WORD, fold
from ..store.reads import courteous
from ..web.db import get_store
from ..web.lookups import kept_while_unchanged

# What is searched, per kind: the table, its text fields, and the order of its results.
KINDS: dict[str, tuple[str, tuple[str, ...], Callable[[Mapping], Any]]] = {
    "schools": ("schools", ("name",), lambda s: s.get("name", "").casefold()),
    "meetings": ("meetings", ("agenda", "notes", "decisions", "guests"),
                 lambda m: (m.get("date") or "", m.get("created_at") or "")),
    "responsibilities": ("responsibilities", ("what",), lambda r: r.get("created_at") or ""),
    "followups": ("followups", ("comment",), lambda f: f.get("created_at") or ""),
    "feedback": ("feedback", ("worked", "improve"), lambda f: f.get("created_at") or ""),
}
NEWEST_FIRST = {"meetings", "responsibilities", "followups", "feedback"}  # schools: by name, A first
SHORT = 3              # a query word shorter than this finds the words it begins (not every word it is in)
DENSE = 32             # a word in more than 1/DENSE of the slots keeps a bitmap; a rarer one a list of slots
REBUILD_SHARE = 0.1    # added slots beyond this share of the laid-out ones (or REBUILD_MIN) mean a fresh layout
REBUILD_MIN = 200
CACHED_WORDS = 256     # query words whose bitmap an index remembers
_WARMING = threading.Lock()


class Found(NamedTuple):
    ids: list[str]   # the hits from `offset`, at most `limit`
    count: int       # all hits


class KindIndex:
    """One kind's records by slot and its words' slots. Shared by requests until the next write: read only
    (its cache of query words is filled as they are asked, which is safe: one dict item set at a time)."""

    def __init__(self, kind: str, docs: dict[str, Mapping], slots: list[tuple], postings: dict[str, Any],
                 laid_out: int, school_names: dict | None, *, live: dict[str, int] | None = None,
                 alive: int | None = None, vocabulary: list[str] | None = None):
        self.kind = kind
        self.docs = docs                  # id -> the stored record its live slot was made from (compared by identity)
        self.slots = slots                # slot -> (order, id, readers); dead slots stay, their bit cleared in `alive`
        self.postings = postings          # word -> bitmap (int) or sorted list of slots
        self.laid_out = laid_out          # slots [0, laid_out) are in the kind's order; later ones were added
        self.school_names = school_names  # meetings: the school names their words were made with
        self.live = live if live is not None else {record_id: slot for slot, (_, record_id, _) in enumerate(slots)}
        self.alive = alive if alive is not None else _bitmap(self.live.values(), len(slots))
        self.vocabulary = vocabulary if vocabulary is not None else sorted(postings)
        self._joined = "\n".join(self.vocabulary)
        self._starts = _starts(self.vocabulary)
        self._words: dict[str, int] = {}

    def find(self, words: list[str], *, reader: str | None, offset: int, limit: int) -> Found:
        hits = self.alive
        for word in words:
            hits &= self._word_bits(word)
            if not hits:
                return Found([], 0)
        if self.kind == "feedback" and reader is not None:
            hits &= _bitmap((slot for slot, (_, _, readers) in enumerate(self.slots) if reader in readers),
                            len(self.slots))
        count = hits.bit_count()
        wanted = offset + limit
        chosen = _lowest(hits & ((1 << self.laid_out) - 1), wanted)
        added = _lowest(hits >> self.laid_out, count)
        if added:  # written since the layout: their places among the laid-out ones, by the kind's order
            chosen += [self.laid_out + slot for slot in added]
            chosen.sort(key=lambda slot: self.slots[slot][0], reverse=self.kind in NEWEST_FIRST)
        return Found([self.slots[slot][1] for slot in chosen[offset:wanted]], count)

    def _word_bits(self, word: str) -> int:
        bits = self._words.get(word)
        if bits is None:
            bits = self._union(self._containing(word))
            if len(self._words) >= CACHED_WORDS:
                self._words.clear()
            self._words[word] = bits
        return bits

    def _containing(self, word: str) -> list[str]:
        """The vocabulary's words that contain `word` (that begin with it, if it is short)."""
        vocabulary = self.vocabulary
        if len(word) < SHORT:
            return vocabulary[bisect_left(vocabulary, word):bisect_left(vocabulary, word + "\U0010ffff")]
        found, joined, starts = [], self._joined, self._starts
        at = joined.find(word)
        while at != -1:
            number = bisect_right(starts, at) - 1
            found.append(vocabulary[number])
            at = joined.find(word, starts[number + 1] if number + 1 < len(starts) else len(joined))
        return found

    def _union(self, words: list[str]) -> int:
        bits, sparse = 0, []
        for word in words:
            posting = self.postings[word]
            if isinstance(posting, int):
                bits |= posting
            else:
                sparse.append(posting)
        if sparse:
            bits |= _bitmap((slot for posting in sparse for slot in posting), len(self.slots))
        return bits


def kind_index(kind: str) -> KindIndex:
    """One kind's index, brought up to date only when its table changes (a follow-up written leaves the meetings'
    alone); the meetings' also when a school is renamed."""
    table = KINDS[kind][0]
    tables = (table, "schools") if kind == "meetings" else (table,)
    # One at a time: a search while the index is being made (after a start: seconds) waits for it, and then
    # has it, rather than making it again beside it.
    making = current_app.extensions.setdefault("samskaping_search_making", {}).setdefault(kind, threading.Lock())
    with making:
        return kept_while_unchanged(f"search_index:{kind}", tables, lambda: _update(kind), per_language=False)


def _update(kind: str) -> KindIndex:
    # The index before is kept here (with its store: a reopened store starts afresh) to be brought up to date.
    store = get_store()
    latest = current_app.extensions.setdefault("samskaping_search_latest", {})
    before = latest.get(kind)
    index = updated(store, kind, before[1] if before is not None and before[0] is store else None)
    latest[kind] = (store, index)
    return index


def warm_up(app) -> None:
    """After a start, the first request has the indexes made in the background (seconds at 50k records, with
    rests), so the first search need not wait for them. Not in tests: a test's store closes under it."""
    if app.testing or not _WARMING.acquire(blocking=False):
        return
    try:
        if app.extensions.setdefault("samskaping_search_warm", False):
            return
        app.extensions["samskaping_search_warm"] = True
    finally:
        _WARMING.release()
    threading.Thread(target=_warm, args=(app,), name="search-index", daemon=True).start()


def _warm(app) -> None:
    try:
        with app.test_request_context("/"):
            for kind in KINDS:
                kind_index(kind)
    except Exception:  # the store closed meanwhile (the server stopping): the first search makes them
        app.logger.info("The search's index was not made in advance.", exc_info=True)


def find(kind: str, words: list[str], *, reader: str | None, offset: int, limit: int) -> Found:
    """The ids of `kind`'s records with every word, in the kind's order; feedback only where `reader` is its
    recipient or giver (reader None: the leader, who reads all)."""
    return kind_index(kind).find(words, reader=reader, offset=offset, limit=limit)


def updated(store, kind: str, previous: KindIndex | None) -> KindIndex:
    """The kind's index now: the previous one with the new and replaced records added (and the removed and
    replaced ones' slots dead), or a fresh layout."""
    table, fields, order = KINDS[kind]
    school_names = None
    if kind == "meetings":
        school_names = {s["id"]: s.get("name", "") for s in store.fields("schools", ("id", "name"))}
    known = previous.docs if previous is not None else {}
    docs: dict[str, Mapping] = {}
    new: list[Mapping] = []

    def listed(record: Mapping) -> bool:
        # Only reads: the stored record is kept to be read, and compared (by identity) at the next update.
        docs[record["id"]] = record
        if known.get(record["id"]) is not record:
            new.append(record)
        return False

    store.filter(table, listed)  # the table's records of this moment, none copied
    if previous is None or previous.school_names != school_names \
            or len(previous.slots) + len(new) - previous.laid_out > max(REBUILD_MIN, REBUILD_SHARE * previous.laid_out):
        return laid_out(kind, list(docs.values()), school_names)
    slots, postings = list(previous.slots), dict(previous.postings)
    live, alive, words_before = dict(previous.live), previous.alive, len(postings)
    for record in new:
        slot = len(slots)
        slots.append(_slot(kind, record, order))
        replaced = live.get(record["id"])
        if replaced is not None:
            alive &= ~(1 << replaced)
        live[record["id"]] = slot
        alive |= 1 << slot
        for word in _words(record, fields, school_names):
            posting = postings.get(word)
            if isinstance(posting, int):
                postings[word] = posting | (1 << slot)
            else:
                postings[word] = [*(posting or ()), slot]
    if len(live) != len(docs):  # removed since (an erasure): their slots are dead
        live = {record_id: slot for record_id, slot in live.items() if record_id in docs}
        alive = _bitmap(live.values(), len(slots))
    vocabulary = previous.vocabulary if len(postings) == words_before else sorted(postings)
    return KindIndex(kind, docs, slots, postings, previous.laid_out, school_names, live=live, alive=alive,
                     vocabulary=vocabulary)


def laid_out(kind: str, stored: list[Mapping], school_names: dict | None) -> KindIndex:
    """A fresh layout: the records in the kind's order, each word's slots as a bitmap (common) or a list (rare)."""
    _table, fields, order = KINDS[kind]
    records = sorted(stored, key=order, reverse=kind in NEWEST_FIRST)
    slots, lists = [], {}
    for slot, record in enumerate(courteous(records)):  # the long part (every text read): with rests
        slots.append(_slot(kind, record, order))
        for word in _words(record, fields, school_names):
            lists.setdefault(word, []).append(slot)
    dense = max(len(slots) // DENSE, 1)
    postings = {word: _bitmap(found, len(slots)) if len(found) > dense else found for word, found in lists.items()}
    return KindIndex(kind, {record["id"]: record for record in records}, slots, postings, len(slots), school_names)


def _slot(kind: str, record: Mapping, order: Callable) -> tuple:
    readers = (record.get("to"), record.get("author")) if kind == "feedback" else ()
    return order(record), record["id"], readers


def _words(record: Mapping, fields: tuple[str, ...], school_names: dict | None) -> set[str]:
    texts = [value for value in map(record.get, fields) if isinstance(value, str)]
    if school_names is not None:  # a meeting is found by its school's name too ("Fjellby budsjett")
        texts.append(school_names.get(record.get("school"), ""))
    words = set(fold("\n".join(texts)).split())  # split first (fast), then the few with punctuation taken apart
    for word in [word for word in words if not word.isalnum()]:
        words.discard(word)
        words.update(WORD.findall(word))
    return words


def _bitmap(slots: Iterable[int], size: int) -> int:
    bits = bytearray((size + 7) // 8)
    for slot in slots:
        bits[slot >> 3] |= 1 << (slot & 7)
    return int.from_bytes(bits, "little")


def _lowest(bits: int, count: int) -> list[int]:
    """The positions of the `count` lowest set bits."""
    found = []
    while bits and len(found) < count:
        low = bits & -bits
        found.append(low.bit_length() - 1)
        bits ^= low
    return found


def _starts(vocabulary: list[str]) -> list[int]:
    starts, at = [], 0
    for word in vocabulary:
        starts.append(at)
        at += len(word) + 1
    return starts

