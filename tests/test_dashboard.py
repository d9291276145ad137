"""The leader's dashboard: the numbers behind forpliktelse and the follow-up routines, the page, the charts,
and the printable meeting minutes."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from samskaping.core import charts, dashboard_stats as stats
from samskaping.dashboard.views import SETTINGS_ID
from samskaping.store.clock import local_today

TODAY = date(2026, 11, 28)
SIDES = ["kommune", "entreprenor"]


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def moment(offset: int) -> str:
    """A stored timestamp at local noon, `offset` days from TODAY (UTC, as the store writes them)."""
    local = datetime.combine(TODAY + timedelta(days=offset), time(12)).astimezone()
    return local.astimezone(timezone.utc).isoformat()


def resp(what: str, due: str | None = None, status: str = "not_started", owner: str = "kari",
         side: str = "kommune", **more) -> dict:
    return {"id": what, "what": what, "due": due, "status": status, "owner": owner, "side": side,
            "updated_at": moment(-100), **more}


# --- Forpliktelse: overdue, due soon, done lately, progress -------------------------------------------------

def test_overdue_is_open_and_due_before_today_longest_late_first():
    items = [resp("today", day(0)), resp("yesterday", day(-1)), resp("long ago", day(-20)),
             resp("done late", day(-5), "done"), resp("dropped late", day(-5), "dropped"),
             resp("started late", day(-2), "in_progress"), resp("no date"), resp("bad date", "31.12.2026")]
    found = stats.overdue(items, TODAY)
    assert [r["what"] for r in found] == ["long ago", "started late", "yesterday"]
    assert [r["days_late"] for r in found] == [20, 2, 1]


def test_overdue_is_grouped_by_organisation_then_owner():
    items = stats.overdue([resp("a", day(-3), owner="kari"), resp("b", day(-1), owner="ola", side="entreprenor"),
                           resp("c", day(-2), owner="kari"), resp("d", day(-4), owner="nora")], TODAY)
    grouped = stats.group_by_side_and_owner(items, SIDES)
    assert list(grouped) == SIDES
    assert {owner: [r["what"] for r in rs] for owner, rs in grouped["kommune"].items()} == {
        "nora": ["d"], "kari": ["a", "c"]}
    assert {owner: [r["what"] for r in rs] for owner, rs in grouped["entreprenor"].items()} == {"ola": ["b"]}


@pytest.mark.parametrize("offset, listed", [(-1, False), (0, True), (1, True), (7, True), (8, False)])
def test_due_soon_is_today_through_day_seven(offset, listed):
    assert bool(stats.due_soon([resp("x", day(offset))], TODAY)) is listed


@pytest.mark.parametrize("status", ["done", "dropped"])
def test_closed_ones_are_neither_due_soon_nor_overdue(status):
    items = [resp("x", day(3), status), resp("y", day(-3), status)]
    assert stats.due_soon(items, TODAY) == [] and stats.overdue(items, TODAY) == []


def test_done_lately_uses_the_follow_up_that_set_it_done_else_the_last_change():
    items = [resp("logged", status="done", updated_at=moment(0)),  # changed today, but done 40 days ago
             resp("unlogged", status="done", updated_at=moment(-30)),
             resp("unlogged old", status="done", updated_at=moment(-31)),
             resp("open", status="in_progress", updated_at=moment(0)),
             resp("logged lately", status="done", updated_at=moment(-90))]
    followups = [{"responsibility": "logged", "status": "done", "created_at": moment(-40), "updated_at": moment(-40)},
                 {"responsibility": "logged lately", "status": "in_progress", "updated_at": moment(-20)},
                 {"responsibility": "logged lately", "status": "done", "updated_at": moment(-2)},
                 {"responsibility": "open", "status": "done", "updated_at": moment(-1)}]
    found = stats.done_recently(items, followups, TODAY)
    assert [(r["what"], r["done_on"]) for r in found] == [
        ("logged lately", TODAY - timedelta(days=2)), ("unlogged", TODAY - timedelta(days=30))]


def test_done_lately_reads_the_follow_ups_once_however_many_are_done():
    """Linear at a school year's scale: the follow-ups are indexed once, not searched per responsibility."""
    class CountedList(list):
        passes = 0

        def __iter__(self):
            CountedList.passes += 1
            return super().__iter__()

    items = [resp(f"r{n}", status="done") for n in range(200)]
    followups = CountedList({"responsibility": f"r{n}", "status": "done", "updated_at": moment(-1)} for n in range(200))
    found = stats.done_recently(items, followups, TODAY)
    assert len(found) == 200 and {r["done_on"] for r in found} == {TODAY - timedelta(days=1)}
    assert CountedList.passes == 1


