"""Small server-drawn SVG charts: no script, no style attributes, readable at 360 px, in print and in grayscale."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup

WIDTH = 320          # viewBox units: about 1 unit = 1 px in a phone's column; scales up on wider screens and paper
LABEL_SIZE = 13
ROW = 46             # a label line above each bar
BAR = 18
NUMBER_ROOM = 34     # room after the longest bar for its number
LABEL_CHARS = 42
INK = "#1d2430"

# Series look different in grayscale too: light solid, stripes, dark solid, dots (then round again).
STYLES = (
    ("#c9ced6", None),
    ("#f0b400", '<path d="M0 6 L6 0" stroke="#6b4600" stroke-width="2"/>'),
    ("#1e7a3c", None),
    ("#fff", '<circle cx="3" cy="3" r="1.4" fill="#a4262c"/>'),
)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(chart_id: str, height: int, title: str, desc: str) -> Markup:
    return Markup('<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="{w}" '
                  'height="{h}" role="img" aria-labelledby="{i}-title {i}-desc" font-size="{s}">'
                  '<title id="{i}-title">{t}</title><desc id="{i}-desc">{d}</desc>').format(
        w=WIDTH, h=height, i=chart_id, s=LABEL_SIZE, t=title, d=desc)


def _number(x: float, y: float, value: int | str, anchor: str = "start") -> Markup:
    # A white halo keeps the number readable on any fill, stripes and dots included.
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}" fill="{}" stroke="#fff" stroke-width="3" '
                  'paint-order="stroke" font-weight="700">{}</text>').format(x, y, anchor, INK, value)


def _label(y: float, text: str) -> Markup:
    return Markup('<text x="0" y="{:.1f}" fill="{}">{}</text>').format(y, INK, _short(text))


def bar_chart(rows: Sequence[tuple[str, int]], *, chart_id: str, title: str, desc: str) -> Markup:
    """Horizontal bars, one per (label, value), the label above its bar and the number after it."""
    top = max([value for _, value in rows] + [1])
    height = max(len(rows), 1) * ROW
    parts = [_open(chart_id, height, title, desc)]
    for index, (label, value) in enumerate(rows):
        y = index * ROW
        length = (WIDTH - NUMBER_ROOM) * value / top
        parts.append(_label(y + 15, label))
        parts.append(Markup('<rect x="0" y="{}" width="{:.1f}" height="{}" rx="2" fill="#0b5cab"/>').format(
            y + 21, length, BAR))
        parts.append(_number(length + 5, y + 21 + BAR - 4, value))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _patterns(chart_id: str, count: int) -> Markup:
    defs = []
    for index in range(count):
        fill, mark = STYLES[index % len(STYLES)]
        defs.append(Markup('<pattern id="{}-p{}" width="6" height="6" patternUnits="userSpaceOnUse">'
                           '<rect width="6" height="6" fill="{}"/>{}</pattern>').format(
            chart_id, index, fill, Markup(mark or "")))
    return Markup("<defs>{}</defs>").format(Markup("").join(defs))


def stacked_bar_chart(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, chart_id: str,
                      title: str, desc: str) -> Markup:
    """One bar per (label, values), split into the series in order, on a common scale; each part carries
    its number and its own pattern; a legend below names the series."""
    top = max([sum(values) for _, values in rows] + [1])
    legend_rows = (len(series) + 1) // 2
    bars_height = max(len(rows), 1) * (ROW + 4)
    height = bars_height + legend_rows * 24 + 8
    parts = [_open(chart_id, height, title, desc), _patterns(chart_id, len(series))]
    for index, (label, values) in enumerate(rows):
        y = index * (ROW + 4)
        parts.append(_label(y + 15, label))
        x = 0.0
        for part, value in enumerate(values):
            length = (WIDTH - NUMBER_ROOM) * value / top
            if value:
                parts.append(Markup('<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="url(#{}-p{})" '
                                    'stroke="{}" stroke-width="0.75"/>').format(
                    x, y + 21, length, BAR + 4, chart_id, part, INK))
                if length >= 16:
                    parts.append(_number(x + length / 2, y + 21 + BAR, value, anchor="middle"))
            x += length
        parts.append(_number(x + 5, y + 21 + BAR, sum(values)))
    for index, name in enumerate(series):
        x, y = (index % 2) * (WIDTH / 2), bars_height + 8 + (index // 2) * 24
        parts.append(Markup('<rect x="{}" y="{}" width="16" height="16" fill="url(#{}-p{})" stroke="{}" '
                            'stroke-width="0.75"/><text x="{}" y="{}" fill="{}">{}</text>').format(
            x, y, chart_id, index, INK, x + 22, y + 13, INK, _short(name, 22)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def data_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]], *,
               hidden: bool = True) -> Markup:
    """The chart's numbers as a table: its text equivalent (visually hidden unless asked otherwise)."""
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in headers)
    body = Markup("").join(
        Markup("<tr><th scope=\"row\">{}</th>{}</tr>").format(
            row[0], Markup("").join(Markup("<td>{}</td>").format(cell) for cell in row[1:]))
        for row in rows)
    table = Markup('<table class="data"><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(
        caption, head, body)
    # Hidden by a wrapper: a table itself ignores the 1 px box and would widen the page.
    return Markup('<div class="visually-hidden">{}</div>').format(table) if hidden else table


def paired_scale_chart(rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[str], *, chart_id: str,
                       title: str, desc: str, missing: str, number: Callable[[float], str] = "{:.1f}".format,
                       low: int = 1, high: int = 5) -> Markup:
    """Per (label, values), one bar per series on the scale low..high, each in its series' pattern (grayscale
    safe) with its value written after it; a value None (hidden) is a dashed empty box saying `missing`."""
    per_row = 24 + len(series) * (BAR + 4)
    legend_y = max(len(rows), 1) * per_row + 6
    height = legend_y + ((len(series) + 1) // 2) * 24 + 4
    parts = [_open(chart_id, height, title, desc), _patterns(chart_id, len(series))]
    room = WIDTH - NUMBER_ROOM
    for index, (label, values) in enumerate(rows):
        y = index * per_row
        parts.append(_label(y + 15, label))
        for part, value in enumerate(values):
            by = y + 21 + part * (BAR + 4)
            if value is None:
                parts.append(Markup('<rect x="0" y="{}" width="{}" height="{}" fill="#fff" stroke="{}" '
                                    'stroke-width="0.75" stroke-dasharray="4 3"/>').format(by, room, BAR, INK))
                parts.append(Markup('<text x="6" y="{}" fill="{}" font-size="11">{}: {}</text>').format(
                    by + BAR - 5, INK, _short(series[part], 22), missing))
                continue
            length = max(room * (value - low) / (high - low), 2)
            parts.append(Markup('<rect x="0" y="{}" width="{:.1f}" height="{}" fill="url(#{}-p{})" stroke="{}" '
                                'stroke-width="0.75"/>').format(by, length, BAR, chart_id, part, INK))
            parts.append(_number(length + 5, by + BAR - 4, number(value)))
    for index, name in enumerate(series):
        x, y = (index % 2) * (WIDTH / 2), legend_y + (index // 2) * 24
        parts.append(Markup('<rect x="{}" y="{}" width="16" height="16" fill="url(#{}-p{})" stroke="{}" '
                            'stroke-width="0.75"/><text x="{}" y="{}" fill="{}">{}</text>').format(
            x, y, chart_id, index, INK, x + 22, y + 13, INK, _short(name, 22)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
