"""The 3F barometer's arithmetic over plain dicts: means per F and side, the gap, trends, response rates.

No Flask here. The inputs are records as the store keeps them:
  statement {id, f, text, position, active}
  round     {id, title, status, created_at, statement_ids: [...], invited: [{id, side}]}
  answer    {id, round, person, side, values: {statement_id: 1..5}, comment}; person is None once the one
            who answered a closed round was erased (the answer still counts, unlinked)

Anonymity is decided here, once:
  * a round's numbers and comments are shown only once it is closed (by the leader, or when its last day
    has ended). While it is open, results that changed with every answer would tell, by comparing them
    before and after, what the last person answered; so an open round shows only how many answered.
  * a closed round takes no answer at all, not even a phone's late delivery of one given while it was
    open: that too would change published results by exactly one person. The server's clock decides.
  * a side's (organisation's) numbers and comments are shown only when at least MIN_GROUP people on that
    side answered, and the gap between the sides only when both are shown.
Whatever is hidden is None (or empty) in the results, so no page can show it by mistake.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from statistics import fmean

from ..store.clock import LOCAL_ZONE

F_ORDER = ("forstaelse", "forankring", "forpliktelse")
SIDE_ORDER = ("kommune", "entreprenor")
MIN_GROUP = 3
SCALE = range(1, 6)  # 1 = strongly disagree ... 5 = strongly agree

# Deterministic ids: every laptop creates the same defaults, so they are never doubled, not even by a merge.
DEFAULTS_NAMESPACE = uuid.UUID("5b0d3f0e-3f1a-4c52-9d8e-7a3b2c1f0e11")

# Written from the study's own descriptions of the three F's (Skaun kommune and MOT, 2018/19).
DEFAULT_STATEMENTS = {
    "forstaelse": (
        "Jeg vet hva som er målet med samarbeidet mellom kommunen og den sosiale entreprenøren.",
        "Jeg vet hva min organisasjon skal bidra med, og hva den andre parten skal bidra med.",
        "Jeg vet hvem som har ansvar for hva i samarbeidet.",
        "Jeg vet hva vi kan forvente av den andre parten, og hva de kan forvente av oss.",
    ),
    "forankring": (
        "Jeg er enig i det overordnede målet med samarbeidet.",
        "Jeg mener det er nødvendig å gjøre de endringene samarbeidet fører med seg.",
        "Jeg har fått nok tid til å forstå hva samarbeidet betyr for min egen arbeidshverdag.",
        "Jeg har tillit til at lederne har kompetanse og gode intensjoner med samarbeidet.",
    ),
    "forpliktelse": (
        "Jeg har en tydelig rolle og et tydelig ansvar i det vi har planlagt.",
        "Planer og tiltak vi blir enige om, blir fulgt opp.",
        "Jeg får tilbakemelding på arbeidet jeg har gjort.",
        "Både kommunen og entreprenøren har faste rutiner for oppfølging og tilbakemelding.",
    ),
}


def default_statements() -> list[dict]:
    """The default set as statement fields, each with its fixed id."""
    return [{"id": str(uuid.uuid5(DEFAULTS_NAMESPACE, f"{f}/{n}")), "f": f, "text": text, "position": n, "active": True}
            for f, texts in DEFAULT_STATEMENTS.items() for n, text in enumerate(texts, start=1)]


def answer_id(round_id: str, person_id: str) -> str:
    """One answer per person per round, whichever phone sends it and however often."""
    return str(uuid.uuid5(uuid.UUID(round_id), person_id))


def closes_at(round_: dict) -> datetime | None:
    """When the round stops taking answers: closed by the leader, or at the end of its last day."""
    ends = []
    if round_.get("closed_at"):
        ends.append(datetime.fromisoformat(round_["closed_at"]))
    if round_.get("closes_on"):
        # The end of the last day in Norway, where the project runs (not in UTC: that is an hour or two later).
        ends.append(datetime.combine(date.fromisoformat(round_["closes_on"]) + timedelta(days=1), time(),
                                     tzinfo=LOCAL_ZONE))
    return min(ends, default=None)


def accepts_answers(round_: dict, at: datetime) -> bool:
    """Open at `at` (the server's clock, never a phone's): an open round before its last day ends.
    A closed round takes nothing more, whenever the answer was filled in."""
    if round_.get("status") != "open":
        return False
    end = closes_at(round_)
    return end is None or at < end


def is_closed(round_: dict, at: datetime) -> bool:
    """Closed at `at`: its answers are final, so its results may be shown."""
    return not accepts_answers(round_, at)


def in_order(statements: list[dict]) -> list[dict]:
    """By F (in the study's order), then by the leader's position."""
    return sorted(statements, key=lambda s: (F_ORDER.index(s["f"]) if s["f"] in F_ORDER else len(F_ORDER),
                                             s.get("position", 0), s.get("created_at", ""), s["id"]))


def next_position(statements: list[dict], f: str) -> int:
    return max((s.get("position", 0) for s in statements if s["f"] == f), default=0) + 1


def moved(statements: list[dict], statement_id: str, step: int) -> dict[str, int]:
    """{id: new position} for moving one statement a step up (-1) or down (+1) among those of its F;
    the F's statements are numbered 1, 2, 3... again, so equal old positions cannot get stuck."""
    target = next(s for s in statements if s["id"] == statement_id)
    same_f = in_order([s for s in statements if s["f"] == target["f"]])
    index = same_f.index(target)
    other = index + step
    if 0 <= other < len(same_f):
        same_f[index], same_f[other] = same_f[other], same_f[index]
    return {s["id"]: n for n, s in enumerate(same_f, start=1) if s.get("position") != n}


def answers_of(round_: dict, answers: list[dict]) -> list[dict]:
    return [a for a in answers if a.get("round") == round_["id"]]


def side_means(round_: dict, answers: list[dict], statements: dict[str, dict]) -> dict[str, dict[str, float | None]]:
    """{f: {side: mean}} over every value given to the round's own statements of that F; no anonymity.

    A statement deactivated later still counts in the rounds that asked it (the round keeps its list);
    a value for a statement the round did not ask is ignored."""
    asked = {sid: statements[sid]["f"] for sid in round_.get("statement_ids", []) if sid in statements}
    values: dict[str, dict[str, list[int]]] = {f: {side: [] for side in SIDE_ORDER} for f in F_ORDER}
    for answer in answers_of(round_, answers):
        if answer.get("side") not in SIDE_ORDER:
            continue
        for sid, value in (answer.get("values") or {}).items():
            if sid in asked and asked[sid] in values and type(value) is int and value in SCALE:
                values[asked[sid]][answer["side"]].append(value)
    return {f: {side: fmean(v) if v else None for side, v in by_side.items()} for f, by_side in values.items()}


def answered_by_side(round_: dict, answers: list[dict]) -> dict[str, int]:
    people = {side: set() for side in SIDE_ORDER}
    for answer in answers_of(round_, answers):
        if answer.get("side") in people:
            people[answer["side"]].add(answer.get("person") or answer["id"])
    return {side: len(ids) for side, ids in people.items()}


def response_rate(round_: dict, answers: list[dict]) -> dict[str, dict]:
    """{side|"total": {answered, invited, rate}}; invited is who was active when the round opened,
    plus anyone who joined later and answered (so the rate never passes 100 %)."""
    invited = {side: {p["id"] for p in round_.get("invited", []) if p.get("side") == side} for side in SIDE_ORDER}
    answered = {side: set() for side in SIDE_ORDER}
    for answer in answers_of(round_, answers):
        if answer.get("side") in answered:
            answered[answer["side"]].add(answer.get("person") or answer["id"])
    result = {}
    for side in SIDE_ORDER:
        result[side] = _rate(len(answered[side]), len(invited[side] | answered[side]))
    result["total"] = _rate(sum(r["answered"] for r in result.values()), sum(r["invited"] for r in result.values()))
    return result


def _rate(answered: int, invited: int) -> dict:
    return {"answered": answered, "invited": invited, "rate": answered / invited if invited else None}


def gap_between(means: dict[str, float | None]) -> tuple[float | None, str | None]:
    """(kommune − entreprenør, the side that is higher); (None, None) if a side is missing.

    Sides that differ by less than what one decimal shows count as alike (higher is None)."""
    kommune, entreprenor = means.get("kommune"), means.get("entreprenor")
    if kommune is None or entreprenor is None:
        return None, None
    gap = kommune - entreprenor
    if round(abs(gap), 1) == 0:
        return gap, None
    return gap, "kommune" if gap > 0 else "entreprenor"


def round_result(round_: dict, answers: list[dict], statements: dict[str, dict], at: datetime) -> dict:
    """What may be shown of one round at `at`: once it is closed (`final`), means per F for the sides with
    enough answers, gaps, rate, comments; while it is open, the response rate only (everything else hidden)."""
    counts = answered_by_side(round_, answers)
    final = is_closed(round_, at)
    shown = {side: final and counts[side] >= MIN_GROUP for side in SIDE_ORDER}
    raw = side_means(round_, answers, statements)
    asked = [statements[sid] for sid in round_.get("statement_ids", []) if sid in statements]
    by_f = []
    for f in F_ORDER:
        means = {side: raw[f][side] if shown[side] else None for side in SIDE_ORDER}
        gap, higher = gap_between(means)
        by_f.append({"f": f, "means": means, "gap": gap, "higher": higher,
                     "statements": sum(1 for s in asked if s["f"] == f)})
    return {"round": round_, "final": final, "answered": counts, "shown": shown, "by_f": by_f,
            "rate": response_rate(round_, answers), "comments": comments(round_, answers, shown)}


def comments(round_: dict, answers: list[dict], shown: dict[str, bool]) -> dict[str, list[str]]:
    """The comments of each shown side, without names, in alphabetical order (never the order written,
    which could tell who wrote what)."""
    found = {side: [] for side in SIDE_ORDER if shown.get(side)}
    for answer in answers_of(round_, answers):
        text = (answer.get("comment") or "").strip()
        if text and answer.get("side") in found:
            found[answer["side"]].append(text)
    return {side: sorted(texts, key=lambda t: (t.casefold(), t)) for side, texts in found.items()}


def chronological(rounds: list[dict]) -> list[dict]:
    return sorted(rounds, key=lambda r: (r.get("created_at", ""), r["id"]))


def trend(rounds: list[dict], answers: list[dict], statements: dict[str, dict], at: datetime) -> dict:
    """Every closed round's result, oldest first, and per F and side the shown means across them (None where
    hidden). Open rounds are left out: their results are not shown yet."""
    results = [round_result(r, answers, statements, at) for r in chronological(rounds) if is_closed(r, at)]
    series = {f: {side: [next(x for x in res["by_f"] if x["f"] == f)["means"][side] for res in results]
                  for side in SIDE_ORDER} for f in F_ORDER}
    gaps = {f: [next(x for x in res["by_f"] if x["f"] == f)["gap"] for res in results] for f in F_ORDER}
    return {"rounds": [res["round"] for res in results], "results": results, "series": series, "gaps": gaps}
