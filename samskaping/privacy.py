"""Personvern: everything stored about one person (innsyn), and erasing a person."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/leader/privacy")
