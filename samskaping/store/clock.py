"""The one clock: stored times in UTC, and "today" as the Norwegian day (Europe/Oslo) whatever the laptop's zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE_NAME = "Europe/Oslo"  # also BABEL_DEFAULT_TIMEZONE, which the pages use to show times
LOCAL_ZONE = ZoneInfo(LOCAL_ZONE_NAME)  # Windows has no zone database of its own: the tzdata package brings it


def utc_now() -> str:
    """Now, as every record's timestamps are written: UTC, ISO 8601, microseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def local_day(moment: datetime) -> date:
    """The Norwegian calendar day of a moment (a naive one is taken as already local)."""
    return moment.astimezone(LOCAL_ZONE).date() if moment.tzinfo else moment.date()
