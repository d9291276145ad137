"""What a merge does with the tombstones of erased people (erasure.py) that a document carries.

`absorb` comes first: remember the document's tombstones, and erase here, the same way as the leader's
erasure, any person this laptop still holds whom they name. `Screen` then decides for each incoming
record: a buried record is left out, and a record pointing to an erased person is handled as the erasure
handles it here (feedback to or from them, their answers... left out; author, owner... set to None;
removed from lists; their name, if the document names them, replaced in texts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from flask import has_app_context

from ...store.database import TABLES
from ..personal_data import Subject, belongs_to, name_matcher, replace_risk
from .erase import STAMPS, Tombstones, _all, drop_waiting_uploads, erase, load, plan_for, remember, subject_of, tomb
from .plan import replace_text, scrub


def replacement_text() -> str:
    """What a merge writes where an erased person's name stood (the leader's erasure asks them). Only a
    full name that nobody else here has is replaced without the leader (privacy_data.replace_risk)."""
    if has_app_context():
        from flask_babel import gettext as _
        return _("(erased person)")
    return "(erased person)"


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
            plan = plan_for(store, subject, safe(subject, replacement))
            found.overlay.update({(table, record["id"]): record for table, record in plan.puts})
            found.overlay.update({delete: None for delete in plan.deletes})
        else:
            plan = erase(store, subject, safe(subject, replacement))
        changed = changed or bool(plan)
        for table, _record_id in plan.deletes:
            found.deleted[table] = found.deleted.get(table, 0) + 1
        if plan.unlinked:  # answers to closed rounds are kept (unlinked), not erased
            found.deleted["answers"] -= plan.unlinked
            if not found.deleted["answers"]:
                del found.deleted["answers"]
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
        drop_waiting_uploads(store.folder)
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
