"""Getting the data out: a consistent snapshot of the shared tables, streamed as JSON, CSV or a ZIP of them.

Consistency. The store never changes a stored record: a write puts a new record in its place (copy-on-write,
store/journal_table.py). So Store.snapshot() takes, under the store's lock, only a new dict per table holding
references to the records of that moment (milliseconds at 50k records), and phones' writes go on at once;
none of them shows up in the export. Each record is then serialised from those references (one C-speed
json.dumps) into a temporary spool file, without the lock; the download streams from that file at the
client's pace, with memory flat. Spooling is the one long stretch of Python work in an export (about 0.7 s at
50k records); it rests a little between short stretches, so a phone's request waiting for Python's interpreter
lock gets it at once instead of after the interpreter's switch interval, at every step it waits on a socket or
the disk (store/reads.py, courteous).
A second process (the export command while the server runs) cannot take that lock: it reads the files
through journal.read_consistent instead, into its own private copy.
"""
from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from itertools import islice
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import IO

from ...store.clock import local_today, utc_now
from ...store.database import Store
from ...store.reads import courteous
from .csv_context import answer_rows, extras_of
from .export_filters import Filters, Rules

FORMAT = "samskaping-export"
SCHEMA_VERSION = 1
# The contract's order: schools and people first, so an importer meets referenced records first.
TABLES = ("schools", "people", "meetings", "responsibilities", "followups", "feedback",
          "charters", "acceptances", "questions", "statements", "rounds", "answers", "plans")
INSTALLATION_SETTINGS_ID = "5a3c1e00-0000-4000-8000-000000000002"
CHUNK = 64 * 1024
_encode = json.JSONEncoder(separators=(",", ":")).encode  # ASCII only: safe for any string, even lone surrogates
_decoder = json.JSONDecoder()
_quote = encode_basestring_ascii  # a JSON string, in C: cheaper than a second encoder per record


def installation_id(store: Store) -> str:
    """This installation's id: a uuid4 kept in the settings table, made on first need."""
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
              "exported_at": utc_now(),
              "installation": installation, "filters": filters.document()}
    if isinstance(source, Store):
        header["installation"] = installation or installation_id(source)
        # One moment for all tables: no write lands between two of them, and none is held off while spooling.
        data = source.snapshot()
        return _spool(data, filters, _with_join_codes(_with_tombstones(header, data), data, filters), tables)
    header["installation"] = installation or installation_in(source)
    return _spool(source, filters, _with_join_codes(_with_tombstones(header, source), source, filters), tables)


def _with_tombstones(header: dict, data: Mapping[str, Mapping[str, dict]]) -> dict:
    """The tombstones of erased people (erasure.py), whatever the filters: without them an import of
    this file elsewhere could not know whom not to bring back. Left out while nobody was ever erased."""
    from ..erasure.erase import export_part
    erased = export_part(data)
    return {**header, "erased": erased} if erased else header


def _with_join_codes(header: dict, data: Mapping[str, Mapping[str, dict]], filters: Filters) -> dict:
    """The QR codes of the exported people (join_codes.py), so another PC shows the same working codes.
    Only json_chunks writes them, never into the analysts' ZIP (see `for_analysts`)."""
    from flask import current_app, has_app_context

    from ..join_codes import export_part
    keep = Rules(data, filters).keeper("people")
    people = [p for p in data.get("people", {}).values() if keep is None or keep(p)]
    return {**header, **export_part(data, people, current_app.secret_key if has_app_context() else None)}


def _spool(data: Mapping[str, Mapping[str, dict]], filters: Filters, header: dict, tables: Iterable[str]) -> Snapshot:
    spool = tempfile.TemporaryFile(prefix="samskaping-export-")
    try:
        rules = Rules(data, filters)
        sections: dict[str, tuple[int, int]] = {}
        write = spool.write
        for table in tables:
            offset, count, keep = spool.tell(), 0, rules.keeper(table)
            for doc in courteous(data.get(table, {}).values()):
                if keep is not None and not keep(doc):
                    continue
                line = _encode(doc)
                # Local bookkeeping ("_received_at"...) is never exported. A key starting with "_" is '"_' in
                # the JSON (a quote inside a string is escaped), so only such lines need a look at the keys.
                if '"_' in line and any(key.startswith("_") for key in doc):
                    doc = {k: v for k, v in doc.items() if not k.startswith("_")}
                    line = _encode(doc)
                extra = extras_of(table, doc, data)
                write((line if extra is None else f"{line}\t{_quote(str(extra))}").encode("ascii") + b"\n")
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


def json_chunks(snapshot: Snapshot, *, for_analysts: bool = False) -> Iterator[bytes]:
    """The export document (see the contract), one record per line, in chunks of about 64 KiB.
    `for_analysts` (the ZIP's export.json): without the QR codes and the people's code hashes."""
    header = snapshot.header
    if for_analysts:
        from ..join_codes import JOIN_FIELDS, without_join_fields
        header = {key: value for key, value in header.items() if key != "join_codes"}
    head = _encode(header).encode("ascii")
    parts, size = [head[:-1] + b',"tables":{\n'], 0
    for number, table in enumerate(TABLES):
        parts.append(b'%s"%s":[\n' % (b"," if number else b"", table.encode("ascii")))
        separator = b""
        for line in snapshot.lines(table):
            record = line.partition(b"\t")[0].rstrip(b"\n")
            if for_analysts and table == "people" and any(name.encode() in record for name in JOIN_FIELDS):
                record = _encode(without_join_fields(json.loads(record))).encode("ascii")
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
    day = day or local_today()
    return f"samskaping-{table + '-' if fmt == 'csv' and table else ''}{day.isoformat()}.{fmt}"
