"""The start page. For a participant it is the day page: everything filled in during a day (a new
meeting, follow-up of my responsibilities, feedback, the outbox) is on it as screens the phone switches
between itself, so a teacher who opened it on Wi-Fi can work all day out of range."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for

from ..barometer.views import open_round_for
from ..charter.views import needs_acceptance
from ..web.access import access
from ..web.lookups import my_open_responsibilities, recent_meetings
from .feedback import FeedbackForm, fill_new_feedback
from .meeting_forms import MeetingForm
from .meetings import fill_new_meeting, meeting_form_context
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
    return render_template("home/participant.html", mine=mine, meetings=recent_meetings(limit=5),
                           charter_to_accept=needs_acceptance(g.person), barometer_round=open_round_for(g.person),
                           followups=[(r, new_followup_form(r)) for r in mine],
                           feedback_form=feedback_form, **meeting_form_context(meeting_form))
