"""The 3F barometer (samarbeidsbarometer): rounds of statements answered 1-5."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("barometer", __name__, url_prefix="/barometer")
