"""What the CSV files need from other records, computed while the export's snapshot is taken (under the store's
lock, from the same moment): a row's one text from another record, and the barometer's anonymous answer rows."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from ...store.clock import local_day, utc_now
from ..barometer_stats import F_ORDER, MIN_GROUP, SIDE_ORDER, is_closed

if TYPE_CHECKING:
    from .export_filters import Rules


def extras_of(table: str, doc: dict, data: Mapping[str, Mapping[str, dict]]) -> str | None:
    """The one text a table's CSV shows from another record: a follow-up's responsibility, the
    responsibility a feedback is about, the date of the meeting that agreed a responsibility."""
    if table == "followups":
        return data.get("responsibilities", {}).get(doc.get("responsibility"), {}).get("what")
    if table == "feedback" and doc.get("about"):
        return data.get("responsibilities", {}).get(doc["about"], {}).get("what")
    if table == "responsibilities" and doc.get("meeting"):
        return data.get("meetings", {}).get(doc["meeting"], {}).get("date")
    return None


def answer_rows(data: Mapping[str, Mapping[str, dict]], rules: Rules) -> Iterator[list]:
    """The answers CSV's rows: one per answered statement, in the order of round, side, statement and value,
    so that no row order leads back to a person. As on the barometer's pages, only closed rounds are in it
    (an open round's rows, exported twice, would tell by their difference what the last person answered),
    and a round's answers from a side that fewer than MIN_GROUP people answered are left out. Counted per
    distinct row, so memory follows the number of rounds and statements, not of answers."""
    answers, statements, rounds = (data.get(name, {}) for name in ("answers", "statements", "rounds"))
    keep = rules.keeper("answers")
    moment = datetime.fromisoformat(utc_now())
    closed = {round_id for round_id, round_ in rounds.items() if is_closed(round_, moment)}
    answers = {key: answer for key, answer in answers.items() if answer.get("round") in closed}
    who: dict[tuple, set] = {}
    for answer in answers.values():
        who.setdefault((answer.get("round"), answer.get("side")), set()).add(answer.get("person") or answer.get("id"))
    tally: dict[tuple, int] = {}
    for answer in answers.values():
        group = (answer.get("round"), answer.get("side"))
        if len(who[group]) < MIN_GROUP or (keep is not None and not keep(answer)):
            continue
        values = answer.get("values")
        pairs = values.items() if isinstance(values, dict) else [(answer.get("statement"), answer.get("value"))]
        for statement_id, value in pairs:
            key = (*group, statement_id, value if isinstance(value, (int, float, str)) or value is None else str(value))
            tally[key] = tally.get(key, 0) + 1
    rows = []
    for (round_id, side, statement_id, value), count in tally.items():
        round_, statement = rounds.get(round_id, {}), statements.get(statement_id, {})
        day = _local_day(rules.round_day(round_))
        order = (day or "", round_.get("title") or "", round_id or "", _index(SIDE_ORDER, side),
                 _index(F_ORDER, statement.get("f")), statement.get("position", 0), statement_id or "", str(value))
        rows.append((order, count, [round_id, round_.get("title") or round_.get("name"), day, side, statement_id,
                                    statement.get("f"), statement.get("text"), value]))
    rows.sort(key=lambda item: item[0])
    for _order, count, row in rows:
        for _ in range(count):
            yield row


def _index(order: tuple, value: object) -> int:
    return order.index(value) if value in order else len(order)


def _local_day(value: str | None) -> str | None:
    """A stored UTC timestamp as the local calendar day; a plain day as it is."""
    if not value or len(value) <= 10:
        return value
    try:
        return local_day(datetime.fromisoformat(value)).isoformat()
    except ValueError:
        return value[:10]
