"""Agreed responsibilities (avtalt ansvar): mine first, all open ones by organisation, follow-up log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import ValidationError

from .access import access
from .db import get_store
from .validators import clean_text, max_length
from .meetings import record_followup
from .pages import field_errors, get_or_404, render_page_or_partial, see_other
from .records import (SIDES, STATUSES, options, followups_of, my_open_responsibilities, open_responsibilities,
                      people_by_id, schools_by_id)

bp = Blueprint("responsibilities", __name__, url_prefix="/responsibilities")


class FollowupForm(FlaskForm):
    status = SelectField(_l("New status"), choices=options(STATUSES))
    comment = TextAreaField(_l("Comment"), filters=[clean_text], validators=[max_length(2000)])

    def __init__(self, responsibility: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responsibility = responsibility

    def validate_comment(self, field) -> None:
        if self.status.data == self.responsibility["status"] and not field.data:
            raise ValidationError(_l("Change the status or write a comment."))


@bp.get("/")
@access("member")
def index():
    """Mine (open, owned by me) first; then every open one, grouped by the owner's organisation.
    An htmx request for another organisation gets only the list back."""
    side = request.args.get("side", "")
    me = g.person["id"] if g.person else None
    # A participant's own ones are listed once, under "Mine", not again in their organisation's list.
    open_ones = [r for r in open_responsibilities() if (not side or r.get("side") == side) and r.get("owner") != me]
    grouped = {key: [r for r in open_ones if r.get("side") == key] for key in SIDES if not side or key == side}
    mine = my_open_responsibilities(me) if me else []
    return render_page_or_partial("responsibilities/index.html", "responsibilities/_open_list.html",
                                  mine=mine, grouped=grouped, side=side, sides=SIDES, statuses=STATUSES,
                                  people=people_by_id(), schools=schools_by_id())


@bp.route("/<responsibility_id>", methods=["GET", "POST"])
@access("member")
def detail(responsibility_id: str):
    responsibility = get_or_404("responsibilities", responsibility_id)
    form = FollowupForm(responsibility)
    if request.method == "POST":
        if not g.person:
            abort(403)  # follow-ups are written by participants; the leader reads them
        if form.validate_on_submit():
            record_followup(responsibility_id, form.status.data, form.comment.data)
            flash(_("The follow-up is saved."))
            return see_other("responsibilities.detail", responsibility_id=responsibility_id)
    elif request.method == "GET":
        form.status.data = responsibility["status"]
    meeting = get_store().get("meetings", responsibility["meeting"]) if responsibility.get("meeting") else None
    status = 422 if form.errors else 200
    return render_template("responsibilities/detail.html", responsibility=responsibility, form=form,
                           log=followups_of(responsibility_id), meeting=meeting, people=people_by_id(),
                           schools=schools_by_id(), statuses=STATUSES, sides=SIDES), status


@bp.post("/<responsibility_id>/validate/<field>")
@access("participant")
def validate(responsibility_id: str, field: str):
    return field_errors(FollowupForm(get_or_404("responsibilities", responsibility_id)), field)
