"""The leader's export page: choose, then download JSON, CSV or ZIP."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("export", __name__, url_prefix="/leader/export")
