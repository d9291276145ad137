"""What the record kinds mean: sides, statuses, meeting types and the three F's with their labels, and what counts
as open."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

F_LABELS = {"forstaelse": _l("Understanding"), "forankring": _l("Anchoring"), "forpliktelse": _l("Commitment")}
SIDES = {"kommune": _l("Municipality"), "entreprenor": _l("Social entrepreneur")}
STATUSES = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
OPEN_STATUSES = ("not_started", "in_progress")
MEETING_TYPES = {
    "collaboration": _l("Collaboration meeting"),
    "planning": _l("Planning meeting"),
    "follow_up": _l("Follow-up meeting"),
    "evaluation": _l("Evaluation meeting"),
    "other": _l("Other"),
}


def is_open(responsibility: dict) -> bool:
    return responsibility.get("status") in OPEN_STATUSES


def by_due_date(responsibility: dict) -> tuple:
    # Those without a due date come last.
    return (responsibility.get("due") or "9999-12-31", responsibility.get("what", "").lower())


# The days a project's meetings, plans, deadlines and rounds can fall on, in a form and in an imported file alike.
# A year typed as 202 or 9999 is a slip, and a day at the calendar's end breaks the arithmetic on it (a calendar
# file's next day).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
