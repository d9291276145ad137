"""The one place that owns the database: records with ids and timestamps, durable and thread-safe."""
from __future__ import annotations

import gc
import heapq
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Document, Table

from .clock import utc_now
from .folder_lock import DataFolderInUse, lock_folder, note_holder, unlock_folder
from .journal import JournalDB
from .journal_format import DamagedDatabase, check_ids
from .record_values import as_uuid, copied, copy_record, detached, require_uuid
from .refusals import refusal_for

__all__ = ("TABLES", "DamagedDatabase", "DataFolderInUse", "Store")

TABLES = (
    "settings", "schools", "people", "devices", "meetings", "responsibilities", "followups", "feedback", "audit",
    # The three F's: the charter's versions, who accepted which, questions about it; the barometer.
    "charters", "acceptances", "questions", "statements", "rounds", "answers",
    # Import, merge and sync: versions that lost a merge, kept for the leader; paired laptops.
    "conflicts", "peers",
)

DB_NAME = "samskaping.json"
SLICE = 1_000  # records read per hold of the lock by fields() and summarise()

# Set by the store on every record; the caller's fields cannot override them.
_CREATION_FIELDS = ("id", "created_at", "updated_at", "author", "device")
_STAMPED_FIELDS = (*_CREATION_FIELDS, "updated_by", "updated_device")


