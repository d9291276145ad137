"""Merging another installation's records: newest wins, the loser is kept for the leader, twice is once.

Per table and id: absent here → added; same content → unchanged; different → the version with the
newest `updated_at` is stored (equal times: the larger canonical JSON wins, so every laptop picks the
same one whatever the order of imports) and the other is kept in `conflicts`. A conflict's id is
derived from (table, record id, the lost content), so seeing the same loser again adds nothing.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from sys import intern
from typing import Any

from ...store.clock import utc_now
from ..barometer_stats import is_closed
from ..erasure.erase import Tombstones
from ..erasure.on_merge import Screen, absorb
from ..join_codes import JOIN_FIELDS, learn as learn_codes, only_stamps_differ, settle_join
from .import_rules import canonical_id
from .import_file import IMPORTABLE, ImportProblem, check_export, parse_document  # noqa: F401  (the contract's API)

__all__ = ("ImportProblem", "MergeReport", "apply", "parse_document", "resolve_conflict", "content", "conflict_id")

OUTCOMES = ("added", "updated", "unchanged", "conflicts")
# A fixed namespace for conflict ids (uuid5), so every laptop derives the same id for the same loser.
CONFLICT_NAMESPACE = uuid.UUID("5a3c1e00-0000-4000-8000-00000000c0f1")
WRITE_BATCH = 5_000  # records of one table held before they are written (a large import's memory)

@dataclass
class MergeReport:
    """What a merge did (or, in a dry run, would do): counts per table and the conflicts it kept.

    Besides the four outcomes, a table's counts may hold "skipped" (incoming records left out because
    they were erased, or belong to an erased person), "erased" (records erased here because the
    document said their person was erased on another laptop) and "late" (answers not taken because their
    barometer round is closed here); `learned` counts the new tombstones."""
    source: str
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    learned: int = 0

    def count(self, table: str, outcome: str, number: int = 1) -> None:
        counts = self.counts.get(table) or self.counts.setdefault(table, dict.fromkeys(OUTCOMES, 0))
        counts[outcome] = counts.get(outcome, 0) + number

    def total(self, outcome: str) -> int:
        return sum(counts.get(outcome, 0) for counts in self.counts.values())

    @property
    def changed(self) -> bool:
        return bool(self.learned) or any(self.total(outcome) for outcome in ("added", "updated", "conflicts", "erased"))

    def to_dict(self) -> dict:
        return {"source": self.source, "dry_run": self.dry_run, "counts": self.counts, "learned": self.learned,
                "conflicts": [{key: c[key] for key in ("id", "table", "record_id")} for c in self.conflicts]}


def content(record: dict) -> dict:
    """A record without local bookkeeping (keys starting with "_"): what is compared and exported."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def canonical(record: dict) -> str:
    return json.dumps(content(record), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def newest_first(a: dict, b: dict, table: str = "") -> tuple[dict, dict]:
    """(winner, loser): the later updated_at; on equal times the larger canonical JSON, the same everywhere.
    A barometer round that is closed beats an open version of it, whatever the clocks said: a round is
    never opened again, and its published results must not be hidden and changed (barometer_stats)."""
    def rank(record: dict) -> tuple[bool, datetime, str]:
        closed = table == "rounds" and record.get("status") == "closed"
        return closed, datetime.fromisoformat(record["updated_at"]), canonical(record)
    return (a, b) if rank(a) >= rank(b) else (b, a)


def conflict_id(table: str, record_id: str, lost: dict) -> str:
    digest = hashlib.sha256(canonical(lost).encode()).hexdigest()
    return str(uuid.uuid5(CONFLICT_NAMESPACE, f"{table}:{record_id}:{digest}"))


def apply(store: Any, document: dict, *, source: str, dry_run: bool = False, origin: str | None = None,
          checked: bool = False) -> MergeReport:
    """Merge an export document into the store (see the module docstring); with dry_run, only count.

    The document is checked again first (a caller may build one by hand; `checked`: it came from
    parse_document as an export, which checked it, so it is not checked twice), then everything is decided,
    then written: a malformed record anywhere means nothing is written. The records go to the store in
    batches (WRITE_BATCH of a table at a time, all under one disk sync), so a large import holds a batch,
    not all it writes; a crash between batches leaves a state that running the same import again completes.
    `store` needs only get() for a dry run (a read-only reader will do).

    Erased people (erasure.py): the document's tombstones are remembered first and anyone they name who
    is still here is erased here too; then no incoming record that was erased, or that belongs to an
    erased person, is taken, and pointers to erased people are cut from the others. An older copy from
    before an erasure that loses against the version here is dropped, not kept as a conflict.

    Closed barometer rounds: an answer to a round that is closed here is not added nor changed ("late"),
    not even kept as a conflict; the same answer again is "unchanged".

    `origin` (sync: the sending laptop's installation id): a record stored exactly as it came is marked
    `_from: [origin, updated_at]`, so that laptop is not sent back what it has (sync_client.seen_by);
    a later edit here changes updated_at, and with it the mark no longer holds."""
    if not checked:
        check_export(document)
    report = MergeReport(source=source, dry_run=dry_run)
    absorbed = absorb(store, Tombstones.of(document.get("erased")), source=source, dry_run=dry_run)
    report.learned = absorbed.learned
    for table, number in absorbed.deleted.items():
        report.count(table, "erased", number)
    screen = Screen.for_document(absorbed, document, store)
    overlay = absorbed.overlay  # a dry run: the records as the erasure here would leave them

    def local_version(table: str, record_id: str) -> dict | None:
        if (table, record_id) in overlay:
            return overlay[(table, record_id)]
        return store.get(table, record_id)

    moment = datetime.fromisoformat(utc_now())
    closed: dict[str, bool] = {}

    def closed_here(round_id: str) -> bool:
        """The round is closed in this store as it was before this document (nothing is written until
        every record is decided), by this laptop's clock: a round that arrives here new, closed or not,
        brings its answers along, whatever the order of the records."""
        round_id = str(uuid.UUID(round_id))
        if round_id not in closed:
            round_ = local_version("rounds", round_id)
            closed[round_id] = round_ is not None and is_closed(round_, moment)
        return closed[round_id]

    stamp = utc_now()
    # A dry run counts and keeps nothing: holding every record an import would write costs as much memory
    # as the import itself, which merge_schema reads one record at a time (document_reader.py).
    writes: dict[str, list[dict]] = _NoWrites() if dry_run else {}
    new_conflicts: list[dict] = []
    new_conflict_ids: set[str] = set()
    conflicts_written = 0

    def flush() -> None:
        """Write what is decided so far: a large import holds one batch of each table, not all of it."""
        nonlocal conflicts_written
        for round_ in writes.get("rounds", ()):
            closed_here(round_["id"])  # how each round stands here before this document, before it changes
        # Conflicts first, copied as they are now: a conflict's versions may be records handed over below.
        store.put_many("conflicts", new_conflicts[conflicts_written:])
        conflicts_written = len(new_conflicts)
        for table, records in writes.items():
            # `_received_at` is stamped by the store as it writes, under its lock (see sync_client).
            # Handed over: each is a new dict, its values just decoded, and not used here again.
            store.put_many(table, records, stamp_field="_received_at", handover=True)
        writes.clear()

    def decide(table: str, incoming: dict) -> None:
        # A new dict (what follows may change it) whose field names are the ones every record shares: read
        # one at a time, each record has its own copies of them, and the store would keep those (~1 KB a record).
        incoming = {intern(key): value for key, value in incoming.items() if not key.startswith("_")}
        incoming["id"] = canonical_id(incoming["id"])
        if origin is not None:
            sent = incoming

            def take(record: dict, table: str = table) -> None:
                # As it came (not settled, screened or the version here): the sender has it already.
                writes.setdefault(table, []).append(
                    {**record, "_from": [origin, record.get("updated_at")]} if record == sent else record)
        else:
            def take(record: dict, table: str = table) -> None:
                writes.setdefault(table, []).append(record)
        older_copy = False
        if screen is not None:
            incoming, older_copy = screen(table, incoming)
            if incoming is None:
                report.count(table, "skipped")
                return
        local = local_version(table, incoming["id"])
        if table == "answers" and closed_here(incoming["round"]) and not (
                local is not None and screen is not None and screen.only_stamps_differ(table, local, incoming)):
            # A closed round's results are published: one more answer, or a changed one, would show
            # what one person answered (barometer_stats). The same answer again changes nothing.
            same = local is not None and canonical(local) == canonical(incoming)
            report.count(table, "unchanged" if same else "late")
            return
        if local is None:
            report.count(table, "added")
            take(incoming)
            return
        if table == "people":
            # Which QR code is in force follows the newer link, not the newer edit (join_codes.py);
            # a new link alone is never a conflict for the leader.
            settled, incoming = settle_join(content(local), incoming)
            if not older_copy and only_stamps_differ(settled, incoming):
                newer = newest_first(settled, incoming)[0]
                changed = canonical(newer) != canonical(local)
                report.count(table, "updated" if changed else "unchanged")
                if changed:
                    take(newer)
                return
            if canonical(settled) != canonical(local):
                take(settled)  # whichever version wins below
            local = settled
        if canonical(local) == canonical(incoming):
            report.count(table, "unchanged")
            return
        winner, loser = newest_first(content(local), incoming, table)
        if older_copy and winner is not incoming:
            report.count(table, "skipped")  # a copy from before an erasure: nothing to keep of it
            return
        if screen is not None and screen.only_stamps_differ(table, local, incoming):
            # Both laptops anonymised this record: the newer one is taken, nothing is lost.
            report.count(table, "updated" if winner is incoming else "unchanged")
            if winner is incoming:
                take(incoming)
            return
        key = conflict_id(table, incoming["id"], loser)
        known = key in new_conflict_ids or store.get("conflicts", key) is not None
        if winner is incoming:
            report.count(table, "updated")
            take(incoming)
        elif known:
            report.count(table, "unchanged")  # this loser was seen before: nothing new
            return
        if not known:
            report.count(table, "conflicts")
            new_conflict_ids.add(key)
            new_conflicts.append({
                "id": key, "table": table, "record_id": incoming["id"], "kept": winner, "lost": loser,
                "source": source, "resolved": False,
                "created_at": stamp, "updated_at": stamp, "author": None, "device": None})

    with nullcontext() if dry_run else store.one_sync():  # every batch's lines, then one disk sync
        for table in IMPORTABLE:
            for incoming in document["tables"].get(table, []):
                if len(writes.get(table, ())) >= WRITE_BATCH:
                    flush()
                decide(table, incoming)
        if not dry_run:
            flush()
            learn_codes(store, document.get("join_codes"))  # after the people: only codes someone here holds
    report.conflicts = new_conflicts
    return report


class _NoWrites(dict):
    """A dry run's writes: every record appended is dropped at once."""

    def setdefault(self, key, default=None) -> list:  # type: ignore[override]
        return []


def reopens(store: Any, conflict: dict) -> bool:
    """Taking the other version would open a closed barometer round again: the current one stays."""
    current = store.get(conflict["table"], conflict["record_id"]) or {}
    return conflict["table"] == "rounds" and current.get("status") == "closed" and conflict["lost"].get("status") != "closed"


def unresolved_conflicts(store: Any) -> list[dict]:
    return store.select("conflicts", lambda c: not c.get("resolved"), order_by=lambda c: c["created_at"])


def resolve_conflict(store: Any, conflict: dict, choice: str, *, author: str | None = None) -> None:
    """The leader's decision. "keep": the current version stays. "other": the lost version is stored
    with a fresh updated_at, so it wins everywhere on the next import or sync."""
    if choice == "other" and not reopens(store, conflict):
        moment = utc_now()
        current = store.get(conflict["table"], conflict["record_id"]) or {}
        # A person's code in force stays: the leader chose their details, not an older QR code.
        join_state = {name: current[name] for name in JOIN_FIELDS if name in current}
        store.put(conflict["table"], {**conflict["lost"], **join_state, "updated_at": moment, "updated_by": author,
                                      "updated_device": None, "_received_at": moment})
    store.update("conflicts", conflict["id"], {"resolved": True, "resolution": choice, "resolved_at": utc_now()},
                 author=author)
