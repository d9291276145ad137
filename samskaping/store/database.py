"""The one place that owns the database: records with ids and timestamps, durable and thread-safe."""
from __future__ import annotations

import gc
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from tinydb.table import Document, Table

from .clock import utc_now
from .folder_lock import DataFolderInUse, lock_folder, note_holder, unlock_folder
from .journal import JournalDB
from .journal_format import DamagedDatabase, check_ids
from .reads import Reads
from .record_values import as_uuid, copy_record, detached, require_uuid
from .refusals import refusal_for

__all__ = ("TABLES", "DamagedDatabase", "DataFolderInUse", "Store")

TABLES = (
    "settings", "schools", "people", "devices", "meetings", "responsibilities", "followups", "feedback", "audit",
    # The three F's: the charter's versions, who accepted which, questions about it; the barometer.
    "charters", "acceptances", "questions", "statements", "rounds", "answers",
    # Import, merge and sync: versions that lost a merge, kept for the leader; paired laptops.
    "conflicts", "peers",
    # Planned meetings: the next meeting of a school, who is invited, its agenda (planning/).
    "plans",
)

DB_NAME = "samskaping.json"

# Set by the store on every record; the caller's fields cannot override them.
_CREATION_FIELDS = ("id", "created_at", "updated_at", "author", "device")
_STAMPED_FIELDS = (*_CREATION_FIELDS, "updated_by", "updated_device")


class Store(Reads):
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
        """The live tables ({table: {id: record}}), with every writer held off until the block ends."""
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
            stored = docs._read_table().get(record_id)
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
            record = docs._read_table()[doc_id]  # the new record object (copy-on-write)
            mark = self._storage.written
        self._sync(mark)
        return copy_record(record)

    def put(self, table: str, record: dict) -> dict:
        """Store a whole record exactly as given, replacing any with its id (which must be a UUID)."""
        record = detached(record)
        record["id"] = doc_id = require_uuid(record.get("id"))

        def replace(docs: dict) -> None:
            docs[doc_id] = record

        with self._lock:
            # One journal line that puts the whole record (not remove + insert: a crash cannot leave the
            # record removed and not yet put back), a new object in the table (copy-on-write).
            self._table(table)._update_table(replace)
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
