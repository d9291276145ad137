"""Agreed responsibilities (avtalt ansvar): mine first, all open ones by organisation, follow-up log."""
from __future__ import annotations

import uuid

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..core.vocabulary import SIDES, STATUSES
from ..web.access import access
from ..web.db import get_store
from ..web.forms import DATE_FORMATS, AppForm, options
from ..web.lookups import followups_of, my_open_responsibilities, open_responsibilities
from ..web.outbox import accepts_outbox, refuse, respond
from ..web.pages import field_errors, get_or_404, render_page_or_partial
from ..web.validators import clean_text, max_length, plausible_day, valid_uuid
from ..web.widgets import QuickWidgets
from .followup_records import changes_to, may_change, record_followup
from .meeting_forms import owner_choices, owner_ids

bp = Blueprint("responsibilities", __name__, url_prefix="/responsibilities")


class FollowupForm(AppForm):
    """A follow-up: a new status and a comment, and (folded away) a change of who, by when or what, with a reason.
    A change field left empty means "unchanged"."""
    Meta = QuickWidgets  # the day page draws one per open responsibility of hers
    id = HiddenField(validators=[valid_uuid])
    status = SelectField(_l("New status"), choices=options(STATUSES))
    comment = TextAreaField(_l("Comment"), filters=[clean_text], validators=[max_length(2000)])
    owner = SelectField(_l("New person responsible"), validate_choice=False)
    due = DateField(_l("New due date"), validators=[Optional(), plausible_day], format=DATE_FORMATS)
    what = StringField(_l("New wording"), filters=[clean_text], validators=[max_length(500)])
    reason = StringField(_l("Why it changes"), filters=[clean_text], validators=[max_length(1000)])

    def __init__(self, responsibility: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responsibility = responsibility
        self.owner.choices = [SelectChoice("", _l("Unchanged"))] + owner_choices()
        # Several of these forms can share a page (one per open responsibility): element ids must differ.
        for field in self:
            field.id = f"{field.name}-{responsibility['id']}"

    def wanted(self) -> dict[str, str | None]:
        return {"owner": self.owner.data, "due": self.due.data.isoformat() if self.due.data else None,
                "what": self.what.data}

    def changes(self) -> dict[str, dict]:
        return changes_to(self.responsibility, self.wanted())

    def validate_comment(self, field) -> None:
        if get_store().get("followups", self.id.data or ""):
            return  # a follow-up delivered again: it is stored already, not "nothing new"
        if self.status.data == self.responsibility["status"] and not field.data and not self.changes():
            raise ValidationError(_l("Change the status, write a comment or change what was agreed."))

    def validate_owner(self, field) -> None:
        if field.data and field.data not in owner_ids():
            raise ValidationError(_l("Choose who is responsible."))

    def validate_reason(self, field) -> None:
        if not self.changes() or get_store().get("followups", self.id.data or ""):
            return
        if not may_change(self.responsibility, g.person["id"] if g.person else None, bool(g.get("leader"))):
            raise ValidationError(_l("Only the person responsible, whoever recorded it in a meeting, or the project "
                                     "leader can change who, by when or what. Write a comment instead."))
        if not field.data:
            raise ValidationError(_l("Say why it changes."))


def new_followup_form(responsibility: dict) -> FollowupForm:
    """An empty follow-up form for one responsibility, starting at its current status."""
    form = FollowupForm(responsibility, formdata=None)
    form.id.data = str(uuid.uuid4())
    form.status.data = responsibility["status"]
    return form


@bp.get("/")
@access("member")
def index():
    """Mine (open, owned by me) first; then every open one, grouped by the owner's organisation.
    An htmx request for another organisation gets only the list back."""
    side = request.args.get("side", "")
    me = g.person["id"] if g.person else None
    # A participant's own ones are listed once, under "Mine", not again in their organisation's list.
    open_ones = [r for r in open_responsibilities() if (not side or r.get("side") == side) and (me is None or r.get("owner") != me)]
    grouped = {key: [r for r in open_ones if r.get("side") == key] for key in SIDES if not side or key == side}
    mine = my_open_responsibilities(me) if me else []
    return render_page_or_partial("responsibilities/index.html", "responsibilities/_open_list.html", "open-list",
                                  mine=mine, grouped=grouped, side=side, sides=SIDES)


@bp.route("/<responsibility_id>", methods=["GET", "POST"])
@access("member")
@accepts_outbox
def detail(responsibility_id: str):
    responsibility = get_or_404("responsibilities", responsibility_id)
    if request.method == "GET":
        return detail_page(responsibility, new_followup_form(responsibility))
    form = FollowupForm(responsibility)
    if not form.validate_on_submit():
        return refuse(form, lambda: detail_page(responsibility, form, 422))
    with get_store().one_sync():  # the follow-up and the responsibility's new values wait for one disk sync
        followup, outcome = record_followup(responsibility_id, form.status.data, form.comment.data,
                                            record_id=form.id.data, wanted=form.wanted(), reason=form.reason.data)
    return respond(followup, outcome, url_for("responsibilities.detail", responsibility_id=responsibility_id),
                   _("The follow-up is saved."))


def detail_page(responsibility: dict, form: FollowupForm, status: int = 200):
    meeting = get_store().get("meetings", responsibility["meeting"]) if responsibility.get("meeting") else None
    return render_template("responsibilities/detail.html", responsibility=responsibility, followup_form=form,
                           log=followups_of(responsibility["id"]), meeting=meeting), status


@bp.post("/<responsibility_id>/validate/<field>")
@access("participant")
def validate(responsibility_id: str, field: str):
    return field_errors(FollowupForm(get_or_404("responsibilities", responsibility_id)), field)
