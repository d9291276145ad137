"""Planned meetings: the next meeting of a school, prepared — when, who is invited, and an agenda that starts
with the school's open and overdue responsibilities; added to a phone's calendar as an .ics file."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime, time

from flask import Blueprint, g, make_response, render_template, request, url_for
from flask_babel import format_date, get_locale, gettext as _
from markupsafe import Markup

from ..core.calendar_file import meeting_event
from ..core.vocabulary import MEETING_TYPES
from ..store.clock import local_today, utc_now
from ..web.access import access, current_author
from ..web.lookups import kept_while_unchanged, schools, schools_by_id
from ..web.db import get_store
from ..web.outbox import NotTheAuthor, accepts_outbox, refuse, respond, save_versioned
from ..web.pages import field_errors, get_or_404
from .forms import PlanForm
from .records import suggested_agenda, upcoming_plans

bp = Blueprint("plans", __name__, url_prefix="/plans")


@bp.app_template_filter("weekday")
def weekday(value: str | date | None) -> str:
    """A plan's day as the day page names it: "tirsdag 14.01" (English: "Tuesday 14 Jan")."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "EEEE dd.MM" if str(get_locale()) == "nb" else "EEEE d MMM")


@bp.get("/")
@access("member")
def index():
    return render_template("plans/index.html", plans=upcoming_plans())


@bp.route("/new", methods=["GET", "POST"])
@access("member")
@accepts_outbox
def new():
    form = PlanForm()
    if request.method == "GET":
        fill_new_plan(form)
        return form_page(form)
    if request.form.get("action") == "refresh":  # without JavaScript: the school changed, suggest its agenda
        form.agenda.data = suggested_agendas().get(form.school.data, "")
        return form_page(form)
    if not form.validate_on_submit():
        return refuse(form, lambda: form_page(form, 422))
    author, device = current_author()
    plan, outcome = save_versioned("plans", form.id.data, plan_fields(form), author=author, device=device,
                                   on_create={"meeting": None})
    return respond(plan, outcome, url_for("plans.detail", plan_id=plan["id"]), _("The meeting is planned."))


def plan_fields(form: PlanForm) -> dict:
    return {"date": form.date.data.isoformat(), "time": form.time.data or None, "school": form.school.data,
            "type": form.type.data, "invited": form.invited.data, "agenda": form.agenda.data}


def may_change(plan: dict) -> bool:
    """Its author, or the leader (through the leader's pages: DESIGN.md)."""
    person = g.get("person")
    return bool(g.get("leader")) or bool(person and plan.get("author") == person["id"])


@bp.route("/<plan_id>/edit", methods=["GET", "POST"])
@access("member")
@accepts_outbox
def edit(plan_id: str):
    """Change a plan (another day, someone more invited, the agenda reordered or trimmed): its author, from her
    phone's outbox too, or the leader. Its own day stays acceptable after it has passed (the agenda of last
    week's meeting may still be corrected); another day must not be in the past."""
    plan = get_or_404("plans", plan_id)
    if not may_change(plan):
        raise NotTheAuthor()
    form = PlanForm(data={"date": date.fromisoformat(plan["date"]), "time": plan.get("time") or "",
                          "school": plan.get("school"), "type": plan.get("type"),
                          "invited": list(plan.get("invited") or []), "agenda": plan.get("agenda") or ""})
    form.id.data, form.kept_date = plan["id"], plan["date"]

    def page(status: int = 200):
        return render_template("plans/edit.html", plan=plan, plan_form=form, agendas=agendas_by_school(),
                               plan_action=url_for("plans.edit", plan_id=plan_id), plan_draft=f"plan-{plan_id}"), status
    if request.method == "GET":
        return page()
    if request.form.get("action") == "refresh":  # without JavaScript: the school changed, suggest its agenda
        form.agenda.data = suggested_agendas().get(form.school.data, "")
        return page()
    if not form.validate_on_submit():
        return refuse(form, lambda: page(422))
    author, device = current_author()
    person = g.get("person")
    if person and plan.get("author") == person["id"]:
        record, outcome = save_versioned("plans", plan_id, plan_fields(form), author=author, device=device)
    else:
        record, outcome = get_store().update("plans", plan_id, plan_fields(form), author=author, device=device), "updated"
    return respond(record, outcome, url_for("plans.detail", plan_id=plan_id), _("The plan is changed."))


def fill_new_plan(form: PlanForm) -> None:
    """A new plan: a fresh id, my school (or the one asked for), me invited, the school's suggested agenda."""
    form.id.data = str(uuid.uuid4())
    person = g.get("person")
    form.school.data = request.args.get("school") or (person or {}).get("school") or ""
    form.invited.data = [person["id"]] if person else []
    form.agenda.data = suggested_agendas().get(form.school.data, "")


def form_page(form: PlanForm, status: int = 200):
    return render_template("plans/new.html", plan_form=form, agendas=agendas_by_school()), status


def suggested_agendas() -> dict[str, str]:
    """Every school's suggested agenda, made once per language and day until one of the tables it reads changes:
    every day page offers one (its plan screen) and carries them all."""
    return kept_while_unchanged("suggested_agendas", ("responsibilities", "people", "schools"),
                                lambda: {s["id"]: suggested_agenda(s["id"]) for s in schools()}, local_today())


def agendas_by_school() -> Markup:
    """suggested_agendas() for the phone to put in when another school is chosen (static/js/plans.js), as JSON for
    a single-quoted attribute (<, >, & and ' escaped, as tojson does)."""
    return kept_while_unchanged("plan_agendas", ("responsibilities", "people", "schools"), _agendas, local_today())


def _agendas() -> Markup:
    text = json.dumps(suggested_agendas(), ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


@bp.post("/new/validate/<field>")
@access("member")
def validate(field: str):
    return field_errors(PlanForm(), field)


@bp.get("/<plan_id>")
@access("member")
def detail(plan_id: str):
    plan = get_or_404("plans", plan_id)
    return render_template("plans/detail.html", plan=plan, may_change=may_change(plan))


@bp.get("/<plan_id>.ics")
@access("member")
def calendar_file(plan_id: str):
    """The plan as one calendar event, downloaded: a phone's calendar adds it, no subscription needed."""
    plan = get_or_404("plans", plan_id)
    response = make_response(plan_event(plan))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{calendar_file_name(plan)}"'
    return response


@bp.app_template_filter("calendar_data_url")
def calendar_data_url(plan: dict) -> str:
    """The same file inside the link itself: the day page's "Add to calendar" works with no network."""
    return "data:text/calendar;charset=utf-8;base64," + base64.b64encode(plan_event(plan)).decode("ascii")


@bp.app_template_filter("calendar_file_name")
def calendar_file_name(plan: dict) -> str:
    return f"samskaping-{plan['date']}.ics"


def plan_event(plan: dict) -> bytes:
    school = schools_by_id().get(plan.get("school") or "", {}).get("name", "")
    title = MEETING_TYPES.get(plan.get("type"), MEETING_TYPES["other"])
    return meeting_event(
        uid=plan["id"], stamp=datetime.fromisoformat(utc_now()), day=date.fromisoformat(plan["date"]),
        start=time.fromisoformat(plan["time"]) if plan.get("time") else None,
        summary=_("%(type)s, %(school)s", type=title, school=school) if school else str(title),
        location=school, description=plan.get("agenda") or "",
        url=url_for("plans.detail", plan_id=plan["id"], _external=True))