def test_done_lately_judged_on_the_stored_text_keeps_a_late_evening_utc_on_the_first_day():
    first = TODAY - timedelta(days=stats.DONE_DAYS)
    # 23:30 UTC the day before the period is 00:30 or 01:30 on its first Norwegian day: listed.
    late = f"{(first - timedelta(days=1)).isoformat()}T23:30:00+00:00"
    early = f"{(first - timedelta(days=1)).isoformat()}T12:00:00+00:00"
    items = [resp("late", status="done", updated_at=late), resp("early", status="done", updated_at=early),
             resp("old", status="done", updated_at=moment(-40))]
    kept = [r for r in items if stats.may_be_done_recently(r, {}, TODAY)]
    assert [r["what"] for r in stats.done_recently(kept, [], TODAY)] == ["late"]
    assert [r["what"] for r in kept] == ["late", "early"]


def test_progress_counts_each_status_per_organisation():
    items = [resp("a"), resp("b", status="done"), resp("c", status="done", side="entreprenor"),
             resp("d", status="dropped", side="entreprenor"), resp("e", status="in_progress"),
             resp("f", side="elsewhere")]
    assert stats.progress_by_side(items, SIDES) == {
        "kommune": {"not_started": 1, "in_progress": 1, "done": 1, "dropped": 0},
        "entreprenor": {"not_started": 0, "in_progress": 0, "done": 1, "dropped": 1},
    }


# --- Follow-up routines: feedback to each person, meetings per school ---------------------------------------

def person(pid: str, side: str = "kommune", active: bool = True) -> dict:
    return {"id": pid, "name": pid.title(), "side": side, "active": active}


@pytest.mark.parametrize("days_ago, listed", [(0, False), (29, False), (30, False), (31, True)])
def test_feedback_exactly_n_days_ago_still_counts_and_n_plus_one_does_not(days_ago, listed):
    lacking = stats.without_feedback([person("kari")], [{"to": "kari", "created_at": moment(-days_ago)}], TODAY, 30)
    assert bool(lacking) is listed


def test_people_without_feedback_on_both_sides_never_first_revoked_left_out():
    people = [person("kari"), person("ola", "entreprenor"), person("nora"), person("per", active=False),
              person("siv", "entreprenor")]
    feedback = [{"to": "kari", "created_at": moment(-3)}, {"to": "nora", "created_at": moment(-40)},
                {"to": "nora", "created_at": moment(-12)}, {"to": "siv", "created_at": moment(-9)},
                {"to": "siv", "created_at": moment(-50)}]
    lacking = stats.without_feedback(people, feedback, TODAY, 10)
    assert [(p["id"], p["last_feedback"]) for p in lacking] == [
        ("ola", None), ("nora", TODAY - timedelta(days=12))]
    assert {side: [p["id"] for p in ps] for side, ps in stats.by_side(lacking, SIDES).items()} == {
        "kommune": ["nora"], "entreprenor": ["ola"]}


def test_meetings_per_school_counts_and_finds_the_latest_date():
    schools = [{"id": "s1", "name": "Fjellby"}, {"id": "s2", "name": "Elvedal"}]
    meetings = [{"school": "s1", "date": day(-30)}, {"school": "s1", "date": day(-2)},
                {"school": "s1", "date": day(-9)}, {"school": "gone", "date": day(0)}]
    assert stats.meetings_per_school(meetings, schools) == [
        {"school": "s1", "name": "Fjellby", "count": 3, "last": TODAY - timedelta(days=2)},
        {"school": "s2", "name": "Elvedal", "count": 0, "last": None}]


# --- Charts -----------------------------------------------------------------------------------------------------

def test_charts_are_accessible_svg_without_style_attributes_and_escape_labels():
    bar = charts.bar_chart([("<b>Fjellby</b>", 3), ("Elvedal", 0)], chart_id="c1", title="Møter", desc="Per skole")
    stacked = charts.stacked_bar_chart([("Kommune", [2, 1, 0, 1])], ["Ikke startet", "Pågår", "Ferdig", "Droppet"],
                                       chart_id="c2", title="Framdrift", desc="Per organisasjon")
    for svg in (bar, stacked):
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg and "<desc" in svg
        assert "style=" not in svg and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert re.search(rf'viewBox="0 0 {charts.WIDTH} \d+"', svg)
    assert "&lt;b&gt;Fjellby&lt;/b&gt;" in bar and "<b>" not in bar
    assert stacked.count('fill="url(#c2-p') == 3 + 4  # three non-empty parts and four legend swatches


def test_the_text_equivalent_is_a_table_hidden_only_visually():
    table = charts.data_table("Framdrift", ["Organisasjon", "Ferdig"], [["Kommune", 3]])
    assert table.startswith('<div class="visually-hidden"><table class="data"><caption>Framdrift</caption>')
    assert '<th scope="row">Kommune</th><td>3</td>' in table


