"""The data folder's OS lock: one process at a time opens the store, and a crash never leaves it locked."""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from .refusals import N_, StoreRefused

if os.name == "nt":
    import msvcrt
else:
    import fcntl

LOCK_NAME = "samskaping.lock"


class DataFolderInUse(StoreRefused):
    """Another process has the data folder open."""

    headline = N_("The data folder is in use.")
    advice = N_("Stop that one, or start this one with a different data folder.")


def lock_folder(folder: Path) -> IO[str]:
    """Hold an OS lock on <folder>/samskaping.lock; the OS drops it when the process dies, even by kill -9.

    The lock file is not written here (see note_holder): an open that is refused after this changes no file."""
    lock_path = folder / LOCK_NAME
    existed = lock_path.exists()
    handle = open(lock_path, "a+", encoding="ascii")
    try:
        if os.name == "nt":
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        try:
            handle.seek(0)
            pid = handle.read().strip()
        except OSError:  # Windows will not let us read the locked byte
            pid = ""
        handle.close()
        detail = (N_("The data folder %(folder)s is in use by process %(pid)s: another Samskaping server is "
                     "probably running with it.") if pid else
                  N_("The data folder %(folder)s is in use by another process: another Samskaping server is "
                     "probably running with it."))
        raise DataFolderInUse(detail, folder=folder, pid=pid) from None
    handle.created = not existed  # type: ignore[attr-defined]
    return handle


def note_holder(handle: IO[str]) -> None:
    """Write this process's id into the lock file, for the message another process shows; once the store
    is open. Best effort: on a full disk the id is not worth refusing to start for."""
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
    except OSError:
        pass


def unlock_folder(handle: IO[str], *, refused: bool = False) -> None:
    """Release the lock. After a refused open, a lock file that open made is removed again: no trace left."""
    remove = refused and getattr(handle, "created", False)
    if remove and os.name != "nt":
        Path(handle.name).unlink(missing_ok=True)  # while still locked by us, so no one else is using it
    if os.name == "nt":
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    handle.close()
    if remove and os.name == "nt":
        Path(handle.name).unlink(missing_ok=True)  # Windows removes no open file
