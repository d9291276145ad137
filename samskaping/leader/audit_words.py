"""An audit line in words: who did it and what they did, in the reader's language, never the content of a record.

Only the actor is named (by their name now; "erased person" once an erasure cut the line from them); what was
done is said with counts, dates, a table or a school, never a name or a text someone wrote."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import format_datetime, get_locale, gettext as _, ngettext

from ..core.vocabulary import SIDES
from ..exchange.export_views import TABLE_LABELS
from ..web.i18n import format_day

COMMAND_LINE = "command line"


def when(moment: str) -> str:
    """dd.mm.yyyy HH:MM in Oslo time (the app's zone for showing times); a broken stamp as it is."""
    try:
        parsed = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return str(moment)
    return format_datetime(parsed, "dd.MM.yyyy HH:mm" if str(get_locale()) == "nb" else "d MMM yyyy, HH:mm")


def _number(record: Mapping[str, Any], key: str) -> int:
    value = record.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _day(value: Any) -> str | None:
    try:
        return format_day(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def period(start: Any, end: Any) -> str | None:
    """01.08.2026–31.12.2026, from 01.08.2026, until 31.12.2026, or None for all time."""
    first, last = _day(start), _day(end)
    if first and last:
        return f"{first}–{last}"
    if first:
        return _("from %(day)s", day=first)
    return _("until %(day)s", day=last) if last else None


def _lower(label: Any) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


def _export(record: Mapping[str, Any], schools: Mapping[str, str]) -> str:
    filters = record.get("filters") if isinstance(record.get("filters"), dict) else {}
    table = record.get("table")
    parts = [_lower(TABLE_LABELS[table]) if table in TABLE_LABELS else _("everything")]
    parts.append(period(filters.get("from"), filters.get("to")))
    school = filters.get("school")
    if school:
        parts.append(schools.get(school, _("a school")))
    if filters.get("side") in SIDES:
        parts.append(_lower(SIDES[filters["side"]]))
    fmt = str(record.get("format") or "?").upper()
    return _("Exported %(format)s (%(what)s)", format=fmt, what=", ".join(part for part in parts if part))


def _import(record: Mapping[str, Any]) -> str:
    if record.get("kind") == "outbox":
        return _("Imported a phone's outbox file (%(new)d new, %(refused)d refused)",
                 new=_number(record, "created"), refused=_number(record, "refused"))
    return _("Imported another laptop's export (%(added)d new, %(updated)d changed, %(conflicts)d conflicts)",
             added=_number(record, "added"), updated=_number(record, "updated"), conflicts=_number(record, "conflicts"))


def _status_report(record: Mapping[str, Any], schools: Mapping[str, str]) -> str:
    span = record.get("period") if isinstance(record.get("period"), dict) else record
    parts = [period(span.get("from") or span.get("date_from"), span.get("to") or span.get("date_to"))]
    school = record.get("school")
    parts.append(schools.get(school, _("a school")) if school else _("all schools"))
    shown = {"print": _("for print"), "html": _("as a web page")}
    if record.get("format") in shown:
        parts.append(shown[record["format"]])
    return _("Status report made (%(what)s)", what=", ".join(part for part in parts if part))


def _sync(record: Mapping[str, Any]) -> str:
    if record.get("ok") is False:
        return _("Sync with a paired laptop failed")
    return _("Synced with a paired laptop (%(pulled)d in, %(pushed)d out)",
             pulled=_number(record, "pulled_added") + _number(record, "pulled_updated"),
             pushed=_number(record, "pushed_added") + _number(record, "pushed_updated"))


def _erased(record: Mapping[str, Any]) -> str:
    if record.get("learned_from"):
        count = _number(record, "people")
        return ngettext("Erased %(num)d person, as another laptop had", "Erased %(num)d people, as another laptop had",
                        count)
    return _("Erased a person")


def _fixed() -> dict[str, str]:
    return {
        "leader_login": _("Signed in as project leader"),
        "leader_login_failed": _("Failed sign-in"),
        "leader_password_set": _("Chose the project leader's password"),
        "device_bound": _("Connected their phone"),
        "device_revoke": _("Disconnected a phone"),
        "person_revoke": _("Revoked a person's access"),
        "person_restore": _("Gave a person access again"),
        "person_new-link": _("Made a new link for a person"),
        "person_correct": _("Corrected a person's details"),
        "privacy_download": _("Downloaded what is stored about a person"),
        "conflict_resolved": _("Decided a merge conflict"),
        "sync_paired": _("Paired with another laptop"),
        "sync_forgotten": _("Forgot a paired laptop"),
        "sync_key_renewed": _("Made a new sync key"),
        "backup": _("Made a backup"),
        "backup_failed": _("A backup failed"),
        "backup_folder": _("Chose the backup folder"),
        "barometer_round_opened": _("Opened a barometer round"),
        "barometer_round_closed": _("Closed a barometer round"),
    }


class AuditWords:
    """The words for the lines of one page or file: the fixed texts translated once, not once per line."""

    def __init__(self, names: Mapping[str, str], schools: Mapping[str, str]) -> None:
        self.names, self.schools = names, schools
        self.fixed = _fixed()
        self.actors = {"command": _("the command line"), "automatic": _("the app (automatic)"),
                       "leader": _("project leader"), "erased": _("erased person"), "peer": _("a paired laptop"),
                       "unknown": _("unknown")}

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

    def what(self, record: Mapping[str, Any]) -> str:
        """What was done, in words; an event this version does not know, by its key."""
        event = record.get("event")
        if isinstance(event, str) and event in self.fixed:
            return self.fixed[event]
        schools = self.schools
        if event == "export":
            return _export(record, schools)
        if event == "import":
            return _import(record)
        if event == "status_report":
            return _status_report(record, schools)
        if event == "sync":
            return _sync(record)
        if event == "person_erased":
            return _erased(record)
        if event == "sync_served":
            return _("Sent changes to a paired laptop (%(num)d records)", num=_number(record, "records"))
        if event == "sync_received":
            return _("Received changes from a paired laptop")
        if event == "charter_saved":
            return _("Saved the agreement, version %(version)s", version=record.get("version") or "?")
        if event == "audit_export":
            return _("Exported the log as CSV (%(num)d lines)", num=_number(record, "lines"))
        return _("Event: %(event)s", event=str(event)[:80])
