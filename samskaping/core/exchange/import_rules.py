"""What each table's records must hold to be imported: kinds of field, and the rules per table."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from collections.abc import KeysView
from typing import Any, Callable

from flask_babel import gettext as _

from ..barometer_stats import F_ORDER
from ..vocabulary import FIRST_DAY, LAST_DAY, SIDES, STATUSES

MAX_TEXT = 100_000  # the longest form field is 20 000 characters; anything far past that is not ours
# The deepest a field's value may nest lists and objects. The app writes at most 2 (a round's invited people);
# values nested hundreds deep made every walker over records (innsyn, erasure) fail with a RecursionError.
MAX_DEPTH = 32


def nested_deeper(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether the value nests lists and objects more than `limit` levels deep (a flat list is 1).
    With a stack, not recursion, so that no value can make the check itself fail."""
    if type(value) is list and limit >= 1 and not any(isinstance(item, (dict, list)) for item in value):
        return False  # a flat list (a meeting's attendees): one level
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


# ---- Field kinds: each returns None if the value fits, else a short description of what was expected.

def text(value: Any) -> str | None:
    return None if isinstance(value, str) and len(value) <= MAX_TEXT else _("text")


# An id as this app writes it (str(uuid.uuid4())): recognised without building a UUID, the common case.
CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_id(value: Any) -> str:
    """str(uuid.UUID(value)) (ValueError, TypeError or AttributeError if it is not a UUID), quicker for an id
    already in canonical form: that form is its own str(uuid.UUID())."""
    if type(value) is str and CANONICAL_ID.fullmatch(value):
        return value
    return str(uuid.UUID(value))


def an_id(value: Any) -> str | None:
    if type(value) is str and CANONICAL_ID.fullmatch(value):
        return None
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return _("an id (UUID)")
    return None


def a_time(value: Any) -> str | None:
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, TypeError):
        return _("a time in ISO 8601 with time zone")
    return None if moment.tzinfo is not None else _("a time in ISO 8601 with time zone")


def a_date(value: Any) -> str | None:
    try:
        ok = isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and date.fromisoformat(value)
    except ValueError:
        ok = False
    if ok and not FIRST_DAY <= ok <= LAST_DAY:  # as a form refuses it (web/validators.py: plausible_day)
        return _("a date (YYYY-MM-DD) from %(first)d to %(last)d", first=FIRST_DAY.year, last=LAST_DAY.year)
    return None if ok else _("a date (YYYY-MM-DD)")


def ids(value: Any) -> str | None:
    if isinstance(value, list) and all(an_id(item) is None for item in value):
        return None
    return _("a list of ids")


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else _("true or false")


def integer(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) else _("a whole number")


def positive(value: Any) -> str | None:
    return None if integer(value) is None and value >= 1 else _("a whole number from 1")


def score(value: Any) -> str | None:
    return None if integer(value) is None and 1 <= value <= 5 else _("a whole number from 1 to 5")


def values(value: Any) -> str | None:
    """A barometer answer's values: {statement id: 1..5}."""
    ok = isinstance(value, dict) and all(an_id(key) is None and score(item) is None for key, item in value.items())
    return None if ok else _("a set of statement ids, each with a whole number from 1 to 5")


def invited(value: Any) -> str | None:
    """Who a barometer round asked: [{"id": person id, "side": kommune|entreprenor}]."""
    ok = isinstance(value, list) and all(
        isinstance(item, dict) and an_id(item.get("id")) is None and SIDE(item.get("side")) is None
        for item in value)
    return None if ok else _("a list of people, each with an id and an organisation")


def agreement_changes(value: Any) -> str | None:
    """What a follow-up changed of its responsibility: {"owner"|"due"|"what": {"from": old, "to": new}}."""
    kinds = {"owner": optional(an_id), "due": optional(a_date), "what": optional(text)}
    ok = isinstance(value, dict) and all(
        name in kinds and isinstance(change, dict) and set(change) == {"from", "to"}
        and kinds[name](change["from"]) is None and kinds[name](change["to"]) is None
        for name, change in value.items())
    return None if ok else _("changes of owner, due date or wording, each from an old to a new value")


MAX_VERSIONS = 10_000  # far more corrections than a record gets in a school year


def versions(value: Any) -> str | None:
    """A record's history (web/history.py): [{"at": time, "by": person id or null, "changes": {field: [old, new]},
    "leader": true if the project leader made it (optional)}]."""
    ok = isinstance(value, list) and len(value) <= MAX_VERSIONS and all(
        isinstance(entry, dict) and set(entry) <= {"at", "by", "changes", "leader"} and a_time(entry.get("at")) is None
        and isinstance(entry.get("leader", False), bool)
        and optional(an_id)(entry.get("by")) is None and isinstance(entry.get("changes"), dict)
        and all(isinstance(name, str) and isinstance(change, list) and len(change) == 2
                for name, change in entry["changes"].items())
        for entry in value)
    return None if ok else _("a list of versions, each with a time, who and what changed")


