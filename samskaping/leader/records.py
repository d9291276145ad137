"""The leader corrects people (name, role, organisation, school) and schools (name); each correction is kept
in the record as a version (web/history.py), shown on the person's and the school's page."""
from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _, ngettext

from ..web.access import access, current_author
from ..web.audit import audit
from ..web.db import get_store
from ..web.history import update_with_history
from ..web.pages import get_or_404, see_other
from .people import PersonForm, SchoolForm
from .versions import person_versions, school_versions

bp = Blueprint("leader_records", __name__, url_prefix="/leader")


@bp.route("/people/<person_id>/edit", methods=["GET", "POST"])
@access("leader")
def person(person_id: str):
    stored = get_or_404("people", person_id)
    if not (form := PersonForm(data={key: stored.get(key) or "" for key in ("name", "side", "role", "school")})).is_submitted():
        return render_template("leader/person_edit.html", person=stored, form=form, versions=person_versions(stored))
    if not form.validate():
        return render_template("leader/person_edit.html", person=stored, form=form, versions=person_versions(stored)), 422
    author, device = current_author()
    with get_store().one_sync():
        _record, changed = update_with_history("people", person_id, {
            "name": form.name.data, "side": form.side.data, "role": form.role.data, "school": form.school.data or None,
        }, author=author, device=device, leader=True)
        moved = follow_the_owners_side(person_id, form.side.data, author=author, device=device)
    if changed:
        audit("person_correct", person=person_id)
    flash(_("The correction is saved.") if changed else _("Nothing was changed."))
    if moved:
        flash(ngettext("%(num)d responsibility of theirs now counts for their organisation.",
                       "%(num)d responsibilities of theirs now count for their organisation.", moved))
    return see_other("leader.person", person_id=person_id)


def follow_the_owners_side(person_id: str, side: str, **by) -> int:
    """A responsibility counts for its owner's organisation (the dashboard, the report): when the leader corrects
    the owner's organisation, what they own follows. Returns how many moved."""
    store = get_store()
    owned = [r for r in store.find("responsibilities", owner=person_id) if r.get("side") != side]
    for responsibility in owned:
        store.update("responsibilities", responsibility["id"], {"side": side}, **by)
    return len(owned)


@bp.route("/schools/<school_id>", methods=["GET", "POST"])
@access("leader")
def school(school_id: str):
    stored = get_or_404("schools", school_id)
    if not (form := SchoolForm(data={"name": stored.get("name") or ""})).is_submitted():
        return render_template("leader/school.html", school=stored, form=form, versions=school_versions(stored))
    if not form.validate():
        return render_template("leader/school.html", school=stored, form=form, versions=school_versions(stored)), 422
    author, device = current_author()
    _record, changed = update_with_history("schools", school_id, {"name": form.name.data},
                                           author=author, device=device, leader=True)
    flash(_("The correction is saved.") if changed else _("Nothing was changed."))
    return see_other("leader_records.school", school_id=school_id)
