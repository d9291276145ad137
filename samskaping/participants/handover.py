"""Handing over: the open responsibilities of people who left (revoked or erased), listed for the leader, who
gives each person's to someone else in one step. Each item gets a follow-up that logs the new owner and why."""
from __future__ import annotations

import uuid

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..web.access import access
from ..web.db import get_store
from ..web.forms import AppForm
from ..web.lookups import open_responsibilities, people_by_id
from ..web.pages import see_other
from ..web.validators import clean_text, max_length, valid_uuid
from .followup_records import record_followup
from .meeting_forms import owner_choices, owner_ids

bp = Blueprint("handover", __name__, url_prefix="/responsibilities/handover")
ERASED = "erased"  # the group of items whose owner was erased (owner None)


class HandoverForm(AppForm):
    id = HiddenField(validators=[valid_uuid])
    former = HiddenField()
    to = SelectField(_l("Give them to"), validate_choice=False,
                     validators=[DataRequired(_l("Choose who is responsible."))])
    reason = StringField(_l("Why it changes"), filters=[clean_text],
                         validators=[DataRequired(_l("Say why it changes.")), max_length(1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.to.choices = [("", _l("Choose person"))] + owner_choices()

    def validate_to(self, field) -> None:
        if field.data and field.data not in owner_ids():
            raise ValidationError(_l("Choose who is responsible."))


def left_behind() -> dict[str, list[dict]]:
    """Open responsibilities whose owner is gone, by former owner (ERASED for those erased), in due order."""
    people = people_by_id()
    groups: dict[str, list[dict]] = {}
    for item in open_responsibilities():
        owner = people.get(item.get("owner") or "")
        if owner is None:
            groups.setdefault(ERASED, []).append(item)
        elif not owner.get("active", True):
            groups.setdefault(owner["id"], []).append(item)
    return groups


def new_form(former: str) -> HandoverForm:
    form = HandoverForm(formdata=None)
    form.id.data, form.former.data = str(uuid.uuid4()), former
    form.reason.data = _("No longer in the project")
    return form


@bp.app_context_processor
def handover_helpers():
    return {"left_behind_count": lambda: sum(map(len, left_behind().values()))}


@bp.get("/")
@access("leader")
def index():
    return page({})


def page(refused: dict[str, HandoverForm], status: int = 200):
    groups = left_behind()
    forms = {former: refused.get(former) or new_form(former) for former in groups}
    for former, form in forms.items():  # one form per former owner on the page: element ids must differ
        for field in form:
            field.id = f"{field.name}-{former}"
    return render_template("responsibilities/handover.html", groups=groups, forms=forms, erased=ERASED), status


@bp.post("/")
@access("leader")
def hand_over():
    form = HandoverForm()
    items = left_behind().get(form.former.data or "", [])
    if not form.validate_on_submit():
        return page({form.former.data: form}, 422)
    with get_store().one_sync():
        for item in items:
            # An id per item derived from the form's: the same form sent twice hands each over once.
            record_followup(item["id"], item["status"], "", record_id=str(uuid.uuid5(uuid.UUID(form.id.data), item["id"])),
                            wanted={"owner": form.to.data}, reason=form.reason.data)
    flash(ngettext("%(num)d responsibility handed over.", "%(num)d responsibilities handed over.", len(items)))
    return see_other("handover.index")
