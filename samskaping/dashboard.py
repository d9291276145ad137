"""The project leader's dashboard: the three F's at a glance."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/leader/dashboard")
