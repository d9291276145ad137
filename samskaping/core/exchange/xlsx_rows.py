"""A worksheet that writes a whole table's rows as XML itself, as XlsxWriter would, in a third of the time.

XlsxWriter's cell API costs about 15 µs a cell (a decorator, a cell tuple, a dict per row, an attribute list and
three regular expressions per text), which puts a 50k-record workbook at 6× the time of the CSV export. This
subclass (XlsxWriter's add_worksheet takes a worksheet_class for that) writes the same `<row>`/`<c>` XML into
the row file of constant_memory mode, a few hundred rows at a time, and leaves everything else to XlsxWriter:
the sheet around the rows, styles, the package. It leans on three of XlsxWriter's internals (the row file `fh`,
_get_xf_index, _check_dimensions), which is why the version is pinned and tests/test_export_xlsx.py compares the
sheet it makes with the one XlsxWriter's own cell API makes, byte for byte. Cells are written exactly as
XlsxWriter writes them: inline strings with its escapes (control characters as _xHHHH_, a literal _xHHHH_ as
_x005F_xHHHH_, xml:space="preserve" for outer white space), numbers as {:.16G}. Only texts, numbers and booleans
are written: never a formula, and never raw markup.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

MAX_ROWS = 1_048_576  # Excel's limit per sheet, the heading row included
MAX_TEXT = 32_767  # UTF-16 units in one cell
# Anything that needs more than writing the text as it is: XML's three, what XlsxWriter escapes, outer white space.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")  # with "_x" in it, or white space at either end
_ESCAPE_ITSELF = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LEADING, _TRAILING = re.compile(r"^\s"), re.compile(r"\s$")


class StreamedSheet(Worksheet):
    """A worksheet (in constant_memory mode) whose table is written by write_table."""

    def write_table(self, headings: Sequence[str], rows: Iterable[list], formats: Sequence[Format],
                    heading_format: Format) -> tuple[int, int, int]:
        """The heading row, then a row per list of values (str, int, float, bool or None; days and times as Excel's
        numbers, see xlsx_cells.py), each cell in its column's format. Returns the data rows written, the texts cut
        to a cell's limit, and the rows left out beyond a sheet's limit."""
        assert self.constant_memory and self.previous_row == 0 and not self.table, "only onto a new sheet"
        # Each cell is its column's pieces around the row number and the value: '<c r="B' 12 '" s="2"><v>' 46000 ...
        opens = [f'<c r="{xl_col_to_name(index)}' for index in range(len(headings))]
        head = f'" s="{heading_format._get_xf_index()}" t="inlineStr"><is>'  # first: XlsxWriter numbers formats in use
        styles = [f'" s="{form._get_xf_index()}"' for form in formats]
        texts = [f'{style} t="inlineStr"><is>' for style in styles]
        plain = [f"{text}<t>" for text in texts]
        numbers = [f"{style}><v>" for style in styles]
        write, cut, special = self.fh.write, 0, _SPECIAL.search
        write('<row r="1">' + "".join(f"{start}1{head}{_inline(text(heading))}</is></c>"
                                      for start, heading in zip(opens, headings)) + "</row>")
        number, rows, left_out, lines = 1, iter(rows), 0, []
        for values in rows:
            if number == MAX_ROWS:
                left_out = 1 + sum(1 for _ in rows)
                break
            number += 1
            row = str(number)
            cells = [f'<row r="{row}">']
            add = cells.append
            for index, value in enumerate(values):
                kind = value.__class__
                if kind is str:
                    if not value:
                        continue
                    if len(value) > MAX_TEXT // 2 and _utf16_length(value) > MAX_TEXT:
                        value, cut = _utf16_truncate(value), cut + 1
                    if special(value) or "_x" in value or value[0].isspace() or value[-1].isspace():
                        add(opens[index] + row + texts[index] + _inline(value) + "</is></c>")
                    else:
                        add(opens[index] + row + plain[index] + value + "</t></is></c>")
                elif value is None:
                    continue
                elif kind is bool:
                    add(f'{opens[index]}{row}{styles[index]} t="b"><v>{int(value)}</v></c>')
                elif (kind is int or kind is float) and math.isfinite(value) and abs(value) < 1e15:
                    add(f"{opens[index]}{row}{numbers[index]}{value:.16G}</v></c>")
                else:  # a number Excel would round (or no number at all), and any other value: as text
                    add(opens[index] + row + texts[index] + _inline(str(value)) + "</is></c>")
            add("</row>")
            lines.append("".join(cells))
            if len(lines) == 256:
                _write(write, lines)
        _write(write, lines)
        # XlsxWriter's own bookkeeping, as its cell API would leave it: the sheet's extent (<dimension>).
        self._check_dimensions(0, 0)
        self._check_dimensions(number - 1, len(headings) - 1)
        return number - 1, cut, left_out


def _write(write, lines: list[str]) -> None:
    """The rows so far into XlsxWriter's row file (UTF-8), a few hundred at a time; then the list is emptied."""
    text = "".join(lines)
    try:
        write(text)
    except UnicodeEncodeError:  # a lone surrogate (only imported JSON can hold one): "?", as in the CSV
        write(text.encode("utf-8", "replace").decode("utf-8"))
    lines.clear()


def text(value: str) -> str:
    """A heading or any text as it must be for _inline (no lone surrogates)."""
    return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value


def _inline(value: str) -> str:
    """<t>…</t> for a text, escaped as XlsxWriter escapes an inline string."""
    value = _ESCAPE_ITSELF.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if _LEADING.search(value) or _TRAILING.search(value) else ""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{preserve}>{value}</t>"


def _utf16_length(value: str) -> int:
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_truncate(value: str) -> str:
    """The longest start of the text that fits a cell, never splitting a character above U+FFFF."""
    length = 0
    for index, char in enumerate(value):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > MAX_TEXT:
            return value[:index]
    return value
