"""Liveness for the leader's laptop and scripts: status and record counts, no personal data."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..web.access import access
from ..web.db import get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@access("public")
def healthz():
    return jsonify(status="ok", counts=get_store().counts())
