"""What the snapshot and the journal must hold, checked as they are read: damage is refused, never read as less."""
from __future__ import annotations

import json
import os
from typing import Any

from .refusals import N_, StoreRefused, kind_of

# No spaces after separators: files about 5% smaller and quicker to parse, still plain TinyDB JSON.
COMPACT_JSON = {"separators": (",", ":")}


class DamagedDatabase(StoreRefused):
    """The snapshot or the journal holds something other than what the journal module writes."""

    headline = N_("The database is damaged, so it was not opened.")
    advice = N_("Nothing was changed. Restore the latest backup (the app keeps them in %(backups)s) with "
                "the command: flask --app app restore FILE")


def journal_line(table: str, puts: dict[str, dict], dels: list[str]) -> bytes:
    """One journal line: whole documents put and ids deleted, so replaying it twice is harmless."""
    # ensure_ascii (the default) keeps the files readable whatever the platform's default encoding.
    return json.dumps({"t": table, "put": puts, "del": dels}, **COMPACT_JSON).encode("ascii") + b"\n"


def parse_snapshot(raw: bytes | None, path: str) -> dict[str, dict[str, Any]]:
    """The tables in a snapshot's bytes (None: there is no file, a new database); DamagedDatabase if they are
    not tables of records. Only a missing file means "new": an empty one is a file that lost its content."""
    if raw is None:
        return {}
    folder = os.path.dirname(os.path.abspath(path))
    if not raw or raw.isspace():  # not raw.strip(): that would copy a large snapshot once more
        raise DamagedDatabase(N_("%(file)s is empty."), folder=folder, file=path)
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise DamagedDatabase(N_("%(file)s is not valid JSON (%(error)s)."), folder=folder, file=path,
                              error=str(error)) from None
    if not isinstance(data, dict):
        raise DamagedDatabase(N_("%(file)s should hold tables, but holds %(kind)s."), folder=folder, file=path,
                              kind=kind_of(data), translated=("kind",))
    # Cheap next to json.loads, and what keeps a damaged record from becoming a 500 on every page later.
    for table, docs in data.items():
        if type(docs) is not dict:
            raise DamagedDatabase(N_('%(file)s: the table "%(table)s" is %(kind)s, not a table of records.'),
                                  folder=folder, file=path, table=table, kind=kind_of(docs), translated=("kind",))
        if all(type(doc) is dict for doc in docs.values()):
            continue
        for doc_id, doc in docs.items():
            if type(doc) is not dict:
                raise DamagedDatabase(N_('%(file)s: the record "%(record)s" in the table "%(table)s" is %(kind)s, '
                                         'not a record.'), folder=folder, file=path, table=table, record=doc_id,
                                      kind=kind_of(doc), translated=("kind",))
    return data


def replay_journal(data: dict[str, dict[str, Any]], raw: bytes, path: str) -> tuple[int, int]:
    """Apply the journal's bytes to `data` in place; return the size and line count of its intact part.

    Text after the last newline is an append that a crash (or a full disk) cut short: it was never
    acknowledged, and is left out. Anything else that is not a change this module wrote is DamagedDatabase.
    """
    *lines, torn = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        table, puts, dels = _change(line, number, len(lines), path)
        docs = data.setdefault(table, {})
        docs.update(puts)
        for doc_id in dels:
            docs.pop(doc_id, None)
    return len(raw) - len(torn), len(lines)


def _change(line: bytes, number: int, count: int, path: str) -> tuple[str, dict[str, dict], list[str]]:
    folder = os.path.dirname(os.path.abspath(path))
    where = {"folder": folder, "file": path, "line": number, "lines": count}
    try:
        change = json.loads(line)
        table, puts, dels = change["t"], change["put"], change["del"]
        if not (isinstance(table, str) and isinstance(puts, dict) and isinstance(dels, list)
                and all(isinstance(doc_id, str) for doc_id in dels)):
            raise TypeError("not a change to a table")
    except (ValueError, KeyError, TypeError) as error:
        raise DamagedDatabase(N_("%(file)s, line %(line)s of %(lines)s, is damaged (%(error)s)."),
                              error=repr(error), **where) from None
    for doc_id, doc in puts.items():
        if not isinstance(doc, dict):
            raise DamagedDatabase(N_('%(file)s, line %(line)s of %(lines)s: the record "%(record)s" in the table '
                                     '"%(table)s" is %(kind)s, not a record.'), table=table, record=doc_id,
                                  kind=kind_of(doc), translated=("kind",), **where)
    return table, puts, dels


def check_ids(data: dict[str, dict[str, dict]], path: str, tables: tuple[str, ...]) -> None:
    """DamagedDatabase unless every record of the store's tables carries its own id (as create and put
    write it): the views rely on record["id"], and a record without it would be a 500 on every page."""
    for table in tables:
        docs = data.get(table, {})
        if all(record.get("id") == doc_id for doc_id, record in docs.items()):
            continue
        for doc_id, record in docs.items():
            if record.get("id") != doc_id:
                raise DamagedDatabase(N_('%(file)s: the record "%(record)s" in the table "%(table)s" has the '
                                         'id %(id)s, not its own.'), folder=os.path.dirname(path), file=path,
                                      table=table, record=doc_id, id=repr(record.get("id")))
