"""The dashboard's numbers: pure functions over plain records and a given day (no Flask, no store)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from ..store.clock import local_day as to_local_day
from .deadlines import WEEK_DAYS, deadline, is_due_within, is_overdue
from .vocabulary import STATUSES

ALL_STATUSES = tuple(STATUSES)
SOON_DAYS = WEEK_DAYS
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
    found = [{**r, "days_late": -deadline(r, today).days} for r in responsibilities if is_overdue(r, today)]
    return sorted(found, key=lambda r: (-r["days_late"], r.get("what", "").lower()))


def group_by_side_and_owner(responsibilities: list[dict], sides: list[str]) -> dict[str, dict[str, list[dict]]]:
    """{side: {owner id: [responsibilities]}} in the given side order; an owner keeps the order given."""
    grouped: dict[str, dict[str, list[dict]]] = {side: {} for side in sides}
    for r in responsibilities:
        grouped.setdefault(r.get("side") or "", {}).setdefault(r.get("owner") or "", []).append(r)
    return grouped


def due_soon(responsibilities: list[dict], today: date, days: int = SOON_DAYS) -> list[dict]:
    """Open ones due from today up to and including today + days, the soonest first (core/deadlines.py)."""
    found = [r for r in responsibilities if is_due_within(r, today, days)]
    return sorted(found, key=lambda r: (r["due"], r.get("what", "").lower()))


def done_moments(followups: list[dict]) -> dict[str, str]:
    """Responsibility id -> the latest moment a follow-up set it to done: one pass over the follow-ups,
    so a dashboard asks it once instead of searching every follow-up for each done responsibility."""
    latest: dict[str, str] = {}
    for f in followups:
        moment = f.get("updated_at") or f.get("created_at")
        key = f.get("responsibility")
        if f.get("status") == "done" and moment and (key not in latest or moment > latest[key]):
            latest[key] = moment
    return latest


def done_on(responsibility: dict, followups: list[dict] | dict[str, str]) -> date | None:
    """When a done responsibility was done: the latest follow-up that set it to done, else its last change.
    `followups` may be the follow-ups themselves or their done_moments()."""
    latest = followups if isinstance(followups, dict) else done_moments(followups)
    return local_day(latest.get(responsibility.get("id")) or responsibility.get("updated_at"))


def may_be_done_recently(responsibility: dict, latest: dict[str, str], today: date, days: int = DONE_DAYS) -> bool:
    """False for what done_recently would surely leave out, judged on the stored text alone (no date parsed):
    not done, or done (per `latest`, the done_moments) on a UTC day before the day before the period (a
    Norwegian day is its UTC day or the next)."""
    if responsibility.get("status") != "done":
        return False
    moment = latest.get(responsibility.get("id")) or responsibility.get("updated_at")
    return not isinstance(moment, str) or moment[:10] >= (today - timedelta(days=days + 1)).isoformat()


def done_recently(responsibilities: list[dict], followups: list[dict] | dict[str, str], today: date,
                  days: int = DONE_DAYS) -> list[dict]:
    """Done within the last `days` days (today counts as day 0), the latest first, each with `done_on` added.
    `followups` may be the follow-ups themselves or their done_moments()."""
    first = today - timedelta(days=days)
    latest = followups if isinstance(followups, dict) else done_moments(followups)
    found = []
    for r in responsibilities:
        if r.get("status") != "done":
            continue
        day = done_on(r, latest)
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


def meetings_per_school(meetings: Iterable[dict], schools: list[dict]) -> list[dict]:
    """One row per school, in the order given: {school, name, count, last} (last: date of the latest
    meeting, or None). Meetings at a school not in the list are left out."""
    counts: dict[str, int] = defaultdict(int)
    latest: dict[str, str] = {}  # the latest valid "YYYY-MM-DD" per school: such days sort as their text
    for m in meetings:
        school = m.get("school")
        counts[school] += 1
        value = m.get("date")
        key = value[:10] if isinstance(value, str) else None
        if key and key > latest.get(school, "") and as_day(key) is not None:  # only a later day is parsed
            latest[school] = key
    last = {school: as_day(key) for school, key in latest.items()}
    return [{"school": s["id"], "name": s.get("name", ""), "count": counts.get(s["id"], 0), "last": last.get(s["id"])}
            for s in schools]
