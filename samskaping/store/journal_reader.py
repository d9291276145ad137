"""Reads a journalled database from a second process: without the data folder's lock, changing no file."""
from __future__ import annotations

import os
import time
from typing import Any

from .journal_format import DamagedDatabase, parse_snapshot, replay_journal


def read_consistent(path: str, *, attempts: int = 20, settle_seconds: float = 0.05) -> dict[str, dict[str, Any]]:
    """The database at `path` as snapshot + journal show it, read WITHOUT the data folder's lock and
    without changing any file: for a second process (the export command) while a server holds the folder.

    A compaction by the server replaces the snapshot (new inode) and then empties the journal; a read that
    overlaps one could pair the old snapshot with the new journal and miss every change in between. So the
    snapshot is identified before and after the journal is read, and the read starts again if it changed.
    A torn last journal line is an append still in flight: it is left out, as a restart would. A damaged
    line elsewhere can only be the journal being emptied under us; it is retried, and reported as
    DamagedDatabase only if it persists.
    """
    journal_path = path + ".journal"
    problem: Exception = RuntimeError(f"Could not read a consistent copy of {path}: the files kept changing.")
    for attempt in range(attempts):
        if attempt:
            time.sleep(settle_seconds * attempt)  # let a compaction in progress finish
        try:
            with open(path, "rb") as snapshot:
                before = _identity(os.fstat(snapshot.fileno()))
                raw_snapshot = snapshot.read()  # at once, and closed: Windows would refuse the server's replace
        except FileNotFoundError:
            before, raw_snapshot = None, b""
        if before is not None and 0 <= time.time() - before[3] / 1e9 < settle_seconds:
            continue  # the journal may be about to be emptied
        try:
            with open(journal_path, "rb") as journal:
                raw_journal = journal.read()
        except FileNotFoundError:
            raw_journal = b""
        try:
            after = _identity(os.stat(path))
        except FileNotFoundError:
            after = None
        if after != before:
            continue
        # A missing snapshot is a new database; an empty or misshapen one is damage, as for the server.
        data = parse_snapshot(None if before is None else raw_snapshot, path)
        try:
            replay_journal(data, raw_journal, journal_path)
        except DamagedDatabase as error:
            problem = error
            continue
        return data
    raise problem


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    # Inode and device change when the snapshot is replaced; size and change time guard file systems
    # (some network shares) that reuse inode numbers at once.
    return (status.st_dev, status.st_ino, status.st_size, status.st_ctime_ns)
