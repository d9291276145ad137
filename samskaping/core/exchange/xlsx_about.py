"""The workbook's last sheet, "Om eksporten": when it was made, the filters, the sheets and what every column means."""
from __future__ import annotations

from xml.sax.saxutils import escape

from flask_babel import lazy_gettext as _l
from xlsxwriter import Workbook

from ..barometer_stats import MIN_GROUP
from ..vocabulary import SIDES
from .export import Snapshot
from .export_csv import columns
from .xlsx_cells import day_number, moment_number

SHEET_NAMES = {"meetings": _l("Meetings"), "responsibilities": _l("Responsibilities"), "followups": _l("Follow-ups"),
               "feedback": _l("Feedback"), "answers": _l("Barometer answers (anonymous)"), "people": _l("People"),
               "schools": _l("Schools")}

# What a column means, by its key; a few keys mean something of their own in one table.
MEANINGS = {
    "id": _l("The record's id (a UUID)."),
    "date": _l("The day of the meeting."),
    "school_id": _l("The school's id."), "school": _l("The school's name."),
    "type": _l("Type of meeting."),
    "attendee_ids": _l("The ids of those who attended."), "attendees": _l("The names of those who attended."),
    "guests": _l("Other attendees (guests), as written."),
    "agenda": _l("Agenda."), "notes": _l("Notes from the meeting."), "decisions": _l("Decisions."),
    "author_id": _l("The id of the person who wrote it."), "author": _l("The name of the person who wrote it."),
    "created_at": _l("When the record was made (Norwegian time)."),
    "updated_at": _l("When the record was last changed (Norwegian time)."),
    "what": _l("What is to be done."),
    "owner_id": _l("The id of the person responsible."), "owner": _l("The name of the person responsible."),
    "side": _l("Organisation: the municipality or the social entrepreneur."),
    "due": _l("Due date."),
    "status": _l("Status: not started, in progress, done or dropped."),
    "meeting_id": _l("The id of the meeting where it was agreed."),
    "meeting_date": _l("The day of that meeting."),
    "responsibility_id": _l("The id of the responsibility followed up."),
    "responsibility": _l("What that responsibility is (its text)."),
    "previous_status": _l("The status before this follow-up."),
    "comment": _l("Comment."),
    "to_id": _l("The recipient's id."), "to": _l("The recipient's name."),
    "from_id": _l("The sender's id."), "from": _l("The sender's name."),
    "about_id": _l("The id of the responsibility it is about (empty if none)."),
    "about": _l("What that responsibility is (its text)."),
    "worked": _l("What worked well."), "improve": _l("What could be better."),
    "seen_at": _l("When the recipient first opened it (empty if not yet)."),
    "name": _l("Name."), "role": _l("Role."),
    "active": _l("Whether the person has access (no: access was withdrawn)."),
    "round_id": _l("The round's id."), "round": _l("The round's name."),
    "round_date": _l("The day the round was opened."),
    "statement_id": _l("The statement's id."),
    "f": _l("Which F: understanding, anchoring or commitment."),
    "statement": _l("The statement."),
    "value": _l("The answer, from 1 (strongly disagree) to 5 (strongly agree)."),
}
OWN_MEANINGS = {
    ("followups", "status"): _l("The new status."),
    ("followups", "meeting_id"): _l("The id of the meeting where it was followed up (empty outside a meeting)."),
    ("people", "school_id"): _l("The school's id (empty: several schools)."),
}


def meaning(table: str, key: str) -> str:
    return str(OWN_MEANINGS.get((table, key)) or MEANINGS[key])


def write_about(book: Workbook, snapshot: Snapshot, written: dict[str, dict], *, labels: str | None,
                styles: dict) -> None:
    """The sheet, in the language of the export (English for keys); the caller has set that locale."""
    sheet = book.add_worksheet(str(_l("About the export")) if labels else "about")
    sheet.set_column(0, 0, 26, styles["text"])
    sheet.set_column(1, 1, 30, styles["text"])
    sheet.set_column(2, 2, 22, styles["text"])
    sheet.set_column(3, 3, 70, styles["long"])
    bold = styles["bold"]
    lines: list[tuple] = [(str(_l("Export from Samskaping")),)]
    filters, names = snapshot.header["filters"], snapshot.names
    made = moment_number(snapshot.header["exported_at"])
    everything = str(_l("(all)"))
    lines += [
        (str(_l("Made (Norwegian time)")), made),
        (str(_l("Installation")), snapshot.header.get("installation") or ""),
        (str(_l("From date")), day_number(filters["from"]) if filters["from"] else everything),
        (str(_l("To date (included)")), day_number(filters["to"]) if filters["to"] else everything),
        (str(_l("School")), names.get("schools", {}).get(filters["school"], filters["school"]) if filters["school"]
         else str(_l("All schools"))),
        (str(_l("Organisation")), str(SIDES.get(filters["side"], filters["side"])) if filters["side"] else str(_l("Both"))),
        (),
        (str(_l("Dates are real dates and times are Norwegian local time, shown dd.mm.yyyy.")),),
        (str(_l("No cell is a formula: every text is written as text, with nothing added in front.")),),
        (str(_l("The barometer's sheet has no names, answer ids or times. Only closed rounds are in it, and a "
                "side's answers in a round that fewer than %(count)s people answered are left out.", count=MIN_GROUP)),),
    ]
    cut = sum(sheet_["cut"] for sheet_ in written.values())
    if cut:
        lines.append((str(_l("%(count)s texts were longer than a cell can hold (32,767 characters) and are cut short; "
                             "the CSV and JSON exports have them whole.", count=cut)),))
    left_out = sum(sheet_["left_out"] for sheet_ in written.values())
    if left_out:
        lines.append((str(_l("%(count)s rows did not fit in their sheet (a sheet holds 1,048,576) and are left out; "
                             "the CSV export has them.", count=left_out)),))
    headings = {0, len(lines) + 1}
    lines += [(), (str(_l("Sheet")), str(_l("Rows")))]
    lines += [(sheet_["name"], sheet_["rows"]) for sheet_ in written.values()]
    headings.add(len(lines) + 1)
    lines += [(), (str(_l("Sheet")), str(_l("Column")), str(_l("Key")), str(_l("Meaning")))]
    for table, sheet_ in written.items():
        for column in columns(table, names):
            lines.append((sheet_["name"], str(column[1]) if labels else column[0], column[0], meaning(table, column[0])))
    for row, line in enumerate(lines):
        for col, value in enumerate(line):
            if value.__class__ is str:
                sheet.write_string(row, col, _text(value), bold if row in headings else None)
            elif value.__class__ is int:
                sheet.write_number(row, col, value, bold if row in headings else None)
            else:  # the time it was made, a filter's day
                sheet.write_number(row, col, value, styles["moment" if row == 1 else "date"])


def _text(value: str) -> str:
    """A text as XlsxWriter's write_string must get it to write it as that text (a school's name, a heading). No
    lone surrogates (the file is UTF-8); and in constant_memory mode XlsxWriter writes a text that starts with
    "<r>" and ends with "</r>" as raw XML (its rich strings), so such a text is wrapped in a rich run of its own,
    escaped: shown as typed, never read as markup."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    if value.startswith("<r>") and value.endswith("</r>"):
        value = f'<r><t xml:space="preserve">{escape(value)}</t></r>'
    return value
