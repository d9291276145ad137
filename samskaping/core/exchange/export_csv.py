"""The files for people: CSV made for Excel in Norway (UTF-8 with BOM, `;`, formulas defused) and LESMEG.txt."""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flask_babel import force_locale, lazy_gettext as _l

# The barometer's own rules, so the export never shows what its pages hide.
from ..barometer_stats import MIN_GROUP
from ..vocabulary import F_LABELS, MEETING_TYPES, SIDES, STATUSES
from .export import CHUNK, Snapshot

CSV_TABLES = ("meetings", "responsibilities", "followups", "feedback", "answers", "people", "schools")
BOM = "\ufeff".encode("utf-8")  # without it Excel reads UTF-8 as Windows-1252 and garbles æøå
# OWASP's list: a cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Look-alikes that a spreadsheet may read as one of them (formula_like): what NFKC folds into = + - @
# (full-width ＝ ＋ － ＠, small ﹦ ﹢ ﹣ ﹫, super- and subscript ⁼ ⁺ ₌ ₊), and the minus sign U+2212 with its
# super- and subscript forms, which some spreadsheets take as a minus in input.
FORMULA_STARTS = ("=", "+", "-", "@", "\u2212")

Getter = Callable[[dict, "str | None"], Any]


def _at(key: str) -> Getter:
    def get(record: dict, extra: str | None) -> Any:
        return record.get(key)
    get.key = key  # type: ignore[attr-defined]  # lets csv_chunks read it without a call per cell
    return get


def _joined(key: str, among: Mapping[str, str] | None = None) -> Getter:
    """A list in one cell, joined with ", " (ids, or their names from `among`)."""
    def get(record: dict, extra: str | None) -> str:
        items = record.get(key) or ()
        return ", ".join(map(str, items) if among is None else (among.get(item, "?") for item in items))
    return get


def _item(index: int) -> Getter:
    def get(row: list, extra: str | None) -> Any:
        return row[index]
    get.key = index  # type: ignore[attr-defined]  # answers' rows are lists, taken whole
    return get


def _extra(record: dict, extra: str | None) -> str | None:
    return extra


def _stamps() -> list[tuple]:
    return [("created_at", _l("Created"), _at("created_at")), ("updated_at", _l("Last changed"), _at("updated_at"))]


def columns(table: str, names: Mapping[str, Mapping[str, str]]) -> list[tuple]:
    """(key, label, getter[, labels of its values]) per column; person and school names from `names`."""
    people, schools = names.get("people", {}), names.get("schools", {})

    def name(key: str, among: Mapping[str, str]) -> Getter:
        return lambda record, extra: among.get(record.get(key), "") if record.get(key) else ""

    def author() -> list[tuple]:
        return [("author_id", _l("Written by (id)"), _at("author")), ("author", _l("Written by"), name("author", people))]

    school = [("school_id", _l("School (id)"), _at("school")), ("school", _l("School"), name("school", schools))]
    tables = {
        "meetings": [
            ("id", _l("Id"), _at("id")), ("date", _l("Date"), _at("date")), *school,
            ("type", _l("Type of meeting"), _at("type"), MEETING_TYPES),
            ("attendee_ids", _l("Attendees (ids)"), _joined("attendees")),
            ("attendees", _l("Attendees"), _joined("attendees", people)),
            ("guests", _l("Other attendees"), _at("guests")), ("agenda", _l("Agenda"), _at("agenda")),
            ("notes", _l("Notes"), _at("notes")), ("decisions", _l("Decisions"), _at("decisions")),
            *author(), *_stamps()],
        "responsibilities": [
            ("id", _l("Id"), _at("id")), ("what", _l("What is to be done"), _at("what")),
            ("owner_id", _l("Responsible (id)"), _at("owner")), ("owner", _l("Responsible"), name("owner", people)),
            ("side", _l("Organisation"), _at("side"), SIDES), ("due", _l("Due date"), _at("due")),
            ("status", _l("Status"), _at("status"), STATUSES), *school,
            ("meeting_id", _l("Meeting (id)"), _at("meeting")), ("meeting_date", _l("Meeting date"), _extra),
            *author(), *_stamps()],
        "followups": [
            ("id", _l("Id"), _at("id")), ("responsibility_id", _l("Responsibility (id)"), _at("responsibility")),
            ("responsibility", _l("Responsibility"), _extra),
            ("status", _l("Status"), _at("status"), STATUSES),
            ("previous_status", _l("Previous status"), _at("previous_status"), STATUSES),
            ("comment", _l("Comment"), _at("comment")), ("meeting_id", _l("Meeting (id)"), _at("meeting")),
            *author(), *_stamps()],
        "feedback": [
            ("id", _l("Id"), _at("id")), ("to_id", _l("To (id)"), _at("to")), ("to", _l("To"), name("to", people)),
            ("from_id", _l("From (id)"), _at("author")), ("from", _l("From"), name("author", people)),
            ("about_id", _l("About (id)"), _at("about")), ("about", _l("About"), _extra),
            ("worked", _l("What worked well"), _at("worked")), ("improve", _l("What could be better"), _at("improve")),
            ("seen_at", _l("Opened by the recipient"), _at("seen_at")),
            *_stamps()],
        "people": [
            ("id", _l("Id"), _at("id")), ("name", _l("Name"), _at("name")),
            ("side", _l("Organisation"), _at("side"), SIDES), ("role", _l("Role"), _at("role")), *school,
            ("active", _l("Active"), lambda r, x: r.get("active", True), {True: _l("Yes"), False: _l("No")}),
            *_stamps()],
        "schools": [("id", _l("Id"), _at("id")), ("name", _l("Name"), _at("name")), *_stamps()],
        # One row per answered statement; no answer id, person or time: the barometer promises anonymity.
        "answers": [
            ("round_id", _l("Round (id)"), _item(0)), ("round", _l("Round"), _item(1)), ("round_date", _l("Round date"), _item(2)),
            ("side", _l("Organisation"), _item(3), SIDES), ("statement_id", _l("Statement (id)"), _item(4)),
            ("f", _l("F"), _item(5), F_LABELS), ("statement", _l("Statement"), _item(6)), ("value", _l("Answer (1-5)"), _item(7))],
    }
    return tables[table]


