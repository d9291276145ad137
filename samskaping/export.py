"""Getting the data out: a consistent snapshot of the shared tables, streamed as JSON, CSV or a ZIP of them.

Consistency. TinyDB changes documents in place (Store.update merges into the live dict; put clears and
refills it), so holding references to the records would let a write made during a slow download show up
half in the file. Copying every record under the store's lock would be consistent but hold the whole
dataset in memory. So the snapshot is taken under the store's lock by serialising each record (one C-speed
json.dumps, the same work a compaction does under that lock) into a temporary spool file; the download then
streams from that file at the client's pace, with the lock long released and memory flat.
A second process (the export command while the server runs) cannot take that lock: it reads the files
through journal.read_consistent instead, into its own private copy.
"""
from __future__ import annotations

import json
import tempfile
import uuid
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import IO, Callable

from babel.dates import get_timezone

from .export_csv import LOCAL_ZONE, answer_rows, csv_chunks, extras_of, zip_export  # noqa: F401  (one place to import from)
from .storage import Store

FORMAT = "samskaping-export"
SCHEMA_VERSION = 1
# The contract's order: schools and people first, so an importer meets referenced records first.
TABLES = ("schools", "people", "meetings", "responsibilities", "followups", "feedback",
          "charters", "acceptances", "questions", "statements", "rounds", "answers")
INSTALLATION_SETTINGS_ID = "5a3c1e00-0000-4000-8000-000000000002"
CHUNK = 64 * 1024
_encode = json.JSONEncoder(separators=(",", ":")).encode  # ASCII only: safe for any string, even lone surrogates
_decoder = json.JSONDecoder()
_quote = encode_basestring_ascii  # a JSON string, in C: cheaper than a second encoder per record


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
        zone = get_timezone(LOCAL_ZONE)

        def midnight(day: date) -> str:
            local = datetime.combine(day, time())
            local = zone.localize(local) if hasattr(zone, "localize") else local.replace(tzinfo=zone)
            return local.astimezone(timezone.utc).isoformat(timespec="microseconds")
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

    def side_followups(self, doc): return self.responsibility(doc).get("side")
    def side_feedback(self, doc): return self.person(doc.get("to")).get("side")
    def side_acceptances(self, doc): return self.person(doc.get("person") or doc.get("author")).get("side")


def _side_matches(value: str | set | None, side: str) -> bool:
    return value is None or value == side or (isinstance(value, set) and side in value)


def installation_id(store: Store | None = None) -> str:
    """This installation's id: a uuid4 kept in the settings table, made on first need."""
    if store is None:
        from .db import get_store
        store = get_store()
    record = store.get("settings", INSTALLATION_SETTINGS_ID) or {}
    if not record.get("installation"):
        fields = {"installation": str(uuid.uuid4())}
        record, created = store.create("settings", fields, record_id=INSTALLATION_SETTINGS_ID)
        if not record.get("installation"):  # a settings record without it: complete it
            record = store.update("settings", INSTALLATION_SETTINGS_ID, fields)
    return record["installation"]


class Snapshot:
    """The exported records as they were at one moment, spooled to a temporary file, one JSON line each.

    Lines of tables with CSV context (a follow-up's responsibility text...) carry it after a tab, as a
    JSON string: JSON written with ASCII escapes never holds a raw tab or newline itself."""

    def __init__(self, spool: IO[bytes], sections: dict[str, tuple[int, int]], header: dict,
                 names: dict[str, dict[str, str]]) -> None:
        self._spool = spool
        self._sections = sections
        self.header = header
        self.names = names  # {"people": {id: name}, "schools": {id: name}}: small, the project's own size

    @property
    def counts(self) -> dict[str, int]:
        return {table: count for table, (_offset, count) in self._sections.items() if not table.startswith("csv:")}

    def lines(self, section: str) -> Iterator[bytes]:
        offset, count = self._sections.get(section, (0, 0))
        self._spool.seek(offset)
        return islice(self._spool, count)

    def records(self, table: str) -> Iterator[tuple[dict, str | None]]:
        """(record, CSV context) pairs; the context is one text from another record, or None."""
        decode = _decoder.raw_decode
        for line in self.lines(table):
            text = line.decode("ascii")
            record, end = decode(text)
            yield record, (decode(text, end + 1)[0] if text[end] == "\t" else None)

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def take_snapshot(source: Store | Mapping[str, Mapping[str, dict]], filters: Filters = Filters(), *,
                  installation: str | None = None, tables: Iterable[str] = TABLES) -> Snapshot:
    """Spool the records the filters keep, from a live Store (under its lock) or from read-only data."""
    header = {"format": FORMAT, "schema_version": SCHEMA_VERSION,
              "exported_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
              "installation": installation, "filters": filters.document()}
    if isinstance(source, Store):
        header["installation"] = installation or installation_id(source)
        # Writers held off across all tables: no write lands between two of them.
        with source.frozen() as data:
            return _spool(data, filters, _with_tombstones(header, data), tables)
    header["installation"] = installation or installation_in(source)
    return _spool(source, filters, _with_tombstones(header, source), tables)


