"""The server side of the phones' outbox: who may deliver late, and storing a delivery exactly once.

A phone keeps what it could not send in an IndexedDB outbox and delivers it later: hours or days
after the form was filled in, after server restarts, long after the page's CSRF token may have
stopped being valid. Such a delivery is authenticated by the phone's bound-device cookie instead of
the form's token, and cross-site forgery is still refused, because a delivery must
  * carry the header `X-Samskaping-Outbox: 1` — a cross-site page cannot add a custom header to a
    request without a CORS preflight, which this app never grants;
  * come with the device cookie, which is SameSite=Lax and so is not sent on cross-site POSTs;
  * if the browser says where it comes from (Origin, Sec-Fetch-Site), come from this very origin;
  * go to a view that accepts outbox deliveries (marked with @accepts_outbox).

A delivery never overwrites someone else's words: a record's id is known to many (every participant
reads the meetings), so an update by id is taken only from the person who created the record, and the
phone's clock decides "newer" only up to the laptop's own clock.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from ..store.clock import utc_now
from .db import get_store
from .history import with_version

OUTBOX_HEADER = "X-Samskaping-Outbox"


def accepts_outbox(view: Callable) -> Callable:
    """Mark a view that phones may deliver queued submissions to."""
    view.accepts_outbox = True
    return view


def is_outbox_delivery() -> bool:
    return request.headers.get(OUTBOX_HEADER) == "1"


def outbox_delivery_allowed(endpoint: str | None) -> bool:
    """A late delivery from this origin, by a bound phone, to a view that takes them."""
    view = current_app.view_functions.get(endpoint or "")
    if not getattr(view, "accepts_outbox", False) or not g.get("person"):
        return False
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        return False
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


class NotTheAuthor(Forbidden):
    """An update by id from someone other than the record's author: refused, nothing changes."""
    title = _l("Not yours to change")
    description = _l("Only the person who wrote this can change it. Nothing was changed.")


def init_app(app: Flask) -> None:
    @app.errorhandler(NotTheAuthor)
    def not_the_author(error: NotTheAuthor):
        if is_outbox_delivery():
            # 4xx: the phone keeps the entry, shown with this message for the user to delete or correct.
            return jsonify(status="refused", errors={}, message=str(error.description)), 403
        return render_template("errors/error.html", title=error.title, message=error.description), 403


def client_time() -> datetime:
    """When the phone says the record was last changed (outbox `client_updated_at`), else now.

    Never later than the laptop's own clock: a phone set to the year 2999 could otherwise make its
    version "newest" for ever. A time ahead of ours is taken as the moment it arrived."""
    now = datetime.fromisoformat(utc_now())
    raw = request.form.get("client_updated_at", "")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return now
    moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return min(moment, now)


def save_versioned(table: str, record_id: str, fields: dict, *, author: str | None, device: str | None,
                   on_create: dict | None = None) -> tuple[dict, str]:
    """Store one delivered record by its client-made id; returns (record, outcome).

    created   — new;
    duplicate — the same content again (a retry, a replay, a double tap): nothing changes;
    updated   — different content, changed later on the phone than what is stored;
    conflict  — different content, but not newer: the stored one stays (answered 409).
    A record that exists already is answered only to its author: anyone else gets NotTheAuthor (403)."""
    store = get_store()
    changed_at = client_time()
    stamp = changed_at.isoformat(timespec="microseconds")
    existing = store.get(table, record_id)
    if existing is None:
        record, created = store.create(table, {**(on_create or {}), **fields, "client_updated_at": stamp},
                                       author=author, device=device, record_id=record_id)
        if created:
            return record, "created"
        existing = record  # delivered twice at the same moment: the other request stored it
    if not written_by_this_sender(existing, author):
        raise NotTheAuthor()
    if all(existing.get(key) == value for key, value in fields.items()):
        return existing, "duplicate"
    stored_at = datetime.fromisoformat(existing.get("client_updated_at") or existing["updated_at"])
    if changed_at > stored_at:
        # A correction: what it changed is kept in the record as a version (web/history.py).
        return store.update(table, record_id, {**with_version(existing, fields, by=author, at=stamp),
                                               "client_updated_at": stamp},
                            author=author, device=device), "updated"
    return existing, "conflict"


def written_by_this_sender(record: dict, author: str | None) -> bool:
    """A participant's record answers to her; one the leader wrote (it names no person) to the signed-in
    leader, so a double tap on the laptop's "Lagre" is a duplicate, not a refusal."""
    if author is not None:
        return record.get("author") == author
    return record.get("author") is None and bool(g.get("leader"))


def respond(record: dict, outcome: str, location: str, saved_message: str):
    """After a save: JSON for a phone's outbox, else a flash message and 303 to `location`."""
    if is_outbox_delivery():
        return reply_conflict(record) if outcome == "conflict" else reply_stored(record, outcome, location, saved_message)
    if outcome == "conflict":
        flash(_("A newer version of this is already stored; yours was not saved."))
    else:
        flash(saved_message)
    return redirect(location, code=303)


def refuse(form, render_page: Callable):
    """A form that did not validate: its errors as JSON for the outbox, else the page again (422)."""
    if is_outbox_delivery():
        from .pages import walk_fields
        return reply_refused({name: errors for name, errors in walk_fields(form)})
    return render_page()


def reply_stored(record: dict, outcome: str, location: str, message: str = ""):
    """The answer to a delivery that is now on the server (created, duplicate or updated)."""
    return jsonify(status=outcome, id=record["id"], location=location, message=message), 201 if outcome == "created" else 200


def reply_conflict(record: dict):
    return jsonify(status="conflict", id=record["id"], stored=record,
                   message=_("A newer version of this is already stored; yours was not saved.")), 409


def reply_refused(errors: dict[str, list[str]]):
    """The form's own validation refused the delivery: it stays on the phone, shown for correction. Worded as
    something for her to fix, not as the laptop refusing her (that is a 403 or a 409: NotTheAuthor, conflict)."""
    return jsonify(status="refused", errors={name: [str(e) for e in messages] for name, messages in errors.items() if messages},
                   message=_("Some fields need fixing: fix what is marked and send it again.")), 422
