"""The leader's log ("Logg"): every audited event, newest first, filtered and paged, and the same as a CSV file.

Read only: no route here (nor anywhere) changes or deletes an audit line. The filters come in the query string
(a GET that changes nothing, so a page can be linked, and "Newer"/"Older" keep them)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..core.audit_log import KINDS, AuditQuery, moment_of, newest_first, page_of
from ..core.exchange.export_csv import BOM, FORMULA_TRIGGERS, formula_like
from ..store.clock import local_today
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.forms import PageForm
from ..web.lookups import kept_while_unchanged, people_by_id, schools_by_id
from .audit_words import AuditWords, in_file, when

bp = Blueprint("audit_log", __name__, url_prefix="/leader/log")

PAGE_SIZE = 50
LAST_PAGE = 100_000  # a bound on ?page=: beyond any real log, and never a huge offset to sort for
# Shown and typed as 31.12.2026 (the page's date inputs are plain text); the ISO form is taken too.
DAY_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class LogFilterForm(PageForm):
    """Which lines: read from the query string (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), default="")
    person = SelectField(_l("Person"), default="", description=_l("Who did it, or whom it was about."))
    date_from = DateField(_l("From date"), validators=[Optional()], format=DAY_FORMATS,
                          description=_l("For example 01.08.2026"))
    date_to = DateField(_l("To date (included)"), validators=[Optional()], format=DAY_FORMATS,
                        description=_l("For example 31.12.2026"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("All kinds"))] + [
            SelectChoice(key, label) for key, (label, _events) in KINDS.items()]
        people = sorted(people_by_id().values(), key=lambda p: str(p.get("name", "")).lower())
        self.person.choices = [SelectChoice("", _l("Everyone"))] + [SelectChoice(p["id"], p["name"]) for p in people]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def show_days_in_full(self) -> None:
        """Show valid days as 31.12.2026 however they were typed (2026-12-31 too)."""
        for field in (self.date_from, self.date_to):
            if field.data:
                field.raw_data = None

    def query(self) -> AuditQuery:
        return AuditQuery(self.kind.data or None, self.person.data or None, self.date_from.data, self.date_to.data)

    def arguments(self) -> dict[str, str]:
        """The chosen filters as the query string gives them back (for the paging and the CSV links)."""
        found = {"kind": self.kind.data, "person": self.person.data,
                 "date_from": self.date_from.data.strftime(DAY_FORMATS[0]) if self.date_from.data else "",
                 "date_to": self.date_to.data.strftime(DAY_FORMATS[0]) if self.date_to.data else ""}
        return {key: value for key, value in found.items() if value}


def words() -> AuditWords:
    return AuditWords({pid: p.get("name") or "?" for pid, p in people_by_id().items()},
                      {sid: s.get("name") or "?" for sid, s in schools_by_id().items()})


def line(record: dict, said: AuditWords) -> dict:
    """One line as the page shows it."""
    return {"when": when(moment_of(record)), "who": said.who(record), "what": said.what(record),
            "address": address_of(record)}


def address_of(record: dict) -> str:
    address = record.get("address")
    return address if isinstance(address, str) else ""


def lines_in_order() -> list:
    """Every audit line, newest first, kept until the next line is written (paging through the log, or filtering
    it, sorts nothing again): the stored records, shared by the requests, to be read only."""
    return kept_while_unchanged("audit_newest_first", ("audit",), lambda: get_store().scan("audit", newest_first),
                                per_language=False)


def requested_page() -> int:
    page = request.args.get("page", type=int, default=1)
    return min(max(page, 1), LAST_PAGE)


@bp.get("/")
@access("leader")
def index():
    form = LogFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("leader/audit_log.html", form=form, lines=[], total=0, page=1, pages=1,
                               arguments={}), 400
    form.show_days_in_full()
    page = requested_page()
    total, records = page_of(lines_in_order(), form.query(), (page - 1) * PAGE_SIZE, PAGE_SIZE)
    said = words()
    arguments = form.arguments()
    return render_template("leader/audit_log.html", form=form, lines=[line(r, said) for r in records], total=total,
                           page=page, pages=max(1, -(-total // PAGE_SIZE)), arguments=arguments,
                           newer=url_for(".index", **arguments, page=page - 1) if page > 1 else None,
                           older=url_for(".index", **arguments, page=page + 1) if page * PAGE_SIZE < total else None)


@bp.get("/logg.csv")
@access("leader")
def download():
    """Every line the filters keep, newest first, as CSV for Excel in Norway (UTF-8 with BOM, `;`, formulas
    defused as the exports do). The download is itself a line of the log."""
    form = LogFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("leader/audit_log.html", form=form, lines=[], total=0, page=1, pages=1,
                               arguments={}), 400
    ordered = lines_in_order()
    _total, records = page_of(ordered, form.query(), 0, len(ordered))
    said = words()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Time (Oslo)"), _("Who"), _("What"), _("Kind"), _("Event"), _("Network address")])
    for record in records:
        writer.writerow([defused(str(value)) for value in (in_file(moment_of(record)), said.who(record),
                                                           said.what(record), said.kind(record), record.get("event"),
                                                           address_of(record))])
    query = form.query()
    audit("audit_export", lines=len(records), kind=query.kind, person=query.person,
          filters={"from": query.date_from.isoformat() if query.date_from else None,
                   "to": query.date_to.isoformat() if query.date_to else None})
    response = Response(BOM + buffer.getvalue().encode("utf-8", "replace"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="samskaping-logg-{local_today().isoformat()}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def defused(value: str) -> str:
    """A cell Excel shows as text, never runs as a formula (the exports' rule, core/exchange/export_csv.py)."""
    if value and not value[0].isalnum() and (value.startswith(FORMULA_TRIGGERS) or formula_like(value)):
        return "'" + value
    return value
