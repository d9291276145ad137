"""Files that survive a crash: written whole or not at all, and their folder synced so a rename is durable."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def sync_folder(folder: str | os.PathLike) -> None:
    """Make a new file or a rename in `folder` durable: on POSIX only once the folder itself is synced; Windows
    cannot open a folder this way and does not need it."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(chunks: Iterable[bytes], path: str | os.PathLike) -> int:
    """Write the chunks to a temporary file next to `path`, then rename it: a reader never sees half a file."""
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return size
