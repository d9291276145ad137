"""The TinyDB table of the journal: its writes journal only the records they touch, and replace a record
rather than change it (copy-on-write).

Copy-on-write is what lets a reader hold the records without the store's lock: a record object, once in a
table, never changes. A write puts a new dict under the id (TinyDB's update changes the dict it is handed,
and what it is handed here is a fresh copy of the stored one); the old one is left as it was, for whoever
still holds it (an export's or a backup's snapshot, a dashboard reading a slice). The store's writers only
ever set a record's top-level fields to new values (detached copies), never change a list or dict inside a
stored record, so a copy of the top level is a new record.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from uuid import uuid4

from tinydb.table import Table


class _ChangeTracker(MutableMapping):
    """The live table dict, noting which documents a TinyDB updater set or deleted; a document it reads is
    copied first and the copy put in its place, so the updater changes the copy, never the stored record."""

    def __init__(self, docs: dict[str, dict]) -> None:
        self.docs = docs
        self.changed: set[str] = set()
        self.deleted: set[str] = set()

    def __getitem__(self, doc_id: str) -> dict:
        # TinyDB changes documents in place (table[doc_id].update(fields)): hand it a new record. The price: an
        # update by query journals (and copies) every document its query looked at; the store updates by id.
        doc = self.docs[doc_id] = dict(self.docs[doc_id])
        self.changed.add(doc_id)
        return doc

    def __setitem__(self, doc_id: str, doc: dict) -> None:
        self.docs[doc_id] = doc
        self.changed.add(doc_id)
        self.deleted.discard(doc_id)

    def __delitem__(self, doc_id: str) -> None:
        del self.docs[doc_id]
        self.changed.discard(doc_id)
        self.deleted.add(doc_id)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.docs  # asking changes nothing

    def __iter__(self) -> Iterator[str]:
        return iter(self.docs)

    def __len__(self) -> int:
        return len(self.docs)


class JournalTable(Table):
    """A TinyDB table keyed by UUID strings whose writes journal only the documents they touch."""

    document_id_class = str

    def _get_next_id(self) -> str:
        return str(uuid4())

    def _update_table(self, updater: Callable[[dict], None]) -> None:
        # TinyDB's version copies the whole table and writes the whole database; this one lets
        # TinyDB's own updater work on the live table and journals just what it touched.
        docs = self._storage.read().setdefault(self.name, {})
        tracker = _ChangeTracker(docs)
        try:
            updater(tracker)  # type: ignore[arg-type]
        finally:
            # Journal even a half-done update (insert_multiple failing midway): disk matches memory.
            if tracker.changed or tracker.deleted:
                puts = {doc_id: docs[doc_id] for doc_id in tracker.changed}
                self._storage.append_change(self.name, puts, sorted(tracker.deleted))  # type: ignore[attr-defined]
            self.clear_cache()
