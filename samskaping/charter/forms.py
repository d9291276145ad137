"""The charter's text: its fields, the forms that change or answer it, word-level differences, the demo text."""
from __future__ import annotations

import difflib
import os
import re
import uuid

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from ..web.db import get_store
from ..web.forms import AppForm
from ..web.validators import clean_text, max_length, valid_uuid

# The charter's text fields, in the order the charter reads; a version is these plus its number.
TEXT_FIELDS = ("name", "parties", "goal", "roles_kommune", "roles_entreprenor",
               "kommune_expects", "entreprenor_expects", "routines")
LABELS = {
    "name": _l("Project name"),
    "parties": _l("Who collaborates"),
    "goal": _l("Overarching goal"),
    "roles_kommune": _l("Roles and responsibilities of the municipality"),
    "roles_entreprenor": _l("Roles and responsibilities of the social entrepreneur"),
    "kommune_expects": _l("What the municipality may expect of the social entrepreneur"),
    "entreprenor_expects": _l("What the social entrepreneur may expect of the municipality"),
    "routines": _l("Routines for communication, follow-up and feedback"),
}
# Every version has a known id, so two saves of "version 3" (two tabs, two laptops) meet as one record.
VERSION_NAMESPACE = uuid.UUID("6f1c2a8e-4b7d-5e0f-9a31-2c8d7e6b5a40")


def version_record_id(version: int) -> str:
    return str(uuid.uuid5(VERSION_NAMESPACE, f"charter-version-{version}"))


def acceptance_record_id(charter_id: str, person_id: str) -> str:
    """One acceptance per person and version, whichever phone sends it and however often."""
    return str(uuid.uuid5(uuid.UUID(charter_id), person_id))


def text_of(charter: dict | None) -> dict:
    return {name: (charter or {}).get(name, "") for name in TEXT_FIELDS}


class CharterForm(AppForm):
    """The leader's editor; `base_version` is the version the text was started from."""
    base_version = HiddenField()
    name = StringField(LABELS["name"], filters=[clean_text],
                       validators=[DataRequired(_l("Give the project a name.")), max_length(200)])
    parties = TextAreaField(LABELS["parties"], filters=[clean_text], validators=[max_length(2000)],
                            description=_l("For example: the municipality, the schools and the social entrepreneur."))
    goal = TextAreaField(LABELS["goal"], filters=[clean_text],
                         validators=[DataRequired(_l("Write the overarching goal.")), max_length(5000)],
                         description=_l("What the collaboration shall achieve, in a few sentences everyone can accept."))
    roles_kommune = TextAreaField(LABELS["roles_kommune"], filters=[clean_text], validators=[max_length(10000)])
    roles_entreprenor = TextAreaField(LABELS["roles_entreprenor"], filters=[clean_text], validators=[max_length(10000)])
    kommune_expects = TextAreaField(LABELS["kommune_expects"], filters=[clean_text], validators=[max_length(10000)])
    entreprenor_expects = TextAreaField(LABELS["entreprenor_expects"], filters=[clean_text],
                                        validators=[max_length(10000)])
    routines = TextAreaField(LABELS["routines"], filters=[clean_text], validators=[max_length(10000)],
                             description=_l("Meetings, who informs whom, how work is followed up and given feedback."))

    def text(self) -> dict:
        return {name: getattr(self, name).data for name in TEXT_FIELDS}


class VersionField(HiddenField):
    """A hidden field naming the charter version the person read; `record` is that version."""
    record: dict | None = None


def existing_charter(form, field) -> None:
    field.record = get_store().get("charters", field.data) if field.data else None
    if field.record is None:
        raise ValidationError(_l("This version of the charter no longer exists; open the page again."))


class AcceptForm(AppForm):
    id = HiddenField(validators=[valid_uuid])
    charter = VersionField(validators=[existing_charter])


class QuestionForm(AppForm):
    id = HiddenField(validators=[valid_uuid])
    charter = VersionField(validators=[existing_charter])
    text = TextAreaField(_l("Your question about the charter"), filters=[clean_text],
                         validators=[DataRequired(_l("Write your question.")), max_length(3000)])


class AnswerForm(AppForm):
    answer = TextAreaField(_l("Answer"), filters=[clean_text],
                           validators=[DataRequired(_l("Write an answer.")), max_length(5000)])


class DiffForm(AppForm):
    """Which two versions to compare (a GET form: nothing is changed, so no CSRF token)."""
    class Meta:
        csrf = False

    old = SelectField(_l("From version"), coerce=int, validators=[Optional()])
    new = SelectField(_l("To version"), coerce=int, validators=[Optional()])


# --- Differences, word by word ------------------------------------------------------------------

