"""Flask glue for the store: one Store per app, opened on first use and closed when the process ends."""
from __future__ import annotations

import atexit
import threading

from flask import Flask, current_app

from .storage import Store

_opening = threading.Lock()


def init_app(app: Flask) -> None:
    # Opened lazily, so CLI commands that need no data run while a server holds the data folder.
    app.extensions["samskaping_store"] = None


def get_store() -> Store:
    return open_store(current_app)


def open_store(app: Flask) -> Store:
    """The app's store, opened once; raises DataFolderInUse if another process holds the folder."""
    with _opening:
        store = app.extensions.get("samskaping_store")
        if store is None:
            store = Store(app.config["DATA_DIR"])
            app.extensions["samskaping_store"] = store
            # Compact the journal and release the data-folder lock on a normal exit.
            atexit.register(store.close)
            # Audit lines a command (an export) queued while the server held the folder.
            from .cli import fold_pending_writes
            fold_pending_writes(store)
        return store


def close_store(app: Flask) -> None:
    store = app.extensions.get("samskaping_store")
    if store is not None:
        store.close()
