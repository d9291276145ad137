"""The Flask extensions every part of the app shares, made once and bound to the app in create_app."""
from __future__ import annotations

from flask_compress import Compress
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect

compress = Compress()
htmx = HTMX()
csrf = CSRFProtect()
