"""Validators shared by the forms, with messages in the translation catalogue."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, ValidationError


def max_length(limit: int) -> Length:
    # WTForms' own Norwegian catalogue lacks this message, so it lives in ours.
    return Length(max=limit, message=_l("At most %(max)d characters, please."))


def valid_uuid(form, field) -> None:
    """Record ids are UUIDs made when the form was opened; anything else means a damaged form."""
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("The form is damaged; open it again.")) from None


def clean_text(value: str | None) -> str:
    """Filter for text fields: a field left out of the request counts as empty, and edges are trimmed."""
    return (value or "").strip()
