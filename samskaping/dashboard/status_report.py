"""The leader's status report (statusrapport): the three F's for a period and one school or all, as a page
to print on A4 and as a self-contained HTML file to attach."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..barometer import views as barometer
from ..charter import views as charter
from ..core import charts, dashboard_stats as stats, status_report as report
from ..core.barometer_stats import F_ORDER, SIDE_ORDER
from ..core.exchange.export_filters import Filters
from ..core.vocabulary import F_LABELS, SIDES
from ..store.clock import local_today
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.forms import DATE_FORMATS, PageForm, wtforms_translations
from ..web.lookups import active_people, people_by_id, schools, schools_by_id
from .views import meetings_chart, progress_chart

bp = Blueprint("status_report", __name__, url_prefix="/leader/report")

TABLES = ("meetings", "people", "responsibilities", "rounds", "feedback")  # what the period's rules read
STYLE_SHEET = Path(__file__).resolve().parent.parent.parent / "static" / "report.css"


class ReportForm(PageForm):
    """The period and the school; read from the query string (a GET that changes no record)."""

    class Meta:
        csrf = False

        def get_translations(self, form):
            return wtforms_translations(str(get_locale()))

    date_from = DateField(_l("From date"), validators=[Optional()], format=DATE_FORMATS)
    date_to = DateField(_l("To date (included)"), validators=[Optional()], format=DATE_FORMATS)
    school = SelectField(_l("School"), default="", validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = [SelectChoice("", _l("All schools"))] + [SelectChoice(s["id"], s["name"])
                                                                      for s in schools()]

    def validate_school(self, field) -> None:
        if field.data and field.data not in schools_by_id():
            raise ValidationError(_l("Choose a school from the list."))

    def validate_date_to(self, field) -> None:
        first, last = self.period()
        if first and last and last < first:
            raise ValidationError(_l("The end date is before the start date."))

    def period(self) -> tuple[date, date]:
        """The dates given, each one missing taken from this half-year (report.half_year)."""
        first, last = report.half_year(local_today())
        return self.date_from.data or first, self.date_to.data or last

    def filters(self) -> Filters:
        first, last = self.period()
        return Filters(first, last, self.school.data or None)


def made_report(fmt: str):
    """(the form, the report's context), the report audited as made in `fmt`; or (the form, None) if refused."""
    form = ReportForm(formdata=request.args)
    if not form.validate():
        return form, None
    context = report_context(form.filters())
    audit_report(context, fmt)
    return form, context


@bp.get("")
@access("leader")
def page():
    form, context = made_report("print")
    if context is None:
        return render_template("dashboard/report.html", form=form), 400
    return render_template("dashboard/report.html", form=form, **context)


@bp.get("/statusrapport.html")
@access("leader")
def download():
    form, context = made_report("html")
    if context is None:
        return render_template("dashboard/report.html", form=form), 400
    html = render_template("dashboard/report_file.html", style=STYLE_SHEET.read_text(encoding="utf-8"), **context)
    response = Response(html, mimetype="text/html")
    name = f"statusrapport-{context['period_from'].isoformat()}-{context['period_to'].isoformat()}.html"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # names and plans: no copy in any cache
    return response


def audit_report(context: dict, fmt: str) -> None:
    audit("status_report", period_from=context["period_from"].isoformat(), period_to=context["period_to"].isoformat(),
          school=context["school"]["id"] if context["school"] else None, format=fmt)


def report_context(filters: Filters) -> dict:
    """Every number of the report, for templates/dashboard/_report.html."""
    store = get_store()
    today = local_today()
    sides = list(SIDES)
    data = {table: {doc["id"]: doc for doc in store.find(table)} for table in TABLES}
    school = schools_by_id().get(filters.school) if filters.school else None
    school_list = [school] if school else schools()
    meetings = report.in_period(data, filters, "meetings")
    responsibilities = report.in_period(data, filters, "responsibilities")
    latest_done = stats.done_moments(store.find("followups", status="done"))
    progress = stats.progress_by_side(responsibilities, sides)
    meeting_rows = stats.meetings_per_school(meetings, school_list)
    listed = report.of_school(active_people(), filters.school)
    listed_ids = {p["id"] for p in listed}
    current = charter.current_charter()
    return {
        "period_from": filters.date_from, "period_to": filters.date_to, "school": school, "today": today,
        "made_at": barometer.now(), "charter": current,
        "acceptance": report.acceptance_for_school(charter.acceptance_by_side(current), filters.school),
        "open_questions": sum(1 for q in charter.open_questions()
                              if filters.school is None or q.get("person") in listed_ids),
        "meetings": meeting_rows, "meetings_chart": meetings_chart(meeting_rows),
        "meetings_total": sum(row["count"] for row in meeting_rows),
        "commitment": report.commitment(responsibilities, latest_done, today, sides),
        "progress_chart": progress_chart(progress),
        "feedback": report.feedback_by_side(report.in_period(data, filters, "feedback"), people_by_id(), listed,
                                            sides),
        "decisions": report.decisions_by_school(meetings, responsibilities, school_list),
        **barometer_context(report.barometer(report.in_period(data, filters, "rounds"), store.find("answers"),
                                             barometer.all_statements(), barometer.now())),
    }


def barometer_context(history: dict) -> dict:
    """The period's closed rounds, and the latest one's chart with its table beside it."""
    latest = history["results"][-1] if history["results"] else None
    chart = None
    if latest is not None:
        rows = [(str(F_LABELS[item["f"]]), [item["means"][side] for side in SIDE_ORDER]) for item in latest["by_f"]]
        chart = charts.paired_scale_chart(
            rows, [str(SIDES[side]) for side in SIDE_ORDER], chart_id="chart-barometer",
            title=_("Average per F for the municipality and the entrepreneur, on a scale from 1 to 5"),
            desc=_("Two bars per F, one per organisation. The numbers are also in the table."),
            missing=_("too few answers to show"), number=barometer.decimal_filter)
    return {"barometer": history, "barometer_latest": latest, "barometer_chart": chart, "f_order": F_ORDER}