def csv_chunks(snapshot: Snapshot, table: str, *, delimiter: str = ";", labels: str | None = None,
               neutralise: bool = True) -> Iterator[bytes]:
    """One table as CSV, in chunks of about 64 KiB. `labels` ("nb", "en") gives headings and coded values
    (status, organisation...) in that language; without it, stable keys and codes for machines."""
    plan = columns(table, snapshot.names)
    # Plain fields are read with one C-level map(record.get, keys); computed columns are filled in after.
    keys = [getattr(column[2], "key", None) for column in plan]
    computed = [(index, column[2]) for index, column in enumerate(plan) if keys[index] is None]
    if labels:
        with force_locale(labels):
            header = [str(column[1]) for column in plan]
            values = [{code: str(label) for code, label in column[3].items()} if len(column) > 3 else None
                      for column in plan]
    else:
        header = [column[0] for column in plan]
        values = [{True: "true", False: "false"} if column[0] == "active" else None for column in plan]
    coded = [(index, mapping) for index, mapping in enumerate(values) if mapping]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    rows = ((row, None) for row in _json_lines(snapshot, "csv:answers")) if table == "answers" else snapshot.records(table)
    encode, triggers = str.encode, FORMULA_TRIGGERS
    yield BOM
    for record, extra in rows:
        row = list(map(record.get, keys)) if table != "answers" else list(record)
        for index, get in computed:
            row[index] = get(record, extra)
        for index, mapping in coded:
            row[index] = mapping.get(row[index], row[index])
        if neutralise:
            # The common cell starts with a letter or digit and costs one check; anything else is looked at closer.
            row = [("'" + value) if value.__class__ is str and (value.startswith(triggers) or (
                value and not value[0].isalnum() and formula_like(value))) else value for value in row]
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield encode(buffer.getvalue(), "utf-8", "replace")
            buffer.seek(0)
            buffer.truncate()
    yield encode(buffer.getvalue(), "utf-8", "replace")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet may run the cell as a formula: its first visible character, after any spaces
    (also no-break and ideographic ones), line breaks and invisible characters (zero-width space, BOM, bidi
    marks), is = + - @ or a look-alike of one (FORMULA_STARTS)."""
    for char in text:
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        return unicodedata.normalize("NFKC", char).startswith(FORMULA_STARTS)
    return False


def _json_lines(snapshot: Snapshot, section: str) -> Iterator[list]:
    import json
    return map(json.loads, snapshot.lines(section))


def readme(snapshot: Snapshot, *, delimiter: str, neutralise: bool) -> bytes:
    """LESMEG.txt: what the files hold and what every column means, in Norwegian (templates/export/LESMEG.txt).
    Rendered without the request's context processors, so the export command can write it too."""
    from flask import current_app
    filters = snapshot.header["filters"]
    chosen = ", ".join(f"{key}={value}" for key, value in filters.items() if value) or "ingen (alt er med)"
    counts = "\n".join(f"  {table}: {count}" for table, count in snapshot.counts.items())
    text = current_app.jinja_env.get_template("export/LESMEG.txt").render(
        header=snapshot.header, filters=chosen, counts=counts, semicolon=delimiter == ";", neutralise=neutralise,
        min_group=MIN_GROUP)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


class _Pipe:
    """A write-only, non-seekable file for zipfile: what it writes is collected until drained."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        if self._parts:
            data, self._parts = b"".join(self._parts), []
            yield data


def zip_chunks(members: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """A ZIP of the given (name, chunks) members, streamed: zipfile writes data descriptors when it
    cannot seek back, so nothing needs to be held until the end."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as archive:  # type: ignore[arg-type]
        for name, chunks in members:
            with archive.open(name, "w") as member:
                for chunk in chunks:
                    member.write(chunk)
                    yield from pipe.drain()
            yield from pipe.drain()
    yield from pipe.drain()
