"""The meeting form's follow-up of open responsibilities, drawn cheaply.

A meeting follows up the open responsibilities of its school. The page carries every school's open ones
once, as compact data (`followup_data`, a JSON block the phone draws rows from when another school is
chosen, with or without a network), and the server draws only the chosen school's rows (`followup_rows`), so
the form works without JavaScript; the day page's meeting screen, which needs JavaScript anyway, gets data only.
The rows are drawn by a plain macro (templates/meetings/_followups.html), not by a WTForms field per row: a
school year has hundreds of open ones. The names posted are the
FollowupRow fields' own (`followups-N-responsibility`, `-status`, `-comment`), so MeetingForm reads them.
"""
from __future__ import annotations

import json
from itertools import groupby

from flask import url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup, escape

from ..web.i18n import format_day
from ..web.lookups import (
    kept_while_unchanged,
    open_responsibilities,
    people_by_id,
    responsibilities_by_id,
    schools,
    status_labels,
)
from .meeting_forms import owner_choices

TEMPLATE_PREFIX = "followups-__INDEX__"  # where the phone puts a row's number (static/js/forms.js)
# One row, as the page's field macro draws a field (label, control, error slot). A format string, not a
# Jinja macro: a school may have a hundred rows or more, and each value is escaped here (draw_rows).
ROW = (
    '<li class="row-card"><input id="{p}-responsibility" name="{p}-responsibility" type="hidden" value="{id}">'
    '<p><strong data-slot="what">{what}</strong><br><span class="meta" data-slot="meta">{meta}</span></p>\n'
    '<div class="field{status_invalid}"><label for="{p}-status">{status_label}</label>\n'
    '<select aria-describedby="{p}-status-errors" id="{p}-status" name="{p}-status">{options}</select>\n'
    '<div class="errors" id="{p}-status-errors" aria-live="polite">{status_errors}</div></div>\n'
    '<div class="field{comment_invalid}"><label for="{p}-comment">{comment_label}</label>\n'
    '<textarea aria-describedby="{p}-comment-errors" id="{p}-comment" maxlength="2000" name="{p}-comment" rows="2">\n'
    '{comment}</textarea>\n'
    '<div class="errors" id="{p}-comment-errors" aria-live="polite">{comment_errors}</div></div>\n'
    '<div class="change-slot" data-change-slot>{change}</div></li>\n')
# What a row shows until the meeting changes the agreement: a link to the responsibility's own page (without
# JavaScript), which the phone turns into CHANGE's fields in place (static/js/followups.js, from a <template>).
CHANGE_LINK = '<a class="button" href="{href}" data-change-open>{label}</a>'
CHANGE = (
    '<fieldset class="change-fields"><legend>{label}</legend><p class="hint">{keep}</p>\n'
    '<div class="field{owner_invalid}"><label for="{p}-owner">{owner_label}</label>\n'
    '<select aria-describedby="{p}-owner-errors" id="{p}-owner" name="{p}-owner">{owners}</select>\n'
    '<div class="errors" id="{p}-owner-errors" aria-live="polite">{owner_errors}</div></div>\n'
    '<div class="field{due_invalid}"><label for="{p}-due">{due_label}</label>\n'
    '<input aria-describedby="{p}-due-errors" id="{p}-due" name="{p}-due" type="date" value="{due}">\n'
    '<div class="errors" id="{p}-due-errors" aria-live="polite">{due_errors}</div></div>\n'
    '<div class="field{what_invalid}"><label for="{p}-what">{what_label}</label>\n'
    '<input aria-describedby="{p}-what-errors" id="{p}-what" maxlength="500" name="{p}-what" type="text" value="{what}">\n'
    '<div class="errors" id="{p}-what-errors" aria-live="polite">{what_errors}</div></div>\n'
    '<div class="field{reason_invalid}"><label for="{p}-reason">{reason_label}</label>\n'
    '<input aria-describedby="{p}-reason-errors" id="{p}-reason" maxlength="1000" name="{p}-reason" type="text" value="{reason}">\n'
    '<div class="errors" id="{p}-reason-errors" aria-live="polite">{reason_errors}</div></div></fieldset>')
