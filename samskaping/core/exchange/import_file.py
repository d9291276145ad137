"""What an import file must look like: parse an export (JSON or ZIP) or a phone's outbox file, strictly."""
from __future__ import annotations

import io
import json
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l

from .document_reader import LazyRecords, RecordTooDeep, read_document
from .document_stream import MAX_VALUE_CHARS, SpooledRecords, ValueTooLarge, read_stream
from .export import FORMAT, SCHEMA_VERSION, TABLES
from .import_rules import CHECKS, MAX_DEPTH, a_time, an_id, canonical_id, nested_deeper, pairs, path

OUTBOX_FORMAT = "samskaping-outbox"
SCHEMA_VERSIONS = (SCHEMA_VERSION,)
OUTBOX_VERSIONS = (1,)
IMPORTABLE = TABLES  # what an export holds, in the contract's order (export.py)
# Local to one laptop (passwords, phone secrets, the audit log, merge bookkeeping): never imported.
LOCAL_ONLY = ("settings", "devices", "audit", "conflicts", "peers")
# The largest file the import page takes: an upload is held whole by the server that also answers the phones;
# the import command reads a file of any size a piece at a time (read_export_file).
MAX_UPLOAD = 32 * 1024 * 1024
MAX_ZIP_MEMBER = MAX_UPLOAD  # export.json unpacked: no larger than a JSON export could be uploaded itself


# What the leader reads about each table and field on the preview and conflicts pages.
TABLE_LABELS = {
    "schools": _l("Schools"), "people": _l("People"), "meetings": _l("Meetings"),
    "responsibilities": _l("Responsibilities"), "followups": _l("Follow-ups"), "feedback": _l("Feedback"),
    "charters": _l("Charter versions"), "acceptances": _l("Acceptances"), "questions": _l("Questions"),
    "statements": _l("Barometer statements"), "rounds": _l("Barometer rounds"), "answers": _l("Barometer answers"),
    "plans": _l("Planned meetings"),
}
FIELD_LABELS = {
    "name": _l("Name"), "side": _l("Organisation"), "role": _l("Role"), "school": _l("School"),
    "active": _l("Active"), "date": _l("Date"), "type": _l("Type of meeting"), "attendees": _l("Who attended"),
    "guests": _l("Other attendees"), "agenda": _l("Agenda"), "notes": _l("Notes"), "decisions": _l("Decisions"),
    "what": _l("What is to be done"), "owner": _l("Who is responsible"), "due": _l("Due date"),
    "status": _l("Status"), "meeting": _l("Meeting"), "responsibility": _l("Responsibility"),
    "comment": _l("Comment"), "to": _l("To"), "about": _l("About"), "worked": _l("What worked well"),
    "improve": _l("What could be better"), "created_at": _l("Created"), "updated_at": _l("Last changed"),
    "author": _l("Written by"), "updated_by": _l("Changed by"), "device": _l("Device"),
    "updated_device": _l("Changed on device"), "client_updated_at": _l("Changed on the phone"),
    "seen_at": _l("Opened by the recipient"),
    "invited": _l("Who is invited"), "time": _l("Time"),
}


class ImportProblem(Exception):
    """A file that cannot be imported; str() is a translated message naming what is wrong and where."""


