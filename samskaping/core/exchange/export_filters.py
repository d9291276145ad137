"""Which records an export keeps: the filters (date range, school, organisation) and their rule per table."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from ...store.clock import LOCAL_ZONE


@dataclass(frozen=True)
class Filters:
    """Which part to export; every field None means everything."""
    date_from: date | None = None
    date_to: date | None = None
    school: str | None = None
    side: str | None = None

    def document(self) -> dict:
        return {"from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "school": self.school, "side": self.side}

    def moments(self) -> tuple[str | None, str | None]:
        """The date range as UTC timestamps [start, end), comparable with the stored created_at strings."""
        def midnight(day: date) -> str:
            return datetime.combine(day, time(), tzinfo=LOCAL_ZONE).astimezone(timezone.utc).isoformat(timespec="microseconds")
        return (midnight(self.date_from) if self.date_from else None,
                midnight(self.date_to + timedelta(days=1)) if self.date_to else None)


Keep = Callable[[dict], bool]


class Rules:
    """Which records the filters keep, table by table (the same rules are explained on the page and in LESMEG.txt).

    Date: meetings by their date; responsibilities by the date of the meeting that agreed them (else the day
    they were written): a meeting in the range comes with what it agreed; follow-ups, feedback and
    acceptances by the day they were written; barometer rounds and their answers by the day the round
    opened. School and side: the record's own, or that of its responsibility (follow-ups), its recipient
    (feedback) or its person (people, acceptances); a meeting counts for the sides of its attendees.
    A record tied to no school or side (a person working at several schools, the charter, the barometer's
    statements) is always kept.
    """

    def __init__(self, data: Mapping[str, Mapping[str, dict]], filters: Filters) -> None:
        self.filters = filters
        self.day_from = filters.date_from.isoformat() if filters.date_from else None
        self.day_to = filters.date_to.isoformat() if filters.date_to else None
        self.moment_from, self.moment_to = filters.moments()
        self.meetings = data.get("meetings", {})
        self.people = data.get("people", {})
        self.responsibilities = data.get("responsibilities", {})
        self.rounds = data.get("rounds", {})

    def keeper(self, table: str) -> Keep | None:
        """A test for the table's records, or None if the filters keep all of them."""
        checks: list[Keep] = []
        f = self.filters
        when, where, sides = (getattr(self, f"{kind}_{table}", None) for kind in ("when", "school", "side"))
        if (f.date_from or f.date_to) and when:
            checks.append(lambda doc: self.in_range(when(doc)))
        if f.school and where:
            checks.append(lambda doc: where(doc) in (None, f.school))
        if f.side and sides:
            checks.append(lambda doc: _side_matches(sides(doc), f.side))
        if not checks:
            return None
        return checks[0] if len(checks) == 1 else (lambda doc: all(check(doc) for check in checks))

    def in_range(self, value: str | None) -> bool:
        """A day (YYYY-MM-DD) against the days; a UTC timestamp against the local days' bounds."""
        if not value:
            return True
        low, high = (self.day_from, self.day_to) if len(value) == 10 else (self.moment_from, self.moment_to)
        if low and value < low:
            return False
        return not high or (value <= high if len(value) == 10 else value < high)

    def round_day(self, round_: dict) -> str | None:
        return round_.get("date") or round_.get("opened_at") or round_.get("created_at")

    def person(self, person_id: object) -> dict:
        return self.people.get(person_id, {}) if isinstance(person_id, str) else {}

    def responsibility(self, doc: dict) -> dict:
        return self.responsibilities.get(doc.get("responsibility"), {})

    def when_meetings(self, doc): return doc.get("date")
    def when_followups(self, doc): return doc.get("created_at")
    when_feedback = when_acceptances = when_followups

    def when_responsibilities(self, doc):
        meeting = self.meetings.get(doc.get("meeting"))
        return meeting.get("date") if meeting else doc.get("created_at")

    def when_rounds(self, doc): return self.round_day(doc)

    def when_answers(self, doc):
        round_ = self.rounds.get(doc.get("round"))
        return self.round_day(round_) if round_ else doc.get("created_at")

    def school_schools(self, doc): return doc.get("id")
    def school_people(self, doc): return doc.get("school")
    school_meetings = school_people

    def school_responsibilities(self, doc):
        return doc.get("school") or self.meetings.get(doc.get("meeting"), {}).get("school")

    def school_followups(self, doc): return self.school_responsibilities(self.responsibility(doc))
    def school_feedback(self, doc): return self.person(doc.get("to")).get("school")
    def school_acceptances(self, doc): return self.person(doc.get("person") or doc.get("author")).get("school")

    def side_people(self, doc): return doc.get("side")
    side_responsibilities = side_answers = side_people

    def side_meetings(self, doc):
        return {self.person(a).get("side") for a in doc.get("attendees") or ()} - {None} or None

    # Planned meetings as meetings: by their day, their school, and the sides of the people invited.
    when_plans, school_plans = when_meetings, school_meetings

    def side_plans(self, doc):
        return {self.person(a).get("side") for a in doc.get("invited") or ()} - {None} or None

    def side_followups(self, doc): return self.responsibility(doc).get("side")
    def side_feedback(self, doc): return self.person(doc.get("to")).get("side")
    def side_acceptances(self, doc): return self.person(doc.get("person") or doc.get("author")).get("side")


def _side_matches(value: str | set | None, side: str) -> bool:
    return value is None or value == side or (isinstance(value, set) and side in value)
