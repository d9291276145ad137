"""What is stored about one person (the innsyn) and how to find it: pure logic over records, no Flask.
What erasing them changes is planned in erasure_plan.py."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# Hashes of secrets are never shown nor handed out, not even to the leader.
SECRET_FIELDS = frozenset({"secret_hash", "join_token_hash", "password_hash"})
# The stamps every record carries: who wrote it (person, device) and who changed it last.
PERSON_STAMPS = ("author", "updated_by")
DEVICE_STAMPS = ("device", "updated_device")
# Records that are the person's own and go with them: table -> fields naming their owner.
OWN_RECORDS = {
    "devices": ("person",),
    "feedback": ("to", "author"),
    "acceptances": ("person",),
    "questions": ("person",),
    "answers": ("person",),
}
# The groups of the innsyn, in the order the page shows them.
GROUPS = ("devices", "meetings", "responsibilities", "followups", "feedback_received", "feedback_given",
          "acceptances", "questions", "answers", "plans", "audit", "other", "mentions")


@dataclass
class Subject:
    """Whom a search or an erasure is about: the person's id, name and the ids of their devices, and the
    names of everyone and everything else (other people, schools) that their name must not be taken for."""
    person_id: str
    name: str
    device_ids: frozenset[str] = frozenset()
    other_names: frozenset[str] = frozenset()

    @property
    def ids(self) -> frozenset[str]:
        return self.device_ids | {self.person_id}

    @property
    def matcher(self) -> NameMatcher | None:
        return name_matcher(self.name, self.other_names)

    @property
    def unsafe_to_replace(self) -> str | None:
        return replace_risk(self.name, self.other_names)


# Keys never rewritten and never listed as a mention: the names of people, schools, the project.
NAME_KEYS = frozenset({"id", "name"})


def name_pattern(name: str) -> re.Pattern | None:
    """The full name as whole words (also in the genitive, "Karis"), spelled with the same capital
    letters (so "per uke" is not "Per"), any spacing between its parts."""
    parts = name.split()
    if not parts:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, parts)) + r"(?=s?(?!\w))")


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


class NameMatcher:
    """The person's name in texts (like name_pattern), except where it is part of another person's or a
    school's name written out ("Per" in "Per Hansen" or "Per Olsens skole")."""

    def __init__(self, pattern: re.Pattern, guarded: list[re.Pattern]) -> None:
        self.pattern = pattern
        self.guarded = guarded

    def finditer(self, text: str) -> Iterator[re.Match]:
        matches = list(self.pattern.finditer(text))
        spans = [m.span() for guard in self.guarded for m in guard.finditer(text)] if matches and self.guarded else []
        for match in matches:
            if not any(start < match.end() and match.start() < end for start, end in spans):
                yield match

    def search(self, text: str) -> re.Match | None:
        return next(self.finditer(text), None)

    def sub(self, replacement: str, text: str) -> str:
        parts, at = [], 0
        for match in self.finditer(text):
            parts += [text[at:match.start()], replacement]
            at = match.end()
        return "".join(parts) + text[at:] if parts else text


def name_matcher(name: str, other_names: Iterable[str] = ()) -> NameMatcher | None:
    pattern = name_pattern(name)
    if pattern is None:
        return None
    longer = [other for other in dict.fromkeys(other_names)
              if isinstance(other, str) and not _same(other, name) and pattern.search(other)]
    return NameMatcher(pattern, [guard for guard in map(name_pattern, longer) if guard is not None])


def replace_risk(name: str, other_names: Iterable[str] = ()) -> str | None:
    """Why the name should not be replaced in texts without the leader looking first, or None:
    "one_word" (a first name alone is often an ordinary word or someone else's name too), or
    "shared" (another person or school has the very same name)."""
    if len(name.split()) < 2:
        return "one_word"
    if any(isinstance(other, str) and _same(other, name) for other in other_names):
        return "shared"
    return None


def refers_to(value: Any, ids: frozenset[str]) -> bool:
    """Whether any value inside (nested lists and dicts too) is one of the ids."""
    # A stack, not recursion: a value nested hundreds of levels deep (an older import took any) must not
    # stop an innsyn or an erasure with a RecursionError. The same holds for every walker here.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item in ids:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def named_texts(value: Any, pattern: NameMatcher | re.Pattern | None, path: str = "") -> Iterator[tuple[str, str]]:
    """(field as a dotted path, its text) for every text inside the value that contains the name (not
    the names of people, schools or the project: those are never rewritten)."""
    if pattern is None:
        return
    stack = [(path, value)]  # in document order: children are pushed last first
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if pattern.search(item):
                yield where, item
            continue
        if isinstance(item, dict):
            items: Iterable = item.items()
        elif isinstance(item, list):
            items = enumerate(item)
        else:
            continue
        children = [(f"{where}.{key}" if where else str(key), child) for key, child in items if key not in NAME_KEYS]
        stack.extend(reversed(children))


