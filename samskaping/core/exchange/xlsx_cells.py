"""Cells for the XLSX export: a text as XlsxWriter must get it, and stored days and UTC times as Excel's numbers."""
from __future__ import annotations

from datetime import date, datetime, timezone
from xml.sax.saxutils import escape

from ...store.clock import LOCAL_ZONE

EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (with its 1900 leap-year quirk, right from 1 March 1900)


def text(value: str) -> str:
    """A text as XlsxWriter must get it to write it as that text: lone surrogates (possible in imported JSON) have
    no UTF-8 form and become "?", as in the CSV; a text that looks like XlsxWriter's raw rich string is wrapped
    in a real one, escaped, so it is shown as typed and never read as markup."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    if value.startswith("<r>") and value.endswith("</r>"):
        space = ' xml:space="preserve"'
        value = f"<r><t{space}>{escape(value)}</t></r>"
    return value


def day(value: str) -> date | str:
    """A stored day (YYYY-MM-DD) as a date; anything else stays the text it is."""
    try:
        found = date.fromisoformat(value)
    except ValueError:
        return value
    return found if found.year >= 1900 else value


def moment(value: str) -> datetime | str:
    """A stored UTC timestamp as the Norwegian local time (Excel has no time zones); a plain day as a date."""
    if len(value) <= 10:
        return day(value)
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return value
    local = (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).astimezone(LOCAL_ZONE)
    return local.replace(tzinfo=None) if local.year >= 1900 else value


def serial(value: date | datetime) -> float:
    """Excel's number for a day or a local time: days since 30.12.1899, the time of day as a fraction."""
    days = value.toordinal() - EXCEL_EPOCH
    if value.__class__ is datetime:
        return days + (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    return days
