"""What is due: the one rule for "overdue" and "due this week", on plain records and a given Norwegian day.

Only an open responsibility (not started, in progress) has a deadline: a done or dropped one is never overdue
and never due, whatever its date. Overdue is a due date before today (due today is not late yet); due this
week is today up to and including today + 7 (day 7 counts, day 8 does not). Every page that marks something
late asks here, so no page can flag a done item in red.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from .vocabulary import is_open

WEEK_DAYS = 7  # "the next 7 days": today + 7 is the last day counted

OVERDUE, TODAY, SOON, LATER = "overdue", "today", "soon", "later"


def due_day(responsibility: dict) -> date | None:
    """A stored "YYYY-MM-DD" due date as a date; None for none or a malformed one (it then has no deadline)."""
    value = responsibility.get("due")
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None
    except ValueError:
        return None


class Deadline(NamedTuple):
    state: str   # OVERDUE, TODAY, SOON (1 to WEEK_DAYS days left) or LATER
    days: int    # days left: negative when overdue, 0 today


def deadline(responsibility: dict, today: date) -> Deadline | None:
    """Where an open responsibility stands against its due date; None when it is closed or has no due date."""
    due = due_day(responsibility)
    if due is None or not is_open(responsibility):
        return None
    days = (due - today).days
    if days < 0:
        return Deadline(OVERDUE, days)
    if days == 0:
        return Deadline(TODAY, 0)
    return Deadline(SOON if days <= WEEK_DAYS else LATER, days)


def is_overdue(responsibility: dict, today: date) -> bool:
    found = deadline(responsibility, today)
    return found is not None and found.state == OVERDUE


def is_due_within(responsibility: dict, today: date, days: int = WEEK_DAYS) -> bool:
    """Open and due from today up to and including today + days."""
    found = deadline(responsibility, today)
    return found is not None and 0 <= found.days <= days


def is_pressing(responsibility: dict, today: date, days: int = WEEK_DAYS) -> bool:
    """Overdue, or due within the next `days` days: what a person is reminded of."""
    found = deadline(responsibility, today)
    return found is not None and found.days <= days


def pressing(responsibilities: list[dict], today: date, days: int = WEEK_DAYS) -> list[dict]:
    """The overdue ones first (the longest overdue first), then those due within `days` days by due date;
    each a new dict with `days_left` added (negative when overdue)."""
    found = []
    for r in responsibilities:
        state = deadline(r, today)
        if state is not None and state.days <= days:
            found.append({**r, "days_left": state.days})
    return sorted(found, key=lambda r: (r["days_left"], str(r.get("what", "")).lower()))


def pressing_by_school(responsibilities: list[dict], today: date, school_ids: list[str],
                       days: int = WEEK_DAYS) -> list[tuple[str, list[dict]]]:
    """pressing() per school, in the order of `school_ids`, leaving out schools with nothing pressing; those of
    a school not in the list (or none) come last under "" ."""
    grouped: dict[str, list[dict]] = {}
    for r in pressing(responsibilities, today, days):
        school = r.get("school") if r.get("school") in school_ids else ""
        grouped.setdefault(school, []).append(r)
    return [(s, grouped[s]) for s in [*school_ids, ""] if s in grouped]


def last_day(today: date, days: int = WEEK_DAYS) -> date:
    return today + timedelta(days=days)