def mentioned_in(value: Any, pattern: NameMatcher | re.Pattern | None) -> list[str]:
    """The fields (dotted paths) whose text contains the name."""
    return [path for path, _text in named_texts(value, pattern)]


def relevant(subject: Subject) -> Callable[[dict], bool]:
    """A store predicate: the record points at the person or their devices, or names the person."""
    pattern = subject.matcher
    ids = subject.ids
    return lambda record: refers_to(record, ids) or bool(mentioned_in(record, pattern))


def without_secrets(record: dict) -> dict:
    return {key: value for key, value in record.items() if key not in SECRET_FIELDS}


def belongs_to(table: str, record: dict, person_id: str) -> bool:
    """A record of the person's own (their device, feedback to or from them, their answers...)."""
    return any(record.get(name) == person_id for name in OWN_RECORDS.get(table, ()))


def dossier(subject: Subject, person: dict, records: dict[str, list[dict]]) -> dict[str, Any]:
    """Everything stored about the person, grouped for the innsyn; `records` are the relevant ones per table."""
    pid = subject.person_id
    pattern = subject.matcher
    groups: dict[str, list] = {name: [] for name in GROUPS}
    for table, found in records.items():
        for record in found:
            if table == "people" and record["id"] == pid:
                continue
            group = _group_of(table, record, pid)
            if group:
                groups[group].append(without_secrets(record))
            elif refers_to(record, subject.ids):
                groups["other"].append({"table": table, "fields": _referring_fields(record, subject.ids),
                                        "record": only_them_in_lists(without_secrets(record), subject.ids)})
            fields = mentioned_in(record, pattern)
            if fields:
                groups["mentions"].append({"table": table, "fields": fields, "record": without_secrets(record)})
    groups["devices"] = [dict(d, last_wrote=_last_wrote(d["id"], records)) for d in groups["devices"]]
    for name, items in groups.items():
        items.sort(key=lambda item: (item.get("record", item).get("created_at") or ""), reverse=True)
    groups["meetings"].sort(key=lambda m: m.get("date") or "", reverse=True)
    return {"person": without_secrets(person), **groups}


def _group_of(table: str, record: dict, pid: str) -> str | None:
    if table == "devices" and record.get("person") == pid:
        return "devices"
    if table == "meetings" and (pid in (record.get("attendees") or []) or _stamped_by(record, pid)):
        return "meetings"
    if table == "responsibilities" and record.get("owner") == pid:
        return "responsibilities"
    if table == "followups" and _stamped_by(record, pid):
        return "followups"
    if table == "feedback" and record.get("to") == pid:
        return "feedback_received"
    if table == "feedback" and record.get("author") == pid:
        return "feedback_given"
    if table in ("acceptances", "questions", "answers") and record.get("person") == pid:
        return table
    if table == "plans" and (pid in (record.get("invited") or []) or _stamped_by(record, pid)):
        return "plans"
    if table == "audit" and (record.get("author") == pid or record.get("person") == pid):
        return "audit"
    return None


def _stamped_by(record: dict, pid: str) -> bool:
    return any(record.get(stamp) == pid for stamp in PERSON_STAMPS)


def only_them_in_lists(record: dict, ids: frozenset[str]) -> dict:
    """A list naming the person among others (a barometer round's invitation list) keeps only the person's own
    entries: the innsyn is handed to them, and who else was on the list is not theirs to read."""
    return {key: [item for item in value if refers_to(item, ids)]
            if isinstance(value, list) and refers_to(value, ids) else value for key, value in record.items()}


def _referring_fields(record: dict, ids: frozenset[str]) -> list[str]:
    return [key for key, value in record.items() if refers_to(value, ids)]


def _last_wrote(device_id: str, records: dict[str, list[dict]]) -> str | None:
    """The last time the device wrote anything (its last_seen says when it was last used, to the hour)."""
    moments = [record["created_at"] for found in records.values() for record in found
               if record.get("device") == device_id and record.get("created_at")]
    moments += [record["updated_at"] for found in records.values() for record in found
                if record.get("updated_device") == device_id and record.get("updated_at")]
    return max(moments, default=None)
