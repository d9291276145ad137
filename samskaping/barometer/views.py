"""The 3F barometer (samarbeidsbarometer): rounds of statements answered 1-5."""
from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, gettext as _, lazy_gettext as _l
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from ..core import barometer_stats as stats
from ..core.vocabulary import F_LABELS
from ..store.clock import utc_now
from ..web.access import access, current_author
from ..web.db import get_store
from ..web.forms import AppForm
from ..web.outbox import accepts_outbox, is_outbox_delivery, refuse, respond, save_versioned
from ..web.validators import clean_text, max_length, valid_uuid

bp = Blueprint("barometer", __name__, url_prefix="/barometer")

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


def accepts_answers(round_: dict, at: datetime | None = None) -> bool:
    return stats.accepts_answers(round_, at or now())


def now() -> datetime:
    return datetime.fromisoformat(utc_now())


def open_round() -> dict | None:
    found = [r for r in get_store().find("rounds", status="open") if accepts_answers(r)]
    return max(found, key=lambda r: r["created_at"], default=None)


def answer_of(round_: dict, person: dict) -> dict | None:
    return get_store().get("answers", stats.answer_id(round_["id"], person["id"]))


def open_round_for(person: dict) -> dict | None:
    """The open round this person has not answered yet (for the home page and reminders)."""
    round_ = open_round()
    return round_ if round_ is not None and answer_of(round_, person) is None else None


def history() -> dict:
    """The closed rounds' results and trend (an open round's results are not shown until it closes)."""
    store = get_store()
    return stats.trend(store.find("rounds"), store.find("answers"), all_statements(), now())


def progress(round_: dict | None) -> dict | None:
    """All that is shown of an open round: how many have answered, per side and in all."""
    if round_ is None:
        return None
    return {"round": round_, "rate": stats.response_rate(round_, get_store().find("answers", round=round_["id"]))}


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
        # The server's clock decides, never the phone's: a closed round's results are published, and one
        # more answer, however early the phone says it was given, would change them by exactly one person.
        if not field.data or field.data != self.round_record["id"] or not accepts_answers(self.round_record):
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


def answer_page(round_: dict | None, form: AnswerForm | None = None, answer: dict | None = None, refused: str = ""):
    groups = answer_groups(form, all_statements()) if form else []
    return render_template("barometer/index.html", round=round_, answer_form=form, groups=groups, answer=answer,
                           refused=refused)


def same_as_stored(form: AnswerForm, stored: dict | None) -> bool:
    """The delivery is the answer already stored (a retry whose first reply was lost)."""
    if stored is None or (stored.get("comment") or "") != (form.comment.data or ""):
        return False
    sent = {sid: form[field_name(sid)].data for sid in form.round_record["statement_ids"] if field_name(sid) in form}
    return sent == {sid: str(value) for sid, value in (stored.get("values") or {}).items()}


def refuse_closed(round_: dict, form: AnswerForm):
    """An answer that reaches the server after its round closed: nothing is stored. The same answer again
    (stored while the round was open, the reply lost) is a duplicate; anything else is refused, and a
    phone's outbox keeps it, shown as refused."""
    stored = get_store().get("answers", stats.answer_id(round_["id"], g.person["id"]))
    if same_as_stored(form, stored):
        return respond(stored, "duplicate", url_for(".index"), _("Thank you! Your answers are saved."))
    message = _("The round closed before your answers reached the server, so they were not saved. "
                "Answers count only while the round is open.")
    if is_outbox_delivery():
        return jsonify(status="refused", errors={}, message=message), 422
    return answer_page(open_round(), refused=message), 422  # with a way into a newer round, if one is open


@bp.get("/")
@access("member")
def index():
    """A participant's answer form, or a thank-you with a way to change the answers while the round is open."""
    if not g.person:
        return redirect(url_for("barometer_admin.results"))
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
    if round_["id"] and not accepts_answers(round_):
        return refuse_closed(round_, form)
    if not form.validate_on_submit():
        return refuse(form, lambda: (answer_page(round_ if round_["id"] else None, form), 422))
    values = {sid: int(form[field_name(sid)].data) for sid in round_["statement_ids"] if sid in statements}
    author, device = current_author()
    record, outcome = save_versioned("answers", stats.answer_id(round_["id"], g.person["id"]), {
        "round": round_["id"], "person": g.person["id"], "side": g.person.get("side"), "values": values,
        "comment": form.comment.data,
    }, author=author, device=device)
    return respond(record, outcome, url_for(".index"), _("Thank you! Your answers are saved."))


# ---- Shown on the leader's dashboard -------------------------------------------------------------------

def dashboard_context() -> dict:
    """For templates/barometer/_dashboard.html, as `barometer_summary`: the latest closed round's results,
    the trend over closed rounds, and the open round's response rate (`current`: {round, rate} or None)."""
    past = history()
    return {"latest": past["results"][-1] if past["results"] else None, "history": past,
            "current": progress(open_round()), "url": url_for("barometer_admin.results")}


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
