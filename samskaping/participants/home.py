"""The start page. For a participant it is the day page: everything filled in during a day (a new
meeting, follow-up of my responsibilities, feedback, the outbox) is on it as screens the phone switches
between itself, so a teacher who opened it on Wi-Fi can work all day out of range."""
from __future__ import annotations

import uuid

from flask import Blueprint, g, redirect, render_template, url_for
from markupsafe import Markup

from ..barometer.views import all_statements, answer_form, answer_groups, open_round_for
from ..charter.forms import AcceptForm
from ..charter.views import fresh, needs_acceptance
from ..planning.forms import PlanForm
from ..planning.records import next_plan, plans_for
from ..planning.views import agendas_by_school, fill_new_plan
from ..web.access import access
from ..web.lookups import my_open_responsibilities, recent_meetings
from .corrections import day_page_corrections, day_page_feedback
from .feedback import FeedbackForm, fill_new_feedback
from .followup_rows import followup_context_as_data
from .meeting_forms import MeetingForm
from .meetings import fill_new_meeting
from .responsibilities import new_followup_form

bp = Blueprint("home", __name__)


@bp.get("/")
@access("public")
def index():
    if g.person:
        return day_page()
    if g.leader:
        return redirect(url_for("leader.index"))
    return render_template("auth/ask_for_code.html")


def day_page():
    mine = my_open_responsibilities(g.person["id"])
    meeting_form = MeetingForm(formdata=None)
    fill_new_meeting(meeting_form)
    feedback_form = FeedbackForm(formdata=None)
    fill_new_feedback(feedback_form)
    plans = plans_for(g.person["id"])
    plan_form = PlanForm(formdata=None)
    fill_new_plan(plan_form)
    meetings = recent_meetings(limit=5)
    charter_to_accept, barometer_round = needs_acceptance(g.person), open_round_for(g.person)
    return render_template("home/participant.html", mine=mine, meetings=meetings, corrections=day_page_corrections(meetings),
                           given=day_page_feedback(),
                           charter_to_accept=charter_to_accept, barometer_round=barometer_round,
                           **asks_to_answer(charter_to_accept, barometer_round),
                           followups=followup_forms(mine), plans=plans, next_plan=next_plan(plans),
                           plan_form=plan_form, agendas=agendas_by_school(),
                           feedback_form=feedback_form, meeting_form=meeting_form, **followup_context_as_data())


def asks_to_answer(charter: dict | None, round_: dict | None) -> dict:
    """The forms of what waits for her, carried as screens so she can accept and answer with no network: the
    charter's current version to accept, and the open barometer round she has not answered."""
    context: dict = {}
    if charter:
        context["accept_form"] = fresh(AcceptForm, charter)
    if round_:
        statements = all_statements()
        form = answer_form(round_, statements, formdata=None)
        form.id.data, form.round.data = str(uuid.uuid4()), round_["id"]
        for field in form:  # ids of their own on a page that holds other forms ("comment" is common)
            field.id = f"bm-{field.name}"
        context.update(answer_form=form, answer_groups=answer_groups(form, statements))
    return context


STAND_IN = "00000000-0000-4000-8000-000000000000"  # a responsibility id no record has


def followup_forms(mine: list[dict]) -> list[tuple[dict, Markup]]:
    """The follow-up form of each of her open responsibilities, as responsibilities/_followup_form.html draws
    it: drawn once for a stand-in, then stamped with each one's id, a new record id and its status selected
    (a form drawn whole costs as much as a tenth of the page, and she may have a dozen). One drawn whole
    wherever the stamp does not fit exactly."""
    def drawn(responsibility: dict, form=None) -> Markup:
        return Markup(render_template("responsibilities/_followup_form.html", responsibility=responsibility,
                                      followup_form=form or new_followup_form(responsibility)))
    if not mine:
        return []
    first = "not_started"
    form = new_followup_form({"id": STAND_IN, "status": first})
    page = str(drawn({"id": STAND_IN}, form))  # a str: Markup.replace would escape what it puts in
    chosen = f'<option selected value="{first}">'
    if page.count(chosen) != 1 or page.count(form.id.data) != 1:
        return [(r, drawn(r)) for r in mine]
    plain = page.replace(chosen, f'<option value="{first}">')
    made = []
    for r in mine:
        option = f'<option value="{r.get("status")}">'
        if plain.count(option) != 1 or r["id"] != str(uuid.UUID(r["id"])):
            made.append((r, drawn(r)))
            continue
        stamped = plain.replace(option, f'<option selected value="{r["status"]}">')
        made.append((r, Markup(stamped.replace(STAND_IN, r["id"]).replace(form.id.data, str(uuid.uuid4())))))
    return made
