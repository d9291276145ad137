"""Agreed responsibilities (avtalt ansvar): mine first, all open ones by organisation, follow-up log."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import ValidationError

from ..core.vocabulary import SIDES, STATUSES
from ..web.access import access
from ..web.db import get_store
from ..web.forms import AppForm, options
from ..web.lookups import followups_of, my_open_responsibilities, open_responsibilities
from ..web.outbox import accepts_outbox, refuse, respond
from ..web.pages import field_errors, get_or_404, render_page_or_partial
from ..web.validators import clean_text, max_length, valid_uuid
from ..web.widgets import QuickWidgets
from .meetings import record_followup

bp = Blueprint("responsibilities", __name__, url_prefix="/responsibilities")


class FollowupForm(AppForm):
    Meta = QuickWidgets  # the day page draws one per open responsibility of hers
    id = HiddenField(validators=[valid_uuid])
    status = SelectField(_l("New status"), choices=options(STATUSES))
    comment = TextAreaField(_l("Comment"), filters=[clean_text], validators=[max_length(2000)])

    def __init__(self, responsibility: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responsibility = responsibility
        # Several of these forms can share a page (one per open responsibility): element ids must differ.
        for field in self:
            field.id = f"{field.name}-{responsibility['id']}"

    def validate_comment(self, field) -> None:
        if get_store().get("followups", self.id.data or ""):
            return  # a follow-up delivered again: it is stored already, not "nothing new"
        if self.status.data == self.responsibility["status"] and not field.data:
            raise ValidationError(_l("Change the status or write a comment."))


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
    if not g.person:
        abort(403)  # follow-ups are written by participants; the leader reads them
    form = FollowupForm(responsibility)
    if not form.validate_on_submit():
        return refuse(form, lambda: detail_page(responsibility, form, 422))
    with get_store().one_sync():  # the follow-up and the responsibility's new status wait for one disk sync
        followup, outcome = record_followup(responsibility_id, form.status.data, form.comment.data,
                                            record_id=form.id.data)
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
