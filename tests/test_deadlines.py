"""What is due: one rule for overdue and due within 7 days (core/deadlines.py), the person's "Dine frister" on the
day page with a count on the menu, new feedback flagged until its recipient opens it, the leader's week per
school, and no page marking a done item as overdue."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from samskaping.core import dashboard_stats as stats
from samskaping.core import deadlines
from samskaping.core.exchange.import_file import ImportProblem, check_record
from samskaping.store import clock

TODAY = date(2026, 12, 7)  # a fixed day: the rule is never asked about the real clock here


def day(offset: int, today: date = TODAY) -> str:
    return (today + timedelta(days=offset)).isoformat()


def resp(what: str, due: str | None, status: str = "not_started", school: str | None = None) -> dict:
    return {"id": what, "what": what, "due": due, "status": status, "school": school}


# --- The rule, on plain records ---------------------------------------------------------------------------------

@pytest.mark.parametrize("item, state, overdue, this_week", [
    (resp("yesterday", day(-1)), "overdue", True, False),
    (resp("started, yesterday", day(-1), "in_progress"), "overdue", True, False),
    (resp("today", day(0)), "today", False, True),
    (resp("tomorrow", day(1)), "soon", False, True),
    (resp("day 7", day(7)), "soon", False, True),
    (resp("day 8", day(8)), "later", False, False),
    (resp("done yesterday", day(-1), "done"), None, False, False),
    (resp("done today", day(0), "done"), None, False, False),
    (resp("dropped yesterday", day(-1), "dropped"), None, False, False),
    (resp("dropped in 3 days", day(3), "dropped"), None, False, False),
    (resp("no due date", None), None, False, False),
    (resp("malformed due date", "07.12.2026"), None, False, False),
])
def test_the_rule_at_its_boundaries(item, state, overdue, this_week):
    found = deadlines.deadline(item, TODAY)
    assert (found.state if found else None) == state
    assert deadlines.is_overdue(item, TODAY) is overdue
    assert deadlines.is_due_within(item, TODAY) is this_week
    assert deadlines.is_pressing(item, TODAY) is (overdue or this_week)
    # The dashboard's lists ask the same rule: they agree on every case.
    assert bool(stats.overdue([item], TODAY)) is overdue
    assert bool(stats.due_soon([item], TODAY)) is this_week


def test_pressing_lists_the_overdue_first_then_by_due_date_and_leaves_out_the_rest():
    items = [resp("day 7", day(7)), resp("today", day(0)), resp("long late", day(-10)), resp("done late", day(-3), "done"),
             resp("day 8", day(8)), resp("late", day(-1), "in_progress"), resp("in 3 days", day(3)),
             resp("dropped soon", day(2), "dropped"), resp("undated", None)]
    found = deadlines.pressing(items, TODAY)
    assert [(r["what"], r["days_left"]) for r in found] == [
        ("long late", -10), ("late", -1), ("today", 0), ("in 3 days", 3), ("day 7", 7)]
    assert "days_left" not in items[0], "the given records are not changed"


def test_pressing_by_school_keeps_the_schools_order_and_puts_the_unknown_last():
    items = [resp("a late", day(-2), school="a"), resp("b soon", day(1), school="b"), resp("a soon", day(2), school="a"),
             resp("nowhere", day(0)), resp("gone school", day(0), school="gone"), resp("c later", day(9), school="c"),
             resp("c done", day(-1), "done", school="c")]
    grouped = deadlines.pressing_by_school(items, TODAY, ["c", "b", "a"])
    assert [(school, [r["what"] for r in rs]) for school, rs in grouped] == [
        ("b", ["b soon"]), ("a", ["a late", "a soon"]), ("", ["gone school", "nowhere"])]


def test_an_imported_feedback_may_carry_when_it_was_seen_and_only_as_a_time():
    record = {"id": "6f1c1a52-8a4e-4c8e-9a55-3c1d2f1e0a11", "created_at": "2026-12-01T10:00:00+00:00",
              "updated_at": "2026-12-02T10:00:00+00:00", "to": "0b0e3c52-5d7e-4f0e-8f55-2a1c3b4d5e6f",
              "author": None, "device": None, "worked": "Bra", "improve": "",
              "seen_at": "2026-12-02T10:00:00+00:00"}
    check_record("feedback", 1, record)
    check_record("feedback", 1, {**record, "seen_at": None})
    with pytest.raises(ImportProblem, match="seen_at"):
        check_record("feedback", 1, {**record, "seen_at": "i går"})


# --- Over HTTP: the day page, the menu, the feedback, the dashboard, the meeting page ----------------------------

@pytest.fixture
def project(actions):
    """Kari's responsibilities at every boundary around the real Norwegian today, Ola's one, and two schools."""
    school = actions.school("Fjellby skole")
    other = actions.school("Elvedal skole")
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Hansen", side="entreprenor", school=other)
    store = actions.store()
    today = clock.local_today()
    meeting, _ = store.create("meetings", {"date": day(-14, today), "school": school["id"], "type": "planning",
                                           "attendees": [kari["id"]], "guests": "", "agenda": "", "notes": "",
                                           "decisions": ""}, author=kari["id"])
    made = {}
    for what, owner, offset, status, where in [
            ("Bestille buss", kari, -2, "in_progress", school), ("Ringe foreldre", kari, 0, "not_started", school),
            ("Skrive plan", kari, 7, "not_started", school), ("Kjøpe premier", kari, 8, "not_started", school),
            ("Sende invitasjon", kari, -1, "done", school), ("Leie sal", kari, -3, "dropped", school),
            ("Rydde lageret", ola, 1, "not_started", other)]:
        made[what], _ = store.create("responsibilities", {
            "what": what, "owner": owner["id"], "side": owner["side"], "due": day(offset, today), "status": status,
            "meeting": meeting["id"], "school": where["id"]}, author=kari["id"])
    return {"school": school, "other": other, "kari": kari, "ola": ola, "meeting": meeting, "made": made,
            "today": today, "phone": actions.participant_client(kari)}


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def deadlines_on(page: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>", section(page, 'id="my-deadlines"', "</section>"))


def test_the_day_page_lists_her_deadlines_overdue_first_and_counts_them_on_the_menu(project):
    page = project["phone"].get("/").get_data(as_text=True)
    assert page.index("Dine frister") < page.index("Mine åpne ansvar"), "at the top of the day page"
    assert deadlines_on(page) == ["Bestille buss", "Ringe foreldre", "Skrive plan"]
    mine = section(page, 'id="my-deadlines"', "</section>")
    today = project["today"]
    assert "2 dager over fristen" in mine and "frist i dag" in mine and "frist om 7 dager" in mine
    assert (today - timedelta(days=2)).strftime("%d.%m.%Y") in mine
    assert mine.count('class="card overdue"') == 1
    menu = section(page, '<nav class="main"', "</nav>")
    assert re.search(r'Hjem <span class="nav-badge"[^>]*><span aria-hidden="true">3</span>'
                     r'<span class="visually-hidden">3 frister</span>', menu)
    # On every page of hers, not only the day page.
    other_page = project["phone"].get("/meetings/").get_data(as_text=True)
    assert "3 frister" in section(other_page, '<nav class="main"', "</nav>")


def test_a_follow_up_that_closes_one_takes_it_off_her_deadlines_and_the_count(project, actions):
    bus = project["made"]["Bestille buss"]
    url = f"/responsibilities/{bus['id']}"
    form = project["phone"].get(url).get_data(as_text=True)
    record_id = re.search(r'name="id" type="hidden" value="([^"]+)"', form).group(1)
    response = project["phone"].post(url, data={"csrf_token": csrf(form), "id": record_id, "status": "done",
                                                "comment": "Bestilt"})
    assert response.status_code == 303
    page = project["phone"].get("/").get_data(as_text=True)
    assert deadlines_on(page) == ["Ringe foreldre", "Skrive plan"]
    assert "2 frister" in section(page, '<nav class="main"', "</nav>")


def csrf(page: str) -> str:
    from tests.conftest import csrf_from
    return csrf_from(page)


def test_without_deadlines_the_section_says_so_and_the_menu_has_no_count(actions):
    nora = actions.person("Nora Berg")
    page = actions.participant_client(nora).get("/").get_data(as_text=True)
    assert "Ingen frister de neste 7 dagene." in section(page, 'id="my-deadlines"', "</section>")
    assert "nav-badge" not in page


def test_the_day_page_counts_from_the_new_day_after_midnight_with_nothing_written(project, monkeypatch):
    """The day page's index is kept until the next write; the deadlines are counted from today all the same."""
    assert "Kjøpe premier" not in deadlines_on(project["phone"].get("/").get_data(as_text=True))
    tomorrow = project["today"] + timedelta(days=1)
    monkeypatch.setattr(clock, "local_today", lambda: tomorrow)
    page = project["phone"].get("/").get_data(as_text=True)
    assert deadlines_on(page) == ["Bestille buss", "Ringe foreldre", "Skrive plan", "Kjøpe premier"]
    mine = section(page, 'id="my-deadlines"', "</section>")
    assert "3 dager over fristen" in mine and "1 dag over fristen" in mine and "frist om 7 dager" in mine


