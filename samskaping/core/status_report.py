"""The status report's numbers for a period and one school or all: pure functions over plain records (no Flask).

Which records belong to the period and the school is the export's rule (core/exchange/export_filters.py), so
the report and an export with the same filters count the same records: meetings by their date,
responsibilities by the date of the meeting that agreed them, feedback by the day it was written, barometer
rounds by the day they opened. What is counted is the dashboard's own arithmetic (core/dashboard_stats.py,
core/deadlines.py) and the barometer's own rules (core/barometer_stats.py: closed rounds only, a side shown
only with at least three answers); nothing here decides those again.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from . import barometer_stats, dashboard_stats
from .deadlines import due_day, is_overdue
from .exchange.export_filters import Filters, Rules

DECISION_CHARS = 300   # a meeting's decisions as quoted in the report: the start of them
ITEM_CHARS = 140       # an agreed responsibility's wording in the report


def half_year(today: date) -> tuple[date, date]:
    """The calendar half-year holding `today`: 1 January to 30 June, or 1 July to 31 December (the school
    year's spring and autumn terms each fall in one)."""
    if today.month <= 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year, 7, 1), date(today.year, 12, 31)


def in_period(data: Mapping[str, Mapping[str, dict]], filters: Filters, table: str) -> list[dict]:
    """The table's records that an export with these filters would hold."""
    keep = Rules(data, filters).keeper(table)
    return [doc for doc in data.get(table, {}).values() if keep is None or keep(doc)]


def of_school(people: list[dict], school: str | None) -> list[dict]:
    """The people a school's report speaks of: those of the school and those tied to none (the export's rule)."""
    return people if school is None else [p for p in people if p.get("school") in (None, "", school)]


def commitment(responsibilities: list[dict], latest_done: dict[str, str], today: date,
               sides: list[str]) -> dict[str, dict]:
    """Per side: agreed, done, open, overdue (today), dropped, and of the done ones with a due date how many
    were done by it (`on_time` of `with_due`, `share` or None)."""
    progress = dashboard_stats.progress_by_side(responsibilities, sides)
    result = {}
    for side in sides:
        counts = progress[side]
        mine = [r for r in responsibilities if r.get("side") == side]
        done_with_due = [r for r in mine if r.get("status") == "done" and due_day(r) is not None]
        on_time = [r for r in done_with_due
                   if (dashboard_stats.done_on(r, latest_done) or date.max) <= due_day(r)]
        result[side] = {
            "agreed": sum(counts.values()), "done": counts["done"], "dropped": counts["dropped"],
            "open": counts["not_started"] + counts["in_progress"],
            "overdue": sum(1 for r in mine if is_overdue(r, today)),
            "on_time": len(on_time), "with_due": len(done_with_due),
            "share": len(on_time) / len(done_with_due) if done_with_due else None,
            "statuses": counts,
        }
    return result


def feedback_by_side(feedback: list[dict], people: Mapping[str, dict], listed: list[dict],
                     sides: list[str]) -> dict[str, dict]:
    """Per side, counts only (feedback is personal data): how many of its active people gave feedback and how
    many received some in the period, how many feedbacks they gave and received, and who received none."""
    result = {}
    for side in sides:
        active = [p for p in listed if p.get("side") == side and p.get("active", True)]
        given = [f for f in feedback if people.get(f.get("author"), {}).get("side") == side]
        received = [f for f in feedback if people.get(f.get("to"), {}).get("side") == side]
        receivers = {f["to"] for f in received}
        result[side] = {
            "people": len(active), "givers": len({f["author"] for f in given}), "receivers": len(receivers),
            "given": len(given), "received": len(received),
            "without": sum(1 for p in active if p["id"] not in receivers),
        }
    return result


def shortened(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def decisions_by_school(meetings: list[dict], responsibilities: list[dict],
                        schools: list[dict]) -> list[dict]:
    """Per school (in the order given, those with none left out): its meetings of the period that decided or
    agreed something, oldest first, each with its decisions (shortened) and what it agreed."""
    agreed: dict[str, list[dict]] = {}
    for r in responsibilities:
        agreed.setdefault(r.get("meeting"), []).append(
            {"what": shortened(r.get("what"), ITEM_CHARS), "side": r.get("side"), "due": r.get("due"),
             "status": r.get("status")})
    found = []
    for school in schools:
        rows = []
        for m in sorted((m for m in meetings if m.get("school") == school["id"]),
                        key=lambda m: (m.get("date") or "", m.get("created_at") or "")):
            items = sorted(agreed.get(m["id"], []), key=lambda r: (r["due"] or "9999", r["what"].lower()))
            if (m.get("decisions") or "").strip() or items:
                rows.append({"date": m.get("date"), "type": m.get("type"),
                             "decisions": shortened(m.get("decisions"), DECISION_CHARS), "agreed": items})
        if rows:
            found.append({"school": school, "meetings": rows})
    return found


def barometer(rounds: list[dict], answers: list[dict], statements: dict[str, dict], at: datetime) -> dict:
    """The period's rounds as the dashboard shows them (barometer_stats.trend: closed rounds only, each side
    shown only with enough answers), plus per F and side the change from the first shown mean to the last."""
    history = barometer_stats.trend(rounds, answers, statements, at)
    changes = {}
    for f, by_side in history["series"].items():
        changes[f] = {}
        for side, means in by_side.items():
            shown = [m for m in means if m is not None]
            changes[f][side] = shown[-1] - shown[0] if len(shown) > 1 else None
    return {**history, "changes": changes}


def acceptance_for_school(groups: list[dict], school: str | None) -> list[dict]:
    """The charter's acceptance per side (charter.acceptance_by_side) counting only the school's people."""
    if school is None:
        return groups
    result = []
    for group in groups:
        rows = [row for row in group["rows"] if row["person"].get("school") in (None, "", school)]
        result.append({**group, "rows": rows, "total": len(rows), "accepted": sum(row["current"] for row in rows),
                       "missing": [row["person"]["name"] for row in rows if not row["current"]]})
    return result
