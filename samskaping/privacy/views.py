"""Personvern: everything stored about one person (innsyn), and erasing a person."""
from __future__ import annotations

import json
import re
from datetime import datetime

from flask import Blueprint, current_app, flash, g, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from ..web.forms import PageForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..core.erasure import erase as erasure
from ..core.erasure.plan import plan_erasure
from ..core.exchange.import_file import FIELD_LABELS
from ..core.personal_data import GROUPS, NameMatcher, Subject, dossier, named_texts
from ..core.vocabulary import SIDES
from ..store.clock import utc_now
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.lookups import people_by_id, responsibilities_by_id, schools_by_id
from ..web.pages import get_or_404, see_other
from ..web.validators import clean_text

bp = Blueprint("privacy", __name__, url_prefix="/leader/privacy")

GROUP_TITLES = {
    "devices": _l("Connected devices"),
    "meetings": _l("Meetings they attended or wrote"),
    "responsibilities": _l("Responsibilities they own"),
    "followups": _l("Follow-ups they wrote"),
    "feedback_received": _l("Feedback they received"),
    "feedback_given": _l("Feedback they gave"),
    "acceptances": _l("Acceptances of the charter"),
    "questions": _l("Questions about the charter"),
    "answers": _l("Barometer answers"),
    "plans": _l("Planned meetings they are invited to or planned"),
    "audit": _l("Log entries"),
    "other": _l("Other records that point to them"),
    "mentions": _l("Their name in texts"),
}
TABLE_LABELS = {
    "settings": _l("Settings"), "schools": _l("School"), "people": _l("Person"), "devices": _l("Device"),
    "meetings": _l("Meeting"), "responsibilities": _l("Responsibility"), "followups": _l("Follow-up"),
    "feedback": _l("Feedback"), "audit": _l("Log entry"), "charters": _l("Charter"),
    "acceptances": _l("Acceptance"), "questions": _l("Question"), "statements": _l("Barometer statement"),
    "rounds": _l("Barometer round"), "answers": _l("Barometer answer"), "conflicts": _l("Merge conflict"),
    "peers": _l("Paired laptop"), "plans": _l("Planned meeting"),
}
AUDIT_EVENTS = {
    "device_bound": _l("Connected a phone"),
    "device_revoke": _l("A phone was disconnected"),
    "person_revoke": _l("Access revoked"),
    "person_restore": _l("Access restored"),
    "person_new-link": _l("New link made"),
    "person_correct": _l("Details corrected"),
    "privacy_download": _l("Stored data handed out as a file"),
}
# Fields that are not in the import's labels, named on the innsyn (the rest: core/exchange/import_file.FIELD_LABELS).
MORE_FIELD_LABELS = {"title": _l("Title"), "text": _l("Text"), "answer": _l("Answer"), "person": _l("Person"),
                     "comment": _l("Comment"), "label": _l("Device"), "values": _l("Answers")}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Pages a record of these tables can be opened on.
RECORD_PAGES = {"meetings": ("meetings.detail", "meeting_id"),
                "responsibilities": ("responsibilities.detail", "responsibility_id"),
                "feedback": ("feedback.detail", "feedback_id"), "plans": ("plans.detail", "plan_id")}


def same_name(typed: str, name: str) -> bool:
    """Typed confirmation: the same letters, whatever the case and spacing."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


class EraseForm(PageForm):
    name = StringField(_l("Type the person's full name to confirm"), filters=[clean_text],
                       validators=[DataRequired(_l("Type the name to confirm."))])
    replace_mentions = BooleanField(_l("Also replace the name where it is written in texts"), default=True)

    def __init__(self, person: dict, *args, replace_by_default: bool = True, **kwargs):
        # A single first name, or a name someone else has too: the box starts unticked (REPLACE_RISKS says why).
        if not replace_by_default:
            kwargs.setdefault("replace_mentions", False)
        super().__init__(*args, **kwargs)
        self.person = person
        self.name.description = _l("Type: %(name)s", name=person["name"])

    def validate_name(self, field) -> None:
        if not same_name(field.data or "", self.person["name"]):
            raise ValidationError(_l("That is not the name of the person. Nothing was erased."))


def subject_of(person: dict) -> Subject:
    return erasure.subject_of(get_store(), person)


def gather(subject: Subject) -> dict[str, list[dict]]:
    """The records of every table that point to the person or their devices, or name them."""
    return erasure.gather(get_store(), subject)


# Why the erase page does not replace the name in texts unless the leader ticks the box.
REPLACE_RISKS = {
    "one_word": _l("The name is a single word. It may also be an ordinary word or part of someone else's name, "
                   "so it is not replaced unless you tick the box. Read the texts below first: tick it only if "
                   "every one of them is about this person, or correct the texts yourself."),
    "shared": _l("Someone else in the project has the same name, so it is not replaced unless you tick the box. "
                 "Read the texts below first: tick it only if every one of them is about this person, or correct "
                 "the texts yourself."),
}


def snippets(mention: dict, pattern: NameMatcher) -> list[dict]:
    """Each field naming the person, cut to the words around the name: parts of (text, is_the_name)."""
    found = []
    for path, value in named_texts(mention["record"], pattern):
        matches = list(pattern.finditer(value))
        start, end = max(matches[0].start() - 60, 0), min(matches[-1].end() + 60, len(value))
        parts, at = [("…" if start else "", False)], start
        for match in matches:
            parts += [(value[at:match.start()], False), (match.group(0), True)]
            at = match.end()
        parts += [(value[at:end], False), ("…" if end < len(value) else "", False)]
        found.append({"field": path, "parts": [part for part in parts if part[0]]})
    return found


DESCRIBED_DEPTH = 8  # deeper than any value the app writes; an older import may hold one nested hundreds deep


def describe(value, depth: int = 0) -> str:
    """A stored value in words for the page: ids of people and schools as their names."""
    if isinstance(value, (dict, list)) and depth >= DESCRIBED_DEPTH:
        return "…"  # bounded, so a deeply nested value cannot stop the page with a RecursionError
    if isinstance(value, dict):
        return "; ".join(f"{key}: {describe(item, depth + 1)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(describe(item, depth + 1) for item in value)
    if value is None:
        return "—"
    if isinstance(value, str) and UUID_TEXT.fullmatch(value):
        known = people_by_id().get(value) or schools_by_id().get(value)
        return known["name"] if known else value[:8] + "…"
    return str(value)


def field_label(path: str) -> str:
    """A stored field's name in words (the first part of a dotted path): never a raw key on the page."""
    key = path.split(".", 1)[0]
    label = FIELD_LABELS.get(key) or MORE_FIELD_LABELS.get(key)
    return str(label) if label else _("another field")


