"""One calendar: "today" is the Norwegian day everywhere, in the app and in its tests, whatever the
machine's zone and whatever the hour the suite runs at."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from samskaping.store.clock import local_day

ROOT = Path(__file__).resolve().parent.parent
# The machine's own day or zone: wrong near midnight, when Oslo's day is not the machine's.
MACHINE_CLOCK = re.compile(r"\bdate\.today\(\)|\bdatetime\.now\(\)|\bdatetime\.utcnow\(\)|\btime\.localtime\("
                           r"|\.now\([^)]*\)\.date\(\)")  # a UTC "now" cut to a day is the UTC day
CLOCK = ROOT / "samskaping" / "store" / "clock.py"  # the one clock: utc_now() and local_today()


# In the app, every "now" comes from the one clock; a certificate's validity is the operating system's time.
APP_CLOCK = re.compile(r"\bdatetime\.now\(|\bdate\.today\(")
CERTIFICATES = ROOT / "samskaping" / "server" / "tls.py"


def test_the_app_reads_the_time_only_through_the_one_clock():
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "samskaping").rglob("*.py")) if path not in (CLOCK, CERTIFICATES)
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if APP_CLOCK.search(line)]
    assert found == [], "use store.clock's utc_now() / local_today():\n" + "\n".join(found)


@pytest.mark.parametrize("folder", ["samskaping", "tests", "bench"])
def test_nothing_reads_the_machines_own_day(folder):
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / folder).rglob("*.py")) if path not in (Path(__file__).resolve(), CLOCK)
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if MACHINE_CLOCK.search(line)]
    assert found == [], "use store.clock's local_today() / utc_now():\n" + "\n".join(found)


@pytest.mark.parametrize("utc, oslo", [
    ("2026-12-07T23:30:00+00:00", date(2026, 12, 8)),   # winter: UTC+1
    ("2026-06-30T22:30:00+00:00", date(2026, 7, 1)),    # summer: UTC+2
    ("2026-06-30T21:30:00+00:00", date(2026, 6, 30)),
])
def test_a_moment_late_in_the_utc_evening_is_already_the_next_norwegian_day(utc, oslo):
    assert local_day(datetime.fromisoformat(utc).astimezone(timezone.utc)) == oslo
