"""The 3F barometer (samarbeidsbarometer): rounds of statements answered 1-5."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, gettext as _, lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, StopValidation, ValidationError

from . import barometer_stats as stats
from .access import access, current_author
from .auth import audit
from .db import get_store
from .forms import AppForm
from .outbox import accepts_outbox, client_time, is_outbox_delivery, refuse, respond, save_versioned
from .pages import get_or_404, see_other
from .records import active_people
from .validators import clean_text, max_length, valid_uuid

bp = Blueprint("barometer", __name__, url_prefix="/barometer")

F_LABELS = {"forstaelse": _l("Understanding"), "forankring": _l("Anchoring"), "forpliktelse": _l("Commitment")}
F_ABOUT = {
    "forstaelse": _l("A shared picture of goals, roles and responsibilities, seen alike by both organisations."),
    "forankring": _l("The overarching goal is understood and accepted by everyone involved."),
    "forpliktelse": _l("Everyone has a role, plans are followed up, and work done gets feedback."),
}
NO_ROUND = {"id": "", "statement_ids": [], "status": "closed"}  # what a form for a missing round checks against


# ---- Statements and rounds ------------------------------------------------------------------------

def all_statements() -> dict[str, dict]:
    """Every statement by id; the default set is created the first time any is needed (fixed ids: never twice)."""
    store = get_store()
    found = store.find("statements")
    if not found:
        for fields in stats.default_statements():
            store.create("statements", {k: v for k, v in fields.items() if k != "id"}, record_id=fields["id"])
        found = store.find("statements")
    return {s["id"]: s for s in found}


def used_statement_ids() -> set[str]:
    """Statements some round has asked: their text is fixed, so old answers keep their meaning."""
    return {sid for r in get_store().find("rounds") for sid in r.get("statement_ids", [])}


def accepts_answers(round_: dict, at: datetime | None = None) -> bool:
    return stats.accepts_answers(round_, at or now())


def now() -> datetime:
    return datetime.now(timezone.utc)


def open_round() -> dict | None:
    found = [r for r in get_store().find("rounds", status="open") if accepts_answers(r)]
    return max(found, key=lambda r: r["created_at"], default=None)


def answer_of(round_: dict, person: dict) -> dict | None:
    return get_store().get("answers", stats.answer_id(round_["id"], person["id"]))


def open_round_for(person: dict) -> dict | None:
    """The open round this person has not answered yet (for the home page and reminders)."""
    round_ = open_round()
    return round_ if round_ is not None and answer_of(round_, person) is None else None


# ---- Answering on the phone -------------------------------------------------------------------------

def field_name(statement_id: str) -> str:
    return "s_" + uuid.UUID(statement_id).hex


def likert(form, field) -> None:
    if field.data not in {str(v) for v in stats.SCALE}:
        raise StopValidation(_l("Choose a number from 1 to 5 for this statement."))


class AnswerForm(AppForm):
    """The round's statements (one radio field each, added per round), and an optional comment."""
    id = HiddenField(validators=[valid_uuid])
    round = HiddenField()
    comment = TextAreaField(_l("Anything you want to add? (optional)"), filters=[clean_text],
                            validators=[max_length(2000)],
                            description=_l("Shown to the project leader without your name."))
    round_record: dict = NO_ROUND

    def validate_round(self, field) -> None:
        # A phone that was offline delivers late: what counts is when it was filled in.
        moment = client_time() if is_outbox_delivery() else now()
        if not field.data or field.data != self.round_record["id"] or not accepts_answers(self.round_record, moment):
            raise ValidationError(_l("This round is closed, so your answers were not saved."))
        asked = {field_name(sid) for sid in self.round_record["statement_ids"]}
        if any(name.startswith("s_") and name not in asked for name in request.form):
            raise ValidationError(_l("The form does not match this round; open it again."))


def answer_form(round_: dict, statements: dict[str, dict], **kwargs) -> AnswerForm:
    fields = {field_name(sid): RadioField(statements[sid]["text"], choices=[SelectChoice(str(v), str(v)) for v in stats.SCALE],
                                          validate_choice=False, validators=[likert])
              for sid in round_["statement_ids"] if sid in statements}
    return type("RoundAnswerForm", (AnswerForm,), {**fields, "round_record": round_})(**kwargs)


