"""Flask glue for the store: one Store per app, opened on first use and closed when the process ends."""
from __future__ import annotations

import atexit
import threading

import click
from flask import Flask, current_app

from ..store.database import Store
from ..store.folder_lock import DataFolderInUse
from ..store.pending_writes import fold_pending_writes
from ..store.refusals import StoreRefused
from .command_errors import CommandRefused

_opening = threading.Lock()


class WatchedStore(Store):
    """The app's Store, counting its writes: `writes` moves on after every write method has changed the
    tables, so what was computed from them under an earlier count is known to be stale (lookups.py keeps the
    day page's index until the next write)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.writes = 0
        self._counting = threading.Lock()

    def _wrote(self) -> None:
        with self._counting:
            self.writes += 1

    def create(self, *args, **kwargs):
        try:
            return super().create(*args, **kwargs)
        finally:
            self._wrote()

    def update(self, *args, **kwargs):
        try:
            return super().update(*args, **kwargs)
        finally:
            self._wrote()

    def put(self, *args, **kwargs):
        try:
            return super().put(*args, **kwargs)
        finally:
            self._wrote()

    def put_many(self, *args, **kwargs):
        try:
            return super().put_many(*args, **kwargs)
        finally:
            self._wrote()

    def delete(self, *args, **kwargs):
        try:
            return super().delete(*args, **kwargs)
        finally:
            self._wrote()


def init_app(app: Flask) -> None:
    # Opened lazily, so CLI commands that need no data run while a server holds the data folder.
    app.extensions["samskaping_store"] = None


def get_store() -> Store:
    return open_store(current_app)


def open_store(app: Flask) -> Store:
    """The app's store, opened once; raises DataFolderInUse if another process holds the folder, and another
    StoreRefused (damage, a read-only folder, a full disk) if it cannot be opened; under a command, that one
    as a CommandRefused."""
    with _opening:
        store = app.extensions.get("samskaping_store")
        if store is None:
            try:
                store = WatchedStore(app.config["DATA_DIR"])
            except StoreRefused as refusal:
                # A command (export, import …) says why in both languages, with no traceback; a folder in
                # use is left to the caller (the export then reads a copy).
                if isinstance(refusal, DataFolderInUse) or click.get_current_context(silent=True) is None:
                    raise
                raise CommandRefused(refusal) from None
            app.extensions["samskaping_store"] = store
            # Compact the journal and release the data-folder lock on a normal exit.
            atexit.register(store.close)
            # Audit lines a command (an export) queued while the server held the folder.
            fold_pending_writes(store)
        return store


def close_store(app: Flask) -> None:
    store = app.extensions.get("samskaping_store")
    if store is not None:
        store.close()
