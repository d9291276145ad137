"""Follow-ups as stored: a new status, a comment, and changes to what was agreed (who, by when, what), each
logged as one entry of the responsibility's follow-up log.

A change is kept on the follow-up as {field: {"from": old, "to": new}} with the reason given, so the log
shows who changed what, when, from what to what; the responsibility itself carries the new values."""
from __future__ import annotations

from flask import g

from ..web.access import current_author
from ..web.db import get_store
from ..web.outbox import save_versioned

CHANGEABLE = ("owner", "due", "what")


def may_change(responsibility: dict, person_id: str | None, leader: bool) -> bool:
    """Who may change the owner, the due date or the wording: the project leader, the person responsible,
    whoever recorded it (the author of the meeting that agreed it), and the author of a meeting that followed
    it up (a later meeting may renegotiate it)."""
    if leader:
        return True
    if not person_id:
        return False
    if person_id in (responsibility.get("owner"), responsibility.get("author")):
        return True
    store = get_store()
    agreed_in = store.get("meetings", responsibility.get("meeting") or "")
    if agreed_in is not None and agreed_in.get("author") == person_id:
        return True
    return any((store.get("meetings", f.get("meeting") or "") or {}).get("author") == person_id
               for f in store.find("followups", responsibility=responsibility["id"]) if f.get("meeting"))


def changes_to(responsibility: dict, wanted: dict[str, str | None]) -> dict[str, dict]:
    """The changes the wanted values make: an empty value means "unchanged", as does the value it has now."""
    return {name: {"from": responsibility.get(name), "to": value} for name, value in wanted.items()
            if name in CHANGEABLE and value and value != responsibility.get(name)}


def record_followup(responsibility_id: str, status: str, comment: str, *, record_id: str,
                    meeting_id: str | None = None, wanted: dict[str, str | None] | None = None,
                    reason: str = "") -> tuple[dict | None, str]:
    """Log a follow-up (who, when, status, comment, changes) and give the responsibility its new status and values
(`wanted`: new owner, due date, wording; an empty one means unchanged).
    Nothing is logged when nothing new is said. The changes and their reason are taken when the follow-up is
    first stored: the same follow-up delivered again is a duplicate, whatever the responsibility is by then."""
    store = get_store()
    responsibility = store.get("responsibilities", responsibility_id)
    if responsibility is None:
        return None, "missing"
    author, device = current_author()
    existing = store.get("followups", record_id)
    comment = (comment or "").strip()
    changes = changes_to(responsibility, wanted or {})
    if existing is None and status == responsibility["status"] and not comment and not changes:
        return None, "unchanged"
    if existing is not None and author is None and existing.get("author") is None:
        return existing, "duplicate"  # the leader's form sent twice (a double click): stored once
    followup, outcome = save_versioned("followups", record_id, {
        "responsibility": responsibility_id, "status": status, "comment": comment, "meeting": meeting_id,
    }, author=author, device=device, on_create={"previous_status": responsibility["status"],
                                                **({"changes": changes, "reason": reason} if changes else {}),
                                                **({"by_leader": True} if author is None and g.get("leader") else {})})
    if outcome == "created":
        store.update("responsibilities", responsibility_id, {"status": status, **new_values(changes)},
                     author=author, device=device)
    elif outcome == "updated":
        store.update("responsibilities", responsibility_id, {"status": status}, author=author, device=device)
    return followup, outcome


def new_values(changes: dict[str, dict]) -> dict:
    values = {name: change["to"] for name, change in changes.items()}
    if "owner" in values:  # the organisation follows the person responsible
        owner = get_store().get("people", values["owner"])
        if owner is not None:
            values["side"] = owner.get("side")
    return values
