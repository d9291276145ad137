"""Erasing a person so that they stay erased: the erasure itself, and the tombstones it leaves.

An erasure (privacy.py asks for one; so does a merge that learns of an erasure made on another laptop)
deletes the person's own records and cuts every pointer to them (erasure_plan.plan_erasure). Before it
changes anything it records tombstones: one-way hashes (sha256 of a fixed salt and the id) of

- `person`:  the ids an erased person is known by (their person id and their devices' ids): a field
             holding one of them points to an erased person;
- `records`: every record the erasure deleted (the person, their devices, feedback, acceptances...);
- `touched`: the records it changed (anonymised); local only, never exported. Two laptops that each
             erased the same person have two anonymised versions of such a record that differ only in
             when they were written: the merge takes the newer without keeping the other as a conflict.

The hashes say nothing about whom they were made from: neither the id nor the name is stored (a random
UUID cannot be guessed back from its hash). They are kept in one settings record (local, like all of
settings) and travel explicitly in every export and sync document as `"erased": {"person": [...],
"records": [...]}`, so that an older export or another laptop can never bring the person back.

What a merge does with a document's tombstones (remember them, erase here whom they name, screen
each incoming record) is in erasure_merge.py; what one erasure changes is planned in erasure_plan.py.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ...store.clock import utc_now
from ...store.database import TABLES
from ..barometer_stats import is_closed
from ..personal_data import Subject, relevant
from .plan import Erasure, plan_erasure

TOMBSTONES_ID = "5a3c1e00-0000-4000-8000-000000000005"  # the settings record holding the tombstones
SALT = "samskaping-erased-v1:"  # app-wide and fixed: every laptop must derive the same hash for one id
HASH_TEXT = re.compile(r"[0-9a-f]{64}")
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# What differs between two anonymised versions of one record made on two laptops.
STAMPS = ("updated_at", "updated_by", "updated_device")


@lru_cache(maxsize=65536)
def tomb(record_id: str) -> str:
    """The tombstone of an id: sha256 of the salt and the id in its canonical (lower case) form."""
    try:
        canonical = str(uuid.UUID(record_id))
    except (ValueError, TypeError, AttributeError):
        canonical = str(record_id)
    return hashlib.sha256((SALT + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Tombstones:
    person: frozenset[str] = frozenset()
    records: frozenset[str] = frozenset()
    touched: frozenset[str] = frozenset()  # local only

    def __bool__(self) -> bool:
        return bool(self.person or self.records)

    def __or__(self, other: Tombstones) -> Tombstones:
        return Tombstones(self.person | other.person, self.records | other.records, self.touched | other.touched)

    def new_in(self, other: Tombstones) -> int:
        """How many of the other's tombstones (not the local `touched`) are not among these."""
        return len(other.person - self.person) + len(other.records - self.records)

    def part(self) -> dict[str, list[str]]:
        """The document's `erased` part."""
        return {"person": sorted(self.person), "records": sorted(self.records)}

    @classmethod
    def of(cls, part: Any) -> Tombstones:
        """From a document's `erased` part or the settings record (already checked, or empty)."""
        part = part if isinstance(part, dict) else {}
        return cls(*(frozenset(h for h in part.get(key) or () if isinstance(h, str) and HASH_TEXT.fullmatch(h))
                     for key in ("person", "records", "touched")))

    def buried(self, record_id: str) -> bool:
        """The record was deleted by an erasure (or is an erased person, or one of their devices)."""
        hashed = tomb(record_id)
        return hashed in self.records or hashed in self.person

    def erased_in(self, value: Any, skip: str | None = None) -> frozenset[str]:
        """The ids of erased people (or their devices) that the value holds anywhere inside."""
        if not self.person:
            return frozenset()
        return frozenset(i for i in _ids_in(value, skip) if tomb(i) in self.person)


def _ids_in(value: Any, skip: str | None = None) -> Iterable[str]:
    """Every id-shaped text inside the value (but a top-level `skip` key's); with a stack, not recursion,
    so a value nested however deeply (an older import took any) is still read."""
    stack = [item for key, item in value.items() if key != skip] if isinstance(value, dict) else [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) == 36 and UUID_TEXT.fullmatch(item):
                yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_part(part: Any) -> bool:
    """Whether a document's `erased` part has the contract's shape (lists of sha256 hex digests)."""
    return isinstance(part, dict) and all(
        isinstance(part.get(key, []), list) and all(isinstance(h, str) and HASH_TEXT.fullmatch(h)
                                                    for h in part.get(key, []))
        for key in ("person", "records"))


# ---- Kept here: one settings record ------------------------------------------------------------------