# --- The page -----------------------------------------------------------------------------------------------

def test_only_the_leader_sees_the_dashboard(client, actions):
    assert client.get("/leader/dashboard").status_code == 302
    kari = actions.person("Kari Nordmann")
    assert actions.participant_client(kari).get("/leader/dashboard").status_code == 403
    assert actions.leader_client().get("/leader/dashboard").status_code == 200


def test_the_dashboard_shows_overdue_by_owner_and_who_lacks_feedback(actions):
    school = actions.school("Fjellby skole")
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Hansen", side="entreprenor", school=school)
    gone = actions.person("Per Borte", side="entreprenor", school=school)
    store = actions.store()
    store.update("people", gone["id"], {"active": False})
    store.create("meetings", {"date": local_today().isoformat(), "school": school["id"], "type": "planning"})
    store.create("responsibilities", {"what": "Bestille buss", "owner": kari["id"], "side": "kommune", "status":
                                      "in_progress", "due": (local_today() - timedelta(days=3)).isoformat(),
                                      "school": school["id"]})
    store.create("feedback", {"to": ola["id"], "worked": "Bra"})
    page = actions.leader_client().get("/leader/dashboard").get_data(as_text=True)
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    assert "Kari Nordmann" in overdue and "Bestille buss" in overdue and "3 dager over fristen" in overdue
    lacking = page[page.index('id="feedback"'):page.index('id="meetings"')]
    assert "Ingen tilbakemelding siste 30 dager" in lacking
    assert "Kari Nordmann" in lacking and "Ola Hansen" not in lacking and "Per Borte" not in lacking
    assert "Fjellby skole</strong>: 1 møte" in page


def test_the_leader_sets_the_days_without_feedback(actions):
    kari = actions.person("Kari Nordmann")
    store = actions.store()
    store.create("feedback", {"to": kari["id"], "worked": "Bra"})
    leader = actions.leader_client()
    token = actions.token(leader, "/leader/dashboard")
    response = leader.post("/leader/dashboard/settings", data={"csrf_token": token, "feedback_days": "0"})
    assert response.status_code == 422 and "Velg mellom 1 og 365 dager." in response.get_data(as_text=True)
    assert store.get("settings", SETTINGS_ID) is None
    response = leader.post("/leader/dashboard/settings", data={"csrf_token": token, "feedback_days": "7"})
    assert response.status_code == 303 and response.headers["Location"] == "/leader/dashboard"
    assert store.get("settings", SETTINGS_ID)["feedback_days"] == 7
    response = leader.post("/leader/dashboard/settings", data={"csrf_token": token, "feedback_days": "365"})
    assert store.get("settings", SETTINGS_ID)["feedback_days"] == 365
    page = leader.get("/leader/dashboard").get_data(as_text=True)
    assert "Ingen tilbakemelding siste 365 dager" in page and 'value="365"' in page


# --- Printable meeting minutes ----------------------------------------------------------------------------------

def test_meeting_minutes_carry_a_table_of_agreed_and_followed_up_responsibilities(actions):
    school = actions.school("Fjellby skole")
    kari = actions.person("Kari Nordmann", school=school)
    store = actions.store()
    meeting, _ = store.create("meetings", {"date": "2026-11-20", "school": school["id"], "type": "follow_up",
                                           "attendees": [kari["id"]], "guests": "", "agenda": "Status",
                                           "notes": "", "decisions": "Vi fortsetter"})
    store.create("responsibilities", {"what": "Ringe biblioteket", "owner": kari["id"], "side": "kommune",
                                      "due": "2026-12-04", "status": "not_started", "meeting": meeting["id"]})
    earlier, _ = store.create("responsibilities", {"what": "Bestille buss", "owner": kari["id"], "side": "kommune",
                                                   "due": None, "status": "done"})
    store.create("followups", {"responsibility": earlier["id"], "status": "done", "previous_status": "in_progress",
                               "comment": "Bestilt", "meeting": meeting["id"]})
    page = actions.leader_client().get(f"/meetings/{meeting['id']}").get_data(as_text=True)
    tables = re.findall(r'<table class="minutes-table print-only">.*?</table>', page, re.S)
    assert len(tables) == 2
    agreed = re.sub(r"\s+", " ", tables[0])
    assert "<td>Ringe biblioteket</td><td>Kari Nordmann</td><td>Kommune</td><td class=\"nowrap\">04.12.2026</td>" in agreed
    assert "Bestille buss" in tables[1] and "Pågår → Ferdig" in tables[1] and "Bestilt" in tables[1]