CHANGE_FIELDS = ("owner", "due", "what", "reason")


def day_formatter():
    """format_day for due dates, fast: the Norwegian dd.mm.yyyy cut from the ISO day itself (hundreds per
    page), another language's through Babel once per distinct day."""
    if str(get_locale()) == "nb":
        return lambda iso: f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}" if len(iso) == 10 else format_day(iso)
    seen: dict[str, str] = {}
    return lambda iso: seen[iso] if iso in seen else seen.setdefault(iso, format_day(iso))


def describer():
    """A function giving a responsibility's line under its wording: owner · due date (translated once)."""
    people = people_by_id()
    erased = _("Erased person")
    due = _("due %(date)s")  # without values: the pattern itself, filled in per row
    day = day_formatter()

    def describe(r: dict) -> str:
        owner = people.get(r.get("owner") or "")
        text = owner["name"] if owner else erased
        return f"{text} · {due % {'date': day(r['due'])}}" if r.get("due") else text
    return describe


def followup_data(drawn: str | None = None) -> Markup:
    """{school id: [[responsibility id, what, owner · due, status], …]} for every school but `drawn` (whose
    rows the page has drawn: the phone reads them from there), each by due date; as JSON for a single-quoted
    attribute: compact, and with <, >, & and ' written as JSON escapes, as Jinja's tojson does, so no text in
    it can end the attribute, make an element or an entity."""
    describe = describer()
    data = {school["id"]: [[r["id"], r.get("what", ""), describe(r), r.get("status", "")]
                           for r in open_responsibilities(school["id"])] for school in schools() if school["id"] != drawn}
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


def draw_rows(rows: list[dict]) -> Markup:
    """The rows' HTML, every value escaped. A row with "change" (values and errors sent back) shows the change
    fields; the others a link to the responsibility's page, which the phone turns into them."""
    labels = {"status_label": escape(_("Status")), "comment_label": escape(_("Comment"))}
    statuses = list(status_labels().items())
    options = {chosen: "".join(f'<option{" selected" if value == chosen else ""} value="{escape(value)}">'
                               f'{escape(label)}</option>' for value, label in statuses)
               for chosen in [*(value for value, _label in statuses), ""]}
    link = CHANGE_LINK.format(href=escape(url_for("responsibilities.index")) + "{id}",
                              label=escape(_("Change who, by when or what")))

    def change(row) -> str:
        return draw_change(row["prefix"], row["change"]) if row.get("change") else link.format(id=escape(row["id"]))

    return Markup("".join(ROW.format(
        p=escape(row["prefix"]), id=escape(row["id"]), what=escape(row["what"]), meta=escape(row["meta"]),
        options=options.get(row["status"]) or options[""], comment=escape(row["comment"]),
        status_invalid=" invalid" if row["status_errors"] else "", status_errors=errors(row["status_errors"]),
        comment_invalid=" invalid" if row["comment_errors"] else "", comment_errors=errors(row["comment_errors"]),
        change=change(row), **labels) for row in rows))


def errors(messages) -> str:
    return "".join(f"<p>{escape(message)}</p>" for message in messages)


def draw_change(prefix: str, change: dict) -> str:
    """A row's change fields with the values (and errors, under "errors") given; empty ones mean unchanged."""
    found = change.get("errors") or {}
    owner = change.get("owner") or ""
    owners = f'<option value="">{escape(_("Unchanged"))}</option>'
    for group, people in groupby(owner_choices(), key=lambda choice: choice.optgroup):
        owners += f'<optgroup label="{escape(group)}">' + "".join(
            f'<option{" selected" if choice.value == owner else ""} value="{escape(choice.value)}">{escape(choice.label)}</option>'
            for choice in people) + "</optgroup>"
    fields = {}
    for name in CHANGE_FIELDS:
        fields.update({name: escape(change.get(name) or ""), f"{name}_errors": errors(found.get(name, [])),
                       f"{name}_invalid": " invalid" if found.get(name) else ""})
    return CHANGE.format(p=escape(prefix), label=escape(_("Change who, by when or what")),
                         keep=escape(_("Leave a field empty to keep it as it is.")), owners=owners,
                         owner_label=escape(_("New person responsible")), due_label=escape(_("New due date")),
                         what_label=escape(_("New wording")), reason_label=escape(_("Why it changes")), **fields)


