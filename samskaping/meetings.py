"""Meeting notes (møtereferat): record a meeting, its agreed responsibilities and follow-ups."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, render_template, request
from flask_babel import gettext as _

from .access import access, current_author
from .db import get_store
from .meeting_forms import MeetingForm
from .pages import field_errors, get_or_404, see_other
from .records import (MEETING_TYPES, SIDES, STATUSES, open_responsibilities, people_by_id,
                      recent_meetings, responsibilities_by_id, schools_by_id)

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
PAGE_SIZE = 50


def child_id(meeting_id: str, name: str) -> str:
    """Ids of records made by one meeting submission are derived from the meeting's id, so sending the
    same form twice (double tap, retry after a lost reply) stores everything exactly once."""
    return str(uuid.uuid5(uuid.UUID(meeting_id), name))


def form_page(form: MeetingForm, status: int = 200):
    listed = responsibilities_by_id(row.form.responsibility.data for row in form.followups)
    context = {"form": form, "responsibilities": listed, "people": people_by_id(), "statuses": STATUSES}
    return render_template("meetings/new.html", **context), status


@bp.get("/")
@access("member")
def index():
    page = max(request.args.get("page", type=int, default=1), 1)
    meetings = recent_meetings(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("meetings/index.html", meetings=meetings[:PAGE_SIZE], page=page,
                           more=len(meetings) > PAGE_SIZE)


@bp.route("/new", methods=["GET", "POST"])
@access("participant")
def new():
    form = MeetingForm()
    if request.method == "GET":
        form.id.data = str(uuid.uuid4())
        form.school.data = request.args.get("school") or g.person.get("school") or ""
        form.attendees.data = [g.person["id"]]
        form.set_followups(open_responsibilities(form.school.data) if form.school.data else [])
        return form_page(form)
    action = request.form.get("action", "save")
    if action == "add_row":  # without JavaScript: one more responsibility row, nothing saved yet
        form.add_responsibility_row()
        return form_page(form)
    if action == "refresh":  # without JavaScript: the school changed, list its open responsibilities
        form.set_followups(open_responsibilities(form.school.data) if form.school.data else [])
        return form_page(form)
    if not form.validate_on_submit():
        return form_page(form, 422)
    meeting = save_meeting(form)
    flash(_("The meeting is saved."))
    return see_other("meetings.detail", meeting_id=meeting["id"])


def save_meeting(form: MeetingForm) -> dict:
    store = get_store()
    author, device = current_author()
    meeting, _created = store.create("meetings", {
        "date": form.date.data.isoformat(), "school": form.school.data, "type": form.type.data,
        "attendees": form.attendees.data, "guests": form.guests.data,
        "agenda": form.agenda.data, "notes": form.notes.data, "decisions": form.decisions.data,
    }, author=author, device=device, record_id=form.id.data)
    people = people_by_id()
    for index, row in enumerate(form.entered_responsibilities()):
        store.create("responsibilities", {
            "what": row.what.data, "owner": row.owner.data, "side": people[row.owner.data]["side"],
            "due": row.due.data.isoformat() if row.due.data else None, "status": "not_started",
            "meeting": meeting["id"], "school": meeting["school"],
        }, author=author, device=device, record_id=child_id(meeting["id"], f"responsibility:{index}"))
    for row in form.followups:
        record_followup(row.form.responsibility.data, row.form.status.data, row.form.comment.data,
                        record_id=child_id(meeting["id"], f"followup:{row.form.responsibility.data}"),
                        meeting_id=meeting["id"])
    return meeting


def record_followup(responsibility_id: str, status: str, comment: str, *, record_id: str | None = None,
                    meeting_id: str | None = None) -> dict | None:
    """Log a follow-up (who, when, status, comment) and move the responsibility to that status.
    Nothing is logged when neither the status nor the comment says anything new."""
    store = get_store()
    responsibility = store.get("responsibilities", responsibility_id)
    comment = (comment or "").strip()
    if responsibility is None or (status == responsibility["status"] and not comment):
        return None
    author, device = current_author()
    followup, created = store.create("followups", {
        "responsibility": responsibility_id, "status": status, "previous_status": responsibility["status"],
        "comment": comment, "meeting": meeting_id,
    }, author=author, device=device, record_id=record_id)
    if created:
        store.update("responsibilities", responsibility_id, {"status": status}, author=author, device=device)
    return followup


@bp.get("/new/row")
@access("participant")
def responsibility_row():
    """htmx 'add another': one more empty responsibility row, numbered after the last one."""
    index = request.args.get("next_row", type=int, default=1)
    if not 0 <= index < 30:
        abort(400)
    form = MeetingForm(formdata=None)
    while len(form.responsibilities) <= index:
        form.add_responsibility_row()
    row = form.responsibilities[index]
    return render_template("meetings/_responsibility_row.html", row=row, next_row=index + 1, oob=True)


@bp.get("/new/followups")
@access("participant")
def followups():
    """htmx: when the school changes, list that school's open responsibilities for follow-up."""
    form = MeetingForm(formdata=None)
    school = request.args.get("school", "")
    form.set_followups(open_responsibilities(school) if school in schools_by_id() else [])
    return render_template("meetings/_followups.html", form=form, people=people_by_id(), statuses=STATUSES,
                           responsibilities=responsibilities_by_id(row.form.responsibility.data for row in form.followups))


@bp.post("/new/validate/<field>")
@access("participant")
def validate(field: str):
    """Inline validation: the server's own form decides, and only that field's errors come back."""
    return field_errors(MeetingForm(), field)


@bp.get("/<meeting_id>")
@access("member")
def detail(meeting_id: str):
    store = get_store()
    meeting = get_or_404("meetings", meeting_id)
    agreed = sorted(store.find("responsibilities", meeting=meeting_id), key=lambda r: r["created_at"])
    followed = store.find("followups", meeting=meeting_id)
    return render_template("meetings/detail.html", meeting=meeting,
                                  agreed=agreed, followed=followed, people=people_by_id(), schools=schools_by_id(),
                                  responsibilities=responsibilities_by_id(f["responsibility"] for f in followed),
                                  types=MEETING_TYPES, statuses=STATUSES, sides=SIDES)
