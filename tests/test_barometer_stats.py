"""The barometer's arithmetic on hand-made data: means, the gap between the organisations, trends,
response rates, and the rule that a side with fewer than three answers is never shown."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from samskaping.core import barometer_stats as stats

A, B, C, D = (str(uuid.uuid4()) for _ in range(4))  # statements
STATEMENTS = {
    A: {"id": A, "f": "forstaelse", "text": "a", "position": 1, "active": True},
    B: {"id": B, "f": "forstaelse", "text": "b", "position": 2, "active": True},
    C: {"id": C, "f": "forankring", "text": "c", "position": 1, "active": True},
    D: {"id": D, "f": "forpliktelse", "text": "d", "position": 1, "active": True},
}


NOW = datetime(2026, 12, 15, 12, 0, tzinfo=timezone.utc)


def a_round(created: str = "2026-11-01T08:00:00+00:00", statement_ids=(A, B, C, D), invited=(), status: str = "closed") -> dict:
    """A round as stored; closed (so its results may be shown) unless asked for an open one."""
    return {"id": str(uuid.uuid4()), "title": "R", "status": status, "created_at": created, "closes_on": None,
            "closed_at": created.replace("08:00", "09:00") if status == "closed" else None,
            "statement_ids": list(statement_ids), "invited": list(invited)}


def answer(round_: dict, side: str, values: dict, comment: str = "", person: str | None = None) -> dict:
    return {"id": str(uuid.uuid4()), "round": round_["id"], "person": person or str(uuid.uuid4()), "side": side,
            "values": values, "comment": comment}


def by_f(result: dict, f: str) -> dict:
    return next(x for x in result["by_f"] if x["f"] == f)


def three_each(round_: dict, kommune: int, entreprenor: int) -> list[dict]:
    return [answer(round_, "kommune", {A: kommune, B: kommune, C: kommune, D: kommune}) for _ in range(3)] + \
           [answer(round_, "entreprenor", {A: entreprenor, B: entreprenor, C: entreprenor, D: entreprenor})
            for _ in range(3)]


def test_means_per_f_average_every_value_of_the_side():
    r = a_round()
    answers = [answer(r, "kommune", {A: 5, B: 4, C: 2, D: 1}), answer(r, "kommune", {A: 3, B: 4, C: 4, D: 1}),
               answer(r, "kommune", {A: 4, B: 4, C: 3, D: 1})]
    means = stats.side_means(r, answers, STATEMENTS)
    assert means["forstaelse"]["kommune"] == pytest.approx(4.0)  # (5+4+3+4+4+4) / 6
    assert means["forankring"]["kommune"] == pytest.approx(3.0)
    assert means["forpliktelse"]["kommune"] == pytest.approx(1.0)
    assert means["forstaelse"]["entreprenor"] is None


def test_the_gap_says_which_side_is_higher_and_by_how_much():
    r = a_round()
    answers = three_each(r, kommune=4, entreprenor=2)
    result = stats.round_result(r, answers, STATEMENTS, NOW)
    assert by_f(result, "forstaelse")["gap"] == pytest.approx(2.0)
    assert by_f(result, "forstaelse")["higher"] == "kommune"
    reverse = stats.round_result(r, three_each(r, kommune=1, entreprenor=4), STATEMENTS, NOW)
    assert by_f(reverse, "forankring")["gap"] == pytest.approx(-3.0)
    assert by_f(reverse, "forankring")["higher"] == "entreprenor"


def test_sides_that_differ_less_than_one_decimal_shows_are_alike():
    assert stats.gap_between({"kommune": 3.52, "entreprenor": 3.50}) == (pytest.approx(0.02), None)
    assert stats.gap_between({"kommune": 3.4, "entreprenor": 3.5})[1] == "entreprenor"


def test_a_side_with_two_answers_is_hidden_and_with_three_shown():
    r = a_round()
    kommune = [answer(r, "kommune", {A: 5, B: 5, C: 5, D: 5}) for _ in range(3)]
    two = [answer(r, "entreprenor", {A: 1, B: 1, C: 1, D: 1}) for _ in range(2)]
    result = stats.round_result(r, kommune + two, STATEMENTS, NOW)
    assert result["shown"] == {"kommune": True, "entreprenor": False}
    assert result["answered"] == {"kommune": 3, "entreprenor": 2}
    for f in stats.F_ORDER:
        assert by_f(result, f)["means"] == {"kommune": 5.0, "entreprenor": None}
        # The gap would give the hidden side away: it is hidden too.
        assert (by_f(result, f)["gap"], by_f(result, f)["higher"]) == (None, None)
    third = answer(r, "entreprenor", {A: 2, B: 2, C: 2, D: 2})
    result = stats.round_result(r, kommune + two + [third], STATEMENTS, NOW)
    assert result["shown"] == {"kommune": True, "entreprenor": True}
    assert by_f(result, "forstaelse")["means"]["entreprenor"] == pytest.approx(4 / 3)
    assert by_f(result, "forstaelse")["gap"] == pytest.approx(5 - 4 / 3)


def test_the_same_person_twice_counts_once_toward_the_three():
    r = a_round()
    same = str(uuid.uuid4())
    answers = [answer(r, "kommune", {A: 3, B: 3, C: 3, D: 3}, person=same) for _ in range(2)]
    answers.append(answer(r, "kommune", {A: 3, B: 3, C: 3, D: 3}))
    assert stats.round_result(r, answers, STATEMENTS, NOW)["shown"]["kommune"] is False


def test_comments_only_for_shown_sides_without_names_in_a_stable_non_chronological_order():
    r = a_round()
    values = {A: 3, B: 3, C: 3, D: 3}
    answers = [answer(r, "kommune", values, "Trenger mer tid"), answer(r, "kommune", values, "  "),
               answer(r, "kommune", values, "bra møter"), answer(r, "entreprenor", values, "Hemmelig")]
    result = stats.round_result(r, answers, STATEMENTS, NOW)
    assert result["comments"] == {"kommune": ["bra møter", "Trenger mer tid"]}
    assert stats.round_result(r, list(reversed(answers)), STATEMENTS, NOW)["comments"] == result["comments"]


def test_response_rate_counts_invited_people_who_never_answered():
    k1, k2, k3, k4, e1, e2 = (str(uuid.uuid4()) for _ in range(6))
    invited = [{"id": p, "side": "kommune"} for p in (k1, k2, k3, k4)] + [{"id": p, "side": "entreprenor"} for p in (e1, e2)]
    r = a_round(invited=invited)
    values = {A: 3, B: 3, C: 3, D: 3}
    late_joiner = str(uuid.uuid4())
    answers = [answer(r, "kommune", values, person=k1), answer(r, "kommune", values, person=k2),
               answer(r, "entreprenor", values, person=late_joiner)]
    rate = stats.response_rate(r, answers)
    assert rate["kommune"] == {"answered": 2, "invited": 4, "rate": 0.5}
    # Someone who joined after the round opened and answered counts as invited too: never above 100 %.
    assert rate["entreprenor"] == {"answered": 1, "invited": 3, "rate": pytest.approx(1 / 3)}
    assert rate["total"] == {"answered": 3, "invited": 7, "rate": pytest.approx(3 / 7)}
    assert stats.response_rate(a_round(), [])["total"] == {"answered": 0, "invited": 0, "rate": None}


def test_trend_over_three_rounds_per_f_and_side_with_hidden_points():
    first, second, third = (a_round(f"2026-{month}-01T08:00:00+00:00") for month in ("09", "10", "11"))
    answers = three_each(first, 2, 4) + three_each(third, 4, 4)
    # The second round: only two from the entrepreneur.
    answers += [answer(second, "kommune", {A: 3, B: 3, C: 3, D: 3}) for _ in range(3)]
    answers += [answer(second, "entreprenor", {A: 5, B: 5, C: 5, D: 5}) for _ in range(2)]
    result = stats.trend([third, first, second], answers, STATEMENTS, NOW)
    assert [r["id"] for r in result["rounds"]] == [first["id"], second["id"], third["id"]]
    assert result["series"]["forstaelse"]["kommune"] == [2.0, 3.0, 4.0]
    assert result["series"]["forstaelse"]["entreprenor"] == [4.0, None, 4.0]
    assert result["gaps"]["forstaelse"] == [pytest.approx(-2.0), None, pytest.approx(0.0)]


def test_statements_deactivated_between_rounds_count_only_in_the_rounds_that_asked_them():
    first = a_round("2026-09-01T08:00:00+00:00", statement_ids=(A, B, C, D))
    # A was deactivated after the first round; the second asked only B about forståelse.
    second = a_round("2026-10-01T08:00:00+00:00", statement_ids=(B, C, D))
    statements = {**STATEMENTS, A: {**STATEMENTS[A], "active": False}}
    answers = [answer(first, "kommune", {A: 1, B: 5, C: 3, D: 3}) for _ in range(3)]
    # A stale phone still sends a value for A in the second round: it must not count.
    answers += [answer(second, "kommune", {A: 1, B: 5, C: 3, D: 3}) for _ in range(3)]
    result = stats.trend([first, second], answers, statements, NOW)
    assert result["series"]["forstaelse"]["kommune"] == [3.0, 5.0]
    assert [by_f(r, "forstaelse")["statements"] for r in result["results"]] == [2, 1]


@pytest.mark.parametrize("bad", [0, 6, "5", True, None])
def test_values_outside_one_to_five_are_ignored(bad):
    r = a_round()
    answers = [answer(r, "kommune", {A: bad, B: 4, C: 4, D: 4}) for _ in range(3)]
    assert stats.side_means(r, answers, STATEMENTS)["forstaelse"]["kommune"] == 4.0


def test_default_statements_have_fixed_ids_and_three_to_four_per_f():
    first, again = stats.default_statements(), stats.default_statements()
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert len({s["id"] for s in first}) == len(first)
    for f in stats.F_ORDER:
        assert 3 <= sum(1 for s in first if s["f"] == f) <= 4
    assert stats.answer_id(A, "p1") == stats.answer_id(A, "p1") != stats.answer_id(B, "p1")


def test_statements_are_ordered_by_f_then_position():
    shuffled = [STATEMENTS[D], STATEMENTS[B], STATEMENTS[C], STATEMENTS[A]]
    assert [s["id"] for s in stats.in_order(shuffled)] == [A, B, C, D]
    assert stats.next_position(list(STATEMENTS.values()), "forstaelse") == 3
    assert stats.next_position([], "forankring") == 1


def test_moving_a_statement_swaps_it_with_its_neighbour_within_its_f():
    statements = list(STATEMENTS.values())
    assert stats.moved(statements, B, -1) == {B: 1, A: 2}
    assert stats.moved(statements, A, -1) == {}  # already first
    assert stats.moved(statements, C, +1) == {}  # alone in its F
    tied = [{**STATEMENTS[B], "position": 1, "created_at": "2026-02-01"},
            {**STATEMENTS[A], "position": 1, "created_at": "2026-01-01"}]
    assert stats.moved(tied, B, +1) == {B: 2}  # renumbered: [A, B] stays, B gets its own number


def test_a_round_takes_answers_until_it_closes_and_never_after_whatever_time_the_phone_says():
    moment = lambda text: datetime.fromisoformat(text).replace(tzinfo=timezone.utc)  # noqa: E731
    open_until = {"status": "open", "closes_on": "2026-11-30", "closed_at": None}
    assert stats.accepts_answers(open_until, moment("2026-11-30T22:59:00"))  # 23:59 in Oslo
    assert not stats.accepts_answers(open_until, moment("2026-11-30T23:00:01"))  # 00:00:01 in Oslo
    assert stats.is_closed(open_until, moment("2026-11-30T23:00:01"))  # its last day has ended
    closed = {"status": "closed", "closes_on": None, "closed_at": "2026-11-20T10:00:00+00:00"}
    # A closed round takes nothing, not even an answer given (or said to be given) before it closed.
    assert not stats.accepts_answers(closed, moment("2026-11-20T09:00:00"))
    assert not stats.accepts_answers(closed, moment("2026-11-20T11:00:00"))
    assert stats.is_closed(closed, moment("2026-11-20T09:00:00"))
    assert not stats.accepts_answers({"status": "closed", "closed_at": None}, moment("2026-01-01T00:00:00"))
    assert stats.accepts_answers({"status": "open", "closes_on": None, "closed_at": None}, moment("2030-01-01T00:00:00"))


def test_an_open_round_shows_the_response_rate_and_nothing_else_even_with_three_from_each_side():
    invited = [{"id": str(uuid.uuid4()), "side": side} for side in ("kommune",) * 4 + ("entreprenor",) * 3]
    r = a_round(invited=invited, status="open")
    answers = [answer(r, p["side"], {A: 5, B: 4, C: 3, D: 2}, "Hemmelig", person=p["id"]) for p in invited[1:]]
    result = stats.round_result(r, answers, STATEMENTS, NOW)
    assert result["final"] is False
    assert result["shown"] == {"kommune": False, "entreprenor": False} and result["comments"] == {}
    for item in result["by_f"]:
        assert (item["means"], item["gap"], item["higher"]) == ({"kommune": None, "entreprenor": None}, None, None)
    assert result["rate"]["kommune"] == {"answered": 3, "invited": 4, "rate": 0.75}
    assert result["rate"]["total"]["answered"] == 6
    # The same answers once it is closed: shown.
    closed = {**r, "status": "closed", "closed_at": "2026-12-01T10:00:00+00:00"}
    shown = stats.round_result(closed, answers, STATEMENTS, NOW)
    assert shown["final"] is True and by_f(shown, "forstaelse")["means"] == {"kommune": 4.5, "entreprenor": 4.5}
    assert shown["comments"] == {"kommune": ["Hemmelig"] * 3, "entreprenor": ["Hemmelig"] * 3}
    # An open round whose last day has ended is closed too.
    ended = {**r, "closes_on": "2026-12-10"}
    assert stats.round_result(ended, answers, STATEMENTS, NOW)["final"] is True


def test_the_trend_leaves_out_the_open_round():
    first = a_round("2026-10-01T08:00:00+00:00")
    current = a_round("2026-11-01T08:00:00+00:00", status="open")
    answers = three_each(first, 2, 4) + three_each(current, 5, 1)
    result = stats.trend([current, first], answers, STATEMENTS, NOW)
    assert [r["id"] for r in result["rounds"]] == [first["id"]]
    assert result["series"]["forstaelse"] == {"kommune": [2.0], "entreprenor": [4.0]}
    assert result["gaps"]["forstaelse"] == [pytest.approx(-2.0)]


def test_a_round_takes_answers_until_its_last_day_ends_in_norway_not_in_utc():
    round_ = {"id": "5b0d3f0e-0000-4000-8000-000000000001", "status": "open", "closes_on": "2026-11-30",
              "statement_ids": [], "invited": []}
    oslo_evening = datetime(2026, 11, 30, 22, 59, tzinfo=timezone.utc)  # 23:59 in Oslo (winter time)
    oslo_past_midnight = datetime(2026, 11, 30, 23, 1, tzinfo=timezone.utc)  # 00:01 on 1 December in Oslo
    assert stats.accepts_answers(round_, oslo_evening)
    assert not stats.accepts_answers(round_, oslo_past_midnight)