class Store:
    """Records in named tables, each with a UUID id, timestamps, author and device.

    A write method returns only once its record is on disk. One lock serialises access to TinyDB,
    which is not thread-safe; the disk sync happens after the lock is released, so concurrent
    writers share one sync instead of waiting for one each.
    """

    def __init__(self, folder: str | os.PathLike, *, compact_every: int | None = None) -> None:
        self.folder = Path(folder)
        self._lock = threading.RLock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._folder_lock = lock_folder(self.folder)
        except OSError as error:
            raise refusal_for(error, self.folder) from None
        try:
            self._db = JournalDB(str(self.folder / DB_NAME), compact_every=compact_every,
                                  check=partial(check_ids, tables=TABLES))
        except BaseException as error:
            unlock_folder(self._folder_lock, refused=True)
            if isinstance(error, OSError):
                raise refusal_for(error, self.folder) from None
            raise
        note_holder(self._folder_lock)
        self._storage = self._db.storage
        self._closed = False
        # Per thread: inside one_sync(), the highest journal mark written and not yet synced (None outside).
        self._deferred = threading.local()
        # The loaded records live as long as the process: keep the cyclic garbage collector from
        # walking all of them again and again (at 50k records each full pass took ~100 ms of a request).
        gc.freeze()

    def close(self) -> None:
        """Fold the journal into the snapshot and let other processes open the folder."""
        with self._lock:
            if self._closed:
                return
            try:
                self._db.close()
            finally:
                unlock_folder(self._folder_lock)
                self._closed = True

    def compact(self) -> None:
        """Rewrite the snapshot from the live records and empty the journal, so the files on disk hold
        no earlier version of any record (after an erasure, nothing of the erased remains in them)."""
        with self._lock:
            self._storage.compact()

    @contextmanager
    def frozen(self) -> Iterator[dict[str, dict[str, dict]]]:
        """The live tables ({table: {id: record}}), with every writer held off until the block ends: for
        reading a consistent view of everything at once (an export copies what it needs inside)."""
        with self._lock:
            yield self._storage.read()

    @contextmanager
    def one_sync(self) -> Iterator[None]:
        """Writes made in this block by this thread wait for one disk sync, at the end of the block, instead of
        one each: a meeting with its responsibilities and follow-ups costs one fdatasync. The block returns
        only once all of them are on disk, so whatever is answered after it is durable; a write method
        called inside it returns before its record is synced. Nested blocks sync at the outermost end."""
        outermost = getattr(self._deferred, "mark", None) is None
        if outermost:
            self._deferred.mark = 0
        try:
            yield
        finally:
            if outermost:
                mark, self._deferred.mark = self._deferred.mark, None
                if mark:
                    self._storage.sync(mark)

    def _sync(self, mark: int) -> None:
        """Wait until the journal is on disk up to `mark`, or, inside one_sync(), note it for the block's end."""
        deferred = getattr(self._deferred, "mark", None)
        if deferred is None:
            self._storage.sync(mark)
        else:
            self._deferred.mark = max(deferred, mark)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def create(
        self,
        table: str,
        fields: dict,
        *,
        author: str | None = None,
        device: str | None = None,
        record_id: str | None = None,
    ) -> tuple[dict, bool]:
        """Store a new record; returns (record, created).

        A record_id already in the table returns the stored record unchanged with created=False,
        so a record delivered twice is stored once. record_id must be a UUID (ValueError if not);
        it is stored in canonical form (lower case, with dashes).
        """
        record_id = str(uuid.uuid4()) if record_id is None else require_uuid(record_id)
        record = {key: value for key, value in detached(fields).items() if key not in _CREATION_FIELDS}
        with self._lock:
            docs = self._table(table)
            stored = docs.get(doc_id=record_id)
            if stored is None:
                now = utc_now()  # under the lock, so timestamps follow the order of writes
                record.update(id=record_id, created_at=now, updated_at=now, author=author, device=device)
                docs.insert(Document(record, doc_id=record_id))
            result = copy_record(record if stored is None else stored)
            mark = self._storage.written
        # Also for a duplicate: the first delivery may still be waiting for its sync.
        self._sync(mark)
        return result, stored is None

    def update(
        self,
        table: str,
        record_id: str,
        changes: dict,
        *,
        author: str | None = None,
        device: str | None = None,
    ) -> dict:
        """Merge changes into a record and return it; KeyError if there is none.

        created_at, author and device stay those of creation; updated_by and updated_device
        name the last editor.
        """
        changes = {key: value for key, value in detached(changes).items() if key not in _STAMPED_FIELDS}
        doc_id = as_uuid(record_id)
        with self._lock:
            docs = self._table(table)
            changes.update(updated_at=utc_now(), updated_by=author, updated_device=device)
            if doc_id is None or not docs.update(changes, doc_ids=[doc_id]):
                raise KeyError(record_id)
            record = copy_record(docs.get(doc_id=doc_id))
            mark = self._storage.written
        self._sync(mark)
        return record

    def put(self, table: str, record: dict) -> dict:
        """Store a whole record exactly as given, replacing any with its id (which must be a UUID)."""
        record = detached(record)
        record["id"] = doc_id = require_uuid(record.get("id"))

        def replace(doc: dict) -> None:
            doc.clear()
            doc.update(record)

        with self._lock:
            docs = self._table(table)
            # Replace in place rather than remove + insert: one journal line, so a crash cannot
            # leave the record removed and not yet put back.
            if not docs.update(replace, doc_ids=[doc_id]):
                docs.insert(Document(record, doc_id=doc_id))
            mark = self._storage.written
        self._sync(mark)
        return copy_record(record)

    def put_many(self, table: str, records: list[dict], *, stamp_field: str | None = None,
                 handover: bool = False) -> list[dict]:
        """Store whole records exactly as given (like put), all in one journal line: a crash leaves
        either all of them or none on disk, and a large import costs one append and one sync.

        With `stamp_field` (e.g. "_received_at"), each record gets that field set to the time of writing,
        taken under the store's lock: a reader asking "what was written after T" (sync's changes since)
        cannot see a later write with an earlier stamp.

        `handover=True` (a merge of thousands, records just read from JSON): the records are the caller's to
        give away and are stored as they are, neither copied going in nor handed back ([] is returned). The
        caller must not keep nor change them, nor anything in them. A value JSON cannot hold is still refused,
        by the journal's own encoding, and then memory is read back from disk as for a failed write."""
        records = records if handover else detached(records)
        for record in records:
            record["id"] = require_uuid(record.get("id"))
        if not records:
            return []

        def replace_all(docs: dict) -> None:
            for record in records:
                docs[record["id"]] = record

        with self._lock:
            if stamp_field is not None:
                stamp = utc_now()
                for record in records:
                    record[stamp_field] = stamp
            # The journal's own table updater: whatever it sets is journalled as one change.
            self._table(table)._update_table(replace_all)
            mark = self._storage.written
        self._sync(mark)
        return [] if handover else [copy_record(record) for record in records]

    def get(self, table: str, record_id: str) -> dict | None:
        doc_id = as_uuid(record_id)
        with self._lock:
            docs = self._table(table)
            record = None if doc_id is None else docs.get(doc_id=doc_id)
            return None if record is None else copy_record(record)

    def find(self, table: str, **equals: Any) -> list[dict]:
        """Records whose fields equal all the given values; all records if none are given."""
        with self._lock:
            docs = self._table(table)
            found = docs.search(Query().fragment(equals)) if equals else docs.all()
            return [copy_record(doc) for doc in found]

    def filter(self, table: str, predicate: Callable[[dict], bool]) -> list[dict]:
        """Records for which predicate(record) is true; the predicate must only read the record."""
        with self._lock:
            # Not Table.search: it would cache results under the function, stale if the function's
            # closure changes.
            return [copy_record(doc) for doc in self._table(table) if predicate(doc)]

    def fields(self, table: str, names: tuple[str, ...],
               predicate: Callable[[dict], bool] | None = None) -> list[dict]:
        """The named fields (those each has) of the records for which predicate(record) is true: what a summary
        of a large table needs, copied without the rest (a dashboard over 40k meetings copies their school
        and date, not their notes). Read a slice at a time, like summarise."""
        return [{name: copied(doc[name]) for name in names if name in doc}
                for doc in self._in_slices(table) if predicate is None or predicate(doc)]

    def summarise(self, table: str, summary: Callable[[Iterable[dict]], Any]) -> Any:
        """summary(the table's records, as shallow copies): a figure over a large table (meetings per school)
        without a deep copy of each. `summary` must only read them (their lists and dicts are the stored ones).

        The records are those of the moment of the call (one added later is not among them), each as it was
        at one moment; the lock is taken for one slice of SLICE records at a time, and `summary` runs without
        it: a writer waits for a slice to be copied at most, not for the whole table to be summarised."""
        return summary(self._in_slices(table))

    def _in_slices(self, table: str) -> Iterator[dict]:
        with self._lock:
            docs = list(self._table(table)._read_table().values())
        for start in range(0, len(docs), SLICE):
            # Writers change a record in place, under the lock, by giving its fields new values (never by
            # changing a list or dict inside it): a shallow copy made under the lock can be read without it.
            with self._lock:
                copies = [dict(doc) for doc in docs[start:start + SLICE]]
            yield from copies

    def select(self, table: str, predicate: Callable[[dict], bool] | None = None, *,
               order_by: Callable[[dict], Any] | None = None, reverse: bool = False,
               offset: int = 0, limit: int | None = None) -> list[dict]:
        """Matching records, sorted by `order_by` and cut to offset/limit; only the returned ones are
        copied, so a page of the latest ten costs little even in a large table."""
        with self._lock:
            docs = [doc for doc in self._table(table) if predicate is None or predicate(doc)]
            end = None if limit is None else offset + limit
            if order_by is not None and end is not None and end < len(docs):
                # The first `end` in order without sorting them all: the same records and order as a
                # stable sort cut to `end` (heapq documents nsmallest/nlargest as exactly that).
                docs = (heapq.nlargest if reverse else heapq.nsmallest)(end, docs, key=order_by)
            elif order_by is not None:
                docs.sort(key=order_by, reverse=reverse)
            return [copy_record(doc) for doc in docs[offset:end]]

    def delete(self, table: str, record_id: str) -> bool:
        """Remove a record; False if there was none."""
        doc_id = as_uuid(record_id)
        with self._lock:
            docs = self._table(table)
            removed = doc_id is not None and bool(docs.remove(doc_ids=[doc_id]))
            mark = self._storage.written
        self._sync(mark)
        return removed

    def counts(self) -> dict[str, int]:
        """Number of records in each table."""
        with self._lock:
            return {name: len(self._table(name)) for name in TABLES}

    def _table(self, name: str) -> Table:
        # Callers hold self._lock.
        if name not in TABLES:
            raise ValueError(f"Unknown table {name!r}; the tables are {', '.join(TABLES)}.")
        if self._closed:
            raise RuntimeError(f"The store for {self.folder} is closed.")
        return self._db.table(name)