TOKENS = re.compile(r"\s+|\w+|[^\w\s]")  # spaces, words, single punctuation marks


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op "equal", "delete" or "insert"; a replaced passage is one deletion, then one insertion."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    raw: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            raw.append(("equal", "".join(a[i1:i2])))
            continue
        raw.extend(op for op in (("delete", "".join(a[i1:i2])), ("insert", "".join(b[j1:j2]))) if op[1])
    # A mere space between two changes belongs to the change: "en gang i måneden" → "annenhver uke" reads as
    # one replacement, not four. (Equal opcodes are never next to each other, so inner ones sit between changes.)
    runs: list[list[str]] = []  # ["equal", text] or ["change", deleted, inserted]
    for index, (op, text) in enumerate(raw):
        if op == "equal" and (text.strip() or index in (0, len(raw) - 1)):
            runs.append(["equal", text])
            continue
        if not runs or runs[-1][0] != "change":
            runs.append(["change", "", ""])
        runs[-1][1] += text if op != "insert" else ""
        runs[-1][2] += text if op != "delete" else ""
    segments: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for run in runs:
        if run[0] == "equal":
            add("equal", run[1])
            continue
        lead, deleted, inserted, trail = unmarked_edges(run[1], run[2])
        add("equal", lead)
        add("delete", deleted)
        add("insert", inserted)
        add("equal", trail)
    return segments


def unmarked_edges(deleted: str, inserted: str) -> tuple[str, str, str, str]:
    """Whitespace at the edges of a change that both sides share (or that a new line starts with) is shown
    unmarked, so a change is not drawn as a coloured sliver at the end of a line."""
    def lead_of(text: str) -> str:
        return text[:len(text) - len(text.lstrip())]

    def trail_of(text: str) -> str:
        return text[len(text.rstrip()):]

    lead = lead_of(inserted) if not deleted else os.path.commonprefix([lead_of(deleted), lead_of(inserted)])
    deleted, inserted = deleted[len(lead):] if deleted else "", inserted[len(lead):]
    if not deleted:
        trail = trail_of(inserted)
    else:
        trail = os.path.commonprefix([trail_of(deleted)[::-1], trail_of(inserted)[::-1]])[::-1]
    if trail:
        deleted, inserted = deleted[:len(deleted) - len(trail)] if deleted else "", inserted[:len(inserted) - len(trail)]
    return lead, deleted, inserted, trail


def charter_diff(old: dict | None, new: dict | None) -> list[dict]:
    """Per text field: its label, whether it changed, and the word-level segments."""
    before, after = text_of(old), text_of(new)
    return [{"name": name, "label": LABELS[name], "changed": before[name] != after[name],
             "segments": word_diff(before[name], after[name])} for name in TEXT_FIELDS]


# --- The demo project's charter (MOT's «Skolen som samfunnsbygger» in Skaun kommune, 2018/19) ---------

DEMO_CHARTER = {
    "name": "Skolen som samfunnsbygger – samarbeid mellom Skaun kommune og MOT",
    "parties": "Skaun kommune ved oppvekstsektoren og skolene (Fjellby ungdomsskole, Elvedal barneskole og "
               "Sjøvik skole), og den sosiale entreprenøren MOT, som leverer programmet «Skolen som samfunnsbygger».\n"
               "Kommunen har en lokal prosjektleder med det daglige ansvaret for samarbeidet.",
    "goal": "Elevene skal oppleve skolen som et trygt og inkluderende fellesskap der de får mot til å leve, "
            "mot til å bry seg og mot til å si nei. Skolen og MOT bygger dette sammen, som en del av skolens "
            "ordinære arbeid med læringsmiljøet, og ikke som et tillegg ved siden av.\n"
            "Alle som deltar – lærere, skoleledere og MOTs coacher – skal kjenne målet, forstå det og slutte seg til det.",
    "roles_kommune": "Prosjektlederen i kommunen har det daglige ansvaret for planlegging, oppfølging, framdrift "
                     "og koordinering, kaller inn til samarbeidsmøter og følger opp avtalt ansvar.\n"
                     "Rektor forankrer programmet i personalet og setter av tid i årsplanen.\n"
                     "Kontaktlærerne er til stede i øktene, følger opp elevene mellom øktene og gir coachen "
                     "tilbakemelding.",
    "roles_entreprenor": "MOT har ansvaret for programmets innhold og kvalitet.\n"
                         "Coachene planlegger og leder øktene på trinnene etter avtalt timeplan, og forbereder "
                         "dem sammen med kontaktlærer.\n"
                         "Den regionale koordinatoren er kontaktperson for prosjektlederen og følger opp coachene.",
    "kommune_expects": "At coachene møter som avtalt og gir beskjed i god tid ved fravær.\n"
                       "At opplegget for hver økt sendes kontaktlærer senest dagen før.\n"
                       "At MOT sier fra tidlig når noe ikke fungerer, og deltar i evalueringen.",
    "entreprenor_expects": "At skolen setter av de avtalte timene og deler prøveplanen i forkant.\n"
                           "At kontaktlærer er til stede og tar del i øktene.\n"
                           "At kommunen har én prosjektleder som tar beslutninger og svarer på henvendelser "
                           "innen to arbeidsdager.",
    "routines": "Samarbeidsmøte på hver skole en gang i måneden, med referat og avtalt ansvar i appen.\n"
                "Kontaktlærer og coach har en kort oppfølging annenhver uke.\n"
                "Alle gir og får tilbakemelding på utført arbeid; begge parter følger opp sine egne folk.\n"
                "Samarbeidsbarometeret besvares ved hvert halvår, og resultatet drøftes i samarbeidsmøtet.\n"
                "Endringer i denne avtalen legges fram for alle, som godtar den nye versjonen.",
}
