"""The charter (samarbeidsavtale): versions, acceptance (forankring), questions to the leader."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("charter", __name__, url_prefix="/charter")
