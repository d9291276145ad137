"""The audit log as the leader reads it: its kinds of event, when a line happened, and which lines a filter keeps.

Pure logic over audit records (web/audit.py writes them), no request. Lines are only ever read here: nothing
in the app edits or deletes one (an erasure anonymises its person's own lines: core/erasure/plan.py).
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from flask_babel import lazy_gettext as _l

from .exchange.export_filters import Filters

OTHER = "other"
# The kinds the page's filter offers, in its order, with the events of each (an event not named here is "other").
KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "login": (_l("Sign-in"), ("leader_login", "leader_login_failed", "leader_password_set")),
    "phones": (_l("Phones"), ("device_bound", "device_revoke")),
    "people": (_l("People"), ("person_revoke", "person_restore", "person_new-link", "person_correct",
                              "privacy_download")),
    "exchange": (_l("Export and import"), ("export", "import", "conflict_resolved", "audit_export")),
    "sync": (_l("Sync"), ("sync", "sync_paired", "sync_forgotten", "sync_key_renewed", "sync_served",
                          "sync_received")),
    "reports": (_l("Reports"), ("status_report",)),
    "erasure": (_l("Erasure"), ("person_erased",)),
    "backups": (_l("Backups"), ("backup", "backup_failed", "backup_folder", "restore")),
    OTHER: (_l("Other"), ("charter_saved", "barometer_round_opened", "barometer_round_closed")),
}
KIND_OF_EVENT = {event: kind for kind, (_label, events) in KINDS.items() for event in events}


def kind_of(event: object) -> str:
    """The kind an event belongs to; "other" for one this version does not know (a newer version's)."""
    return KIND_OF_EVENT.get(event, OTHER) if isinstance(event, str) else OTHER


def moment_of(record: Mapping[str, Any]) -> str:
    """When it happened (UTC, ISO): an export the command line made while the server ran was written to the
    store only at the next start, so it carries the moment it was made (`at`, commands/cli.py)."""
    at = record.get("at")
    return at if isinstance(at, str) and at else str(record.get("created_at") or "")


def _newest_first(record: Mapping[str, Any]) -> tuple[str, str]:
    return moment_of(record), str(record.get("id") or "")


# The same order for a line without `at` (nearly all), read in C: its moment is when it was stored.
_stored_order = itemgetter("created_at", "id")


@dataclass(frozen=True)
class AuditQuery:
    """Which lines to show. `kind` is a key of KINDS; `person` an id (the one who did it, or the
    one it was about); the days are Norwegian days, both included. None means any."""
    kind: str | None = None
    person: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def matcher(self) -> Callable[[Mapping[str, Any]], bool] | None:
        """A test of one record by kind and person, worked out once (it runs over every line of the period);
        None when any will do. The period is not tested line by line: page_of finds it by bisection."""
        kind, person = self.kind, self.person
        if kind is None and person is None:
            return None

        def matches(record: Mapping[str, Any]) -> bool:
            if kind is not None and kind_of(record.get("event")) != kind:
                return False
            return person is None or record.get("author") == person or record.get("person") == person
        return matches


def newest_first(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every line, newest first: the records themselves, to be read only.

    One sort keyed in C. The table holds its lines in the order they were stored, which is their order in
    time, and Python's sort takes such a list in one pass (at 50k lines as quick as heapq picking the newest
    50). The few lines a command made while the server ran carry their own time (`at`) and were stored
    later: they are ordered apart and merged in."""
    records = records if isinstance(records, list) else list(records)
    dated = [record for record in records if "at" in record]
    if not dated:
        return sorted(records, key=_stored_order, reverse=True)
    apart = {id(record) for record in dated}
    plain = sorted((record for record in records if id(record) not in apart), key=_stored_order, reverse=True)
    return list(heapq.merge(plain, sorted(dated, key=_newest_first, reverse=True), key=_newest_first, reverse=True))


def page_of(ordered: list[Mapping[str, Any]], query: AuditQuery, offset: int,
            size: int) -> tuple[int, list[Mapping[str, Any]]]:
    """(how many lines match, the matching lines from `offset`, at most `size`), from lines newest_first().
    The period is a stretch of them, found by bisection; only its lines are tested, none when only the
    period is chosen."""
    start, end = Filters(query.date_from, query.date_to).moments()
    first = _first_older_than(ordered, end) if end is not None else 0
    last = _first_older_than(ordered, start) if start is not None else len(ordered)
    period = ordered if (first, last) == (0, len(ordered)) else ordered[first:last]
    matches = query.matcher()
    found = period if matches is None else [record for record in period if matches(record)]
    return len(found), found[offset:offset + size]


def _first_older_than(ordered: list[Mapping[str, Any]], moment: str) -> int:
    """The index of the first line (newest first) that happened before `moment`; len(ordered) if none did."""
    low, high = 0, len(ordered)
    while low < high:
        middle = (low + high) // 2
        if moment_of(ordered[middle]) < moment:
            high = middle
        else:
            low = middle + 1
    return low
