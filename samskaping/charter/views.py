"""The charter (samarbeidsavtale): versions, acceptance (forankring), questions to the leader."""
from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _

from ..core.vocabulary import SIDES
from ..store.clock import utc_now
from ..web.access import access, current_author
from ..web.audit import audit
from ..web.db import get_store
from ..web.lookups import active_people
from ..web.outbox import accepts_outbox, refuse, respond, save_versioned
from ..web.pages import get_or_404, see_other
from .forms import (
    AcceptForm,
    AnswerForm,
    CharterForm,
    DiffForm,
    QuestionForm,
    acceptance_record_id,
    charter_diff,
    text_of,
    version_record_id,
)

bp = Blueprint("charter", __name__, url_prefix="/charter")


# --- Queries the other pages use -------------------------------------------------------------------

def versions() -> list[dict]:
    """Every saved version, oldest first."""
    return sorted(get_store().find("charters"), key=lambda c: c["version"])


def current_charter() -> dict | None:
    """The newest version of the charter, or None before the leader has written one."""
    found = versions()
    return found[-1] if found else None


def version_or_404(number: int) -> dict:
    return get_or_404("charters", version_record_id(number))


def needs_acceptance(person: dict) -> dict | None:
    """The current charter if this person has not accepted it (None if accepted, or no charter yet)."""
    current = current_charter()
    if current is None or not person:
        return None
    accepted = get_store().get("acceptances", acceptance_record_id(current["id"], person["id"]))
    return None if accepted else current


def latest_acceptances() -> dict[str, dict]:
    """Per person id, the acceptance of the highest version they accepted."""
    latest: dict[str, dict] = {}
    for acceptance in get_store().find("acceptances"):
        held = latest.get(acceptance["person"])
        if held is None or acceptance["version"] > held["version"]:
            latest[acceptance["person"]] = acceptance
    return latest


def acceptance_by_side(current: dict | None) -> list[dict]:
    """Per side: each active person with their latest acceptance, how many accepted the current version, who not."""
    latest = latest_acceptances()
    groups = []
    for side, label in SIDES.items():
        rows = [{"person": p, "acceptance": latest.get(p["id"])} for p in active_people() if p.get("side") == side]
        for row in rows:
            row["current"] = bool(current and row["acceptance"] and row["acceptance"]["version"] >= current["version"])
        groups.append({"side": side, "label": label, "rows": rows, "total": len(rows),
                       "accepted": sum(row["current"] for row in rows),
                       "missing": [row["person"]["name"] for row in rows if not row["current"]]})
    return groups


def open_questions() -> list[dict]:
    return sorted(get_store().filter("questions", lambda q: not q.get("answer")), key=lambda q: q["created_at"])


def dashboard_context() -> dict:
    """What templates/charter/_dashboard.html shows (pass it as `charter_summary`)."""
    current = current_charter()
    sides = acceptance_by_side(current)
    return {
        "version": current["version"] if current else None,
        "saved_at": current["created_at"] if current else None,
        "sides": [{key: group[key] for key in ("side", "label", "accepted", "total", "missing")} for group in sides],
        "accepted": sum(group["accepted"] for group in sides),
        "total": sum(group["total"] for group in sides),
        "missing": [name for group in sides for name in group["missing"]],
        "open_questions": len(open_questions()),
    }


# --- Reading, accepting and asking (participants) ---------------------------------------------------

def fresh(form_class, current: dict):
    form = form_class()
    form.id.data = str(uuid.uuid4())
    form.charter.data = current["id"]
    return form


def render_index(accept_form: AcceptForm | None = None, question_form: QuestionForm | None = None):
    current = current_charter()
    context = {"charter": current}
    if current and g.person:
        accepted = get_store().get("acceptances", acceptance_record_id(current["id"], g.person["id"]))
        context.update(
            accepted=accepted, earlier=None if accepted else latest_acceptances().get(g.person["id"]),
            accept_form=accept_form or fresh(AcceptForm, current),
            question_form=question_form or fresh(QuestionForm, current))
    if g.person:
        context["my_questions"] = sorted(get_store().find("questions", person=g.person["id"]),
                                         key=lambda q: q["created_at"], reverse=True)
    if g.leader:
        context["charter_summary"] = dashboard_context()
    return render_template("charter/index.html", **context)


@bp.get("/")
@access("member")
def index():
    return render_index()


@bp.post("/accept")
@access("participant")
@accepts_outbox
def accept():
    """«I have read it and agree»: one record per person and version, however often it arrives."""
    form = AcceptForm()
    if not form.validate_on_submit():
        return refuse(form, lambda: (render_index(accept_form=form), 422))
    charter = form.charter.record
    record_id = acceptance_record_id(charter["id"], g.person["id"])
    message = _("Thank you! You have accepted version %(version)d of the charter.", version=charter["version"])
    existing = get_store().get("acceptances", record_id)
    if existing is not None:  # a second tap, a late copy, another phone: already agreed
        return respond(existing, "duplicate", url_for("charter.index"), message)
    author, device = current_author()
    record, outcome = save_versioned("acceptances", record_id, {
        "person": g.person["id"], "charter": charter["id"], "version": charter["version"], "side": g.person.get("side"),
    }, author=author, device=device)
    return respond(record, outcome, url_for("charter.index"), message)


