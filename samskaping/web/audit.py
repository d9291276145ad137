"""The audit log: who did what and when, from the request at hand (never the content of what they wrote)."""
from __future__ import annotations

from flask import g, request

from .db import get_store


def audit(event: str, **detail) -> None:
    """Record who did what and when (never the content of what they wrote)."""
    person, device = (g.person["id"], g.device["id"]) if g.get("person") else (None, None)
    get_store().create("audit", {"event": event, "leader": bool(g.get("leader")), "address": request.remote_addr, **detail},
                       author=person, device=device)