def test_new_feedback_is_flagged_to_its_recipient_until_she_opens_it(project, actions):
    store = actions.store()
    kari, ola = project["kari"], project["ola"]
    item, _ = store.create("feedback", {"to": kari["id"], "about": None, "worked": "Fin økt", "improve": ""},
                           author=ola["id"])
    phone = project["phone"]
    page = phone.get("/").get_data(as_text=True)
    assert "1 ny tilbakemelding til deg" in section(page, 'id="my-deadlines"', "</section>")
    assert re.search(r'Tilbakemelding <span class="nav-badge"[^>]*><span aria-hidden="true">1</span>'
                     r'<span class="visually-hidden">1 ny</span>', section(page, '<nav class="main"', "</nav>"))
    assert 'class="badge new-mark">ny<' in phone.get("/feedback/").get_data(as_text=True)

    # The leader reading it, and the giver trying to, do not make it seen: only the recipient's own opening does.
    assert actions.leader_client().get(f"/feedback/{item['id']}").status_code == 200
    actions.participant_client(ola).get(f"/feedback/{item['id']}")
    assert store.get("feedback", item["id"]).get("seen_at") is None
    assert phone.get(f"/feedback/{item['id']}").status_code == 200
    seen = store.get("feedback", item["id"])
    assert seen["seen_at"] and seen["author"] == ola["id"] and seen["worked"] == "Fin økt"

    page = phone.get("/").get_data(as_text=True)
    assert "tilbakemelding til deg" not in page and "data-feedback-badge" not in page
    assert "new-mark" not in phone.get("/feedback/").get_data(as_text=True)
    phone.get(f"/feedback/{item['id']}")
    assert store.get("feedback", item["id"])["seen_at"] == seen["seen_at"], "the first opening is kept"


