"""The lookups the pages share: people and schools once per request, open responsibilities, recent meetings."""
from __future__ import annotations

from operator import itemgetter
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from flask import current_app, g, request
from flask_babel import get_locale, gettext as _

from ..core.deadlines import deadline, pressing
from ..core.vocabulary import MEETING_TYPES, SIDES, STATUSES, by_due_date, is_open
from .db import get_store

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LATEST = 5  # meetings the day page shows
T = TypeVar("T")


def per_request(function):
    """Remember a small lookup (people, schools) for the rest of the request: forms ask several times."""
    def remembered():
        cache = g.setdefault("record_lookups", {})
        if function.__name__ not in cache:
            cache[function.__name__] = function()
        return cache[function.__name__]
    remembered.__name__ = function.__name__
    return remembered


@per_request
def people_by_id() -> dict[str, dict]:
    """Every person, active or not, so old records still show who wrote them."""
    return {p["id"]: p for p in get_store().find("people")}


def active_people() -> list[dict]:
    return sorted((p for p in people_by_id().values() if p.get("active", True)), key=lambda p: p["name"].lower())


@per_request
def schools_by_id() -> dict[str, dict]:
    return {s["id"]: s for s in get_store().find("schools")}


def schools() -> list[dict]:
    return sorted(schools_by_id().values(), key=lambda s: s["name"].lower())


class DayIndex(NamedTuple):
    """What the day page lists, from one pass over responsibilities and one over meetings. The records are
    shallow copies shared by every request until the next write: read them, never change them."""
    open: list[dict]                   # open responsibilities by due date
    by_school: dict[str, list[dict]]   # the same, per school (by due date)
    by_owner: dict[str, list[dict]]    # the same, per owner (by due date)
    latest: list[dict]                 # the LATEST newest meetings, newest first


def _build_index(store) -> DayIndex:
    # Only the open ones and the newest few are copied, not every record of the year's (or years') tables.
    opened = sorted(store.filter("responsibilities", is_open), key=by_due_date)
    by_school: dict[str, list[dict]] = {}
    by_owner: dict[str, list[dict]] = {}
    for r in opened:
        by_school.setdefault(r.get("school"), []).append(r)
        by_owner.setdefault(r.get("owner"), []).append(r)
    latest = store.select("meetings", order_by=_meeting_order, reverse=True, limit=LATEST)  # heapq, not a sort
    return DayIndex(opened, by_school, by_owner, latest)


_meeting_order = itemgetter("date", "created_at")


def kept_while_unchanged(name: str, tables: tuple[str, ...], build: Callable[[], T], *depends_on: Any,
                         per_language: bool = True) -> T:
    """build(), made once per language and shared by the requests that follow until one of `tables` changes
    in the store (Store.version, asked before build() reads them, so a write meanwhile is not missed) or
    `depends_on` (today's date) does: a day page's index, a form's choices of people. What it returns is
    shared between requests: read it, never change it. per_language=False: one for all languages (what
    build() makes holds no translated text, and is large: the search's index)."""
    store = get_store()
    key = (name, str(get_locale()) if per_language else None)
    versions = (tuple(store.version(table) for table in tables), depends_on)
    kept: dict[tuple, tuple[Any, tuple, Any]] = current_app.extensions.setdefault("samskaping_kept", {})
    found = kept.get(key)
    if found is not None and found[0] is store and found[1] == versions:
        return found[2]
    value = build()
    kept[key] = (store, versions, value)  # the store itself: a reopened one numbers its versions anew
    return value


def day_index() -> DayIndex:
    return kept_while_unchanged("day_index", ("responsibilities", "meetings"), lambda: _build_index(get_store()))


def my_open_responsibilities(person_id: str) -> list[dict]:
    """Mine, open, by due date (shared records: read only)."""
    return day_index().by_owner.get(person_id, [])


def open_responsibilities(school_id: str | None = None) -> list[dict]:
    """Open ones by due date, of one school or all (shared records: read only)."""
    index = day_index()
    return index.open if school_id is None else index.by_school.get(school_id, [])


def request_today():
    """The Norwegian day, read once per request: every mark on a page is against the same day. Never kept
    longer, so a page drawn after midnight counts from the new day."""
    from ..store.clock import local_today
    if "request_today" not in g:
        g.request_today = local_today()
    return g.request_today


def my_deadlines(person_id: str) -> list[dict]:
    """Mine, overdue first, then due within the next 7 days (core/deadlines.py), each with `days_left`.
    Made per request from the shared index: only her few open ones are looked at."""
    return pressing(my_open_responsibilities(person_id), request_today())


def unseen_feedback_count(person_id: str) -> int:
    """How much feedback to her she has not opened yet (no `seen_at`)."""
    return kept_while_unchanged("unseen_feedback", ("feedback",), _count_unseen).get(person_id, 0)


def _count_unseen() -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in get_store().fields("feedback", ("to",), lambda f: not f.get("seen_at")):
        counts[item.get("to")] = counts.get(item.get("to"), 0) + 1
    return counts


def followups_of(responsibility_id: str) -> list[dict]:
    return sorted(get_store().find("followups", responsibility=responsibility_id), key=lambda f: f["created_at"])


def recent_meetings(limit: int, offset: int = 0) -> list[dict]:
    """The latest meetings first, one page at a time (the day page's few from the shared index)."""
    if offset == 0 and limit <= LATEST:
        return day_index().latest[:limit]
    return get_store().select("meetings", order_by=lambda m: (m["date"], m["created_at"]), reverse=True,
                              offset=offset, limit=limit)


@per_request
def status_labels() -> dict[str, str]:
    """The statuses' names in the page's language, translated once per request."""
    return {key: str(label) for key, label in STATUSES.items()}


def responsibilities_by_id(ids) -> dict[str, dict]:
    """Just the responsibilities a page names, fetched one by one (not the whole table)."""
    found = {rid: get_store().get("responsibilities", rid) for rid in set(ids) if rid}
    return {rid: r for rid, r in found.items() if r is not None}


def init_app(app) -> None:
    """Small lookups every template may use, so views need not pass id-to-name maps around."""
    from ..store.clock import local_today

    lookup = {"people": people_by_id, "schools": schools_by_id}

    def name_of(table: str, record_id: str | None, missing=None) -> str:
        if not record_id:
            return missing() if missing else ""
        if request.method in SAFE_METHODS:  # nothing changes during the request: one read for the page
            record = lookup[table]().get(record_id)
        else:  # a page drawn after a write (an erasure, a rename) names what is stored now
            record = get_store().get(table, record_id)
        return record["name"] if record else (missing() if missing else "?")

    @app.context_processor
    def record_helpers():
        return {
            "person_name": lambda pid: name_of("people", pid),
            # Where a person must be named (an owner, the author of a meeting): none left means erased.
            "named_person": lambda pid: name_of("people", pid, missing=lambda: _("Erased person")),
            "school_name": lambda sid: name_of("schools", sid),
            "status_label": lambda s: status_labels().get(s, s),
            "type_label": lambda t: MEETING_TYPES.get(t, t),
            "side_label": lambda s: SIDES.get(s, s),
            "today_iso": lambda: local_today().isoformat(),
            # Where a responsibility stands against its due date (core/deadlines.py): None when closed.
            "deadline_of": lambda r: deadline(r, request_today()),
            "my_deadlines": lambda: my_deadlines(g.person["id"]) if g.get("person") else [],
            "my_unseen_feedback": lambda: unseen_feedback_count(g.person["id"]) if g.get("person") else 0,
        }