def _with_tombstones(header: dict, data: Mapping[str, Mapping[str, dict]]) -> dict:
    """The tombstones of erased people (erasure.py), whatever the filters: without them an import of
    this file elsewhere could not know whom not to bring back. Left out while nobody was ever erased."""
    from .erasure import export_part
    erased = export_part(data)
    return {**header, "erased": erased} if erased else header


def _spool(data: Mapping[str, Mapping[str, dict]], filters: Filters, header: dict, tables: Iterable[str]) -> Snapshot:
    spool = tempfile.TemporaryFile(prefix="samskaping-export-")
    try:
        rules = Rules(data, filters)
        sections: dict[str, tuple[int, int]] = {}
        write = spool.write
        for table in tables:
            offset, count, keep = spool.tell(), 0, rules.keeper(table)
            for doc in data.get(table, {}).values():
                if keep is not None and not keep(doc):
                    continue
                for key in doc:  # local bookkeeping ("_received_at"...) is never exported
                    if key.startswith("_"):
                        doc = {k: v for k, v in doc.items() if not k.startswith("_")}
                        break
                extra = extras_of(table, doc, data)
                line = _encode(doc) if extra is None else f"{_encode(doc)}\t{_quote(str(extra))}"
                write(line.encode("ascii") + b"\n")
                count += 1
            sections[table] = (offset, count)
            if table == "answers":
                offset, count = spool.tell(), 0
                for row in answer_rows(data, rules):
                    write(_encode(row).encode("ascii") + b"\n")
                    count += 1
                sections["csv:answers"] = (offset, count)
        names = {table: {i: d.get("name", "") for i, d in data.get(table, {}).items()} for table in ("people", "schools")}
        spool.flush()
        return Snapshot(spool, sections, header, names)
    except BaseException:
        spool.close()
        raise


def installation_in(data: Mapping[str, Mapping[str, dict]]) -> str:
    """The installation id from read-only data; if none was made yet, one is made and left pending."""
    found = data.get("settings", {}).get(INSTALLATION_SETTINGS_ID, {}).get("installation")
    if found:
        return found
    made = str(uuid.uuid4())
    # Marked unsaved: the export command keeps it as a pending write (see cli.py).
    data.setdefault("settings", {})[INSTALLATION_SETTINGS_ID] = {"id": INSTALLATION_SETTINGS_ID,
                                                                  "installation": made, "_unsaved": True}
    return made


def json_chunks(snapshot: Snapshot) -> Iterator[bytes]:
    """The export document (see the contract), one record per line, in chunks of about 64 KiB."""
    head = _encode(snapshot.header).encode("ascii")
    parts, size = [head[:-1] + b',"tables":{\n'], 0
    for number, table in enumerate(TABLES):
        parts.append(b'%s"%s":[\n' % (b"," if number else b"", table.encode("ascii")))
        separator = b""
        for line in snapshot.lines(table):
            record = line.partition(b"\t")[0].rstrip(b"\n")
            parts.append(separator + record)
            separator = b",\n"
            size += len(record)
            if size >= CHUNK:
                yield b"".join(parts)
                parts, size = [], 0
        parts.append(b"\n]")
    parts.append(b"}}\n")
    yield b"".join(parts)


def file_name(fmt: str, table: str | None = None, day: date | None = None) -> str:
    """samskaping-2026-11-28.zip, samskaping-meetings-2026-11-28.csv..."""
    day = day or date.today()
    return f"samskaping-{table + '-' if fmt == 'csv' and table else ''}{day.isoformat()}.{fmt}"
