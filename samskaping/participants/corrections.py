"""Correcting what was sent: the author opens their own meeting or feedback again, corrects it, and the
correction is kept as a version its readers see (web/history.py).

A correction is delivered like the first sending (a form with data-outbox: online or later, from the phone's
outbox) under the record's own id, so web/outbox.save_versioned stores it as "updated" and refuses anyone but
the author (NotTheAuthor, 403). A meeting's correction re-sends its agreed responsibilities at the rows they
were agreed in (their ids are derived from the row: meetings.child_id), never its follow-ups: a follow-up
stored since must not be overwritten by the meeting's old rows.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Callable

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from ..store.clock import local_today
from ..web.access import access, current_author
from ..web.db import get_store
from ..web.lookups import people_by_id
from ..web.outbox import NotTheAuthor, accepts_outbox, refuse, respond, save_versioned
from ..web.pages import get_or_404
from .feedback import FeedbackForm, visible_to_current_user
from .meeting_forms import MeetingForm, owner_ids
from .meetings import child_id, save_meeting

bp = Blueprint("corrections", __name__)
MAX_ROWS = 30  # MeetingForm.responsibilities' max_entries: a meeting has no row past it
GIVEN_DAYS, GIVEN_SHOWN = 30, 5  # the feedback she gave that the day page carries for correction


def own(table: str, record_id: str, readable: Callable[[dict], bool] = lambda _record: True) -> dict:
    """The record, if it is the current person's own. 404 if there is none, or if they may not even read it
    (someone else's feedback: its existence is not revealed); NotTheAuthor (403) if it is not theirs."""
    record = get_or_404(table, record_id)
    if not g.get("person") or record.get("author") != g.person["id"]:
        if not readable(record):
            abort(404)
        raise NotTheAuthor()
    return record


def agreed_rows(meeting_id: str) -> dict[int, dict]:
    """The meeting's agreed responsibilities by the row they were agreed in (the row numbers its ids come from)."""
    store = get_store()
    found = {index: store.get("responsibilities", child_id(meeting_id, f"responsibility:{index}"))
             for index in range(MAX_ROWS)}
    return {index: record for index, record in found.items() if record is not None}


def filled_meeting_form(meeting: dict) -> MeetingForm:
    """The meeting form as the meeting is stored, each responsibility at its own row (a gap stays a blank row)."""
    rows = agreed_rows(meeting["id"])
    data = [({"what": r["what"], "owner": r.get("owner") or "", "due": date.fromisoformat(r["due"]) if r.get("due") else None}
             if (r := rows.get(index)) else {}) for index in range(max(rows, default=-1) + 1)]
    form = MeetingForm(formdata=None, data={
        "id": meeting["id"], "date": date.fromisoformat(meeting["date"]), "school": meeting["school"],
        "type": meeting["type"], "attendees": meeting.get("attendees") or [], "guests": meeting.get("guests") or "",
        "agenda": meeting.get("agenda") or "", "notes": meeting.get("notes") or "",
        "decisions": meeting.get("decisions") or "", "responsibilities": data or [{}]})
    form.add_responsibility_row()  # one empty row for a responsibility agreed but forgotten
    return offer_stored_people(form, meeting, rows)


def row_index(row) -> int:
    """The row number in a responsibility row's name (responsibilities-N)."""
    return int(row.name.rsplit("-", 1)[1])


def offer_stored_people(form: MeetingForm, meeting: dict, rows: dict[int, dict]) -> MeetingForm:
    """Those the meeting was stored with stay valid choices in its correction, though they may have left the
    project since (a new meeting offers only those with access): correcting a typo in the notes must not
    need the attendees or owners changed."""
    people = people_by_id()
    offered = {choice.value for choice in form.attendees.choices}
    gone = [SelectChoice(pid, people[pid]["name"]) for pid in meeting.get("attendees") or []
            if pid not in offered and pid in people]
    if gone:
        form.attendees.choices = [*form.attendees.choices, *gone]
    for row in form.responsibilities:
        owner = (rows.get(row_index(row)) or {}).get("owner")
        if owner in people and owner not in owner_ids():
            row.form.kept_owner = owner
            row.form.owner.choices = [*row.form.owner.choices, SelectChoice(owner, people[owner]["name"])]
    return form


def correction_of(meeting: dict) -> dict:
    """Where the meeting form posts a correction to, and its draft on the phone (one per meeting)."""
    return {"action": url_for("corrections.meeting", meeting_id=meeting["id"]), "draft": f"meeting:{meeting['id']}"}


def correction_page(form: MeetingForm, meeting: dict, status: int = 200):
    return render_template("meetings/edit.html", meeting=meeting, meeting_form=form,
                           correction=correction_of(meeting)), status


ID_ATTRIBUTES = re.compile(r'(\s(?:id|for|aria-describedby)=")([^"]*)"|(data-hx-target="#)([^"]*)"')


def with_ids_prefixed(html: str, prefix: str) -> Markup:
    """The form's HTML with every element id (and what points at one) prefixed: the day page carries the new
    meeting's form and these corrections at once, and an id must be the page's only one. Names stay as they
    are, so a correction posts exactly what the correction page posts."""
    def prefixed(match: re.Match) -> str:
        if match.group(1):
            return match.group(1) + " ".join(f"{prefix}-{token}" for token in match.group(2).split()) + '"'
        return f'{match.group(3)}{prefix}-{match.group(4)}"'
    return Markup(ID_ATTRIBUTES.sub(prefixed, html))


def day_page_corrections(meetings: list[dict]) -> list[tuple[dict, Markup]]:
    """Her own among the day page's latest meetings, each with its correction form, so that the phone corrects
    them with no network (a screen each: templates/meetings/_correction_screens.html)."""
    me = g.person["id"]
    return [(meeting, with_ids_prefixed(render_template("meetings/_form.html", meeting_form=filled_meeting_form(meeting),
                                                        correction=correction_of(meeting)), f"fix{meeting['id'][:8]}"))
            for meeting in meetings if meeting.get("author") == me]


def rows_kept(form: MeetingForm, stored: dict[int, dict]) -> bool:
    """A correction rewords its agreed responsibilities but cannot empty one (it may be followed up already):
    an emptied row gets its error. Whether every stored row is still there."""
    kept = True
    for row in form.responsibilities:
        index = row_index(row)
        if index >= MAX_ROWS and not row.form.is_blank():
            row.form.what.errors = [*row.form.what.errors, _("A meeting has at most %(count)d rows.", count=MAX_ROWS)]
            kept = False
        if index in stored and row.form.is_blank():
            row.form.what.errors = [*row.form.what.errors,
                                    _("A responsibility already agreed cannot be removed: follow it up instead.")]
            kept = False
    return kept


@bp.route("/meetings/<meeting_id>/edit", methods=["GET", "POST"])
@access("participant")
@accepts_outbox
def meeting(meeting_id: str):
    stored = own("meetings", meeting_id)
    if request.method == "GET":
        return correction_page(filled_meeting_form(stored), stored)
    rows = agreed_rows(meeting_id)
    form = offer_stored_people(MeetingForm(), stored, rows)
    form.set_followups([])  # never re-sent by a correction (see above), whatever the request holds
    action = request.form.get("action", "save")
    if action != "save":  # without JavaScript: "add another" (one more row); nothing is saved
        if action == "add_row":
            form.add_responsibility_row()
        return correction_page(form, stored)
    valid = form.validate_on_submit()
    if form.id.data != meeting_id:
        form.id.errors = [*form.id.errors, _("This form belongs to another meeting.")]
        valid = False
    if not rows_kept(form, rows) or not valid:
        return refuse(form, lambda: correction_page(form, stored, 422))
    with get_store().one_sync():
        saved, outcome = save_meeting(form, at_rows=True)
    return respond(saved, outcome, url_for("meetings.detail", meeting_id=meeting_id), _("The correction is saved."))


class FeedbackCorrectionForm(FeedbackForm):
    """The feedback form for its giver's correction: what worked and what could be better. Whom it is to and
    what it is about stay as stored (a feedback to the wrong person is a new feedback, not a correction):
    the view sets them, so neither is checked against today's choices (the recipient may have left since)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.to.validate_choice = False

    def validate_about(self, field) -> None:
        return None


def filled_feedback_form(item: dict) -> FeedbackCorrectionForm:
    return FeedbackCorrectionForm(formdata=None, data={key: item.get(key) or "" for key in ("id", "to", "about", "worked", "improve")})


def day_page_feedback() -> list[tuple[dict, Markup]]:
    """Her feedback given in the last GIVEN_DAYS days (the latest GIVEN_SHOWN), each with its correction form,
    for the day page to carry (a screen each), so the phone corrects them with no network."""
    me, since = g.person["id"], (local_today() - timedelta(days=GIVEN_DAYS)).isoformat()
    given = get_store().select("feedback", lambda f: f.get("author") == me and f.get("created_at", "") >= since,
                               order_by=lambda f: f["created_at"], reverse=True, limit=GIVEN_SHOWN)
    return [(item, with_ids_prefixed(render_template("feedback/_correction_form.html", item=item,
                                                     feedback_form=filled_feedback_form(item)), f"fix{item['id'][:8]}"))
            for item in given]


@bp.route("/feedback/<feedback_id>/edit", methods=["GET", "POST"])
@access("participant")
@accepts_outbox
def feedback(feedback_id: str):
    stored = own("feedback", feedback_id, readable=visible_to_current_user)
    if request.method == "GET":
        return render_template("feedback/edit.html", item=stored, feedback_form=filled_feedback_form(stored))
    form = FeedbackCorrectionForm()
    form.to.data, form.about.data = stored["to"], stored.get("about") or ""
    valid = form.validate_on_submit()
    if form.id.data != feedback_id:
        form.id.errors = [*form.id.errors, _("This form belongs to another feedback.")]
        valid = False
    if not valid:
        return refuse(form, lambda: (render_template("feedback/edit.html", item=stored, feedback_form=form), 422))
    author, device = current_author()
    item, outcome = save_versioned("feedback", feedback_id, {
        "to": stored["to"], "about": stored.get("about"), "worked": form.worked.data, "improve": form.improve.data,
    }, author=author, device=device)
    return respond(item, outcome, url_for("feedback.detail", feedback_id=feedback_id), _("The correction is saved."))

