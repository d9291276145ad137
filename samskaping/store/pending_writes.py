"""Writes a command made while a server held the data folder (an export's audit line, the installation id):
appended to pending-writes.jsonl beside the store, and added by the store's next opener (fold_pending_writes)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .database import Store

PENDING_NAME = "pending-writes.jsonl"


def append_pending(pending: Path, lines: list[dict]) -> None:
    """Append lines ({table, id, fields}) to the pending file, on disk before this returns."""
    data = b"".join(json.dumps(line).encode("ascii") + b"\n" for line in lines)
    # One O_APPEND write: lines from two commands never interleave.
    fd = os.open(pending, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def pending_lines(path: Path) -> list[dict]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = []
    for text in raw.split(b"\n"):
        try:
            line = json.loads(text)
        except ValueError:
            continue  # a torn or foreign line
        if isinstance(line, dict) and isinstance(line.get("fields"), dict):
            lines.append(line)
    return lines


def fold_pending_writes(store: Store) -> int:
    """Add the writes a command made while a server held the folder (audit lines, the installation id).
    Idempotent by id: a crash halfway folds the rest next time. Returns how many were added."""
    pending = store.folder / PENDING_NAME
    folding = pending.with_suffix(".folding")
    if pending.exists():
        os.replace(pending, folding) if not folding.exists() else _append_file(pending, folding)
    if not folding.exists():
        return 0
    added = 0
    for line in pending_lines(folding):
        try:
            _record, created = store.create(line["table"], line["fields"], record_id=line["id"])
        except (ValueError, KeyError, TypeError):
            continue  # not a table or not an id: nothing to add
        added += created
    folding.unlink()
    return added


def _append_file(source: Path, target: Path) -> None:
    with open(target, "ab") as out:
        out.write(source.read_bytes())
    source.unlink()
