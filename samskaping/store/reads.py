"""The store's reads: copies handed out, and the lock held only to list a table's records, never while they are read.

Copy-on-write (journal_table.py): a write puts a new record object in the table and never changes a stored
one. So a reader takes, under the lock, a list of the table's records (or, for a snapshot, a new dict per
table), and reads them without the lock while writers go on; what it hands out is copied, so no caller can
change a stored record.

A long read (a dashboard over 50k records, an export) is courteous(): it sleeps a tenth of a millisecond after
every fifth of a millisecond of work. Python runs one thread at a time; a phone's request that waits on its
socket or the disk must then get the interpreter lock back, and next to a busy thread it waits the
interpreter's switch interval for it (5 ms by default) each time. Resting, the long reader lets it in at once.
"""
from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from tinydb.table import Table

from .record_values import as_uuid, copied, copy_record

_MISSING = object()
T = TypeVar("T")
WORK_S = 0.0002  # a long read works this long (its caller's work on each item included) ...
REST_S = 0.0001  # ... then sleeps this long, without the interpreter lock
LOOK_EVERY = 8   # items between two looks at the clock (an item of a summary costs a microsecond or two)


def courteous(items: Iterable[T]) -> Iterator[T]:
    """The items, with a rest of REST_S after every WORK_S spent producing and using them (see above): a long
    loop over them takes about 1.5 times as long, and a short request beside it is not held up."""
    clock = time.perf_counter
    rest_at = clock() + WORK_S
    for number, item in enumerate(items):
        yield item
        if number % LOOK_EVERY == 0 and clock() >= rest_at:  # the clock read every few items, not every one
            time.sleep(REST_S)
            rest_at = clock() + WORK_S


class Reads:
    """The reading half of Store (database.py), which provides _lock, _storage and _table."""

    _lock: threading.RLock
    _storage: Any  # JournalStorage

    def _table(self, name: str) -> Table:
        raise NotImplementedError

    def snapshot(self) -> dict[str, dict[str, dict]]:
        """Every table as it is at one moment, {table: {id: record}}, for reading at leisure (an export, a
        backup): a new dict per table, taken under the lock (a few milliseconds at 50k records), holding the
        stored records themselves. They never change: a write puts a new record in the table's own dict
        (copy-on-write, journal_table.py), so writers go on at once and none of their writes shows up here.
        The caller must only read the records."""
        with self._lock:
            return {table: dict(docs) for table, docs in self._storage.read().items()}

    def version(self, table: str) -> tuple[int, int]:
        """A value that changes whenever the table may have changed (any write to it, a reload): what a reader
        keeps a list made from the table under (the choices of people in a form). Ask before reading."""
        with self._lock:
            self._table(table)
            return self._storage.version(table)

    def get(self, table: str, record_id: str) -> dict | None:
        doc_id = as_uuid(record_id)
        with self._lock:
            record = None if doc_id is None else self._records(table).get(doc_id)
        return None if record is None else copy_record(record)

    def find(self, table: str, **equals: Any) -> list[dict]:
        """Records whose fields equal all the given values; all records if none are given."""
        wanted = list(equals.items())
        return [copy_record(doc) for doc in self._listed(table)
                if all(doc.get(key, _MISSING) == value for key, value in wanted)]

    def filter(self, table: str, predicate: Callable[[dict], bool]) -> list[dict]:
        """Records for which predicate(record) is true; the predicate must only read the record."""
        return [copy_record(doc) for doc in self._listed(table) if predicate(doc)]

    def fields(self, table: str, names: tuple[str, ...],
               predicate: Callable[[dict], bool] | None = None) -> list[dict]:
        """The named fields (those each has) of the records for which predicate(record) is true: what a summary
        of a large table needs, copied without the rest (a dashboard over 40k meetings copies their school
        and date, not their notes). Read without the lock, like summarise; the predicate must only read."""
        return [{name: copied(doc[name]) for name in names if name in doc}
                for doc in courteous(self._listed(table)) if predicate is None or predicate(doc)]

    def summarise(self, table: str, summary: Callable[[Iterable[Mapping[str, Any]]], Any]) -> Any:
        """summary(the table's records, as read-only views): a figure over a large table (meetings per school)
        without a copy of each. A view (MappingProxyType) refuses to be changed; its lists and dicts are the
        stored ones, which `summary` must only read.

        The records are those of the moment of the call (one added or changed later is not among them): the
        lock is held only to list the table's records, which never change (copy-on-write), and `summary` runs
        without it, so no writer waits for a summary; the records come courteous(), so no request does either."""
        return summary(courteous(map(MappingProxyType, self._listed(table))))

    def scan(self, table: str, reader: Callable[[list[Mapping[str, Any]]], T]) -> T:
        """reader(the table's stored records at this moment, in the order they were stored): for a quick pass
        that must order a large table (a page of the audit log, newest first), where summarise's views and
        rests would cost three times the pass itself. Like summarise, without the lock (the records never
        change: copy-on-write); unlike it, the records are the stored ones, not read-only views, and no rest is
        taken: `reader` must only read them, and be quick (~25 ms at 50k records)."""
        return reader(self._listed(table))

    def _listed(self, table: str) -> list[dict]:
        """The table's stored records at this moment, taken under the lock (no copy of any record); to be read
        only, without the lock: a write replaces a record and never changes one."""
        with self._lock:
            return list(self._records(table).values())

    def _records(self, table: str) -> dict[str, dict]:
        # Callers hold self._lock. The live {id: record} of the table (read only).
        return self._table(table)._read_table()

    def select(self, table: str, predicate: Callable[[dict], bool] | None = None, *,
               order_by: Callable[[dict], Any] | None = None, reverse: bool = False,
               offset: int = 0, limit: int | None = None) -> list[dict]:
        """Matching records, sorted by `order_by` and cut to offset/limit; only the returned ones are
        copied, so a page of the latest ten costs little even in a large table."""
        docs = self._listed(table)
        if predicate is not None:
            docs = [doc for doc in docs if predicate(doc)]
        end = None if limit is None else offset + limit
        if order_by is not None and end is not None and end < len(docs):
            # The first `end` in order without sorting them all: the same records and order as a
            # stable sort cut to `end` (heapq documents nsmallest/nlargest as exactly that).
            docs = (heapq.nlargest if reverse else heapq.nsmallest)(end, docs, key=order_by)
        elif order_by is not None:
            docs.sort(key=order_by, reverse=reverse)
        return [copy_record(doc) for doc in docs[offset:end]]