def answer_groups(form: AnswerForm, statements: dict[str, dict]) -> list[dict]:
    """The form's statement fields under their F, in the round's order."""
    asked = [statements[sid] for sid in form.round_record["statement_ids"] if sid in statements]
    return [{"f": f, "fields": [form[field_name(s["id"])] for s in asked if s["f"] == f]}
            for f in stats.F_ORDER if any(s["f"] == f for s in asked)]


def answer_page(round_: dict | None, form: AnswerForm | None = None, answer: dict | None = None):
    groups = answer_groups(form, all_statements()) if form else []
    return render_template("barometer/index.html", round=round_, answer_form=form, groups=groups, answer=answer)


@bp.get("/")
@access("member")
def index():
    """A participant's answer form, or a thank-you with a way to change the answers while the round is open."""
    if not g.person:
        return redirect(url_for(".results"))
    round_ = open_round()
    if round_ is None:
        return answer_page(None)
    mine = answer_of(round_, g.person)
    if mine and not request.args.get("change"):
        return answer_page(round_, answer=mine)
    form = answer_form(round_, all_statements(), formdata=None)
    form.id.data, form.round.data = str(uuid.uuid4()), round_["id"]
    if mine:
        for sid, value in mine["values"].items():
            if field_name(sid) in form:
                form[field_name(sid)].data = str(value)
        form.comment.data = mine.get("comment", "")
    return answer_page(round_, form, mine)


@bp.post("/answer")
@access("participant")
@accepts_outbox
def answer():
    round_ = get_store().get("rounds", request.form.get("round", "")) or NO_ROUND
    statements = all_statements()
    form = answer_form(round_, statements)
    if not form.validate_on_submit():
        return refuse(form, lambda: (answer_page(round_ if round_["id"] else None, form), 422))
    values = {sid: int(form[field_name(sid)].data) for sid in round_["statement_ids"] if sid in statements}
    author, device = current_author()
    record, outcome = save_versioned("answers", stats.answer_id(round_["id"], g.person["id"]), {
        "round": round_["id"], "person": g.person["id"], "side": g.person.get("side"), "values": values,
        "comment": form.comment.data,
    }, author=author, device=device)
    return respond(record, outcome, url_for(".index"), _("Thank you! Your answers are saved."))


# ---- Results and rounds (the project leader) ----------------------------------------------------------

class RoundForm(AppForm):
    title = StringField(_l("Title"), filters=[clean_text],
                        validators=[DataRequired(_l("Give the round a title.")), max_length(120)])
    closes_on = DateField(_l("Last day to answer (optional)"), validators=[Optional()])

    def validate_closes_on(self, field) -> None:
        if field.data and field.data < date.today():
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
    form.title.data = _("Barometer %(month)s", month=format_date(date.today(), "MMMM yyyy"))
    return form


def history() -> dict:
    store = get_store()
    return stats.trend(store.find("rounds"), store.find("answers"), all_statements())


def results_page(round_form: RoundForm | None = None):
    past = history()
    return render_template("barometer/results.html", history=past, current=open_round(),
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
    result = stats.round_result(round_, get_store().find("answers", round=round_["id"]), statements)
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


# ---- Shown on the leader's dashboard -------------------------------------------------------------------

def dashboard_context() -> dict:
    """For templates/barometer/_dashboard.html, as `barometer_summary`: the latest round and the trend."""
    past = history()
    return {"latest": past["results"][-1] if past["results"] else None, "history": past,
            "current": open_round(), "url": url_for("barometer.results")}


@bp.app_template_filter("bm_decimal")
def decimal_filter(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, format="0.0")


@bp.app_template_filter("bm_percent")
def percent_filter(value: float | None) -> str:
    return "–" if value is None else format_percent(value, format="#,##0 %")


@bp.app_template_filter("bm_f")
def f_label(f: str) -> str:
    return str(F_LABELS.get(f, f))


@bp.app_template_filter("bm_f_about")
def f_about(f: str) -> str:
    return str(F_ABOUT.get(f, ""))