@bp.post("/questions")
@access("participant")
@accepts_outbox
def ask():
    form = QuestionForm()
    if not form.validate_on_submit():
        return refuse(form, lambda: (render_index(question_form=form), 422))
    charter = form.charter.record
    author, device = current_author()
    record, outcome = save_versioned("questions", form.id.data, {
        "person": g.person["id"], "charter": charter["id"], "version": charter["version"], "text": form.text.data,
    }, author=author, device=device, on_create={"answer": None, "answered_at": None})
    return respond(record, outcome, url_for("charter.index"),
                   _("Your question is sent to the project leader. The answer will be shown here."))


# --- Versions and differences (everyone signed in) --------------------------------------------------

@bp.get("/versions")
@access("member")
def version_list():
    return render_template("charter/versions.html", versions=list(reversed(versions())))


@bp.get("/versions/<number>")
@access("member")
def version(number: str):
    # A plain string in the URL rule (not <int:>), so that a non-number is a 404 after the access check.
    if not re.fullmatch(r"[0-9]{1,9}", number):  # not str.isdigit(): that takes "²", which int() refuses
        abort(404)
    shown = version_or_404(int(number))
    current = current_charter()
    return render_template("charter/version.html", charter=shown, is_current=shown["id"] == current["id"])


@bp.get("/diff")
@access("member")
def diff():
    """Two versions side by side, word by word; by default the previous one against the current."""
    numbers = [c["version"] for c in versions()]
    if not numbers:
        abort(404)
    form = DiffForm(request.args)
    form.old.choices = form.new.choices = [(n, _("Version %(version)d", version=n)) for n in reversed(numbers)]
    new = form.new.data if form.new.data in numbers else numbers[-1]
    old = form.old.data if form.old.data in numbers else max(new - 1, numbers[0])
    form.old.data, form.new.data = old, new
    old_charter, new_charter = version_or_404(old), version_or_404(new)
    return render_template("charter/diff.html", form=form, old=old_charter, new=new_charter,
                           fields=charter_diff(old_charter, new_charter), single=len(numbers) == 1)


# --- The leader: writing the charter, following who accepted, answering -----------------------------

@bp.route("/edit", methods=["GET", "POST"])
@access("leader")
def edit():
    current = current_charter()
    base = current["version"] if current else 0
    form = CharterForm(data=text_of(current)) if request.method == "GET" else CharterForm()
    if request.method == "GET":
        form.base_version.data = str(base)
        return render_template("charter/edit.html", form=form, current=current)
    if not form.validate_on_submit():
        return render_template("charter/edit.html", form=form, current=current), 422
    if form.base_version.data != str(base):
        # Saved elsewhere meanwhile (another tab or laptop): show it instead of silently replacing it.
        form.base_version.data = str(base)
        return render_template("charter/edit.html", form=form, current=current, overtaken=True), 409
    if current and form.text() == text_of(current):
        flash(_("Nothing was changed, so no new version was saved."))
        return see_other("charter.index")
    author, device = current_author()
    number = base + 1
    _record, created = get_store().create("charters", {"version": number, **form.text()}, author=author,
                                          device=device, record_id=version_record_id(number))
    if not created:
        return render_template("charter/edit.html", form=form, current=current_charter(), overtaken=True), 409
    audit("charter_saved", version=number)
    flash(_("Version %(version)d of the charter is saved. Everyone is asked to accept it.", version=number))
    return see_other("charter.index")


@bp.get("/acceptance")
@access("leader")
def acceptance():
    current = current_charter()
    return render_template("charter/acceptance.html", charter=current, groups=acceptance_by_side(current),
                           open_count=len(open_questions()))


def render_questions(failed: dict | None = None, status: int = 200):
    """All questions, open ones first; `failed` is {question id: form with errors}."""
    forms = failed or {}
    items = sorted(get_store().find("questions"), key=lambda q: q["created_at"], reverse=True)
    for question in items:
        if question["id"] not in forms:
            forms[question["id"]] = AnswerForm(prefix=f"q{question['id']}", data={"answer": question.get("answer") or ""})
    return render_template("charter/questions.html", open=[q for q in items if not q.get("answer")],
                           answered=[q for q in items if q.get("answer")], forms=forms), status


@bp.get("/questions")
@access("leader")
def questions():
    return render_questions()


@bp.post("/questions/<question_id>/answer")
@access("leader")
def answer(question_id: str):
    question = get_or_404("questions", question_id)
    form = AnswerForm(prefix=f"q{question['id']}")
    if not form.validate_on_submit():
        return render_questions({question["id"]: form}, 422)
    author, device = current_author()
    get_store().update("questions", question["id"], {
        "answer": form.answer.data, "answered_at": utc_now(),
    }, author=author, device=device)
    flash(_("The answer is saved; %(name)s sees it on the charter page.", name=person_label(question["person"])))
    return see_other("charter.questions")


def person_label(person_id: str | None) -> str:
    person = get_store().get("people", person_id) if person_id else None
    return person["name"] if person else "?"

