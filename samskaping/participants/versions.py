"""The versions of meetings and feedback as their readers see them: which fields each correction changed."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _, lazy_gettext as _l

from ..web.history import merged_versions, readable_versions

MEETING_FIELDS = {"date": (_l("Date"), "day"), "school": (_l("School"), "school"), "type": (_l("Type of meeting"), "type"),
                  "attendees": (_l("Who attended"), "people"), "guests": (_l("Other attendees"), "text"),
                  "agenda": (_l("Agenda"), "text"), "notes": (_l("Notes"), "text"), "decisions": (_l("Decisions"), "text")}
RESPONSIBILITY_FIELDS = {"what": (_l("wording"), "text"), "owner": (_l("who is responsible"), "person"),
                         "due": (_l("due date"), "day")}
FEEDBACK_FIELDS = {"worked": (_l("What worked well"), "text"), "improve": (_l("What could be better"), "text")}


def meeting_versions(meeting: dict, agreed: list[dict]) -> list[dict]:
    """The meeting's versions with those of its agreed responsibilities (changed by the same corrections)."""
    versions = readable_versions(meeting, MEETING_FIELDS)
    for responsibility in agreed:
        label = _("Agreed responsibility “%(what)s”", what=responsibility.get("what", ""))
        versions += readable_versions(responsibility, RESPONSIBILITY_FIELDS, prefix=f"{label}: ")
    return merged_versions(versions)


def feedback_versions(item: dict) -> list[dict]:
    return readable_versions(item, FEEDBACK_FIELDS)


def correctable(record: dict) -> bool:
    """Whether the current person may correct the record: its author, on their phone."""
    return bool(g.get("person")) and record.get("author") == g.person["id"]