def field_labels(paths: list[str]) -> str:
    return ", ".join(dict.fromkeys(field_label(path) for path in paths))


def with_snippets(found: dict, subject: Subject) -> dict:
    pattern = subject.matcher
    for mention in found["mentions"]:
        mention["snippets"] = snippets(mention, pattern)
    return found


def record_link(table: str, record: dict) -> str | None:
    page = RECORD_PAGES.get(table)
    return url_for(page[0], **{page[1]: record["id"]}) if page else None


@bp.get("/<person_id>")
@access("leader")
def innsyn(person_id: str):
    person = get_or_404("people", person_id)
    subject = subject_of(person)
    found = with_snippets(dossier(subject, person, gather(subject)), subject)
    related = responsibilities_by_id([f.get("responsibility") for f in found["followups"]]
                                     + [f.get("about") for f in found["feedback_received"] + found["feedback_given"]])
    return render_template("privacy/innsyn.html", person=person, found=found, groups=GROUPS, titles=GROUP_TITLES,
                           tables=TABLE_LABELS, record_link=record_link, sides=SIDES, related=related,
                           describe=describe, events=AUDIT_EVENTS, rounds=rounds_of(found["answers"]),
                           field_label=field_label, field_labels=field_labels,
                           school=schools_by_id().get(person.get("school")))


def rounds_of(answers: list[dict]) -> dict[str, dict]:
    """The rounds the person answered, by id: the page names them, and shows nothing of the answers."""
    store = get_store()
    found = (store.get("rounds", answer["round"]) for answer in answers if isinstance(answer.get("round"), str))
    return {round_["id"]: round_ for round_ in found if round_ is not None}


@bp.get("/<person_id>.json")
@access("leader")
def download(person_id: str):
    """The same as the innsyn page, as a file to hand to the person."""
    person = get_or_404("people", person_id)
    subject = subject_of(person)
    found = dossier(subject, person, gather(subject))
    payload = {"format": "samskaping-innsyn", "version": 1,
               "made_at": datetime.fromisoformat(utc_now()).isoformat(timespec="seconds"),
               "names": names_in(found), **found}
    audit("privacy_download", person=person_id)
    response = current_app.response_class(json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
                                          mimetype="application/json")
    response.headers.set("Content-Disposition", "attachment", filename=f"innsyn-{file_slug(person['name'])}.json")
    return response


def names_in(found: dict) -> dict[str, str]:
    """Names of the people and schools the file's records point to, so the file can be read on its own."""
    known = {**{pid: p["name"] for pid, p in people_by_id().items()},
             **{sid: s["name"] for sid, s in schools_by_id().items()}}
    text = json.dumps(found)
    return {record_id: name for record_id, name in known.items() if record_id in text}


def file_slug(name: str) -> str:
    letters = name.translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"}))
    return re.sub(r"[^A-Za-z0-9]+", "-", letters).strip("-").lower() or "person"


@bp.route("/<person_id>/erase", methods=["GET", "POST"])
@access("leader")
def erase(person_id: str):
    """Confirm, then erase: the person's own records deleted, every pointer to them cut, tombstones left
    (so an older export or another laptop does not bring them back), files compacted."""
    person = get_or_404("people", person_id)
    subject = subject_of(person)
    risk = subject.unsafe_to_replace
    form = EraseForm(person, replace_by_default=risk is None)
    if not form.validate_on_submit():
        records = gather(subject)
        found = with_snippets(dossier(subject, person, records), subject)
        plan = plan_erasure(subject, records, closed_rounds=erasure.closed_rounds(get_store()))
        return render_template("privacy/erase.html", person=person, form=form, plan=plan,
                               mentions=found["mentions"], tables=TABLE_LABELS, record_link=record_link,
                               describe=describe, events=AUDIT_EVENTS, risk=REPLACE_RISKS.get(risk),
                               field_label=field_label
                               ), 422 if form.is_submitted() else 200
    replacement = _("(erased person)") if form.replace_mentions.data else None
    erase_subject(subject, replacement)
    if g.get("person") and g.person["id"] == person_id:
        g.person = g.device = None  # this browser was also their phone: the log must not name them
    audit("person_erased")
    get_store().compact()  # neither the snapshot nor the journal keeps an older version of anything
    erasure.drop_waiting_uploads(get_store().folder)
    flash(_("The person is erased."))
    return see_other("leader.index")


def erase_subject(subject: Subject, replacement: str | None) -> None:
    """The erasure (erasure.py): tombstones first, so no import or sync brings them back, then the changes."""
    erasure.erase(get_store(), subject, replacement)
