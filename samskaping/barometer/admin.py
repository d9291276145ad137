"""The 3F barometer, the project leader's side: the rounds, their results, and the statements they ask."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, render_template
from flask_babel import format_date, gettext as _, lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from ..core import barometer_stats as stats
from ..core.vocabulary import F_LABELS
from ..store.clock import local_today
from ..web.access import access, current_author
from ..web.audit import audit
from ..web.db import get_store
from ..web.forms import AppForm
from ..web.lookups import active_people
from ..web.pages import get_or_404, see_other
from ..web.validators import clean_text, max_length, plausible_day
from .views import accepts_answers, all_statements, history, now, open_round, progress

bp = Blueprint("barometer_admin", __name__, url_prefix="/barometer")


def used_statement_ids() -> set[str]:
    """Statements some round has asked: their text is fixed, so old answers keep their meaning."""
    return {sid for r in get_store().find("rounds") for sid in r.get("statement_ids", [])}


# ---- Results and rounds (the project leader) ----------------------------------------------------------

class RoundForm(AppForm):
    title = StringField(_l("Title"), filters=[clean_text],
                        validators=[DataRequired(_l("Give the round a title.")), max_length(120)])
    closes_on = DateField(_l("Last day to answer (optional)"), validators=[Optional(), plausible_day])

    def validate_closes_on(self, field) -> None:
        if field.data and field.data < local_today():
            raise ValidationError(_l("The last day cannot be in the past."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if open_round() is not None:
            self.form_errors.append(_l("A round is already open. Close it before you open a new one."))
        elif not any(s.get("active", True) for s in all_statements().values()):
            self.form_errors.append(_l("There are no active statements to ask."))
        return valid and not self.form_errors


def new_round_form() -> RoundForm:
    form = RoundForm(formdata=None)
    form.title.data = _("Barometer %(month)s", month=format_date(local_today(), "MMMM yyyy"))
    return form


def results_page(round_form: RoundForm | None = None):
    past = history()
    return render_template("barometer/results.html", history=past, current=progress(open_round()),
                           latest=past["results"][-1] if past["results"] else None,
                           round_form=round_form or new_round_form())


@bp.get("/results")
@access("leader")
def results():
    return results_page()


@bp.get("/results/<round_id>")
@access("leader")
def round_results(round_id: str):
    round_ = get_or_404("rounds", round_id)
    statements = all_statements()
    result = stats.round_result(round_, get_store().find("answers", round=round_["id"]), statements, now())
    asked = [statements[sid] for sid in round_["statement_ids"] if sid in statements]
    return render_template("barometer/round.html", result=result, asked=asked, accepting=accepts_answers(round_))


@bp.post("/rounds")
@access("leader")
def open_new_round():
    form = RoundForm()
    if not form.validate_on_submit():
        return results_page(form), 422
    asked = [s["id"] for s in stats.in_order(list(all_statements().values())) if s.get("active", True)]
    invited = [{"id": p["id"], "side": p.get("side")} for p in active_people()]
    round_, _created = get_store().create("rounds", {
        "title": form.title.data, "status": "open", "closes_on": form.closes_on.data.isoformat() if form.closes_on.data else None,
        "closed_at": None, "statement_ids": asked, "invited": invited}, author=current_author()[0])
    audit("barometer_round_opened", round=round_["id"])
    flash(_("The round is open."))
    return see_other(".results")


@bp.post("/rounds/<round_id>/close")
@access("leader")
def close_round(round_id: str):
    round_ = get_or_404("rounds", round_id)
    if round_["status"] == "open":
        get_store().update("rounds", round_id, {"status": "closed", "closed_at": now().isoformat(timespec="microseconds")})
        audit("barometer_round_closed", round=round_id)
        flash(_("The round is closed."))
    return see_other(".results")


# ---- The statements (the project leader) -------------------------------------------------------------

class StatementForm(AppForm):
    f = SelectField(_l("Which F"), choices=[SelectChoice(f, label) for f, label in F_LABELS.items()], validators=[DataRequired()])
    text = TextAreaField(_l("Statement"), filters=[clean_text],
                         validators=[DataRequired(_l("Write the statement.")), max_length(300)],
                         description=_l("In the first person, so it can be answered from 1 (strongly disagree) "
                                        "to 5 (strongly agree)."))


class StatementTextForm(AppForm):
    text = StatementForm.text

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = locked

    def validate_text(self, field) -> None:
        if self.locked:
            raise ValidationError(_l("This statement has been asked in a round, so its text can no longer change "
                                     "(old answers would change meaning). Deactivate it and add a new one."))


def edit_prefix(statement_id: str) -> str:
    # One text form per statement on the page: each needs its own field names and ids.
    return "t" + uuid.UUID(statement_id).hex[:12]


class MoveForm(AppForm):
    step = SelectField(choices=[SelectChoice("-1", "up"), SelectChoice("1", "down")], validators=[DataRequired()])


def statements_page(add_form: StatementForm | None = None, failed: tuple[str, StatementTextForm] | None = None):
    statements = stats.in_order(list(all_statements().values()))
    used = used_statement_ids()
    edit_forms = {s["id"]: StatementTextForm(formdata=None, data={"text": s["text"]}, prefix=edit_prefix(s["id"]))
                  for s in statements if s["id"] not in used}
    if failed:
        edit_forms[failed[0]] = failed[1]
    groups = [{"f": f, "statements": [s for s in statements if s["f"] == f]} for f in stats.F_ORDER]
    return render_template("barometer/statements.html", groups=groups, used=used, edit_forms=edit_forms,
                           add_form=add_form or StatementForm(formdata=None))


@bp.get("/statements")
@access("leader")
def statements():
    return statements_page()


@bp.post("/statements")
@access("leader")
def add_statement():
    form = StatementForm()
    if not form.validate_on_submit():
        return statements_page(add_form=form), 422
    position = stats.next_position(list(all_statements().values()), form.f.data)
    get_store().create("statements", {"f": form.f.data, "text": form.text.data, "position": position, "active": True},
                       author=current_author()[0])
    flash(_("The statement is added. It is asked from the next round on."))
    return see_other(".statements")


@bp.post("/statements/<statement_id>")
@access("leader")
def edit_statement(statement_id: str):
    get_or_404("statements", statement_id)
    form = StatementTextForm(locked=statement_id in used_statement_ids(), prefix=edit_prefix(statement_id))
    if not form.validate_on_submit():
        return statements_page(failed=(statement_id, form)), 422
    get_store().update("statements", statement_id, {"text": form.text.data}, author=current_author()[0])
    flash(_("The statement is changed."))
    return see_other(".statements")


@bp.post("/statements/<statement_id>/active")
@access("leader")
def toggle_statement(statement_id: str):
    statement = get_or_404("statements", statement_id)
    active = not statement.get("active", True)
    get_store().update("statements", statement_id, {"active": active}, author=current_author()[0])
    flash(_("The statement is asked again from the next round on.") if active else
          _("The statement is no longer asked. Earlier answers to it are kept."))
    return see_other(".statements")


@bp.post("/statements/<statement_id>/move")
@access("leader")
def move_statement(statement_id: str):
    get_or_404("statements", statement_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    for sid, position in stats.moved(list(all_statements().values()), statement_id, int(form.step.data)).items():
        get_store().update("statements", sid, {"position": position}, author=current_author()[0])
    return see_other(".statements")
