"""One meeting as an iCalendar file (RFC 5545), written by hand: a phone's calendar app adds it from a download.

Why by hand: one event is a dozen lines, and the rules that matter are few and tested (tests/test_plans.py
parses the file back): lines end in CRLF; a line longer than 75 octets is folded (CRLF and one space), never
inside a UTF-8 character; in texts, backslash, comma, semicolon and newlines are escaped.

Time zone: a meeting with a time is at Norwegian wall-clock time, written as DTSTART;TZID=Europe/Oslo with the
VTIMEZONE that defines it (the EU rules since 1996: summer time from the last Sunday of March 02:00 to the last
Sunday of October 03:00), so a phone set to another zone still shows it at the right hour. Floating time would
move with the phone; UTC would need the app to convert, and to be right about summer time in a year to come.
A meeting without a time is an all-day event (VALUE=DATE, ending the next day, exclusive).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

CRLF = "\r\n"
LINE_OCTETS = 75
TZID = "Europe/Oslo"
PRODID = "-//Samskaping//Planned meeting//NB"
MEETING_MINUTES = 60  # a plan has no end time: an hour, which the calendar app lets her change

OSLO = (
    "BEGIN:VTIMEZONE", f"TZID:{TZID}",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): \\ ; , escaped, every kind of line break as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line cut into pieces of at most 75 octets, the later ones starting with a space (RFC 5545 3.1)."""
    pieces, current, size = [], [], 0
    for char in line:
        octets = len(char.encode("utf-8"))
        limit = LINE_OCTETS if not pieces else LINE_OCTETS - 1  # a continuation's leading space counts
        if size + octets > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def meeting_event(*, uid: str, stamp: datetime, day: date, start: time | None, summary: str, location: str = "",
                  description: str = "", url: str = "") -> bytes:
    """The .ics file of one meeting: a VCALENDAR with one VEVENT (and Oslo's VTIMEZONE when it has a time).
    `stamp`: when the file was made (DTSTAMP, in UTC); `uid`: the plan's id, so adding it twice is one event."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if start is not None:
        lines += OSLO
    lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{_local(stamp.astimezone(timezone.utc))}Z"]
    if start is None:
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
    else:
        begins = datetime.combine(day, start)
        lines += [f"DTSTART;TZID={TZID}:{_local(begins)}",
                  f"DTEND;TZID={TZID}:{_local(begins + timedelta(minutes=MEETING_MINUTES))}"]
    lines.append(f"SUMMARY:{escape_text(summary)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return (CRLF.join(fold(line) for line in lines) + CRLF).encode("utf-8")
