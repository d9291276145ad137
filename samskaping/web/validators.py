"""Validators shared by the forms, with messages in the translation catalogue."""
from __future__ import annotations

import re
import uuid

from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, ValidationError

from ..core.vocabulary import FIRST_DAY, LAST_DAY


def max_length(limit: int) -> Length:
    # WTForms' own Norwegian catalogue lacks this message, so it lives in ours.
    return Length(max=limit, message=_l("At most %(max)d characters, please."))


def valid_uuid(form, field) -> None:
    """Record ids are UUIDs made when the form was opened; anything else means a damaged form."""
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("The form is damaged; open it again.")) from None


def plausible_day(form, field) -> None:
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Choose a date between %(first)d and %(last)d.", first=FIRST_DAY.year,
                                 last=LAST_DAY.year))


# Characters nobody means to type, invisible on the page: control characters (but tab and line breaks) and the
# direction overrides and isolates that make a text read otherwise than it is stored. A name of NUL bytes
# would pass as filled in; pasted text brings them along unseen, so they are dropped, not refused.
UNSEEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str | None) -> str:
    """Filter for text fields: a field left out of the request counts as empty, unseen characters are dropped
    and edges are trimmed."""
    return UNSEEN.sub("", value or "").strip()
