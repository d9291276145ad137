"""Import and merge: another installation's export or a phone's outbox file."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/leader/import")
