"""Meeting notes (møtereferat): record a meeting, its agreed responsibilities and follow-ups."""
from __future__ import annotations

import uuid

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _

from ..planning.records import fill_meeting_from_plan, mark_met
from ..web.access import access, current_author
from ..web.db import get_store
from ..web.lookups import recent_meetings, responsibilities_by_id
from ..web.outbox import accepts_outbox, refuse, respond, save_versioned
from ..web.pages import field_errors, get_or_404
from .followup_records import record_followup
from .followup_rows import followup_context
from .meeting_forms import MeetingForm
from .versions import correctable, meeting_versions

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
PAGE_SIZE = 50


def child_id(meeting_id: str, name: str) -> str:
    """Ids of records made by one meeting submission are derived from the meeting's id, so sending the
    same form twice (double tap, retry after a lost reply) stores everything exactly once."""
    return str(uuid.uuid5(uuid.UUID(meeting_id), name))


def form_page(form: MeetingForm, status: int = 200):
    return render_template("meetings/new.html", **meeting_form_context(form)), status


def meeting_form_context(form: MeetingForm) -> dict:
    """What the meeting form needs: the open responsibilities offered for follow-up, the chosen school's as
    rows and every school's as data (the page switches school without asking the server)."""
    return {"meeting_form": form, **followup_context(form)}


@bp.get("/")
@access("member")
def index():
    page = max(request.args.get("page", type=int, default=1), 1)
    meetings = recent_meetings(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("meetings/index.html", meetings=meetings[:PAGE_SIZE], page=page,
                           more=len(meetings) > PAGE_SIZE)


@bp.route("/new", methods=["GET", "POST"])
@access("participant")
@accepts_outbox
def new():
    form = MeetingForm()
    if request.method == "GET":
        fill_new_meeting(form)
        fill_meeting_from_plan(form, request.args.get("plan"))
        return form_page(form)
    action = request.form.get("action", "save")
    if action == "add_row":  # without JavaScript: one more responsibility row, nothing saved yet
        form.add_responsibility_row()
        return form_page(form)
    if action == "refresh":  # without JavaScript: the school changed, show its open responsibilities
        form.set_followups([])  # no rows sent: the page draws the chosen school's afresh
        return form_page(form)
    if not form.validate_on_submit():
        return refuse(form, lambda: form_page(form, 422))
    # The meeting, its responsibilities and follow-ups wait for one disk sync together, before the answer.
    with get_store().one_sync():
        meeting, outcome = save_meeting(form)
    return respond(meeting, outcome, url_for("meetings.detail", meeting_id=meeting["id"]), _("The meeting is saved."))


def fill_new_meeting(form: MeetingForm) -> None:
    """A new meeting: a fresh id, today, my school, me attending. Its follow-up rows are those of the
    chosen school's open responsibilities, at their current status (followup_rows draws them)."""
    form.id.data = str(uuid.uuid4())
    form.school.data = request.args.get("school") or g.person.get("school") or ""
    form.attendees.data = [g.person["id"]]


def responsibility_rows(form: MeetingForm, at_rows: bool) -> list[tuple[int, object]]:
    """(row number its id is derived from, row) for each entered responsibility: a new meeting's counted in
    order; a correction's (corrections.py) at the row it stands in, so an agreed one keeps its id."""
    if at_rows:
        return [(int(row.name.rsplit("-", 1)[1]), row.form) for row in form.responsibilities if not row.form.is_blank()]
    return list(enumerate(form.entered_responsibilities()))


def save_meeting(form: MeetingForm, at_rows: bool = False) -> tuple[dict, str]:
    author, device = current_author()
    meeting, outcome = save_versioned("meetings", form.id.data, {
        "date": form.date.data.isoformat(), "school": form.school.data, "type": form.type.data,
        "attendees": form.attendees.data, "guests": form.guests.data,
        "agenda": form.agenda.data, "notes": form.notes.data, "decisions": form.decisions.data,
    }, author=author, device=device)
    if outcome == "conflict":
        return meeting, outcome
    mark_met(form.plan.data, meeting, author=author, device=device)
    store = get_store()
    for index, row in responsibility_rows(form, at_rows):
        # The status is set only when the responsibility is new: later follow-ups own it.
        save_versioned("responsibilities", child_id(meeting["id"], f"responsibility:{index}"), {
            "what": row.what.data, "owner": row.owner.data, "side": store.get("people", row.owner.data)["side"],
            "due": row.due.data.isoformat() if row.due.data else None,
            "meeting": meeting["id"], "school": meeting["school"],
        }, author=author, device=device, on_create={"status": "not_started"})
    for row in form.followups:
        record_followup(row.form.responsibility.data, row.form.status.data, row.form.comment.data,
                        record_id=child_id(meeting["id"], f"followup:{row.form.responsibility.data}"),
                        meeting_id=meeting["id"], wanted=row.form.wanted(), reason=row.form.reason.data)
    return meeting, outcome


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
    return render_template("meetings/detail.html", meeting=meeting, agreed=agreed, followed=followed,
                           responsibilities=responsibilities_by_id(f["responsibility"] for f in followed),
                           versions=meeting_versions(meeting, agreed), can_correct=correctable(meeting))
