"""The base of every form: Flask-WTF with its CSRF token, except for phones' late outbox deliveries."""
from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.utils import cached_property

from .outbox import is_outbox_delivery


class AppForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        @cached_property
        def csrf(self) -> bool:
            # A queued submission may arrive days later with a stale token; it is authenticated by
            # the bound device, a custom header and its origin instead (see outbox.py and access.py).
            return current_app.config.get("WTF_CSRF_ENABLED", True) and not is_outbox_delivery()
