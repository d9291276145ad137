"""Feedback on work done (tilbakemelding): seen by the recipient and the project leader, nobody else."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from ..core.vocabulary import is_open
from ..store.clock import local_today, utc_now
from ..web.access import access, current_author
from ..web.db import get_store
from ..web.forms import AppForm, LazySelectField, people_choices
from ..web.lookups import kept_while_unchanged, people_by_id
from ..web.outbox import accepts_outbox, refuse, respond, save_versioned
from ..web.pages import field_errors, get_or_404
from ..web.validators import clean_text, max_length, valid_uuid
from ..web.widgets import QuickWidgets
from .versions import correctable, feedback_versions

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


def offered_about(responsibility: dict, recent: str) -> bool:
    """What feedback is usually about: open responsibilities and those changed since `recent` (90 days ago)."""
    return is_open(responsibility) or responsibility["updated_at"] >= recent


def about_choices() -> list[SelectChoice]:
    """The offered responsibilities (a list a phone can show: the first 300 by name), each with its owner; the
    same list (one object, so its options are drawn once: web/widgets.py) until the next write."""
    recent = (local_today() - timedelta(days=90)).isoformat()
    return kept_while_unchanged("feedback_about", ("responsibilities", "people"),
                                lambda: offered_choices(get_store(), recent), recent)


def offered_choices(store, recent: str) -> list[SelectChoice]:
    people = people_by_id()
    erased = _("Erased person")  # translated once, not once per choice
    responsibilities = store.select("responsibilities", lambda r: offered_about(r, recent),
                                    order_by=lambda r: r["what"].lower(), limit=300)
    return [SelectChoice("", _("(nothing in particular)"))] + [
        SelectChoice(r["id"], f'{r["what"]} ({people.get(r["owner"], {}).get("name", erased)})') for r in responsibilities]


class FeedbackForm(AppForm):
    Meta = QuickWidgets  # the day page draws its 300 "about" choices
    id = HiddenField(validators=[valid_uuid])
    to = SelectField(_l("To"), validators=[DataRequired(_l("Choose who the feedback is for."))])
    # The list is made only to be drawn; a value is checked by looking up that one responsibility.
    about = LazySelectField(_l("About (optional)"), default="", load_choices=about_choices, validate_choice=False)
    worked = TextAreaField(_l("What worked well"), filters=[clean_text], validators=[max_length(5000)])
    improve = TextAreaField(_l("What could be better"), filters=[clean_text], validators=[max_length(5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        me = g.person["id"] if g.get("person") else None
        self.to.choices = [SelectChoice("", _l("Choose person"))] + [c for c in people_choices() if c.value != me]

    def validate_about(self, field) -> None:
        if not field.data:
            return
        responsibility = get_store().get("responsibilities", field.data)
        recent = (local_today() - timedelta(days=90)).isoformat()
        if responsibility is None or not offered_about(responsibility, recent):
            raise ValidationError(_l("Not a valid choice."))

    def validate_improve(self, field) -> None:
        if not self.worked.data and not field.data:
            raise ValidationError(_l("Write what worked, what could be better, or both."))


def visible_to_current_user(item: dict) -> bool:
    """The leader, the recipient and the giver (who may correct it: participants/corrections.py)."""
    return bool(g.leader) or bool(g.person and g.person["id"] in (item["to"], item.get("author")))


@bp.get("/")
@access("member")
def index():
    """The leader sees all feedback; a participant sees what they have received."""
    given = []
    if g.leader:
        items = get_store().find("feedback")
    else:
        items = get_store().find("feedback", to=g.person["id"])
        given = sorted(get_store().find("feedback", author=g.person["id"]), key=lambda f: f["created_at"], reverse=True)
    items.sort(key=lambda f: f["created_at"], reverse=True)
    return render_template("feedback/index.html", items=items, given=given)


@bp.route("/new", methods=["GET", "POST"])
@access("participant")
@accepts_outbox
def new():
    form = FeedbackForm()
    if request.method == "GET":
        fill_new_feedback(form)
        return render_template("feedback/new.html", feedback_form=form)
    if not form.validate_on_submit():
        return refuse(form, lambda: (render_template("feedback/new.html", feedback_form=form), 422))
    author, device = current_author()
    item, outcome = save_versioned("feedback", form.id.data, {
        "to": form.to.data, "about": form.about.data or None, "worked": form.worked.data, "improve": form.improve.data,
    }, author=author, device=device)
    # The giver is sent home: only the recipient and the leader may open the feedback itself.
    return respond(item, outcome, url_for("home.index"),
                   _("Thank you! The feedback is sent to %(name)s.", name=get_store().get("people", form.to.data)["name"]))


def fill_new_feedback(form: FeedbackForm) -> None:
    form.id.data = str(uuid.uuid4())
    form.to.data = request.args.get("to", "")
    form.about.data = request.args.get("about", "")


@bp.post("/new/validate/<field>")
@access("participant")
def validate(field: str):
    return field_errors(FeedbackForm(), field)


@bp.get("/<feedback_id>")
@access("member")
def detail(feedback_id: str):
    item = get_or_404("feedback", feedback_id)
    # Someone else's feedback is answered exactly like a missing one: its existence is not revealed.
    if not visible_to_current_user(item):
        abort(404)
    if g.person and item["to"] == g.person["id"] and not item.get("seen_at"):  # no longer new: opened by her
        author, device = current_author()
        item = get_store().update("feedback", item["id"], {"seen_at": utc_now()}, author=author, device=device)
    about = get_store().get("responsibilities", item["about"]) if item.get("about") else None
    return render_template("feedback/detail.html", item=item, about=about, versions=feedback_versions(item),
                           can_correct=correctable(item))
