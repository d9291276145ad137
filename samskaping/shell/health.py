"""Liveness for the leader's laptop, scripts and the phones' "is the laptop back?" (static/js/probe.js).

Anyone may ask whether the app runs; how many records it holds is told only on the laptop itself (loopback)
or to the signed-in leader: a stranger on the Wi-Fi learns nothing about the project, not even its size."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from ..web.access import access
from ..web.db import get_store
from ..web.security import request_is_from_this_machine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@access("public")
def healthz():
    if request_is_from_this_machine() or g.get("leader"):
        return jsonify(status="ok", counts=get_store().counts())
    return jsonify(status="ok")
