"""The app's own backups: where they go (the leader's choice), one at start and one a day, and their state."""
from __future__ import annotations

import errno
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..store.backup_file import BackupFile, backup_store, list_backups
from ..store.clock import local_day, utc_now
from ..store.database import Store

SETTINGS_ID = "5a3c1e00-0000-4000-8000-00000000bac0"  # the settings record holding the leader's backup folder
DEFAULT_FOLDER = "backups"  # under the data folder
WARN_AFTER_DAYS = 3
PACE = 3.0  # in the server, a backup rests 3x as long as it works: the phones' requests come first
RETRY_AFTER = timedelta(hours=1)  # after a failed automatic backup (say, the USB stick was out)


def chosen_folder(store: Store) -> str | None:
    return (store.get("settings", SETTINGS_ID) or {}).get("folder") or None


def backup_folder(store: Store, data_dir: str | os.PathLike) -> Path:
    """Where backups go: the leader's folder, or <data>/backups."""
    return Path(chosen_folder(store) or Path(data_dir) / DEFAULT_FOLDER)


def folder_problem(text: str) -> str | None:
    """Why a folder cannot take backups (translated), or None if it can."""
    folder = Path(text)
    if not folder.is_absolute():
        return _l("Write the whole path of the folder, for example E:\\Backup or /media/usb/backup.")
    try:
        exists = folder.is_dir()
    except (OSError, ValueError):  # a name too long for the system, a character it cannot take
        exists = False
    if not exists:
        return _l("There is no folder there. Check the path, and that the USB stick or disk is plugged in.")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return _l("The app may not write in that folder. Choose another one, or change its permissions.")
    return None


def reason(error: Exception) -> str:
    """What a failed backup means for the leader (translated); the technical text goes to the log."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return _l("The disk is full.")
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        return _l("The backup folder cannot be reached. Is the USB stick or disk plugged in?")
    if isinstance(error, PermissionError):
        return _l("The app may not write in the backup folder.")
    return _l("Something went wrong while writing the backup.")


@dataclass
class Outcome:
    """What the newest attempt made, or why it failed; kept in memory for the leader page."""
    at: datetime
    made: BackupFile | None = None
    error: str | None = None  # translated, for the leader


@dataclass
class Keeper:
    """One per app. `clock` gives now as an aware datetime (tests set it); the day is the Norwegian day."""
    app: Flask
    clock: Callable[[], datetime] = field(default=lambda: datetime.fromisoformat(utc_now()))
    done_day: object = None  # the Norwegian day of the last automatic backup this process made
    retry_at: datetime | None = None
    last: Outcome | None = None
    running: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    def due(self, now: datetime) -> bool:
        """At start (nothing made yet by this process) and then once a day; not before a retry is allowed."""
        return self.done_day != local_day(now) and (self.retry_at is None or now >= self.retry_at)

    def maybe_start(self) -> threading.Thread | None:
        """Start an automatic backup in the background if one is due and none is running. Checked on
        each request: data only changes through requests, so an idle night needs no backup."""
        now = self.clock()
        if not self.due(now) or not self.running.acquire(blocking=False):
            return None
        self.done_day = local_day(now)  # claimed now, so the next requests do not start another
        self.thread = threading.Thread(target=self._automatic, args=(now,), name="backup", daemon=True)
        self.thread.start()
        return self.thread

    def _automatic(self, now: datetime) -> None:
        try:
            outcome = self.make(now, via="automatic")
            if outcome.error:
                self.done_day, self.retry_at = None, now + RETRY_AFTER
        finally:
            self.running.release()

    def make(self, now: datetime | None = None, *, via: str, store: Store | None = None,
             folder: Path | None = None) -> Outcome:
        """Make a backup now (into `folder`, or where the settings say); never raises for a failed write
        (the outcome says why), and audits it. The caller holds `running` or accepts two backups at once
        (each has its own temporary file)."""
        from ..web.db import open_store
        now = now or self.clock()
        try:
            store = store or open_store(self.app)
            if folder is None:
                folder = backup_folder(store, self.app.config["DATA_DIR"])
                if chosen_folder(store) is None:
                    folder.mkdir(exist_ok=True)  # the default; a chosen folder must be there already
            made = backup_store(store, folder, made_at=now,
                                pace=self.app.config.get("BACKUP_PACE", PACE) if via != "command line" else 0.0)
        except Exception as error:  # a full disk, a pulled USB stick, a closed store: tell, never break
            self.app.logger.warning("Backup failed: %s", error)
            self.last = Outcome(now, error=reason(error))
            self._audit(store, {"event": "backup_failed", "via": via, "error": f"{type(error).__name__}: {error}"})
            return self.last
        self.last = Outcome(now, made=made)
        self._audit(store, {"event": "backup", "via": via, "file": made.path.name, "folder": str(made.path.parent),
                            "bytes": made.size})
        return self.last

    def _audit(self, store: Store | None, fields: dict) -> None:
        if store is None:
            return
        try:
            store.create("audit", {"leader": fields["via"] == "leader page", "address": None, **fields})
        except Exception as error:  # the audit line must not turn a made backup into a failure
            self.app.logger.warning("Could not audit the backup: %s", error)


def keeper(app: Flask) -> Keeper:
    found = app.extensions.get("samskaping_backup")
    return found if found is not None else app.extensions.setdefault("samskaping_backup", Keeper(app))


@dataclass
class Status:
    folder: Path
    backups: list[BackupFile]
    unreachable: bool  # the folder cannot be listed (a USB stick not plugged in)
    stale: bool  # no backup, or the newest is older than WARN_AFTER_DAYS
    last: Outcome | None

    @property
    def newest(self) -> BackupFile | None:
        return self.backups[0] if self.backups else None


def status(app: Flask, store: Store, now: datetime) -> Status:
    folder = backup_folder(store, app.config["DATA_DIR"])
    try:
        backups = list_backups(folder)
        unreachable = False
    except OSError:
        backups, unreachable = [], chosen_folder(store) is not None
    stale = not backups or now - backups[0].made_at > timedelta(days=WARN_AFTER_DAYS)
    return Status(folder, backups, unreachable, stale, keeper(app).last)
