"""Backup files: a consistent copy of the whole store, written atomically, checked on reading, rotated."""
from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from .clock import local_day, utc_now
from .database import TABLES, Store
from .durable import sync_folder

FORMAT = "samskaping-backup"
VERSION = 1
SUFFIX = ".json.gz"
# The file name carries the moment (UTC, no colons: Windows) so age and rotation never depend on file
# times, which a copy to a USB stick or a cloud folder may change. Only names like this are ever deleted.
NAME = re.compile(r"samskaping-backup-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)Z\.json\.gz")
KEEP_DAILY = 7
KEEP_WEEKLY = 4
_encode = json.JSONEncoder(separators=(",", ":")).encode  # ASCII only, as the store writes its own files
_BATCH = 1 << 18  # bytes handed to gzip at a time (a few milliseconds of encoding)


class BackupDamaged(ValueError):
    """The file is not a complete Samskaping backup (cut short, changed, or something else)."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime  # UTC
    size: int

    @property
    def day(self) -> date:
        return local_day(self.made_at)


def copy_tables(store: Store) -> dict[str, dict[str, dict]]:
    """Every table as it is at one moment: Store.snapshot(), a new dict per table holding the stored records,
    which a write replaces and never changes (copy-on-write); the slow part, encoding, happens without the lock."""
    live = store.snapshot()
    return {table: live.get(table, {}) for table in TABLES}


def file_name(moment: datetime) -> str:
    return f"samskaping-backup-{moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H-%M-%S')}Z{SUFFIX}"


def write_backup(tables: Mapping[str, Mapping[str, dict]], folder: str | os.PathLike, *, made_at: datetime,
                 pace: float = 0.0) -> BackupFile:
    """Write the tables as a backup file in `folder`: to a temporary file, synced, then renamed, so the
    folder never holds half a backup. Any failure (a full disk, a pulled USB stick) removes the temporary
    file and raises OSError.

    `pace` > 0 rests that many times as long as each batch took to encode: inside the server, encoding
    competes with the request threads for Python's one interpreter lock (a backup at full speed doubled
    the phones' answer times), so it takes longer and leaves them most of it."""
    folder = Path(folder)
    header = {"format": FORMAT, "version": VERSION, "made_at": made_at.astimezone(timezone.utc).isoformat(),
              "counts": {t: len(tables.get(t, {})) for t in TABLES}}
    target = folder / file_name(made_at)
    fd, temp = tempfile.mkstemp(prefix=".samskaping-backup-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw:
            # Level 1: most of the gain (about 6x on this data) for little time; zlib works without the
            # GIL, so request threads keep running while it compresses.
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as out:
                parts, size = [_encode(header)[:-1].encode("ascii"), b',"tables":{'], 0
                batch_started = time.perf_counter()
                for number, table in enumerate(TABLES):
                    parts.append(b'%s"%s":{' % (b"," if number else b"", table.encode("ascii")))
                    separator = b""
                    # One small encode per record: the GIL passes to request threads between them.
                    for doc_id, doc in tables.get(table, {}).items():
                        line = b"%s%s:%s" % (separator, _encode(doc_id).encode("ascii"), _encode(doc).encode("ascii"))
                        parts.append(line)
                        separator = b",\n"
                        size += len(line)
                        if size >= _BATCH:
                            out.write(b"".join(parts))  # zlib compresses without holding the GIL
                            parts, size = [], 0
                            if pace:
                                time.sleep((time.perf_counter() - batch_started) * pace)
                            batch_started = time.perf_counter()
                    parts.append(b"}")
                parts.append(b"}}\n")
                out.write(b"".join(parts))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    sync_folder(folder)
    return BackupFile(target, made_at.astimezone(timezone.utc), target.stat().st_size)


def backup_store(store: Store, folder: str | os.PathLike, *, made_at: datetime | None = None,
                 pace: float = 0.0) -> BackupFile:
    """A consistent backup of the live store into `folder`, then the folder rotated."""
    made_at = made_at or datetime.fromisoformat(utc_now())
    made = write_backup(copy_tables(store), folder, made_at=made_at, pace=pace)
    rotate(folder)
    return made


def read_backup(path: str | os.PathLike) -> tuple[dict, dict[str, dict[str, dict]]]:
    """(header, tables) of a backup file; BackupDamaged if it is not a complete, well-formed one."""
    try:
        with gzip.open(path, "rb") as source:
            document = json.loads(source.read())
    except (OSError, EOFError, zlib.error, ValueError, UnicodeDecodeError) as error:
        # gzip's own check (a CRC and the length) catches a file cut short or changed on the way.
        raise BackupDamaged(f"{Path(path).name}: not a readable backup ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupDamaged(f"{Path(path).name}: not a Samskaping backup")
    if document.get("version") != VERSION:
        raise BackupDamaged(f"{Path(path).name}: backup version {document.get('version')!r}; this app reads {VERSION}")
    tables, counts = document.pop("tables", None), document.get("counts")
    if not isinstance(tables, dict) or set(tables) != set(TABLES) or not isinstance(counts, dict):
        raise BackupDamaged(f"{Path(path).name}: the tables are not those of a backup")
    for table, docs in tables.items():
        if not isinstance(docs, dict) or counts.get(table) != len(docs) or not all(
                isinstance(doc, dict) and doc.get("id", doc_id) == doc_id for doc_id, doc in docs.items()):
            raise BackupDamaged(f"{Path(path).name}: the table {table} is damaged")
    return document, tables


def list_backups(folder: str | os.PathLike) -> list[BackupFile]:
    """The backups in a folder, newest first (other files are none of ours and left out)."""
    found = []
    for entry in os.scandir(folder):
        match = NAME.fullmatch(entry.name)
        if match and entry.is_file():
            made_at = datetime.strptime(match.group(1), "%Y-%m-%dT%H-%M-%S").replace(tzinfo=timezone.utc)
            found.append(BackupFile(Path(entry.path), made_at, entry.stat().st_size))
    return sorted(found, key=lambda backup: backup.made_at, reverse=True)


def to_keep(backups: list[BackupFile], daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY) -> list[BackupFile]:
    """The newest backup of each of the last `daily` days that have one, and of each of the last `weekly`
    weeks (Norwegian days, ISO weeks); newest first."""
    days: dict[date, BackupFile] = {}
    weeks: dict[tuple[int, int], BackupFile] = {}
    for backup in sorted(backups, key=lambda b: b.made_at, reverse=True):
        days.setdefault(backup.day, backup)
        weeks.setdefault(backup.day.isocalendar()[:2], backup)
    kept = list(days.values())[:daily] + list(weeks.values())[:weekly]
    return sorted(set(kept), key=lambda b: b.made_at, reverse=True)


def rotate(folder: str | os.PathLike) -> list[Path]:
    """Delete the backups to_keep leaves out; returns what was deleted."""
    backups = list_backups(folder)
    kept = set(to_keep(backups))
    removed = [backup.path for backup in backups if backup not in kept]
    for path in removed:
        path.unlink(missing_ok=True)
    # A temporary file of a backup cut short by a stop or a crash; an hour old, no backup is still writing it.
    for stale in Path(folder).glob(".samskaping-backup-*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
        except OSError:
            pass
    return removed
