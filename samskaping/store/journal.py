"""TinyDB on a JSON snapshot plus an append-only journal, so a write costs what it changes."""
from __future__ import annotations

import gc
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from .durable import sync_folder
from .journal_format import COMPACT_JSON, DamagedDatabase, journal_line, parse_snapshot, replay_journal
from .journal_table import JournalTable

__all__ = ("DamagedDatabase", "JournalDB", "JournalStorage", "journal_line")

log = logging.getLogger(__name__)

# fdatasync skips flushing timestamps; it still flushes the file size, which is what an append needs.
_datasync = getattr(os, "fdatasync", os.fsync)

# Without O_BINARY, Windows would turn every "\n" we append into "\r\n".
_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)

# Compact when the journal reaches this many lines or as many as the database has records, whichever
# is more: a snapshot costs O(records), so compacting every `records` writes is O(1) per write.
MIN_LINES_BEFORE_COMPACTION = 10_000

# After a compaction failed (a full disk), the next try waits for this many more journal lines: each try
# writes up to a whole snapshot before it fails, which must not happen on every write.
COMPACTION_RETRY_LINES = 1_000


class JournalStorage(Storage):
    """Keeps the database in memory; appends each change to the journal and folds it into the snapshot now and then."""

    def __init__(self, path: str, compact_every: int | None = None,
                 check: Callable[[dict[str, dict[str, Any]], str], None] | None = None) -> None:
        """`check(data, path)` may refuse the loaded tables (raise DamagedDatabase) before any file is touched."""
        super().__init__()
        self._path = path
        self._journal_path = path + ".journal"
        self._folder = os.path.dirname(os.path.abspath(path))
        self._compact_every = compact_every
        self._check = check
        self._sync_lock = threading.Lock()
        # Bytes ever appended and bytes known to be on disk; they only grow, across compactions.
        self._written = 0
        self._synced = 0
        self.syncs = 0  # fdatasync calls made, to see group commit at work
        # Writes per table, and how often the whole database was replaced or reloaded: see version().
        self._versions: dict[str, int] = {}
        self._epoch = 0
        self._retry_compaction_at = 0
        # Read and check everything before touching any file: a refused open (damage) changes nothing.
        journal_existed = os.path.exists(self._journal_path)
        self._load()
        self._fd = os.open(self._journal_path, _APPEND_FLAGS, 0o644)
        try:
            if not journal_existed:
                sync_folder(self._folder)
            self._cut_torn_line()
        except BaseException:
            os.close(self._fd)
            raise
        # A compaction's temporary file left by a crash or a full disk: never read, and it takes space.
        _remove(self._path + ".tmp")
        # A replayed journal is kept and appended to, not compacted at once: a snapshot of a large
        # database takes longer to write than the whole load, and start-up should stay short.
        self._compact_if_due()

    @property
    def written(self) -> int:
        """A mark to pass to sync() to wait for everything appended so far."""
        return self._written

    def version(self, table: str) -> tuple[int, int]:
        """Changes whenever `table` may have changed: for a reader keeping something made from it."""
        return self._epoch, self._versions.get(table, 0)

    def read(self) -> dict[str, dict[str, Any]]:
        # The live dict, not a copy: reads cost nothing. JournalTable puts new records into it, never changing
        # a stored one (copy-on-write).
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        # TinyDB only writes everything at once to drop tables; a snapshot is the natural record of that.
        previous, self._data = self._data, data
        self._epoch += 1
        try:
            self.compact()
        except BaseException:
            self._data = previous  # not on disk, so not in memory either
            raise

    def append_change(self, table: str, puts: dict[str, dict], dels: list[str]) -> None:
        """Append one change to the journal (not yet synced: see sync).

        If it cannot be written (a full disk), the OSError is raised and nothing of the change remains,
        neither in memory nor as a half line in the journal: the next start reads the journal as it was,
        and once there is space again the next write succeeds.
        """
        try:
            line = journal_line(table, puts, dels)
            _write_all(self._fd, line)
        except BaseException:
            # The in-memory tables already hold the change; cut off any partial line and reload
            # what is on disk, so memory never claims more than the files do.
            os.ftruncate(self._fd, self._size)
            self._load()
            raise
        self._versions[table] = self._versions.get(table, 0) + 1
        self._written += len(line)
        self._size += len(line)
        self._lines += 1
        self._compact_if_due()

    def sync(self, upto: int) -> None:
        """Return once the journal is on disk up to the mark `upto`.

        Called outside the database lock, so writers that arrive while one fdatasync runs are all
        covered by the next one instead of queueing for one each.
        """
        with self._sync_lock:
            if self._synced >= upto:
                return
            written = self._written
            _datasync(self._fd)
            self.syncs += 1
            self._synced = written

    def compact(self) -> None:
        """Write the whole database as a new snapshot, then empty the journal.

        An OSError (a full disk) leaves the files as they were: the temporary file is removed, so it
        does not hold on to the last free space, and the journal still holds every change."""
        written = self._written
        temp_path = self._path + ".tmp"
        try:
            with open(temp_path, "wb") as temp:
                temp.write(json.dumps(self._data, **COMPACT_JSON).encode("ascii"))
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_path, self._path)
        except BaseException:
            _remove(temp_path)
            raise
        sync_folder(self._folder)
        # A crash right here leaves the old journal next to the new snapshot; replaying it changes
        # nothing, because each line puts whole documents the snapshot already holds.
        os.ftruncate(self._fd, 0)
        _datasync(self._fd)
        self._size = self._lines = self._retry_compaction_at = 0
        with self._sync_lock:
            self._synced = max(self._synced, written)

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            if self._lines or not os.path.exists(self._path):
                self.compact()
        except OSError as error:
            # The journal holds everything (the next start replays it); only the fold had no room.
            log.warning("The journal was not folded into %s at close: %s", self._path, error)
        with self._sync_lock:
            try:
                if self._lines:
                    _datasync(self._fd)  # every write waited for its own sync; this one is for TinyDB's own calls
            except OSError as error:
                log.warning("The journal %s could not be synced at close: %s", self._journal_path, error)
            self._synced = self._written  # all on disk now: sync() must not touch the closed fd
            os.close(self._fd)
            self._fd = -1

    def _compact_if_due(self) -> None:
        """Compact when the journal is long enough. A compaction that fails (a full disk) is put off, and is
        never an error for the write that found it due: that write is in the journal already."""
        if self._lines < max(self._compaction_threshold(), self._retry_compaction_at):
            return
        try:
            self.compact()
        except OSError as error:
            self._retry_compaction_at = self._lines + COMPACTION_RETRY_LINES
            log.warning("Compaction of %s put off for %d journal lines: %s", self._path,
                        COMPACTION_RETRY_LINES, error)

    def _compaction_threshold(self) -> int:
        if self._compact_every is not None:
            return self._compact_every
        return max(MIN_LINES_BEFORE_COMPACTION, sum(map(len, self._data.values())))

    def _load(self) -> None:
        """Read the snapshot and replay the journal over it, changing no file; DamagedDatabase if either
        holds something else than tables of records."""
        raw_snapshot, raw_journal = _read(self._path), _read(self._journal_path)
        with _gc_paused():
            data = parse_snapshot(raw_snapshot, self._path)
            self._size, self._lines = replay_journal(data, raw_journal or b"", self._journal_path)
            if self._check is not None:
                self._check(data, self._path)
        self._data = data
        self._epoch = getattr(self, "_epoch", 0) + 1

    def _cut_torn_line(self) -> None:
        # An append a crash cut short was never acknowledged; without it the journal ends on a newline.
        if os.fstat(self._fd).st_size > self._size:
            os.ftruncate(self._fd, self._size)
            _datasync(self._fd)


class JournalDB(TinyDB):
    """TinyDB with JournalStorage and JournalTable; TinyDB(...) itself stays as it was."""

    table_class = JournalTable
    default_storage_class = JournalStorage


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        return None


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@contextmanager
def _gc_paused() -> Iterator[None]:
    # json.loads makes millions of objects at start-up; cyclic GC passes over them nearly double the time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
