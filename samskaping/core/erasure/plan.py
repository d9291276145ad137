"""What erasing a person changes, planned before anything is changed: pure logic over records, no Flask.

Their own records are deleted, every pointer to them or their devices is cut, and (if asked) their name
in free text is replaced. One exception keeps published numbers still: an answer of theirs to a barometer
round that is already closed. Its results are shown, and deleting the answer would move them by exactly
one person, so that comparing the results before and after would tell what they answered. Such an answer
is kept with its values and side (it still counts in its side's group, MIN_GROUP included) but without
anything that leads back to them (`unlinked_answer`); the old record, whose id is derived from their
person id (barometer_stats.answer_id), is deleted and so tombstoned like the rest.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...store.clock import utc_now
from ..personal_data import NAME_KEYS, NameMatcher, Subject, belongs_to

# Fixed, so that two laptops erasing the same person give their kept answer the same id (see unlinked_answer).
UNLINKED_NAMESPACE = uuid.UUID("5a3c1e00-0000-4000-8000-00000000a0a1")


@dataclass
class Erasure:
    """Every change an erasure makes, computed before any is applied."""
    deletes: list[tuple[str, str]] = field(default_factory=list)  # (table, record id)
    puts: list[tuple[str, dict]] = field(default_factory=list)  # (table, whole record)
    # Answers to closed rounds kept without a link to the person: each is one delete (the old id) and one put.
    unlinked: int = 0

    def __bool__(self) -> bool:
        return bool(self.deletes or self.puts)

    @property
    def deleted(self) -> int:
        """Records gone for good (an unlinked answer is kept, under a new id)."""
        return len(self.deletes) - self.unlinked

    @property
    def kept(self) -> int:
        """Records kept but changed, not counting the unlinked answers."""
        return len(self.puts) - self.unlinked


def plan_erasure(subject: Subject, records: dict[str, list[dict]], replacement: str | None = None,
                 now: str | None = None, closed_rounds: Mapping[str, dict] | None = None) -> Erasure:
    """The changes that remove the person: their own records deleted, every pointer to them or their
    devices cut, and (if `replacement` is given) their name in free text replaced by it (never in the
    names of people and schools, nor where it is part of someone else's name: Subject.matcher).
    `closed_rounds`: the barometer rounds closed now (by id), whose answers are unlinked, not deleted."""
    pid = subject.person_id
    pattern = subject.matcher if replacement is not None else None
    now = now or utc_now()
    closed_rounds = closed_rounds or {}
    plan = Erasure()
    doomed = {(table, r["id"]) for table, found in records.items() for r in found
              if (table == "people" and r["id"] == pid) or belongs_to(table, r, pid)}
    doomed_ids = {record_id for _table, record_id in doomed}
    for table, found in records.items():
        for record in found:
            if (table, record["id"]) in doomed or (table == "conflicts" and _conflict_about(record, pid, doomed_ids)):
                plan.deletes.append((table, record["id"]))
                if table == "answers" and record.get("round") in closed_rounds and (table, record["id"]) in doomed:
                    plan.puts.append((table, unlinked_answer(record, closed_rounds[record["round"]], subject, now)))
                    plan.unlinked += 1
                continue
            changed = scrub(record, subject.ids)
            if table == "audit" and record.get("author") == pid:
                changed["address"] = None  # the network address of their phone
            if pattern is not None:
                changed = replace_text(changed, pattern, replacement)
            if changed != record:
                # A newer updated_at, so that a merge with an older copy keeps the erased version.
                changed.update(updated_at=now, updated_by=None, updated_device=None)
                plan.puts.append((table, changed))
    # Their devices first, the person record last (see privacy.apply).
    plan.deletes.sort(key=lambda item: (item[0] != "devices", item == ("people", pid)))
    return plan


def unlinked_answer(answer: dict, round_: dict, subject: Subject, now: str) -> dict:
    """The answer as it stays in its closed round: the same round, side and values, nothing about who.

    - A new id. The old one is uuid5(round, person id): anyone who knows the person id could find it.
      The new one is derived from the whole old record (stamps to the microsecond, the values, the
      comment), which no one can guess and which is gone after the erasure; derived rather than random
      so that two laptops that each erase the same person keep one answer between them, not two
      (a closed round takes no other laptop's answer anyway: merge.py).
    - person, author, device, updated_by, updated_device: None; created_at: the round's (the moment
      they answered is theirs too); any other field (the phone's clock...) is left out.
    - The comment is kept, unless it holds their name: the comments of a closed round are published,
      and one that vanished would show which was theirs; but one naming them is theirs for all to see.
    """
    comment = answer.get("comment") if isinstance(answer.get("comment"), str) else ""
    matcher = subject.matcher
    if any(some_id in comment for some_id in subject.ids) or (matcher is not None and matcher.search(comment)):
        comment = ""
    return {"id": unlinked_answer_id(answer), "round": answer["round"], "person": None, "side": answer.get("side"),
            "values": dict(answer.get("values") or {}), "comment": comment,
            "created_at": round_.get("created_at") or now, "updated_at": now,
            "author": None, "device": None, "updated_by": None, "updated_device": None}


def unlinked_answer_id(answer: dict) -> str:
    whole = json.dumps({key: value for key, value in answer.items() if not key.startswith("_")},
                       sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(uuid.uuid5(UNLINKED_NAMESPACE, whole))


def _conflict_about(conflict: dict, pid: str, doomed_ids: set[str]) -> bool:
    """A version kept from a merge, of a record that the erasure deletes."""
    if conflict.get("record_id") in doomed_ids:
        return True
    table = conflict.get("table")
    return any(isinstance(version, dict) and (belongs_to(table, version, pid) or (table == "people" and version.get("id") == pid))
               for version in (conflict.get("kept"), conflict.get("lost")))


def scrub(value: Any, ids: frozenset[str]) -> Any:
    """A copy with every pointer to the ids cut: a field becomes None, a list loses the item (also an
    item like {"id": ..., "side": ...} naming one of them)."""
    return rebuild(value, lambda leaf: None if isinstance(leaf, str) and leaf in ids else leaf,
                   drop=lambda item: _names_one_of(item, ids))


def _names_one_of(item: Any, ids: frozenset[str]) -> bool:
    if isinstance(item, str):
        return item in ids
    return isinstance(item, dict) and (item.get("id") in ids or item.get("person") in ids)


def replace_text(value: Any, pattern: NameMatcher | re.Pattern, replacement: str) -> Any:
    """The value with the name replaced in every text, except ids and names (privacy_data.NAME_KEYS)."""
    def replaced(leaf: Any) -> Any:
        if not isinstance(leaf, str):
            return leaf
        return pattern.sub(lambda _match: replacement, leaf) if isinstance(pattern, re.Pattern) \
            else pattern.sub(replacement, leaf)
    return rebuild(value, replaced, kept=NAME_KEYS)


def rebuild(value: Any, leaf: Callable[[Any], Any], *, drop: Callable[[Any], bool] = lambda _item: False,
            kept: frozenset[str] = frozenset()) -> Any:
    """A copy of a JSON value with each leaf (text, number...) passed through `leaf`; list items for which
    `drop` holds left out; a dict's values under the keys in `kept` taken as they are.

    Built with a stack, not recursion: a value nested hundreds of levels deep (an older import took any)
    must still be erasable. Each container is made empty when met and filled when its turn comes."""
    def placed(item: Any, work: list) -> Any:
        if isinstance(item, (dict, list)):
            copy: Any = {} if isinstance(item, dict) else []
            work.append((item, copy))
            return copy
        return leaf(item)

    work: list[tuple[Any, Any]] = []
    root = placed(value, work)
    while work:
        source, copy = work.pop()
        if isinstance(source, dict):
            for key, item in source.items():
                copy[key] = item if key in kept else placed(item, work)
        else:
            copy.extend(placed(item, work) for item in source if not drop(item))
    return root
