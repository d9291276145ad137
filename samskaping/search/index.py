"""The search's index: every searchable record's texts folded once (core/text_search.py), newest first per kind,
kept until one of its tables changes (web/lookups.kept_while_unchanged), and the query run over it.

Why an index: at 50k records, folding every meeting's notes on each search takes over a second; a scan of
texts folded beforehand takes some 15 ms a word. After a write the index is made again, and only the records
whose texts changed are folded again (the fold of each record is remembered by its id and its texts).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple

from flask import current_app

from ..core.text_search import fold
from ..web.db import get_store
from ..web.lookups import kept_while_unchanged

# What is searched, per kind: the table, its text fields, and the order of its results (newest first).
KINDS: dict[str, tuple[str, tuple[str, ...], Callable[[Mapping], Any]]] = {
    "schools": ("schools", ("name",), lambda s: s.get("name", "").casefold()),
    "meetings": ("meetings", ("agenda", "notes", "decisions", "guests"),
                 lambda m: (m.get("date", ""), m.get("created_at", ""))),
    "responsibilities": ("responsibilities", ("what",), lambda r: r.get("created_at", "")),
    "followups": ("followups", ("comment",), lambda f: f.get("created_at", "")),
    "feedback": ("feedback", ("worked", "improve"), lambda f: f.get("created_at", "")),
}
NEWEST_FIRST = {"meetings", "responsibilities", "followups", "feedback"}  # schools: by name
TABLES = tuple(table for table, _, _ in KINDS.values())


class KindIndex(NamedTuple):
    ids: list[str]                 # in the order results are shown
    texts: list[str]               # folded, the fields joined by newlines
    readers: list[tuple] | None    # feedback only: (recipient, giver) of each


class Found(NamedTuple):
    ids: list[str]   # the first `limit` after `offset`
    count: int       # all that match


def search_index() -> dict[str, KindIndex]:
    return kept_while_unchanged("search_index", TABLES, lambda: build(get_store()), per_language=False)


def build(store) -> dict[str, KindIndex]:
    remembered = current_app.extensions.get("samskaping_search_folds", {})
    folds: dict[str, tuple[tuple, str]] = {}
    school_names = {s["id"]: s.get("name", "") for s in store.fields("schools", ("id", "name"))}
    index = {}
    for kind, (table, fields, order) in KINDS.items():
        made = store.summarise(table, partial(_entries, kind, fields, order, school_names, remembered, folds))
        made.sort(key=itemgetter(0), reverse=kind in NEWEST_FIRST)
        index[kind] = KindIndex([e[1] for e in made], [e[2] for e in made],
                                [e[3] for e in made] if kind == "feedback" else None)
    current_app.extensions["samskaping_search_folds"] = folds  # only this index's: a deleted record's is let go
    return index


def _entries(kind: str, fields: tuple[str, ...], order: Callable, school_names: dict, remembered: dict,
             folds: dict, records: Iterable[Mapping]) -> list[tuple]:
    """(order, id, folded texts, readers) of each record; a text folded for the index before is not folded again."""
    made = []
    for record in records:
        texts = tuple(value for value in map(record.get, fields) if isinstance(value, str))
        if kind == "meetings":  # a meeting is found by its school's name too ("Fjellby budsjett")
            texts += (school_names.get(record.get("school"), ""),)
        key = f'{kind}:{record["id"]}'
        known = remembered.get(key)
        folded = known[1] if known is not None and known[0] == texts else fold("\n".join(texts))
        folds[key] = (texts, folded)
        readers = (record.get("to"), record.get("author")) if kind == "feedback" else None
        made.append((order(record), record["id"], folded, readers))
    return made


def find(kind: str, words: list[str], *, reader: str | None, offset: int, limit: int) -> Found:
    """The ids of `kind`'s records matching every word, in the index's order; feedback only where `reader` is
    its recipient or giver (reader None: the leader, who reads all)."""
    entries = search_index()[kind]
    candidates: Iterable[tuple[int, str]] = enumerate(entries.texts)
    if entries.readers is not None and reader is not None:
        candidates = [(at, text) for (at, text), (to, giver) in zip(candidates, entries.readers) if reader in (to, giver)]
    if len(words) == 1:  # the common case, without all()'s generator per record
        word = words[0]
        hits = [at for at, text in candidates if word in text]
    else:
        hits = [at for at, text in candidates if all(word in text for word in words)]
    return Found([entries.ids[at] for at in hits[offset:offset + limit]], len(hits))
