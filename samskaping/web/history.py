"""A record's versions: every correction kept in the record itself, as who, when and what changed.

A correction (an author's update through the outbox, a leader's change of a person or a school) appends
one entry to the record's `history` list: {"at": utc iso, "by": person id or None, "changes": {field: [old,
new], ...}} with only the fields that changed, and "leader": true when the project leader made it (who signs
in with a password, not as a person; "by" None without it is an erased person). "at" is when the change was
made: for a phone's delivery the moment its outbox says, never later than the laptop's clock (outbox.client_time). The record holds its own history, so an export,
an import, a merge and an erasure carry it with the record (core/exchange/import_rules.py checks its form;
an erasure cuts an erased person's id out of it like any other pointer: core/erasure/plan.scrub).
"""
from __future__ import annotations

from typing import Any

from ..store.clock import utc_now
from .db import get_store

HISTORY = "history"


def changes_between(stored: dict, fields: dict) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value the update changes."""
    return {key: [stored.get(key), value] for key, value in fields.items()
            if key != HISTORY and stored.get(key) != value}


def with_version(stored: dict, fields: dict, *, by: str | None, at: str | None = None, leader: bool = False) -> dict:
    """The fields to store, with one history entry more when they change anything (else as they are).
    `leader`: the change is the project leader's (who signs in with a password, not as a person)."""
    changes = changes_between(stored, fields)
    if not changes:
        return fields
    history = [entry for entry in stored.get(HISTORY) or [] if isinstance(entry, dict)]
    entry = {"at": at or utc_now(), "by": by, "changes": changes}
    if leader:
        entry["leader"] = True
    return {**fields, HISTORY: [*history, entry]}


def update_with_history(table: str, record_id: str, fields: dict, *, author: str | None,
                        device: str | None, leader: bool = False) -> tuple[dict, bool]:
    """Change a record keeping what it was as a version; returns (record, changed)."""
    store = get_store()
    stored = store.get(table, record_id)
    if stored is None:
        raise KeyError(record_id)
    if not changes_between(stored, fields):
        return stored, False
    return store.update(table, record_id, with_version(stored, fields, by=author, leader=leader),
                        author=author, device=device), True



def readable_versions(record: dict, fields: dict[str, tuple[str, str]], *, prefix: str = "") -> list[dict]:
    """The record's versions for a page, newest first: {"at", "by", "leader", "changes": [(label, kind, old,
    new), ...]} for the fields named in `fields` ({field: (label, kind)}; kind says how a value is shown:
    text, day, person, people, school, type, side). Entries of another form (an import's) are left out."""
    shown = []
    for entry in record.get(HISTORY) or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), dict):
            continue
        changes = [(prefix + str(fields[name][0]), fields[name][1], *change)
                   for name, change in entry["changes"].items()
                   if name in fields and isinstance(change, list) and len(change) == 2]
        if changes:
            shown.append({"at": str(entry.get("at") or ""), "by": entry.get("by"),
                          "leader": bool(entry.get("leader")), "changes": changes})
    return sorted(shown, key=lambda version: version["at"], reverse=True)


def merged_versions(versions: list[dict]) -> list[dict]:
    """Versions of several records changed by one correction (a meeting and its responsibilities: the same
    person, within the same minute) shown as one, newest first."""
    merged: dict[tuple, dict] = {}
    for version in sorted(versions, key=lambda v: v["at"]):
        key = (version["by"], version["leader"], version["at"][:16])
        if key in merged:
            merged[key]["changes"] = merged[key]["changes"] + version["changes"]
        else:
            merged[key] = dict(version)
    return sorted(merged.values(), key=lambda v: v["at"], reverse=True)
