"""The data folder's OS lock: one process at a time opens the store, and a crash never leaves it locked."""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO

if os.name == "nt":
    import msvcrt
else:
    import fcntl

LOCK_NAME = "samskaping.lock"


class DataFolderInUse(RuntimeError):
    """Another process has the data folder open."""


def lock_folder(folder: Path) -> IO[str]:
    """Hold an OS lock on <folder>/samskaping.lock; the OS drops it when the process dies, even by kill -9."""
    handle = open(folder / LOCK_NAME, "a+", encoding="ascii")
    try:
        if os.name == "nt":
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        try:
            handle.seek(0)
            holder = f"process {handle.read().strip() or '?'}"
        except OSError:  # Windows will not let us read the locked byte
            holder = "another process"
        handle.close()
        raise DataFolderInUse(
            f"The data folder {folder} is in use by {holder}: another Samskaping server is probably "
            "running with it. Stop that one, or start this one with a different data folder."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def unlock_folder(handle: IO[str]) -> None:
    if os.name == "nt":
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    handle.close()