def followup_rows(form) -> list[dict]:
    """The rows the server draws: those the form was sent with (a refusal shows what she sent, with the
    reasons), else the chosen school's open responsibilities at their current status."""
    describe = describer()
    if len(form.followups):
        rows = []
        known = {r["id"]: r for r in open_responsibilities()}
        sent = [row.form.responsibility.data for row in form.followups]
        known.update(responsibilities_by_id(rid for rid in sent if rid not in known))
        for row in form.followups:
            r = known.get(row.form.responsibility.data)
            if r is None:
                continue  # not a responsibility (any more): nothing to follow up
            rows.append({"prefix": row.name, "id": r["id"], "what": r.get("what", ""), "meta": describe(r),
                         "status": row.form.status.data, "comment": row.form.comment.data or "",
                         "status_errors": row.form.status.errors, "comment_errors": row.form.comment.errors,
                         "change": sent_change(row.form)})
        return rows
    chosen = form.school.data or ""
    return [{"prefix": f"followups-{n}", "id": r["id"], "what": r.get("what", ""), "meta": describe(r),
             "status": r.get("status", ""), "comment": "", "status_errors": [], "comment_errors": []}
            for n, r in enumerate(open_responsibilities(chosen) if chosen else [])]


def sent_change(row) -> dict | None:
    """The change fields of a row sent back, as typed, with their errors; None when none was used."""
    typed = {name: row[name].raw_data[0] if row[name].raw_data else "" for name in CHANGE_FIELDS}
    found = {name: row[name].errors for name in CHANGE_FIELDS if row[name].errors}
    return {**typed, "errors": found} if any(typed.values()) or found else None


def followup_context(form) -> dict:
    """What templates/meetings/_followups.html needs: the rows drawn, a blank row for the phone to copy,
    and the other schools' open ones as data. A new meeting's are the same for every phone choosing the
    same school, so they are drawn once per school and language until the next write."""
    if len(form.followups):  # rows sent back (a refusal): drawn as sent; the data holds every school
        rows = followup_rows(form)
        return {"followup_rows": draw_rows(rows), "followup_count": len(rows), "followup_school": form.school.data or "",
                "followup_blank": blank_row(), "followup_change": blank_change(), "followup_data": followup_data()}
    school = form.school.data or ""
    drawn = kept_while_unchanged(f"followups:{school}", ("responsibilities", "people", "schools"),
                                 lambda: _school_context(form))
    return {**drawn, **blanks()}


def _school_context(form) -> dict:
    rows = followup_rows(form)
    return {"followup_rows": draw_rows(rows), "followup_count": len(rows), "followup_school": form.school.data or "",
            "followup_data": followup_data(form.school.data or None)}


def followup_context_as_data() -> dict:
    """The day page's meeting screen, which works only with JavaScript: no row drawn, every school's open ones
    as data, and the phone draws the chosen school's rows from it as it does when another school is chosen.
    Drawn rows would be most of the day page (a school's 130 open ones are 150 KB of HTML, every page load)."""
    return {"followup_rows": Markup(""), "followup_count": 0, "followup_school": "",
            "followup_data": kept_while_unchanged("followups:data", ("responsibilities", "people", "schools"), followup_data),
            **blanks()}


def blanks() -> dict:
    """The blank row and change fields the phone copies."""
    return {"followup_blank": blank_row(),
            "followup_change": kept_while_unchanged("followup_change", ("people",), blank_change)}


def blank_row() -> Markup:
    return draw_rows([{"prefix": TEMPLATE_PREFIX, "id": "", "what": "", "meta": "", "status": "", "comment": "",
                       "status_errors": [], "comment_errors": []}])


def blank_change() -> Markup:
    """The change fields the phone puts in a row when its link is tapped (names with __INDEX__)."""
    return Markup(draw_change(TEMPLATE_PREFIX, {}))
