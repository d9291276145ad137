"""The versions of people and schools as the leader's pages show them (web/history.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..web.history import readable_versions

PERSON_FIELDS = {"name": (_l("Name"), "text"), "role": (_l("Role"), "text"), "side": (_l("Organisation"), "side"),
                 "school": (_l("School"), "school")}
SCHOOL_FIELDS = {"name": (_l("Name of the school"), "text")}


def person_versions(person: dict) -> list[dict]:
    return readable_versions(person, PERSON_FIELDS)


def school_versions(school: dict) -> list[dict]:
    return readable_versions(school, SCHOOL_FIELDS)
