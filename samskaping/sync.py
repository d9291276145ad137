"""Sync between two laptops: pairing with a sync key, pulling and pushing changes."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sync", __name__, url_prefix="/sync")
