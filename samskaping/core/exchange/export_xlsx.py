"""The workbook for analysts: one typed XLSX sheet per CSV table and "Om eksporten", written with XlsxWriter.

XlsxWriter, not openpyxl's write-only mode: both are well kept, but XlsxWriter is the faster writer, and its
constant_memory mode puts each row in a temporary file as soon as it is written, so memory stays flat whatever
the number of records. The tables' rows go in through xlsx_rows.StreamedSheet (XlsxWriter's cell API alone is
6× the CSV export's time); the zip is assembled into a temporary file, then streamed in chunks.

No cell is ever a formula: the rows are written as texts, numbers and booleans only (xlsx_rows.py), the about
sheet with write_string (never write(), which reads "=..." as a formula), and the workbook is opened with
strings_to_formulas/numbers/urls off besides.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from typing import IO

import threading
from zipfile import ZipFile

import xlsxwriter.workbook
from flask_babel import force_locale
from xlsxwriter import Workbook

from .export import CHUNK, Snapshot
from .export_csv import CSV_TABLES, columns
from .xlsx_about import SHEET_NAMES, write_about
from .xlsx_cells import day_number, moment_number
from .xlsx_rows import StreamedSheet

DATE_FORMAT, DATETIME_FORMAT = "dd.mm.yyyy", "dd.mm.yyyy hh:mm"
DATE_KEYS = {"date", "due", "meeting_date", "round_date"}
MOMENT_KEYS = {"created_at", "updated_at", "seen_at"}
LONG_TEXT_KEYS = {"agenda", "notes", "decisions", "what", "responsibility", "comment", "about", "worked", "improve",
                  "statement", "guests", "attendees"}
WIDTHS = {"date": 11, "moment": 16, "long": 48, "id": 37, "number": 10, "text": 20}
OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
           "strings_to_urls": False}


class _Workbook(Workbook):
    """XlsxWriter's workbook, its zip deflated at level 1 instead of zlib's default 6: at 50k records that takes
    the packing from 40 % of the export's time to 20 %, for a file about a third larger (still a fifth of the CSV's
    size). XlsxWriter has no option for it, so the ZipFile it makes is swapped for the time of the packing, under a
    lock (two exports packing at once take turns). Were XlsxWriter to stop using that name, the file would simply
    be packed at level 6 again: slower, the same workbook."""

    def _store_workbook(self) -> None:
        with _PACKING:
            kept, xlsxwriter.workbook.ZipFile = xlsxwriter.workbook.ZipFile, _QuickZipFile  # type: ignore[attr-defined]
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = kept  # type: ignore[attr-defined]


class _QuickZipFile(ZipFile):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs, compresslevel=1)


_PACKING = threading.Lock()


def xlsx_chunks(snapshot: Snapshot, *, labels: str | None = "nb") -> Iterator[bytes]:
    """The workbook, in chunks of about 64 KiB. `labels` ("nb", "en") gives headings, sheet names and coded values
    (status, organisation...) in that language; None gives the stable English keys and codes, for programs."""
    with tempfile.TemporaryFile(prefix="samskaping-xlsx-") as spool:
        write_workbook(snapshot, spool, labels=labels)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def write_workbook(snapshot: Snapshot, out: IO[bytes], *, labels: str | None = "nb") -> None:
    with tempfile.TemporaryDirectory(prefix="samskaping-xlsx-") as scratch, force_locale(labels or "en"):
        book = _Workbook(out, {**OPTIONS, "tmpdir": scratch})
        try:
            styles = _styles(book)
            written = {table: _write_table(book, snapshot, table, labels, styles) for table in CSV_TABLES}
            write_about(book, snapshot, written, labels=labels, styles=styles)
        except BaseException:
            with suppress(Exception):  # its temporary files closed (Windows deletes no open file); the error is ours
                book.close()
            raise
        book.close()


def _styles(book: Workbook) -> dict:
    top = {"valign": "top"}
    return {"head": book.add_format({"bold": True, "valign": "top", "text_wrap": True, "bottom": 1}),
            "text": book.add_format(top), "long": book.add_format({**top, "text_wrap": True}),
            "id": book.add_format(top), "number": book.add_format(top),
            "date": book.add_format({**top, "num_format": DATE_FORMAT}),
            "moment": book.add_format({**top, "num_format": DATETIME_FORMAT}),
            "bold": book.add_format({"bold": True})}


def _kind(key: str) -> str:
    if key in DATE_KEYS:
        return "date"
    if key in MOMENT_KEYS:
        return "moment"
    if key in LONG_TEXT_KEYS:
        return "long"
    if key == "id" or key.endswith("_id") or key.endswith("_ids"):
        return "id"
    return "number" if key == "value" else "text"


def _write_table(book: Workbook, snapshot: Snapshot, table: str, labels: str | None, styles: dict) -> dict:
    """One sheet: a frozen, filterable heading row, then a row per record. Returns its name, rows and cut texts."""
    plan = columns(table, snapshot.names)
    sheet = book.add_worksheet(str(SHEET_NAMES[table]) if labels else table, worksheet_class=StreamedSheet)
    kinds = [_kind(column[0]) for column in plan]
    headings = [str(column[1]) if labels else column[0] for column in plan]
    for index, (kind, heading) in enumerate(zip(kinds, headings)):
        width = WIDTHS[kind] if kind != "text" else min(max(WIDTHS["text"], len(heading) + 4), 40)
        sheet.set_column(index, index, max(width, min(len(heading) + 4, 30)), styles[kind])
    sheet.freeze_panes(1, 0)
    rows, cut, left_out = sheet.write_table(headings, _rows(snapshot, table, plan, kinds, labels),
                                            [styles[kind] for kind in kinds], styles["head"])
    sheet.autofilter(0, 0, rows, len(plan) - 1)
    return {"name": sheet.get_name(), "rows": rows, "cut": cut, "left_out": left_out}


def _rows(snapshot: Snapshot, table: str, plan: list[tuple], kinds: list[str], labels: str | None) -> Iterator[list]:
    """The table's rows as the CSV has them, with coded values in words (if `labels`) and days and times as
    Excel's numbers (their columns show them as dates)."""
    keys = [getattr(column[2], "key", None) for column in plan]
    computed = [(index, column[2]) for index, column in enumerate(plan) if keys[index] is None]
    coded = [(index, {code: str(label) for code, label in column[3].items()})
             for index, column in enumerate(plan) if labels and len(column) > 3]
    dated = [(index, kinds[index] == "moment") for index, kind in enumerate(kinds) if kind in ("date", "moment")]
    if table == "answers":
        records = ((json.loads(line), None) for line in snapshot.lines("csv:answers"))
    else:
        records = snapshot.records(table)
    for record, extra in records:
        row = list(record) if table == "answers" else list(map(record.get, keys))
        for index, get in computed:
            row[index] = get(record, extra)
        for index, mapping in coded:
            row[index] = mapping.get(row[index], row[index])
        for index, is_moment in dated:
            value = row[index]
            if value.__class__ is str:
                row[index] = moment_number(value) if is_moment or len(value) > 10 else day_number(value)
        yield row
