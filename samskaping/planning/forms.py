"""The planned-meeting form: when, where, who is invited, and the agenda."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.vocabulary import MEETING_TYPES
from ..store.clock import local_day
from ..web.forms import DATE_FORMATS, AppForm, choices, options, people_choices
from ..web.lookups import kept_while_unchanged, schools
from ..web.outbox import client_time
from ..web.validators import clean_text, max_length, plausible_day, valid_uuid
from ..web.widgets import QuickWidgets

CLOCK = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")  # 14:00, or typed 9.30


class PlanForm(AppForm):
    Meta = QuickWidgets  # the day page draws it beside the meeting form: the same HTML, drawn for less
    kept_date: str | None = None  # a changed plan's own day (ISO), accepted even once it has passed
    # HTML ids of their own ("plan-date"; the names stay "date", "id"...): the day page holds this form beside the
    # meeting form, whose fields have the same names, and a label must lead to its own field.
    id = HiddenField(validators=[valid_uuid], id="plan-id")
    date = DateField(_l("Date"), id="plan-date", format=DATE_FORMATS,
                     validators=[InputRequired(_l("Give the date of the meeting.")), plausible_day])
    time = StringField(_l("Time (optional)"), id="plan-time", filters=[clean_text], description=_l("For example 14:00."))
    school = SelectField(_l("School"), id="plan-school", validators=[DataRequired(_l("Choose the school."))])
    type = SelectField(_l("Type of meeting"), id="plan-type", choices=options(MEETING_TYPES), default="follow_up")
    invited = SelectMultipleField(_l("Who is invited"), id="plan-invited", option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
                                  validate_choice=False)
    agenda = TextAreaField(_l("Agenda"), id="plan-agenda", filters=[clean_text], validators=[max_length(5000)],
                           description=_l("It starts with the school's open responsibilities: move, change or "
                                          "remove lines as you like."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = kept_while_unchanged("school_choices", ("schools",),
                                                   lambda: choices(schools(), blank=_l("Choose school")))
        self.invited.choices = people_choices()

    def validate_date(self, field) -> None:
        # Not before the day it was written: for a phone's late delivery, the day she saved it on the phone
        # (outbox.client_time), so a plan for tomorrow queued today is still taken the day after.
        if field.data is not None and field.data < local_day(client_time()) and field.data.isoformat() != self.kept_date:
            raise ValidationError(_l("A planned meeting cannot be in the past."))

    def validate_invited(self, field) -> None:
        # Checked here, not by DataRequired: that would draw `required` on every checkbox, and the browser
        # would refuse the form until everyone was invited. WTForms' own message for a choice not offered
        # has no Norwegian translation.
        if not field.data:
            raise ValidationError(_l("Choose who is invited."))
        offered = {choice.value for choice in self.invited.choices}
        if any(person not in offered for person in field.data or []):
            raise ValidationError(_l("Not a valid choice."))

    def validate_time(self, field) -> None:
        if not field.data:
            return
        match = CLOCK.fullmatch(field.data)
        if match is None:
            raise ValidationError(_l("Write the time as hours and minutes, for example 14:00."))
        field.data = f"{int(match.group(1)):02d}:{match.group(2)}"