def parse_document(data: bytes, filename: str, *, decoded: bool = False) -> dict:
    """The document in an uploaded file: an export (JSON, or the ZIP holding export.json) or a phone's
    outbox file. Raises ImportProblem for anything malformed or foreign; changes nothing.

    `decoded`: the records are decoded once and kept, for a document of bounded size (a sync page: at most
    sync_http.MAX_ANSWER_BYTES), instead of kept as text and decoded each time they are read."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".zip"):
        data = _export_json_from_zip(data)
    document = _load_json(data, decoded)
    kind = document.get("format") if isinstance(document, dict) else None
    if kind == FORMAT:
        check_export(document)
    elif kind == OUTBOX_FORMAT:
        check_outbox(document)
    else:
        raise ImportProblem(not_ours(kind))
    return document


def _export_json_from_zip(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo("export.json")
            except KeyError:
                raise ImportProblem(_("The ZIP file holds no export.json: it is not a Samskaping export.")) from None
            if info.file_size > MAX_ZIP_MEMBER:
                raise ImportProblem(too_large())
            with archive.open(info) as member:
                data = member.read(MAX_ZIP_MEMBER + 1)  # the stated size may lie: never read past the cap
            if len(data) > MAX_ZIP_MEMBER:
                raise ImportProblem(too_large())
            return data
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError):
        raise ImportProblem(_("The ZIP file is damaged or incomplete.")) from None


def too_large() -> str:
    return _("export.json in the ZIP file is larger than %(limit)d MB unpacked, more than this page imports. "
             "Import it from the command line instead (flask --app app import FILE, with the app stopped), or "
             "export less (a shorter period, one school).", limit=MAX_ZIP_MEMBER // (1024 * 1024))


def _load_json(data: bytes, decoded: bool = False) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblem(_("The file is not UTF-8 text (byte %(position)d); is it an export?",
                              position=error.start)) from None
    with _reading():
        return read_document(text, keep=decoded)  # else an export's records stay text until each is read


@contextmanager
def _reading():
    """What reading the file's JSON raises, as an ImportProblem naming where."""
    try:
        yield
    except UnicodeDecodeError as error:
        raise ImportProblem(_("The file is not UTF-8 text (byte %(position)d); is it an export?",
                              position=error.start)) from None
    except RecordTooDeep as error:
        table, index = error.args
        raise ImportProblem(_("%(table)s, record %(index)d: the record is nested too deeply to be read.",
                              table=json.dumps(table, ensure_ascii=False)[1:-1][:60], index=index)) from None
    except ValueTooLarge as error:
        line, column = error.args
        raise ImportProblem(_("The file holds a single value of more than %(limit)d MB (line %(line)d, column "
                              "%(column)d), more than this laptop reads at once. It is not a Samskaping export.",
                              limit=MAX_VALUE_CHARS // (1024 * 1024), line=line, column=column)) from None
    except json.JSONDecodeError as error:
        raise ImportProblem(_("The file is not valid JSON: %(problem)s at line %(line)d, column %(column)d.",
                              problem=error.msg, line=error.lineno, column=error.colno)) from None
    except ValueError:  # after JSONDecodeError (a subclass): e.g. a number of more than 4300 digits
        raise ImportProblem(_("The file holds a value this laptop cannot read (such as a number thousands of "
                              "digits long). It is not a Samskaping export.")) from None
    except RecursionError:
        raise ImportProblem(_("The file is not valid JSON: it is nested too deeply.")) from None


def read_export_file(path: str | Path) -> dict:
    """parse_document for a file on disk of any size (the import command): JSON or ZIP, read a piece at a time,
    each record checked as it is read and kept in a spool on disk (document_stream), so memory stays bounded
    however large the file. The same checks and messages; raises ImportProblem, changes nothing."""
    path = Path(path)
    with open(path, "rb") as file:
        is_zip = file.read(4) == b"PK\x03\x04" or path.name.lower().endswith(".zip")
    seen: dict[str, set[str]] = {}

    def on_record(table: str, index: int, record: Any, header: dict) -> None:
        if not seen:  # the first record: the parts before it first, as parse_document checks them
            if header.get("format") != FORMAT:
                raise ImportProblem(not_ours(header.get("format")))
            check_export_header(header)
        check_table(table)
        check_record(table, index, record)
        check_unique(seen.setdefault(table, set()), table, index, record)

    try:
        with _reading():
            if is_zip:
                with zipfile.ZipFile(path) as archive:
                    try:
                        info = archive.getinfo("export.json")
                    except KeyError:
                        raise ImportProblem(_("The ZIP file holds no export.json: it is not a Samskaping "
                                              "export.")) from None
                    with archive.open(info) as member:
                        document = read_stream(member, on_record)
            else:
                with open(path, "rb") as file:
                    document = read_stream(file, on_record)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError):
        if not is_zip:
            raise
        raise ImportProblem(_("The ZIP file is damaged or incomplete.")) from None
    kind = document.get("format")
    if kind == FORMAT:
        check_export(document, records_checked=True)
    elif kind == OUTBOX_FORMAT:
        check_outbox(document)
    else:
        raise ImportProblem(not_ours(kind))
    return document


def not_ours(kind: Any) -> str:
    return _("This is not a Samskaping export or outbox file (its format is %(format)s).",
             format=json.dumps(kind)[:60])


def check_export(document: dict, *, records_checked: bool = False) -> None:
    """Every table known and importable, every record complete and of the right types, ids unique
    (`records_checked`: read_export_file checked each record as it read it)."""
    check_export_header(document)
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise ImportProblem(_("The export has no tables."))
    for table, records in tables.items():
        check_table(table)
        if not isinstance(records, (list, LazyRecords, SpooledRecords)):
            raise ImportProblem(_("The table %(table)s is not a list of records.", table=table))
        if not records_checked:
            seen: set[str] = set()
            for index, record in enumerate(records, start=1):
                check_record(table, index, record)
                check_unique(seen, table, index, record)


def check_export_header(document: dict) -> None:
    """An export's parts besides its tables."""
    check_header(document, "tables")
    if document.get("schema_version") not in SCHEMA_VERSIONS:
        raise ImportProblem(_("This export has schema version %(version)s, which this version of Samskaping "
                              "does not know. Update Samskaping and try again.",
                              version=json.dumps(document.get("schema_version"))[:20]))
    for key in ("exported_at",):
        if a_time(document.get(key)) is not None:
            raise ImportProblem(_("The export's %(field)s is not %(expected)s.", field=key,
                                  expected=a_time(None)))
    if document.get("installation") is not None and an_id(document.get("installation")) is not None:
        raise ImportProblem(_("The export's %(field)s is not %(expected)s.", field="installation",
                              expected=an_id(None)))
    if "erased" in document:  # tombstones of erased people (erasure.py): optional, hashes only
        from ..erasure.erase import check_part
        if not check_part(document["erased"]):
            raise ImportProblem(_("The export's list of erased people (erased) is malformed."))
    if "join_codes" in document:  # the people's QR codes (join_codes.py): optional, in JSON exports and syncs
        from ..join_codes import check_part as join_codes_fit
        if not join_codes_fit(document["join_codes"]):
            raise ImportProblem(_("The export's list of QR codes (join_codes) is malformed."))


def check_table(table: str) -> None:
    if table in LOCAL_ONLY:
        raise ImportProblem(_("The table %(table)s belongs to one laptop and is never imported.", table=table))
    if table not in IMPORTABLE:
        raise ImportProblem(_("The export has a table this version does not know: %(table)s.",
                              table=json.dumps(table)[:60]))


def check_unique(seen: set[str], table: str, index: int, record: dict) -> None:
    record_id = canonical_id(record["id"])
    if record_id in seen:
        raise ImportProblem(_("%(table)s, record %(index)d (id %(id)s): the same id appears twice.",
                              table=table, index=index, id=record_id))
    seen.add(record_id)


def check_header(document: dict, body: str) -> None:
    """The document's parts besides its records (`body`, checked record by record): none nested deep."""
    for key, value in document.items():
        if key != body and nested_deeper(value):
            raise ImportProblem(_("The file's part %(part)s is nested more than %(limit)d levels deep.",
                                  part=json.dumps(key, ensure_ascii=False)[1:-1][:60], limit=MAX_DEPTH))


def check_record(table: str, index: int, record: Any) -> None:
    if not isinstance(record, dict):
        raise ImportProblem(_("%(table)s, record %(index)d: not a record.", table=table, index=index))
    label = record.get("id") if isinstance(record.get("id"), str) else "?"
    required, kinds = CHECKS[table]
    for name in () if record.keys() >= required else required:
        if name not in record:
            raise ImportProblem(_("%(table)s, record %(index)d (id %(id)s): the field %(field)s is missing.",
                                  table=table, index=index, id=label[:40], field=name))
    for name, kind in kinds:
        if name in record and (expected := kind(record[name])) is not None:
            raise ImportProblem(_("%(table)s, record %(index)d (id %(id)s): the field %(field)s is not %(expected)s.",
                                  table=table, index=index, id=label[:40], field=name, expected=expected))
    for name, value in record.items():  # fields not named in FIELDS are kept as they come: but not nested deep
        if isinstance(value, (dict, list)) and nested_deeper(value):
            raise ImportProblem(_("%(table)s, record %(index)d (id %(id)s): the field %(field)s is nested more than "
                                  "%(limit)d levels deep.", table=table, index=index, id=label[:40],
                                  field=json.dumps(name, ensure_ascii=False)[1:-1][:60], limit=MAX_DEPTH))


def check_outbox(document: dict) -> None:
    """A phone's downloaded outbox: who it belongs to and, per item, its id, target and form fields."""
    check_header(document, "items")
    if document.get("version") not in OUTBOX_VERSIONS:
        raise ImportProblem(_("This outbox file has version %(version)s, which this version of Samskaping "
                              "does not know.", version=json.dumps(document.get("version"))[:20]))
    if an_id(document.get("person")) is not None:
        raise ImportProblem(_("The outbox file does not say whose phone it came from."))
    items = document.get("items")
    if not isinstance(items, list):
        raise ImportProblem(_("The outbox file has no list of items."))
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ImportProblem(_("Outbox item %(index)d is not an entry.", index=index))
        label = item.get("id") if isinstance(item.get("id"), str) else "?"
        checks = {"id": an_id, "url": path, "fields": pairs, "updated_at": a_time}
        for name, kind in checks.items():
            if (expected := kind(item.get(name))) is not None:
                raise ImportProblem(_("Outbox item %(index)d (id %(id)s): the field %(field)s is not %(expected)s.",
                                      index=index, id=label[:40], field=name, expected=expected))
        if nested_deeper(item, MAX_DEPTH + 1):  # the item itself is one level
            raise ImportProblem(_("Outbox item %(index)d (id %(id)s) is nested more than %(limit)d levels deep.",
                                  index=index, id=label[:40], limit=MAX_DEPTH))
        if item.get("person") not in (None, document["person"]):
            raise ImportProblem(_("Outbox item %(index)d (id %(id)s) belongs to another person.",
                                  index=index, id=label[:40]))
