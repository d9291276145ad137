"""The leader's export page: choose, then download JSON, CSV, ZIP or XLSX (streamed, from a consistent snapshot)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from ..web.forms import PageForm
from wtforms import BooleanField, DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..core.exchange.export import TABLES, Filters, file_name, json_chunks, take_snapshot
from ..core.exchange.export_csv import CSV_TABLES, csv_chunks
from ..core.exchange.export_xlsx import xlsx_chunks
from ..core.exchange.export_zip import zip_export
from ..core.vocabulary import SIDES
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.forms import DATE_FORMATS, options
from ..web.lookups import schools

bp = Blueprint("export", __name__, url_prefix="/leader/export")

FORMATS = {"zip": _l("Everything (ZIP)"),
           "xlsx": _l("Everything in one Excel file (XLSX)"),
           "csv": _l("One table (CSV for Excel)"),
           "json": _l("JSON (for another laptop)")}
TABLE_LABELS = {"meetings": _l("Meetings"), "responsibilities": _l("Responsibilities"), "followups": _l("Follow-ups"),
                "feedback": _l("Feedback"), "answers": _l("Barometer answers (anonymous)"), "people": _l("People"),
                "schools": _l("Schools")}
DELIMITERS = {"semicolon": ";", "comma": ","}
MEDIA_TYPES = {"zip": "application/zip", "csv": "text/csv", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
XLSX_HEADINGS = {"nb": _l("Norwegian headings and values"), "en": _l("English headings and values"),
                 "keys": _l("English keys and codes (for programs)")}


class ExportForm(PageForm):
    """The page's choices; the download reads them from the query string (a GET that changes no record)."""

    class Meta:
        csrf = False

    format = SelectField(_l("What to download"), choices=options(FORMATS), default="zip", description=_l(
        "The ZIP holds every CSV file, the JSON file and a read-me (LESMEG.txt) explaining every column."))
    table = SelectField(_l("Table (for one CSV file)"), choices=options(TABLE_LABELS), default="meetings")
    date_from = DateField(_l("From date"), validators=[Optional()], format=DATE_FORMATS)
    date_to = DateField(_l("To date (included)"), validators=[Optional()], format=DATE_FORMATS)
    school = SelectField(_l("School"), default="")
    side = SelectField(_l("Organisation"), choices=[SelectChoice("", _l("Both"))] + options(SIDES), default="")
    delimiter = SelectField(_l("Separator in CSV files"), default="semicolon", choices=[
        SelectChoice("semicolon", _l("Semicolon ; (Norwegian Excel)")), SelectChoice("comma", _l("Comma , (other programs)"))])
    labels = SelectField(_l("Column headings"), default="", choices=[
        SelectChoice("", _l("English keys (for programs)")), SelectChoice("nb", _l("Norwegian headings"))])
    headings = SelectField(_l("Headings in the Excel file"), choices=options(XLSX_HEADINGS), default="nb")
    raw = BooleanField(_l("Raw cells for machines"), description=_l(
        "Leave cells that start with = + - or @ as they are. Only for programs, never for Excel."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = [SelectChoice("", _l("All schools"))] + [SelectChoice(s["id"], s["name"]) for s in schools()]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> Filters:
        return Filters(self.date_from.data, self.date_to.data, self.school.data or None, self.side.data or None)


@bp.get("/")
@access("leader")
def index():
    return render_template("export/index.html", form=ExportForm(formdata=None))


@bp.get("/download")
@access("leader")
def download():
    form = ExportForm(formdata=request.args)
    if not form.validate():
        return render_template("export/index.html", form=form), 400
    fmt, table, filters = form.format.data, form.table.data, form.filters()
    options = {"delimiter": DELIMITERS[form.delimiter.data], "labels": form.labels.data or None,
               "neutralise": not form.raw.data}
    # Taken now (the records of this moment, spooled without holding writers off); the client then downloads it
    # at its own pace.
    snapshot = take_snapshot(get_store(), filters, tables={"csv": (table,), "xlsx": CSV_TABLES}.get(fmt, TABLES))
    try:
        counts, detail = snapshot.counts, {"neutralised": options["neutralise"]}
        if fmt == "json":
            chunks = json_chunks(snapshot)
        elif fmt == "zip":
            chunks = zip_export(snapshot, **options)
        elif fmt == "xlsx":  # no cell of the workbook is a formula: nothing to neutralise
            headings = form.headings.data
            chunks, detail = xlsx_chunks(snapshot, labels=None if headings == "keys" else headings), {"headings": headings}
        else:
            chunks, counts = csv_chunks(snapshot, table, **options), {table: snapshot.counts[table]}
        audit("export", format=fmt, table=table if fmt == "csv" else None, filters=filters.document(),
              counts=counts, **detail)
    except BaseException:
        snapshot.close()
        raise
    response = Response(stream_with_context(_closing(chunks, snapshot)), mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(fmt, table)}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    response.call_on_close(snapshot.close)  # also when the download never started
    return response


def _closing(chunks, snapshot):
    """The chunks, then the spool file closed: at the end, or when the client goes away mid-download."""
    try:
        yield from chunks
    finally:
        snapshot.close()
