"""The dashboard's numbers: pure functions over plain records and a given day (no Flask, no store)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from ..store.clock import local_day as to_local_day
from .vocabulary import STATUSES, is_open

ALL_STATUSES = tuple(STATUSES)
SOON_DAYS = 7
DONE_DAYS = 30


def as_day(value: str | None) -> date | None:
    """A stored "YYYY-MM-DD" as a date; None for a missing or malformed one (it then counts as no date)."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except (TypeError, ValueError):
        return None


def local_day(timestamp: str | None) -> date | None:
    """The Norwegian calendar day of a stored UTC timestamp: "today" is Norwegian too (local_time.py)."""
    try:
        moment = datetime.fromisoformat(timestamp) if timestamp else None
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return to_local_day(moment)


def overdue(responsibilities: list[dict], today: date) -> list[dict]:
    """Open ones whose due date has passed (due today is not overdue yet), the longest overdue first,
    each with `days_late` added."""
    found = []
    for r in responsibilities:
        due = as_day(r.get("due"))
        if is_open(r) and due is not None and due < today:
            found.append({**r, "days_late": (today - due).days})
    return sorted(found, key=lambda r: (-r["days_late"], r.get("what", "").lower()))


def group_by_side_and_owner(responsibilities: list[dict], sides: list[str]) -> dict[str, dict[str, list[dict]]]:
    """{side: {owner id: [responsibilities]}} in the given side order; an owner keeps the order given."""
    grouped: dict[str, dict[str, list[dict]]] = {side: {} for side in sides}
    for r in responsibilities:
        grouped.setdefault(r.get("side") or "", {}).setdefault(r.get("owner") or "", []).append(r)
    return grouped


def due_soon(responsibilities: list[dict], today: date, days: int = SOON_DAYS) -> list[dict]:
    """Open ones due from today up to and including today + days, the soonest first."""
    last = today + timedelta(days=days)
    found = [r for r in responsibilities if is_open(r) and (due := as_day(r.get("due"))) and today <= due <= last]
    return sorted(found, key=lambda r: (r["due"], r.get("what", "").lower()))


def done_on(responsibility: dict, followups: list[dict]) -> date | None:
    """When a done responsibility was done: the latest follow-up that set it to done, else its last change."""
    moments = [f.get("updated_at") or f.get("created_at") for f in followups
               if f.get("responsibility") == responsibility.get("id") and f.get("status") == "done"]
    moments = [m for m in moments if m]
    return local_day(max(moments) if moments else responsibility.get("updated_at"))


def done_recently(responsibilities: list[dict], followups: list[dict], today: date,
                  days: int = DONE_DAYS) -> list[dict]:
    """Done within the last `days` days (today counts as day 0), the latest first, each with `done_on` added."""
    first = today - timedelta(days=days)
    found = []
    for r in responsibilities:
        if r.get("status") != "done":
            continue
        day = done_on(r, followups)
        if day is not None and first <= day <= today:
            found.append({**r, "done_on": day})
    return sorted(found, key=lambda r: (r["done_on"], r.get("what", "")), reverse=True)


def progress_by_side(responsibilities: list[dict], sides: list[str]) -> dict[str, dict[str, int]]:
    """{side: {status: count}} for every given side and every status (zeros included)."""
    counts = {side: {status: 0 for status in ALL_STATUSES} for side in sides}
    for r in responsibilities:
        if r.get("side") in counts and r.get("status") in ALL_STATUSES:
            counts[r["side"]][r["status"]] += 1
    return counts


def last_feedback_days(feedback: list[dict]) -> dict[str, date]:
    """Person id -> the local day of the latest feedback they received."""
    latest: dict[str, date] = {}
    for item in feedback:
        day = local_day(item.get("created_at"))
        if item.get("to") and day is not None and (item["to"] not in latest or day > latest[item["to"]]):
            latest[item["to"]] = day
    return latest


def without_feedback(people: list[dict], feedback: list[dict], today: date, days: int) -> list[dict]:
    """Active people who received no feedback in the last `days` days (feedback exactly `days` days
    ago still counts), each with `last_feedback` (a date, or None for never); those never given any first."""
    latest = last_feedback_days(feedback)
    first = today - timedelta(days=days)
    found = [{**p, "last_feedback": latest.get(p["id"])} for p in people
             if p.get("active", True) and (latest.get(p["id"]) is None or latest[p["id"]] < first)]
    return sorted(found, key=lambda p: (p["last_feedback"] is not None, p["last_feedback"] or date.min,
                                        p.get("name", "").lower()))


def by_side(people: list[dict], sides: list[str]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {side: [] for side in sides}
    for p in people:
        grouped.setdefault(p.get("side") or "", []).append(p)
    return grouped


def meetings_per_school(meetings: list[dict], schools: list[dict]) -> list[dict]:
    """One row per school, in the order given: {school, name, count, last} (last: date of the latest
    meeting, or None). Meetings at a school not in the list are left out."""
    counts: dict[str, int] = defaultdict(int)
    last: dict[str, date] = {}
    for m in meetings:
        day = as_day(m.get("date"))
        counts[m.get("school")] += 1
        if day is not None and (m.get("school") not in last or day > last[m["school"]]):
            last[m["school"]] = day
    return [{"school": s["id"], "name": s.get("name", ""), "count": counts.get(s["id"], 0), "last": last.get(s["id"])}
            for s in schools]
