"""Erasing a person so that they stay erased: the erasure itself, and the tombstones it leaves.

An erasure (privacy.py asks for one; so does a merge that learns of an erasure made on another laptop)
deletes the person's own records and cuts every pointer to them (privacy_data.plan_erasure). Before it
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

`absorb` is what a merge does first with the tombstones of a document: remember them, and erase here,
the same way as above, any person this laptop still holds whom they name. `Screen` then decides for
each incoming record: a buried record is left out, and a record pointing to an erased person is
handled as the erasure handles it here (feedback to or from them, their answers... left out; author,
owner... set to None; removed from lists; their name, if the document names them, replaced in texts).
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from flask import has_app_context

from .privacy_data import (Erasure, Subject, belongs_to, name_matcher, plan_erasure, relevant, replace_risk,
                           replace_text, scrub)
from .storage import TABLES

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
    if isinstance(value, str):
        if len(value) == 36 and UUID_TEXT.fullmatch(value):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != skip:
                yield from _ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids_in(item)


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


def erase(store: Any, subject: Subject, replacement: str | None) -> Erasure:
    """Plan every change, then apply it; plan again in case a phone wrote something meanwhile.
    Returns every change made. The caller compacts the store afterwards."""
    done = Erasure()
    for _round in range(3):
        plan = plan_erasure(subject, gather(store, subject), replacement)
        if not plan:
            break
        apply_plan(store, subject, plan)
        done.deletes += plan.deletes
        done.puts += plan.puts
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


def replacement_text() -> str:
    """What a merge writes where an erased person's name stood (the leader's erasure asks them). Only a
    full name that nobody else here has is replaced without the leader (privacy_data.replace_risk)."""
    if has_app_context():
        from flask_babel import gettext as _
        return _("(erased person)")
    return "(erased person)"


# ---- What a merge does with a document's tombstones ------------------------------------------------------

@dataclass
class Absorbed:
    tombstones: Tombstones  # this laptop's and the document's together
    learned: int = 0  # tombstones new to this laptop
    deleted: dict[str, int] = field(default_factory=dict)  # per table: records erased here because of them
    names: list[str] = field(default_factory=list)  # of the people erased here (held in memory only)
    # A dry run: what the erasure would leave, per (table, id) (None: deleted), so the counts can show it.
    overlay: dict[tuple[str, str], dict | None] = field(default_factory=dict)


def absorb(store: Any, incoming: Tombstones, *, source: str, dry_run: bool = False) -> Absorbed:
    """Remember the document's tombstones and erase here every person they name that this laptop holds
    (the same erasure as the leader's, with their full name in texts replaced, unless it is a single word
    or someone else's name too: privacy_data.replace_risk), and cut what still points to
    an erased id (a device of theirs on the other laptop...); compacts if anything changed."""
    known = load(store)
    every = known | incoming
    found = Absorbed(tombstones=every, learned=known.new_in(incoming))
    victims = [person for person in _all(store, "people") if every.buried(person["id"])] if every else []
    if not victims and not found.learned:
        return found  # these tombstones were known: everything here was cleaned when they arrived
    found.names = [person["name"] for person in victims]
    if not hasattr(store, "filter"):  # a read-only reader (a dry run): only the people can be counted
        found.overlay.update({("people", person["id"]): None for person in victims})
        if victims:
            found.deleted["people"] = len(victims)
        return found
    subjects, buried = _traces_here(store, every, victims)
    replacement = replacement_text()
    if not dry_run and found.learned:
        remember(store, incoming)  # first, as for the leader's erasure
    changed = False
    for subject in subjects:
        if dry_run:
            plan = plan_erasure(subject, gather(store, subject), safe(subject, replacement))
            found.overlay.update({(table, record["id"]): record for table, record in plan.puts})
            found.overlay.update({delete: None for delete in plan.deletes})
        else:
            plan = erase(store, subject, safe(subject, replacement))
        changed = changed or bool(plan)
        for table, _record_id in plan.deletes:
            found.deleted[table] = found.deleted.get(table, 0) + 1
    for table, record_id in buried:  # records deleted elsewhere that point to nobody erased (rare)
        if (table, record_id) in found.overlay or store.get(table, record_id) is None:
            continue
        found.overlay[(table, record_id)] = None
        found.deleted[table] = found.deleted.get(table, 0) + 1
        changed = True
        if not dry_run:
            store.delete(table, record_id)
    if changed and not dry_run:
        if victims:
            store.create("audit", {"event": "person_erased", "leader": False, "address": None,
                                   "learned_from": source, "people": len(victims)})
        found.tombstones = load(store)  # with what the erasure here added
        store.compact()  # no earlier version of anything about them stays in the files
    return found


def safe(subject: Subject, replacement: str) -> str | None:
    """The replacement, if the subject's name may be replaced without the leader looking first."""
    return None if subject.unsafe_to_replace else replacement


def _traces_here(store: Any, tombs: Tombstones, victims: list[dict]) -> tuple[list[Subject], list[tuple[str, str]]]:
    """Whom to erase here: each person the tombstones name, and each other erased id that records here
    still point to (the person's phone on the other laptop, a person this laptop never had); and the
    records here that were deleted elsewhere."""
    pointed: set[str] = set()
    buried: list[tuple[str, str]] = []
    for table in TABLES:
        for record in store.filter(table, lambda r: bool(tombs.erased_in(r, skip="id")) or tombs.buried(r["id"])):
            pointed |= tombs.erased_in(record, skip="id")
            if tombs.buried(record["id"]) and table not in ("people", "settings"):
                buried.append((table, record["id"]))
    subjects = [subject_of(store, person) for person in victims]
    covered = set().union(*(subject.ids for subject in subjects)) if subjects else set()
    subjects += [Subject(other, "", frozenset()) for other in sorted(pointed - covered)]
    return subjects, buried


def _all(store: Any, table: str) -> list[dict]:
    if hasattr(store, "find"):
        return store.find(table)
    return list(getattr(store, "data", {}).get(table, {}).values())  # a read-only reader (dry run)


class Screen:
    """Decides, record by record, what a merge does with an incoming record given the tombstones."""

    def __init__(self, tombs: Tombstones, names: Iterable[str] = (), replacement: str | None = None,
                 others: Iterable[str] = ()) -> None:
        """`names`: of the erased people, to replace in texts; `others`: the names of everyone and every school
        not erased (here and in the document), never touched (privacy_data.NameMatcher, replace_risk)."""
        self.tombs = tombs
        others = list(dict.fromkeys(others))
        self.patterns = [p for p in (name_matcher(name, others) for name in dict.fromkeys(names)
                                     if isinstance(name, str) and not replace_risk(name, others)) if p is not None]
        self.replacement = replacement if replacement is not None else replacement_text()

    @classmethod
    def for_document(cls, absorbed: Absorbed, document: dict, store: Any = None) -> Screen | None:
        """None if there is nothing to screen (nobody ever erased): the merge then costs nothing more."""
        tombs = absorbed.tombstones
        if not tombs:
            return None
        # An older export still holds the erased person's record: their name, to replace in its texts.
        incoming = [record for table in ("people", "schools") for record in document["tables"].get(table, [])
                    if isinstance(record.get("name"), str)]
        names = absorbed.names + [person["name"] for person in document["tables"].get("people", [])
                                  if isinstance(person.get("name"), str) and tombs.buried(person["id"])]
        if not names:
            return cls(tombs)
        here = [record for table in ("people", "schools") for record in (_all(store, table) if store else [])]
        others = [record["name"] for record in here + incoming
                  if isinstance(record.get("name"), str) and not tombs.buried(record["id"])]
        return cls(tombs, names, others=others)

    def __call__(self, table: str, record: dict) -> tuple[dict | None, bool]:
        """(the record to merge, or None to leave it out; whether it is an older copy from before the erasure)."""
        if self.tombs.buried(record["id"]):
            return None, True
        ids = self.tombs.erased_in(record, skip="id")
        if any(belongs_to(table, record, person_id) for person_id in ids):
            return None, True
        screened = scrub(record, ids) if ids else record
        for pattern in self.patterns:
            screened = replace_text(screened, pattern, self.replacement)
        return screened, screened != record

    def only_stamps_differ(self, table: str, local: dict, incoming: dict) -> bool:
        """Two anonymised versions of a record an erasure changed here: the same but for when they were written."""
        if tomb(incoming["id"]) not in self.tombs.touched:
            return False
        def rest(record: dict) -> dict:
            return {k: v for k, v in record.items() if not k.startswith("_") and k not in STAMPS}
        return rest(local) == rest(incoming)
