"""The base of every form (Flask-WTF with its CSRF token, except for phones' late outbox deliveries), and
what forms share: date formats and choices."""
from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.utils import cached_property
from wtforms.fields.choices import SelectChoice

from .outbox import is_outbox_delivery

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the date picker's value, or typed Norwegian style


class AppForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        @cached_property
        def csrf(self) -> bool:
            # A queued submission may arrive days later with a stale token; it is authenticated by
            # the bound device, a custom header and its origin instead (see outbox.py and access.py).
            return current_app.config.get("WTF_CSRF_ENABLED", True) and not is_outbox_delivery()


def choices(records: list[dict], blank: str | None = None) -> list[SelectChoice]:
    """A select field's choices from named records, with an optional empty first choice."""
    named = [SelectChoice(r["id"], r["name"]) for r in records]
    return ([SelectChoice("", blank)] if blank is not None else []) + named


def options(labels: dict) -> list[SelectChoice]:
    """A select field's choices from one of the label tables (core/vocabulary.py)."""
    return [SelectChoice(key, label) for key, label in labels.items()]