def one_of(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else _("one of: %(values)s", values=", ".join(allowed))
    return check


def optional(kind: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value is None else kind(value)
    return check


STATUS = one_of(*STATUSES)
SIDE = one_of(*SIDES)
F = one_of(*F_ORDER)
CHARTER_TEXTS = ("name", "parties", "goal", "roles_kommune", "roles_entreprenor", "kommune_expects",
                 "entreprenor_expects", "routines")  # charter_forms.TEXT_FIELDS (a test checks they agree)

# Every record has these (storage.py stamps them); updated_by/updated_device only once edited.
BASE_REQUIRED = {"id": an_id, "created_at": a_time, "updated_at": a_time,
                 "author": optional(an_id), "device": optional(an_id)}
BASE_OPTIONAL = {"updated_by": optional(an_id), "updated_device": optional(an_id),
                 "client_updated_at": optional(a_time), "history": versions}

# (required, optional-but-typed) per table, from what the views that write each table store.
# Fields not named here are kept as they come: a newer version of the app may add some.
FIELDS: dict[str, tuple[dict, dict]] = {
    "schools": ({"name": text}, {}),
    "people": ({"name": text, "side": SIDE},
               {"role": text, "school": optional(an_id), "active": boolean, "revoked_at": optional(a_time),
                "join_version": integer, "join_token_hash": optional(text)}),
    "meetings": ({"date": a_date, "school": an_id, "type": text, "attendees": ids},
                 {"guests": text, "agenda": text, "notes": text, "decisions": text}),
    # owner None: its owner was erased (erasure_plan.plan_erasure), until the leader gives it to someone else.
    "responsibilities": ({"what": text, "owner": optional(an_id), "status": STATUS},
                         {"side": SIDE, "due": optional(a_date), "meeting": optional(an_id),
                          "school": optional(an_id)}),
    "followups": ({"responsibility": an_id, "status": STATUS},
                  {"comment": text, "meeting": optional(an_id), "previous_status": optional(STATUS),
                   "changes": agreement_changes, "reason": text, "by_leader": boolean}),
    "feedback": ({"to": an_id}, {"about": optional(an_id), "worked": text, "improve": text,
                                 "seen_at": optional(a_time)}),  # when its recipient first opened it
    # The charter (charter.py, charter_forms.TEXT_FIELDS), its acceptances and questions.
    "charters": ({"version": positive}, {name: text for name in CHARTER_TEXTS}),
    "acceptances": ({"person": an_id, "charter": an_id, "version": positive, "side": SIDE}, {}),
    "questions": ({"person": an_id, "charter": an_id, "version": positive, "text": text},
                  {"answer": optional(text), "answered_at": optional(a_time)}),
    # The barometer (barometer.py, barometer_admin.py): the pages read these fields without checking them.
    "statements": ({"f": F, "text": text, "position": integer, "active": boolean}, {}),
    "rounds": ({"title": text, "status": one_of("open", "closed"), "statement_ids": ids, "invited": invited},
               {"closes_on": optional(a_date), "closed_at": optional(a_time)}),
    "answers": ({"round": an_id, "person": optional(an_id), "side": SIDE, "values": values},
                {"comment": text}),
    # Planned meetings (planning/views.py): meeting is set once their minutes are written.
    "plans": ({"date": a_date, "school": an_id, "invited": ids},
              {"time": optional(text), "type": text, "agenda": text, "meeting": optional(an_id)}),
}


# Per table: the names that must be there, and (name, kind) of every field with a kind (check_record).
CHECKS: dict[str, tuple[KeysView[str], tuple[tuple[str, Callable[[Any], str | None]], ...]]] = {
    table: ({**BASE_REQUIRED, **required}.keys(),  # a set view, in order: the first missing one is named
            tuple({**BASE_REQUIRED, **required, **BASE_OPTIONAL, **optional}.items()))
    for table, (required, optional) in FIELDS.items()}


def path(value: Any) -> str | None:
    ok = isinstance(value, str) and value.startswith("/") and not value.startswith("//") and len(value) < 300
    return None if ok else _("a path in the app")


def pairs(value: Any) -> str | None:
    ok = isinstance(value, list) and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) and len(part) <= MAX_TEXT
                                                          for part in pair) for pair in value)
    return None if ok else _("a list of [name, value] pairs")
