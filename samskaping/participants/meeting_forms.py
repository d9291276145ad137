"""The meeting form: minutes, agreed responsibilities added inline, and follow-up of open ones."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.vocabulary import MEETING_TYPES, SIDES, STATUSES
from ..store.clock import local_today
from ..web.forms import DATE_FORMATS, AppForm, RowForm, choices, options, people_choices
from ..web.db import get_store
from ..web.lookups import kept_while_unchanged
from ..web.lookups import active_people, per_request, schools
from ..web.validators import clean_text, max_length, plausible_day, valid_uuid
from ..web.widgets import QuickWidgets
from .followup_records import changes_to


def owner_choices() -> list[SelectChoice]:
    """People grouped by organisation, for the 'who is responsible' select (every row draws and checks it):
    made once per language while nobody changes in the people table (shared: never change it)."""
    return kept_while_unchanged("owner_choices", ("people",), _owner_choices)


def _owner_choices() -> list[SelectChoice]:
    sides = {key: str(label) for key, label in SIDES.items()}  # translate each label once, not per person
    people = sorted(active_people(), key=lambda p: list(SIDES).index(p["side"]) if p["side"] in SIDES else 9)
    return [SelectChoice(p["id"], p["name"], optgroup=sides.get(p["side"], p["side"])) for p in people]


@per_request
def owner_ids() -> frozenset[str]:
    return frozenset(choice.value for choice in owner_choices())


class ResponsibilityRow(RowForm):
    """One agreed responsibility; a row left without a 'what' is ignored."""
    Meta = QuickWidgets  # drawn by quicker twins of WTForms' widgets: the same HTML
    what = StringField(_l("What is to be done"), filters=[clean_text], validators=[Optional(), max_length(500)])
    owner = SelectField(_l("Who is responsible"), validate_choice=False)
    due = DateField(_l("Due date"), validators=[Optional(), plausible_day], format=DATE_FORMATS)

    # In a correction: the person the row was agreed with, still a valid owner though they may have left since.
    kept_owner: str | None = None

    def is_blank(self) -> bool:
        return not self.what.data

    def validate_owner(self, field) -> None:
        if self.is_blank():
            return
        if field.data not in owner_ids() and not (self.kept_owner and field.data == self.kept_owner):
            raise ValidationError(_l("Choose who is responsible."))


class FollowupRow(RowForm):
    """Follow-up of one open responsibility from an earlier meeting: a new status, a comment and, if the meeting
    renegotiated it, a new owner, due date or wording with the reason (drawn by participants/followup_rows.py,
    not by these fields' widgets: a school has many). The meeting's author may change them: the meeting agreed it."""
    responsibility = HiddenField()
    status = SelectField(_l("Status"), choices=options(STATUSES))
    comment = TextAreaField(_l("Comment"), filters=[clean_text], validators=[max_length(2000)])
    owner = SelectField(_l("New person responsible"), validate_choice=False)
    due = DateField(_l("New due date"), validators=[Optional(), plausible_day], format=DATE_FORMATS)
    what = StringField(_l("New wording"), filters=[clean_text], validators=[max_length(500)])
    reason = StringField(_l("Why it changes"), filters=[clean_text], validators=[max_length(1000)])

    def wanted(self) -> dict[str, str | None]:
        """The new values asked for; empty ones mean "unchanged"."""
        return {"owner": self.owner.data or None, "due": self.due.data.isoformat() if self.due.data else None,
                "what": self.what.data or None}

    def validate_owner(self, field) -> None:
        if field.data and field.data not in owner_ids():
            raise ValidationError(_l("Choose who is responsible."))

    def validate_reason(self, field) -> None:
        responsibility = get_store().get("responsibilities", self.responsibility.data or "")
        if responsibility is not None and changes_to(responsibility, self.wanted()) and not field.data:
            raise ValidationError(_l("Say why it changes."))


EMPTY_MEETING = _l("Write the agenda, the notes, the decisions or an agreed responsibility: an empty meeting is not saved.")


class MeetingForm(AppForm):
    Meta = QuickWidgets
    id = HiddenField(validators=[valid_uuid])
    date = DateField(_l("Date"), validators=[InputRequired(_l("Give the date of the meeting.")), plausible_day],
                     format=DATE_FORMATS, default=local_today)
    school = SelectField(_l("School"), validators=[DataRequired(_l("Choose the school."))])
    type = SelectField(_l("Type of meeting"), choices=options(MEETING_TYPES))
    attendees = SelectMultipleField(_l("Who attended"), option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    guests = StringField(_l("Other attendees"), filters=[clean_text], validators=[max_length(500)], description=_l("Names of guests, separated by commas."))
    agenda = TextAreaField(_l("Agenda"), filters=[clean_text], validators=[max_length(5000)])
    notes = TextAreaField(_l("Notes"), filters=[clean_text], validators=[max_length(20000)])
    decisions = TextAreaField(_l("Decisions"), filters=[clean_text], validators=[max_length(5000)])
    plan = HiddenField(validators=[Optional(), valid_uuid])  # the planned meeting these are the minutes of
    responsibilities = FieldList(FormField(ResponsibilityRow), min_entries=1, max_entries=30)
    # No cap: a school may have many open ones (the request size limit bounds what a client can send).
    followups = FieldList(FormField(FollowupRow))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = kept_while_unchanged("school_choices", ("schools",),
                                                   lambda: choices(schools(), blank=_l("Choose school")))
        self.attendees.choices = people_choices()
        for row in self.responsibilities:
            set_owner_choices(row)

    def validate_notes(self, field) -> None:
        """An empty meeting is not a meeting: it needs an agenda, notes, decisions or an agreed responsibility
        (the phone checks the same before queueing: data-one-of in templates/meetings/_form.html)."""
        if not (self.agenda.data or field.data or self.decisions.data or self.entered_responsibilities()):
            raise ValidationError(EMPTY_MEETING)

    def add_responsibility_row(self):
        row = self.responsibilities.append_entry()
        set_owner_choices(row)
        return row

    def entered_responsibilities(self) -> list[ResponsibilityRow]:
        return [row.form for row in self.responsibilities if not row.form.is_blank()]

    def set_followups(self, open_responsibilities: list[dict]) -> None:
        """List the school's open responsibilities for follow-up, each starting at its current status."""
        while len(self.followups):
            self.followups.pop_entry()
        for responsibility in open_responsibilities:
            self.followups.append_entry({"responsibility": responsibility["id"], "status": responsibility["status"]})


def set_owner_choices(row) -> None:
    row.form.owner.choices = [SelectChoice("", _l("Choose person"))] + owner_choices()