def test_the_dashboard_shows_this_week_per_school_open_items_only(project, actions):
    page = actions.leader_client().get("/leader/dashboard").get_data(as_text=True)
    week = section(page, 'id="this-week"', "</section>")
    fjellby, elvedal = week.index("Fjellby skole"), week.index("Elvedal skole")
    items = re.findall(r"<strong>([^<]+)</strong>", week)
    assert items == ["Rydde lageret", "Bestille buss", "Ringe foreldre", "Skrive plan"], "schools by name"
    assert elvedal < week.index("Rydde lageret") < fjellby < week.index("Bestille buss") < week.index("Skrive plan")
    assert "Kjøpe premier" not in week and "Sende invitasjon" not in week and "Leie sal" not in week
    assert week.count('class="card overdue"') == 1 and "2 dager over fristen" in week and "frist om 1 dag" in week
    assert (project["today"] + timedelta(days=7)).strftime("%d.%m.%Y") in week


def test_the_dashboard_week_says_when_nothing_is_due(actions):
    actions.school("Fjellby skole")
    page = actions.leader_client().get("/leader/dashboard").get_data(as_text=True)
    assert "Ingenting er over fristen eller har frist denne uken." in section(page, 'id="this-week"', "</section>")


def test_the_meeting_page_never_marks_a_done_or_dropped_item_overdue(project):
    page = project["phone"].get(f"/meetings/{project['meeting']['id']}").get_data(as_text=True)
    cards = section(page, '<div class="screen-only">', "</div>")
    marks = {what: card for card, what in re.findall(r'(<li class="card[^"]*">)\s*<a [^>]*>\s*<strong>([^<]+)', cards)}
    assert marks["Bestille buss"] == '<li class="card overdue">'
    for closed in ("Sende invitasjon", "Leie sal"):
        assert marks[closed] == '<li class="card">', closed
    assert cards.count("over fristen") == 1
