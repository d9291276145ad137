"""Importing a phone's outbox file: each item goes through the same view and form as a live delivery."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

# A phone form's data-kind -> the table its record is stored in.
OUTBOX_TABLES = {"meeting": "meetings", "feedback": "feedback", "followup": "followups", "barometer": "answers",
                 "charter_acceptance": "acceptances", "charter_question": "questions", "plan": "plans",
                 "meeting_correction": "meetings", "feedback_correction": "feedback"}


@dataclass
class OutboxReport:
    source: str
    person: dict | None
    dry_run: bool = False
    items: list[dict] = field(default_factory=list)

    def total(self, outcome: str) -> int:
        return sum(1 for item in self.items if item["outcome"] == outcome)

    @property
    def changed(self) -> bool:
        return any(item["outcome"] in ("created", "updated") for item in self.items)


def replay_outbox(store: Any, document: dict, *, source: str, dry_run: bool = False) -> OutboxReport:
    """Deliver each item of a phone's outbox file as if that phone sent it now (needs an app context).

    Why this way: a live delivery is a POST to the item's URL with the outbox header, authenticated
    by the phone's device cookie (access.py), then validated and saved by the view's own form. Here
    the person comes from the file instead of the cookie (the leader vouches for the file by
    uploading it), and everything after that is Flask's own dispatch of the same view: one
    validation path. A dry run only says which items the laptop already has."""
    person = store.get("people", document["person"])
    report = OutboxReport(source=source, person=person, dry_run=dry_run)
    for item in document["items"]:
        entry = {"id": str(uuid.UUID(item["id"])), "kind": str(item.get("kind") or ""), "url": item["url"],
                 "fields": item["fields"], "message": "", "errors": {}}
        table = OUTBOX_TABLES.get(entry["kind"])
        if person is None:
            entry.update(outcome="refused", message=_("The person this outbox file belongs to is not in this project."))
        elif not person.get("active", True):
            entry.update(outcome="refused", message=_("%(name)s no longer has access, so the app does not accept "
                                                      "what their phone sends.", name=person["name"]))
        elif dry_run:
            record_id = stored_id(entry["kind"], entry["id"], entry["fields"], person)
            known = table is not None and record_id is not None and store.get(table, record_id) is not None
            entry.update(outcome="known" if known else "pending")
        else:
            entry.update(deliver(person, item))
        report.items.append(entry)
    return report


def stored_id(kind: str, form_id: str, fields: list, person: dict) -> str | None:
    """The id an outbox item's record is stored under. Mostly the form's own id; but one barometer answer
    per person and round (barometer_stats.answer_id) and one acceptance per person and charter version
    (charter_forms.acceptance_record_id), whatever form or phone sent it."""
    value = {name: text for name, text in fields}
    try:
        if kind == "barometer":
            from ..core.barometer_stats import answer_id
            return answer_id(str(uuid.UUID(value.get("round", ""))), person["id"])
        if kind == "charter_acceptance":
            from ..charter.forms import acceptance_record_id
            return acceptance_record_id(str(uuid.UUID(value.get("charter", ""))), person["id"])
    except ValueError:
        return None  # no valid round or charter: the form refuses it when imported
    return form_id


def deliver(person: dict, item: dict) -> dict:
    """POST one outbox item to its view as `person`'s phone would; the view's answer, as a dict."""
    app = current_app._get_current_object()
    from ..web.outbox import OUTBOX_HEADER, outbox_delivery_allowed
    headers = {OUTBOX_HEADER: "1", "Accept": "application/json"}
    if has_request_context():  # answer in the leader's language
        headers["Accept-Language"] = request.headers.get("Accept-Language", "")
        if request.cookies.get("samskaping_lang"):
            headers["Cookie"] = f"samskaping_lang={request.cookies['samskaping_lang']}"
    form = MultiDict([*map(tuple, item["fields"]), ("client_updated_at", item["updated_at"])])
    # A fresh app context first, so the replayed request has its own `g` (not the leader's).
    with app.app_context(), app.test_request_context(item["url"], method="POST", data=form, headers=headers):
        g.person, g.device, g.leader = person, None, False
        if request.routing_exception is not None or not outbox_delivery_allowed(request.endpoint):
            return {"outcome": "refused", "message": _("This phone may not deliver that here.")}
        try:
            response = app.make_response(app.dispatch_request())
        except HTTPException as error:
            return {"outcome": "refused", "message": error.description or error.name}
        answer = response.get_json(silent=True) or {}
    if response.status_code in (200, 201):
        outcome = answer.get("status", "created")
        return {"outcome": "duplicate" if outcome == "duplicate" else outcome, "message": answer.get("message", "")}
    if response.status_code == 409:
        return {"outcome": "conflict", "message": answer.get("message", "")}
    return {"outcome": "refused", "message": answer.get("message", ""), "errors": answer.get("errors", {})}
