"""The main menu: its sections for a phone and for the leader, and which section the page belongs to.

The section is decided here, on the server, from the request's blueprint: a meeting's page, the meeting form
and a planned meeting all belong to "Meetings", so the menu never marks "new meeting" while one reads an old
meeting. The first `SHOWN_ON_PHONE` sections stand in the phone's one row; the rest are under "More"."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

SHOWN_ON_PHONE = 3

# Which section each blueprint's pages belong to. A blueprint missing here (sign-in, language) has none.
SECTION_OF_BLUEPRINT = {
    "home": "home",
    "meetings": "meetings", "plans": "meetings",
    "responsibilities": "responsibilities", "handover": "responsibilities",
    "feedback": "feedback",
    "charter": "charter",
    "barometer": "barometer", "barometer_admin": "barometer",
    "search": "search", "schools": "search",
    "dashboard": "dashboard", "status_report": "dashboard",
    "leader": "leader", "audit_log": "leader", "certificate": "leader", "backup": "leader", "privacy": "leader",
    "export": "leader", "imports": "leader", "sync": "leader",
}


@dataclass(frozen=True)
class Section:
    key: str
    endpoint: str
    label: object  # a lazy string: translated when drawn


PARTICIPANT = (
    Section("home", "home.index", _l("Home")),
    Section("meetings", "meetings.index", _l("Meetings")),
    # "Tasks": short enough for the phone's row in English too ("Responsibilities" is not); bokmål "Ansvar".
    Section("responsibilities", "responsibilities.index", _l("Tasks")),
    Section("feedback", "feedback.index", _l("Feedback")),
    Section("charter", "charter.index", _l("Agreement")),
    Section("barometer", "barometer.index", _l("Barometer")),
    Section("search", "search.index", _l("Search")),
)
LEADER = (
    Section("dashboard", "dashboard.index", _l("Dashboard")),
    Section("leader", "leader.index", _l("Leader")),
    Section("meetings", "meetings.index", _l("Meetings")),
    Section("responsibilities", "responsibilities.index", _l("Tasks")),
    Section("feedback", "feedback.index", _l("Feedback")),
    Section("charter", "charter.index", _l("Agreement")),
    Section("barometer", "barometer_admin.results", _l("Barometer")),
    Section("search", "search.index", _l("Search")),
)
# A phone on which the leader is signed in too: the phone's sections, the leader's two before "Search".
BOTH = PARTICIPANT[:-1] + LEADER[:2] + PARTICIPANT[-1:]


def menu_sections() -> tuple[Section, ...]:
    """The sections of this visitor's menu, in order; none for a visitor who is neither."""
    person, leader = g.get("person"), g.get("leader")
    if person and leader:
        return BOTH
    return PARTICIPANT if person else LEADER if leader else ()


def current_section() -> str | None:
    return SECTION_OF_BLUEPRINT.get(request.blueprint or "")


def init_app(app: Flask) -> None:
    @app.context_processor
    def menu():
        return {"menu_sections": menu_sections, "current_section": current_section,
                "shown_on_phone": SHOWN_ON_PHONE}