def load(store: Any) -> Tombstones:
    return Tombstones.of(store.get("settings", TOMBSTONES_ID))


def load_from(data: Any) -> Tombstones:
    """From read-only data ({table: {id: record}}, as an export snapshot reads it)."""
    return Tombstones.of(data.get("settings", {}).get(TOMBSTONES_ID))


def remember(store: Any, tombs: Tombstones) -> int:
    """Add tombstones to this laptop's; returns how many were new (touched ones not counted)."""
    known = load(store)
    every = known | tombs
    if every != known:
        store.put("settings", {"id": TOMBSTONES_ID, **every.part(), "touched": sorted(every.touched)})
    return known.new_in(tombs)


def export_part(store_or_data: Any) -> dict | None:
    """The `erased` part for an export or sync document, or None if nobody was ever erased here."""
    tombs = load(store_or_data) if hasattr(store_or_data, "find") else load_from(store_or_data)
    return tombs.part() if tombs else None


# ---- Carrying out an erasure: the one path, for the leader's erasure and for one learned by a merge -----

def subject_of(store: Any, person: dict) -> Subject:
    devices = store.find("devices", person=person["id"])
    return Subject(person["id"], person["name"], frozenset(d["id"] for d in devices),
                   frozenset(other_names(store, skip={person["id"]})))


def other_names(store: Any, skip: set[str] = frozenset()) -> list[str]:
    """The names of the people (but those in `skip`) and schools here: a name being erased is never
    replaced where it is part of one of these, nor replaced at all if it is one of these."""
    return [record["name"] for table in ("people", "schools") for record in _all(store, table)
            if record["id"] not in skip and isinstance(record.get("name"), str)]


def gather(store: Any, subject: Subject) -> dict[str, list[dict]]:
    """The records of every table that point to the person or their devices, or name them."""
    predicate = relevant(subject)
    return {table: store.filter(table, predicate) for table in TABLES}


def closed_rounds(store: Any, at: datetime | None = None) -> dict[str, dict]:
    """The barometer rounds closed now by the server's clock, by id: their published results must not move,
    so an erasure unlinks its person's answers to them instead of deleting them (erasure_plan)."""
    at = at or datetime.fromisoformat(utc_now())
    return {round_["id"]: round_ for round_ in _all(store, "rounds") if is_closed(round_, at)}


def plan_for(store: Any, subject: Subject, replacement: str | None = None) -> Erasure:
    """What erasing the subject here would change now (nothing is changed)."""
    return plan_erasure(subject, gather(store, subject), replacement, closed_rounds=closed_rounds(store))


def erase(store: Any, subject: Subject, replacement: str | None) -> Erasure:
    """Plan every change, then apply it; plan again in case a phone wrote something meanwhile.
    Returns every change made. The caller compacts the store afterwards."""
    done = Erasure()
    for _round in range(3):
        plan = plan_for(store, subject, replacement)
        if not plan:
            break
        apply_plan(store, subject, plan)
        done.deletes += plan.deletes
        done.puts += plan.puts
        done.unlinked += plan.unlinked
    return done


def apply_plan(store: Any, subject: Subject, plan: Erasure) -> None:
    """The tombstones first (an erasure cut short is never undone by a sync, and running it again
    completes it), then their devices (their phone stops at once), the changed records (one journal
    line per table), the deletions, and the person record last."""
    remember(store, Tombstones(person=frozenset(map(tomb, subject.ids)),
                               records=frozenset(tomb(record_id) for _table, record_id in plan.deletes),
                               touched=frozenset(tomb(record["id"]) for _table, record in plan.puts)))
    for table, record_id in plan.deletes:
        if table == "devices":
            store.delete(table, record_id)
    by_table: dict[str, list[dict]] = {}
    for table, record in plan.puts:
        by_table.setdefault(table, []).append(record)
    for table, records in by_table.items():
        store.put_many(table, records)
    for table, record_id in plan.deletes:
        if table != "devices":
            store.delete(table, record_id)


def _all(store: Any, table: str) -> list[dict]:
    if hasattr(store, "find"):
        return store.find(table)
    return list(getattr(store, "data", {}).get(table, {}).values())  # a read-only reader (dry run)


def drop_waiting_uploads(folder: str | Path) -> None:
    """Files uploaded for import and still waiting for the leader's confirmation (imports.py keeps them in
    <data>/imports) may hold the erased person: they go too. The leader uploads again if needed."""
    uploads = Path(folder) / "imports"
    if uploads.is_dir():
        for path in uploads.iterdir():
            path.unlink(missing_ok=True)
