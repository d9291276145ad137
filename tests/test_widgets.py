"""The quick widgets (web/widgets.py) draw exactly what WTForms' own widgets draw, hostile values included."""
from __future__ import annotations

import uuid

from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from samskaping.participants.feedback import FeedbackForm
from samskaping.participants.meeting_forms import MeetingForm
from samskaping.participants.responsibilities import FollowupForm
from samskaping.web.widgets import QUICK, IdlessHiddenMeta, QuickWidgets, quick_html_params, render, without_hidden_id

HOSTILE = "\"><img src=x onerror=alert(1)> & 'quoted' </textarea></script>"
KWARGS = [{}, {"aria_describedby": "x-errors", "rows": 3},
          {"data_hx_post": "/meetings/new/validate/x?a=1&b=2", "data_hx_trigger": "change", "class_": "big",
           "data_hx_target": "#x-errors", "required": True, "disabled": False, "title": HOSTILE}]


def fields_of(form):
    for field in form:
        if hasattr(field, "entries"):  # a FieldList of FormFields: the rows' own fields
            for entry in field:
                yield from entry.form
        else:
            yield field
            if field.type == "SelectMultipleField":  # the attendees' checkboxes, one field each
                yield from field


def assert_same(form) -> int:
    compared = 0
    for field in fields_of(form):
        if type(field.widget) in QUICK or type(field.widget).__name__.startswith("Quick"):
            for kwargs in KWARGS:
                assert str(render(field.widget, field, **kwargs)) == str(field.widget(field, **kwargs)), field.name
                compared += 1
            # Through the form's Meta: the same, but a hidden input without its id (unique ids on every page).
            ours = isinstance(field.meta, (QuickWidgets, IdlessHiddenMeta))  # not a plain Form's row
            expected = field.widget(field, **without_hidden_id(field, {})) if ours else field.widget(field)
            assert str(field()) == str(expected), field.name
    return compared


def test_quick_html_params_is_wtforms_html_params():
    from wtforms.widgets import html_params
    for kwargs in KWARGS + [{"value": HOSTILE, "checked": True, "for_": "a", "data_x_y": 1}]:
        assert quick_html_params(**kwargs) == html_params(**kwargs)


def test_the_participants_forms_are_drawn_as_wtforms_draws_them(app):
    people = [SelectChoice(str(uuid.uuid4()), HOSTILE, optgroup="Kommune"),
              SelectChoice(str(uuid.uuid4()), "Ola", optgroup=HOSTILE)]
    with app.test_request_context("/"):
        assert MeetingForm.Meta is QuickWidgets
        sent = MultiDict([("id", HOSTILE), ("date", "2026-11-20"), ("school", "s"), ("type", "planning"),
                          ("attendees", people[0].value), ("guests", HOSTILE), ("notes", HOSTILE),
                          ("responsibilities-0-what", HOSTILE), ("responsibilities-0-owner", people[1].value),
                          ("responsibilities-1-what", "to"), ("followups-0-responsibility", HOSTILE),
                          ("followups-0-status", "done"), ("followups-0-comment", HOSTILE)])
        meeting = MeetingForm(formdata=sent)
        meeting.school.choices = [SelectChoice("s", HOSTILE), SelectChoice("t", "T")]
        meeting.attendees.choices = [SelectChoice(p.value, p.label) for p in people]
        for row in meeting.responsibilities:
            row.form.owner.choices = [SelectChoice("", "Velg")] + people
        feedback = FeedbackForm(formdata=MultiDict([("worked", HOSTILE), ("to", "x")]))
        feedback.to.choices = [SelectChoice("x", HOSTILE)]
        followup = FollowupForm({"id": str(uuid.uuid4()), "status": "done"},
                                formdata=MultiDict([("comment", HOSTILE), ("status", "in_progress")]))
        compared = sum(assert_same(form) for form in (meeting, feedback, followup))
    # Every kind is compared: inputs (hidden, text, date), selects with and without groups, textareas, the
    # attendees' checkbox list.
    assert compared >= 20 * len(KWARGS)


def test_a_long_list_kept_across_requests_is_drawn_as_wtforms_draws_it_for_each_selected_value(app):
    kept = [SelectChoice("", "(ingen)")] + [SelectChoice(str(uuid.UUID(int=n)), f"{HOSTILE} {n}") for n in range(150)]
    with app.test_request_context("/"):
        for data in ("", kept[7].value, kept[7].value, "", kept[150].value):
            form = FeedbackForm(formdata=MultiDict([("about", data)]))
            form.about.choices = kept  # the same list object each time, as about_choices() gives it
            drawn = str(form.about())
            assert drawn == str(form.about.widget(form.about))  # the field's own widget: WTForms' Select
            assert drawn.count(" selected ") == 1 and f'<option selected value="{data}">' in drawn


def test_hidden_inputs_are_drawn_without_an_id_in_every_kind_of_form(app):
    """A page with several forms (the day page's follow-ups, the leader's two) must not repeat ids."""
    from samskaping.leader.people import SchoolForm
    from samskaping.participants.feedback import FeedbackForm
    with app.test_request_context("/"):
        for form in (SchoolForm(), FeedbackForm()):
            drawn = str(form.csrf_token)
            assert 'name="csrf_token"' in drawn and "id=" not in drawn
        feedback = FeedbackForm()
        assert 'name="id"' in str(feedback.id) and "id=" not in str(feedback.id).replace('name="id"', "")
        assert 'id="worked"' in str(feedback.worked)  # a visible field keeps its id, which its label names
