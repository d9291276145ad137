"""Who may open what: every view declares its audience; anything undeclared is leader-only."""
from __future__ import annotations

import hmac
import time
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..core.hashed_secrets import hash_secret
from ..store.clock import utc_now
from ..store.refusals import StoreRefused
from .db import get_store
from .outbox import is_outbox_delivery, outbox_delivery_allowed

DEVICE_COOKIE = "samskaping_device"
DEVICE_COOKIE_DAYS = 400  # the longest lifetime browsers accept
AUDIENCES = ("public", "participant", "member", "leader")
SEEN_EVERY = timedelta(hours=1)  # how often a phone's visits are noted on its device: at most one write an hour


def access(audience: str) -> Callable:
    """Mark a view as open to: anyone (public), a bound device (participant), either of those two
    signed in (member: participant or leader), or the project leader only (leader)."""
    assert audience in AUDIENCES

    def mark(view):
        view.access = audience
        return view

    return mark


def audience_of(endpoint: str | None) -> str:
    if endpoint is None or endpoint == "static":
        return "public"
    view = current_app.view_functions.get(endpoint)
    # Default deny: a view nobody marked is treated as the most restricted kind.
    return getattr(view, "access", "leader")


def load_device() -> None:
    """Find the person behind this phone's device cookie (a revoked device or person counts as none)."""
    g.device = g.person = None
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    device_id, _, secret = cookie.partition(".")
    if not device_id or not secret:
        return
    store = get_store()
    device = store.get("devices", device_id)
    if not device or device.get("revoked_at") or not hmac.compare_digest(device["secret_hash"], hash_secret(secret)):
        return
    person = store.get("people", device["person"])
    if not person or not person.get("active", True):
        return
    g.device, g.person = device, person
    note_seen(store, device)


def note_seen(store, device: dict) -> None:
    """Stamp the device's last_seen (the leader's list says when each phone was last used), at most once an
    hour: one small write per phone an hour, never one per request. A store that cannot write (a full disk)
    does not stop the phone from reading."""
    now = utc_now()
    last = device.get("last_seen")
    try:
        if last and datetime.fromisoformat(now) - datetime.fromisoformat(last) < SEEN_EVERY:
            return
    except (TypeError, ValueError):
        pass  # a stamp that is not a time is replaced
    try:
        g.device = store.update("devices", device["id"], {"last_seen": now})
    except (StoreRefused, OSError, KeyError):
        pass


def leader_signed_in() -> bool:
    return session.get("leader_until", 0) > time.time()


def init_app(app: Flask) -> None:
    @app.before_request
    def check_access():
        load_device()
        g.leader = leader_signed_in()
        audience = audience_of(request.endpoint)
        allowed = (audience == "public" or (audience == "participant" and g.person)
                   or (audience == "member" and (g.person or g.leader)) or (audience == "leader" and g.leader))
        if not allowed:
            return refuse(audience)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if is_outbox_delivery():
            if not outbox_delivery_allowed(request.endpoint):
                return jsonify(status="refused", message=_("This phone may not deliver that here.")), 403
            return None
        # Every other write needs the form's CSRF token (Flask-WTF), checked here for all views, except
        # those exempted with csrf.exempt: they carry no cookies (a laptop syncing with its key).
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            from .extensions import csrf
            csrf.protect(apply_exemptions=True)
        return None


def refuse(audience: str):
    """Anonymous visitors are sent to sign in or told to ask for their QR code; nobody sees data."""
    if audience == "leader" and not g.person:
        return redirect(url_for("auth.login", next=request.path), code=303 if request.method == "POST" else 302)
    if is_outbox_delivery():
        # A queued entry from a phone whose access was revoked: it stays on the phone, with this message.
        return jsonify(status="unauthorized", message=_(
            "This phone is no longer connected to you. Ask your project leader for a new QR code; "
            "what you wrote stays on the phone.")), 401
    if g.person or g.leader:
        abort(403)
    return render_template("auth/ask_for_code.html"), 401


def current_author() -> tuple[str | None, str | None]:
    """(person id, device id) to stamp on records written in this request."""
    person = g.get("person")
    device = g.get("device")
    return (person["id"] if person else None, device["id"] if device else None)
