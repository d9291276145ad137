"""Cells for the XLSX export: stored days and UTC times as Excel's numbers for a Norwegian local date and time."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from ...store.clock import LOCAL_ZONE

EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (with its 1900 leap-year quirk, right from 1 March 1900)
UNIX_EPOCH = 25569  # 1 January 1970 as Excel's day number
FIRST_DAY = date(1900, 3, 1)  # before it Excel's days are off by its 1900 leap-year quirk: such cells stay text


@lru_cache(maxsize=4096)  # a project's days repeat (due dates, meeting days): each is parsed once
def day_number(value: str) -> float | str:
    """A stored day (YYYY-MM-DD) as Excel's day number; anything else stays the text it is."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return float(day.toordinal() - EXCEL_EPOCH) if day >= FIRST_DAY else value


def moment_number(value: str) -> float | str:
    """A stored timestamp (UTC, or with its own offset) as Excel's number for the Norwegian local time: Excel has no
    time zones, so the number is the clock time in Norway at that moment. A plain day as a day."""
    if len(value) <= 10:
        return day_number(value)
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return value
    seconds = (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).timestamp()
    number = (seconds + _offset(int(seconds // 3600))) / 86400 + UNIX_EPOCH
    return number if number >= FIRST_DAY.toordinal() - EXCEL_EPOCH else value


@lru_cache(maxsize=4096)
def _offset(hour: int) -> float:
    """Norway's offset from UTC in seconds during one UTC hour (it only changes on the hour)."""
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(hours=hour)
    return LOCAL_ZONE.utcoffset(moment).total_seconds()
