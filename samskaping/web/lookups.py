"""The lookups the pages share: people and schools once per request, open responsibilities, recent meetings."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from ..core.vocabulary import MEETING_TYPES, SIDES, STATUSES, by_due_date, is_open
from .db import get_store


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


def my_open_responsibilities(person_id: str) -> list[dict]:
    mine = get_store().filter("responsibilities", lambda r: r.get("owner") == person_id and is_open(r))
    return sorted(mine, key=by_due_date)


def open_responsibilities(school_id: str | None = None) -> list[dict]:
    found = get_store().filter(
        "responsibilities", lambda r: is_open(r) and (school_id is None or r.get("school") == school_id))
    return sorted(found, key=by_due_date)


def followups_of(responsibility_id: str) -> list[dict]:
    return sorted(get_store().find("followups", responsibility=responsibility_id), key=lambda f: f["created_at"])


def recent_meetings(limit: int, offset: int = 0) -> list[dict]:
    """The latest meetings first, one page at a time."""
    return get_store().select("meetings", order_by=lambda m: (m["date"], m["created_at"]), reverse=True,
                              offset=offset, limit=limit)


def responsibilities_by_id(ids) -> dict[str, dict]:
    """Just the responsibilities a page names, fetched one by one (not the whole table)."""
    found = {rid: get_store().get("responsibilities", rid) for rid in set(ids) if rid}
    return {rid: r for rid, r in found.items() if r is not None}


def init_app(app) -> None:
    """Small lookups every template may use, so views need not pass id-to-name maps around."""
    from ..store.clock import local_today

    def name_of(table: str, record_id: str | None, missing: str = "?") -> str:
        if not record_id:
            return missing if missing != "?" else ""
        record = get_store().get(table, record_id)
        return record["name"] if record else missing

    @app.context_processor
    def record_helpers():
        return {
            "person_name": lambda pid: name_of("people", pid),
            # Where a person must be named (an owner, the author of a meeting): none left means erased.
            "named_person": lambda pid: name_of("people", pid, missing=_("Erased person")),
            "school_name": lambda sid: name_of("schools", sid),
            "status_label": lambda s: STATUSES.get(s, s),
            "type_label": lambda t: MEETING_TYPES.get(t, t),
            "side_label": lambda s: SIDES.get(s, s),
            "today_iso": lambda: local_today().isoformat(),
        }
