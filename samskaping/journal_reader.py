"""Reads a journalled database from a second process: without the data folder's lock, changing no file."""
from __future__ import annotations

import json
import os
import time
from typing import Any

from .journal import DamagedDatabase


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
    problem = ""
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
            problem = f"{path} had just been replaced"
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
            problem = f"{path} was replaced while it was read"
            continue
        try:
            data = json.loads(raw_snapshot) if raw_snapshot.strip() else {}
        except ValueError as error:
            raise DamagedDatabase(f"{path} is not valid JSON ({error}); restore it from a backup.") from None
        if not isinstance(data, dict):
            raise DamagedDatabase(f"{path} is not a TinyDB database (no tables at the top).")
        *lines, _torn = raw_journal.split(b"\n")
        try:
            for line in lines:
                change = json.loads(line)
                docs = data.setdefault(change["t"], {})
                docs.update(change["put"])
                for doc_id in change["del"]:
                    docs.pop(doc_id, None)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            problem = f"{journal_path} is damaged ({error!r})"
            continue
        return data
    raise DamagedDatabase(f"Could not read a consistent copy: {problem or 'the files kept changing'}.")


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    # Inode and device change when the snapshot is replaced; size and change time guard file systems
    # (some network shares) that reuse inode numbers at once.
    return (status.st_dev, status.st_ino, status.st_size, status.st_ctime_ns)
