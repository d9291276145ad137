"""An audit line in words: who did it and what they did, in the reader's language, never the content of a record.

Only the actor is named (by their name now; "erased person" once an erasure cut the line from them); what was
done is said with counts, dates, a table or a school, never a name or a text someone wrote. The texts are
translated once per page or file (AuditWords), not once per line: a CSV file of the log has 50k lines."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l, ngettext

from ..core.audit_log import KINDS, kind_of
from ..core.vocabulary import SIDES
from ..exchange.export_views import TABLE_LABELS
from ..store.clock import LOCAL_ZONE
from ..web.i18n import format_day, format_moment

COMMAND_LINE = "command line"

# What each event did, when that needs nothing from the line.
FIXED = {
    "leader_login": _l("Signed in as project leader"),
    "leader_login_failed": _l("Failed sign-in"),
    "leader_password_set": _l("Chose the project leader's password"),
    "device_bound": _l("Connected their phone"),
    "device_revoke": _l("Disconnected a phone"),
    "person_revoke": _l("Revoked a person's access"),
    "person_restore": _l("Gave a person access again"),
    "person_new-link": _l("Made a new link for a person"),
    "person_correct": _l("Corrected a person's details"),
    "privacy_download": _l("Downloaded what is stored about a person"),
    "conflict_resolved": _l("Decided a merge conflict"),
    "sync_paired": _l("Paired with another laptop"),
    "sync_forgotten": _l("Forgot a paired laptop"),
    "sync_key_renewed": _l("Made a new sync key"),
    "sync_received": _l("Received changes from a paired laptop"),
    "backup": _l("Made a backup"),
    "backup_failed": _l("A backup failed"),
    "backup_folder": _l("Chose the backup folder"),
    "barometer_round_opened": _l("Opened a barometer round"),
    "barometer_round_closed": _l("Closed a barometer round"),
    "person_erased": _l("Erased a person"),
}
# Texts with a value or two from the line (counts, days, a table, a school).
PATTERNS = {
    "export": _l("Exported %(format)s (%(what)s)"),
    "import_outbox": _l("Imported a phone's outbox file (%(new)d new, %(refused)d refused)"),
    "import": _l("Imported another laptop's export (%(added)d new, %(updated)d changed, %(conflicts)d conflicts)"),
    "status_report": _l("Status report made (%(what)s)"),
    "sync": _l("Synced with a paired laptop (%(pulled)d in, %(pushed)d out)"),
    "sync_failed": _l("Sync with a paired laptop failed"),
    "sync_served": _l("Sent changes to a paired laptop (%(num)d records)"),
    "charter_saved": _l("Saved the agreement, version %(version)s"),
    "audit_export": _l("Exported the log as CSV (%(num)d lines)"),
    "restore": _l("Restored a backup made %(made)s"),
    "unknown": _l("Event: %(event)s"),
    "from": _l("from %(day)s"),
    "until": _l("until %(day)s"),
    "everything": _l("everything"),
    "a_school": _l("a school"),
    "all_schools": _l("all schools"),
    "print": _l("for print"),
    "html": _l("as a web page"),
}
ACTORS = {"command": _l("the command line"), "automatic": _l("the app (automatic)"), "leader": _l("project leader"),
          "erased": _l("erased person"), "peer": _l("a paired laptop"), "unknown": _l("unknown")}


def when(moment: str) -> str:
    """dd.mm.yyyy HH:MM in Oslo time (the app's zone for showing times); a broken stamp as it is."""
    try:
        return format_moment(moment, clock_word=False)
    except (TypeError, ValueError):
        return str(moment)


def in_file(moment: str) -> str:
    """2026-12-31 14:05 in Oslo time, for the CSV file (ISO dates, as the exports; Excel reads it as a time)."""
    try:
        return datetime.fromisoformat(moment).astimezone(LOCAL_ZONE).isoformat(" ", "minutes")[:16]
    except (TypeError, ValueError):
        return str(moment)


def _number(record: Mapping[str, Any], key: str) -> int:
    value = record.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _lower(label: Any) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


class AuditWords:
    """The words for the lines of one page or file, in the request's language."""

    def __init__(self, names: Mapping[str, str], schools: Mapping[str, str]) -> None:
        self.names, self.schools = names, schools
        self.fixed = {event: str(text) for event, text in FIXED.items()}
        self.texts = {key: str(text) for key, text in PATTERNS.items()}
        self.actors = {key: str(text) for key, text in ACTORS.items()}
        self.kinds = {key: str(label) for key, (label, _events) in KINDS.items()}
        self.tables = {key: _lower(label) for key, label in TABLE_LABELS.items()}
        self.sides = {key: _lower(label) for key, label in SIDES.items()}
        self.days: dict[str, str | None] = {}

    def who(self, record: Mapping[str, Any]) -> str:
        """The actor: the command line, the app itself, the leader, a person by their current name, an erased
        person."""
        actors = self.actors
        if record.get("via") == COMMAND_LINE or record.get("command") is True:
            return actors["command"]
        if record.get("via") == "automatic":
            return actors["automatic"]
        if record.get("leader") is True:
            return actors["leader"]
        author = record.get("author")
        if author:
            return self.names[author] if author in self.names else actors["erased"]
        if record.get("updated_at") != record.get("created_at"):
            # Audit lines are never changed, except by an erasure that cut this one from its person.
            return actors["erased"]
        if record.get("event") in ("sync_served", "sync_received"):
            return actors["peer"]
        return actors["unknown"]

    def kind(self, record: Mapping[str, Any]) -> str:
        return self.kinds[kind_of(record.get("event"))]

    def what(self, record: Mapping[str, Any]) -> str:
        """What was done, in words; an event this version does not know, by its key."""
        event, texts = record.get("event"), self.texts
        if event == "person_erased" and record.get("learned_from"):
            count = _number(record, "people")
            return ngettext("Erased %(num)d person, as another laptop had",
                            "Erased %(num)d people, as another laptop had", count)
        if isinstance(event, str) and event in self.fixed:
            return self.fixed[event]
        if event == "export":
            return texts["export"] % {"format": str(record.get("format") or "?").upper(), "what": self._exported(record)}
        if event == "import":
            if record.get("kind") == "outbox":
                return texts["import_outbox"] % {"new": _number(record, "created"), "refused": _number(record, "refused")}
            return texts["import"] % {key: _number(record, key) for key in ("added", "updated", "conflicts")}
        if event == "status_report":
            return texts["status_report"] % {"what": self._reported(record)}
        if event == "sync":
            if record.get("ok") is False:
                return texts["sync_failed"]
            return texts["sync"] % {"pulled": _number(record, "pulled_added") + _number(record, "pulled_updated"),
                                    "pushed": _number(record, "pushed_added") + _number(record, "pushed_updated")}
        if event == "sync_served":
            return texts["sync_served"] % {"num": _number(record, "records")}
        if event == "charter_saved":
            return texts["charter_saved"] % {"version": record.get("version") or "?"}
        if event == "audit_export":
            return texts["audit_export"] % {"num": _number(record, "lines")}
        if event == "restore":
            return texts["restore"] % {"made": when(record["made_at"]) if isinstance(record.get("made_at"), str) else "?"}
        return texts["unknown"] % {"event": str(event)[:80]}

    def _exported(self, record: Mapping[str, Any]) -> str:
        filters = record.get("filters") if isinstance(record.get("filters"), dict) else {}
        table = record.get("table")
        parts = [self.tables.get(table, self.texts["everything"]) if isinstance(table, str) else self.texts["everything"],
                 self.period(filters.get("from"), filters.get("to"))]
        school = filters.get("school")
        if school:
            parts.append(self.schools.get(school, self.texts["a_school"]))
        if filters.get("side") in self.sides:
            parts.append(self.sides[filters["side"]])
        return ", ".join(part for part in parts if part)

    def _reported(self, record: Mapping[str, Any]) -> str:
        parts = [self.period(record.get("period_from"), record.get("period_to"))]  # as dashboard/status_report.py writes
        school = record.get("school")
        parts.append(self.schools.get(school, self.texts["a_school"]) if school else self.texts["all_schools"])
        if record.get("format") in ("print", "html"):
            parts.append(self.texts[record["format"]])
        return ", ".join(part for part in parts if part)

    def period(self, start: Any, end: Any) -> str | None:
        """01.08.2026–31.12.2026, from 01.08.2026, until 31.12.2026, or None for all time."""
        first, last = self.day(start), self.day(end)
        if first and last:
            return f"{first}–{last}"
        if first:
            return self.texts["from"] % {"day": first}
        return self.texts["until"] % {"day": last} if last else None

    def day(self, value: Any) -> str | None:
        """A stored day (2026-08-01) as the pages show days (web/i18n.format_day), once per day per file."""
        if not isinstance(value, str) or not value:
            return None
        if value not in self.days:
            try:
                self.days[value] = format_day(value)
            except ValueError:
                self.days[value] = None
        return self.days[value]
