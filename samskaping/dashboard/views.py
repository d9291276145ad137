"""The project leader's dashboard: the three F's at a glance."""
from __future__ import annotations

from flask import Blueprint, flash
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..barometer import views as barometer
from ..charter import views as charter
from ..core import charts, dashboard_stats as stats, deadlines
from ..core.vocabulary import SIDES, STATUSES, is_open
from ..planning.records import upcoming_plans
from ..store.clock import local_today
from ..web.access import access, current_author
from ..web.db import get_store
from ..web.forms import AppForm
from ..web.lookups import people_by_id, schools
from ..web.pages import render_courteously, see_other

bp = Blueprint("dashboard", __name__, url_prefix="/leader/dashboard")

SETTINGS_ID = "5a3c1e00-0000-4000-8000-000000000003"  # the settings record holding the dashboard's choices
DEFAULT_FEEDBACK_DAYS = 30
# What the dashboard's numbers and cards read of a responsibility (templates/dashboard/_items.html).
RESPONSIBILITY_FIELDS = ("id", "what", "owner", "side", "due", "status", "school", "created_at", "updated_at")
MIN_DAYS, MAX_DAYS = 1, 365
PLANNED_DAYS = 14  # the planned meetings the dashboard lists


class FeedbackDaysForm(AppForm):
    feedback_days = IntegerField(
        _l("Days without feedback"),
        description=_l("Who has not received feedback in this many days is listed (1 to 365)."),
        validators=[InputRequired(_l("Write a number of days.")),
                    NumberRange(MIN_DAYS, MAX_DAYS, _l("Choose between 1 and 365 days."))])


def feedback_days() -> int:
    """The leader's chosen N for "no feedback in N days"; the default when unset or unusable."""
    value = (get_store().get("settings", SETTINGS_ID) or {}).get("feedback_days")
    return value if isinstance(value, int) and MIN_DAYS <= value <= MAX_DAYS else DEFAULT_FEEDBACK_DAYS


@bp.get("")
@access("leader")
def index():
    return dashboard_page(FeedbackDaysForm(formdata=None, feedback_days=feedback_days()))


@bp.post("/settings")
@access("leader")
def settings():
    form = FeedbackDaysForm()
    if not form.validate_on_submit():
        return dashboard_page(form), 422
    store = get_store()
    author, device = current_author()
    record, created = store.create("settings", {"feedback_days": form.feedback_days.data},
                                   author=author, device=device, record_id=SETTINGS_ID)
    if not created:
        store.update("settings", SETTINGS_ID, {"feedback_days": form.feedback_days.data}, author=author, device=device)
    flash(ngettext("Showing who has not received feedback in %(num)d day.",
                   "Showing who has not received feedback in %(num)d days.", form.feedback_days.data))
    return see_other("dashboard.index")


def dashboard_page(form: FeedbackDaysForm) -> str:
    store = get_store()
    today = local_today()
    sides = list(SIDES)
    days = feedback_days()
    # Counted where the records lie, and only the few listed copied (just the fields the cards use): at 50k
    # records, copying every meeting (its notes) and every responsibility held the store's lock, and so every
    # phone's POST, for most of a second.
    progress = store.summarise("responsibilities", lambda docs: stats.progress_by_side(docs, sides))
    open_ones = store.fields("responsibilities", RESPONSIBILITY_FIELDS, is_open)
    overdue = stats.overdue(open_ones, today)
    done_moments = stats.done_moments(store.fields(
        "followups", ("responsibility", "status", "created_at", "updated_at"), lambda f: f.get("status") == "done"))
    done = store.fields("responsibilities", RESPONSIBILITY_FIELDS,
                        lambda r: stats.may_be_done_recently(r, done_moments, today))
    lacking = stats.without_feedback(list(people_by_id().values()), store.fields("feedback", ("to", "created_at")),
                                     today, days)
    school_list = schools()
    meetings = store.summarise("meetings", lambda docs: stats.meetings_per_school(docs, school_list))
    return render_courteously(
        "dashboard/index.html", today=today, form=form, feedback_days=days,
        overdue=overdue, overdue_groups=stats.group_by_side_and_owner(overdue, sides),
        due_soon=stats.due_soon(open_ones, today),
        week_by_school=deadlines.pressing_by_school(open_ones, today, [s["id"] for s in school_list]),
        week_end=deadlines.last_day(today),
        done=stats.done_recently(done, done_moments, today),
        progress=progress, progress_chart=progress_chart(progress),
        lacking=lacking, lacking_by_side=stats.by_side(lacking, sides),
        meetings=meetings, meetings_chart=meetings_chart(meetings),
        planned=upcoming_plans(days=PLANNED_DAYS), **three_f_summaries())


def progress_chart(progress: dict[str, dict[str, int]]) -> dict:
    series = [STATUSES[status] for status in stats.ALL_STATUSES]
    rows = [(SIDES[side], [counts[status] for status in stats.ALL_STATUSES]) for side, counts in progress.items()]
    return {
        "svg": charts.stacked_bar_chart(
            rows, series, chart_id="chart-progress", title=_("Responsibilities per organisation and status"),
            desc=_("One bar per organisation, split by status. The numbers are also in the table.")),
        "table": charts.data_table(_("Responsibilities per organisation and status"),
                                   [_("Organisation")] + series + [_("Total")],
                                   [[label] + values + [sum(values)] for label, values in rows]),
    }


def meetings_chart(meetings: list[dict]) -> dict:
    return {
        "svg": charts.bar_chart([(m["name"], m["count"]) for m in meetings], chart_id="chart-meetings",
                                title=_("Meetings per school"),
                                desc=_("One bar per school: the number of meetings recorded. The list follows.")),
    }


def three_f_summaries() -> dict:
    """Forankring (the charter) and forståelse (the barometer), each summarised by its own module."""
    return {"charter_summary": charter.dashboard_context(), "barometer_summary": barometer.dashboard_context()}
