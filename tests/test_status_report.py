"""The status report: the same numbers as the dashboard and the export for the same period, the barometer's
anonymity rules as on the dashboard, bad input refused, leader only, every report audited, and a downloaded file
that needs nothing but itself."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from samskaping.core.barometer_stats import answer_id, default_statements
from samskaping.core.status_report import half_year
from samskaping.store.clock import local_today, utc_now

TODAY = local_today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def cells(html: str, label: str) -> list[str]:
    """The data cells of the report's row headed `label` (the first such row)."""
    match = re.search(r'<th scope="row">\s*' + re.escape(label) + r'\s*</th>(.*?)</tr>', html, re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def csv_rows(client, table: str, first: str, last: str, school: str = "") -> int:
    response = client.get(f"/leader/export/download?format=csv&table={table}&date_from={first}&date_to={last}"
                          f"&school={school}")
    assert response.status_code == 200
    return len(response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()) - 1


@pytest.fixture
def project(actions):
    """Two schools; at Fjellby three kommune people, two entrepreneur staff tied to no school, one kommune
    person at Elvedal. Meetings, responsibilities and feedback in the period (the last 60 days) and before it."""
    store = actions.store()
    fjellby, elvedal = actions.school("Fjellby skole"), actions.school("Elvedal skole")

    def person(name, side, school=None):  # stored as the leader's people page stores them
        return store.create("people", {"name": name, "side": side, "role": "Lærer",
                                       "school": school["id"] if school else None, "active": True})[0]

    k1, k2, k3 = (person(n, "kommune", fjellby) for n in ("Kari", "Kjell", "Kristin"))
    k4 = person("Klara", "kommune", elvedal)
    e1, e2 = (person(n, "entreprenor") for n in ("Eva", "Erik"))

    def meeting(school, offset, decisions="", agreed=()):
        m = store.create("meetings", {"date": day(offset), "school": school["id"], "type": "planning",
                                      "attendees": [k1["id"], e1["id"]], "notes": "Notater", "decisions": decisions})[0]
        for what, owner, due, status in agreed:
            store.create("responsibilities", {"what": what, "owner": owner["id"], "side": owner["side"],
                                              "due": due, "status": status, "meeting": m["id"],
                                              "school": school["id"]})
        return m

    meeting(fjellby, -10, "Vi starter med 9. trinn.", [
        ("Lage timeplan", k1, day(-3), "not_started"),      # overdue
        ("Invitere foreldre", k2, day(5), "done"),          # done today, by its due date
        ("Skrive brev", k1, day(-20), "done"),              # done today, after its due date
        ("Kurse coacher", e1, day(-1), "in_progress"),      # overdue
        ("Bestille rom", e2, None, "dropped")])
    meeting(fjellby, -5, "", [("Evaluere økt", e1, day(10), "not_started")])
    meeting(fjellby, -100, "Gammelt vedtak", [("Gammel oppgave", k1, day(-90), "not_started")])  # before
    meeting(elvedal, -3, "Elvedal starter i januar.", [("Møte rektor", k4, day(2), "in_progress")])
    for giver, receiver in ((k1, e1), (e1, k2), (e2, k2)):
        store.create("feedback", {"to": receiver["id"], "about": None, "worked": "Bra", "improve": ""},
                     author=giver["id"])
    return {"fjellby": fjellby, "elvedal": elvedal, "people": [k1, k2, k3, k4, e1, e2]}


def a_round(store, people: dict, title: str, opened: str, closed: bool) -> None:
    """A barometer round opened `opened` (YYYY-MM-DD) with every default statement, answered 4 by the kommune
    people and 2 by the entrepreneur staff given."""
    statements = default_statements()
    for s in statements:
        if store.get("statements", s["id"]) is None:
            store.create("statements", {k: v for k, v in s.items() if k != "id"}, record_id=s["id"])
    round_id = str(uuid.uuid4())
    store.put("rounds", {"id": round_id, "title": title, "status": "closed" if closed else "open", "closes_on": None,
                         "closed_at": utc_now() if closed else None, "statement_ids": [s["id"] for s in statements],
                         "invited": [{"id": p["id"], "side": p["side"]} for p in people.values()],
                         "created_at": opened + "T08:00:00.000000+00:00", "updated_at": utc_now(),
                         "author": None, "device": None})
    for p in people.values():
        value = 4 if p["side"] == "kommune" else 2
        store.put("answers", {"id": answer_id(round_id, p["id"]), "round": round_id, "person": p["id"],
                              "side": p["side"], "values": {s["id"]: value for s in statements}, "comment": "",
                              "created_at": utc_now(), "updated_at": utc_now(), "author": p["id"], "device": None})


def test_every_figure_equals_the_dashboard_and_the_export_for_the_same_period(actions, project):
    leader = actions.leader_client()
    first, last = day(-60), day(30)
    html = leader.get(f"/leader/report?date_from={first}&date_to={last}").get_data(as_text=True)
    # Forpliktelse, per organisation (kommune, entrepreneur): the meeting 100 days ago is outside the period.
    assert cells(html, "Avtalt") == ["4", "3"]
    assert cells(html, "Ikke startet") == ["1", "1"]
    assert cells(html, "Pågår") == ["1", "1"]
    assert cells(html, "Ferdig") == ["2", "0"]
    assert cells(html, "Droppet") == ["0", "1"]
    assert cells(html, "Åpen") == ["2", "2"]
    assert cells(html, "Over fristen") == ["1", "1"]
    assert cells(html, "Ferdig innen fristen") == ["1 av 2 (50 %)", "0 av 0 (–)"]
    # Meetings per school, and the export's CSV for the same dates agrees (meetings and responsibilities).
    assert cells(html, "Elvedal skole") == ["1", (TODAY - timedelta(days=3)).strftime("%d.%m.%Y")]
    assert cells(html, "Fjellby skole")[0] == "2"
    assert csv_rows(leader, "meetings", first, last) == 3
    assert csv_rows(leader, "responsibilities", first, last) == 7
    # Feedback: counts per side only, never its content.
    assert cells(html, "Aktive personer") == ["4", "2"]
    assert cells(html, "Har gitt tilbakemelding") == ["1", "2"]
    assert cells(html, "Har fått tilbakemelding") == ["1", "1"]
    assert cells(html, "Tilbakemeldinger mottatt") == ["2", "1"]
    assert cells(html, "Har ikke fått noen i perioden") == ["3", "1"]
    assert csv_rows(leader, "feedback", first, last) == 3
    assert "Bra" not in html
    # Decisions of the period, by school; not the old one.
    assert "Vi starter med 9. trinn." in html and "Elvedal starter i januar." in html and "Gammelt vedtak" not in html

    # Over every record, the report counts what the dashboard counts.
    everything = leader.get(f"/leader/report?date_from={day(-200)}&date_to={day(30)}").get_data(as_text=True)
    dashboard = leader.get("/leader/dashboard").get_data(as_text=True)
    overdue = int(re.search(r'href="#overdue"><strong>(\d+)</strong>', dashboard).group(1))
    assert overdue == sum(int(n) for n in cells(everything, "Over fristen")) == 3
    for side in ("Kommune", "Sosial entreprenør"):
        by_status = cells(dashboard, side)[:4]   # the progress chart's table: the four statuses, then the total
        column = 0 if side == "Kommune" else 1
        assert by_status == [cells(everything, label)[column] for label in ("Ikke startet", "Pågår", "Ferdig", "Droppet")]
    assert re.search(r"<strong>Fjellby skole</strong>: 3 møter", dashboard)
    assert cells(everything, "Fjellby skole")[0] == "3"


def test_one_school_counts_what_an_export_for_that_school_holds(actions, project):
    leader = actions.leader_client()
    first, last, school = day(-60), day(30), project["elvedal"]["id"]
    html = leader.get(f"/leader/report?date_from={first}&date_to={last}&school={school}").get_data(as_text=True)
    assert "Elvedal skole · Laget" in html and "Fjellby skole" not in html[html.index('id="r-about"'):]
    assert sum(int(n) for n in cells(html, "Avtalt")) == csv_rows(leader, "responsibilities", first, last, school) == 1
    assert cells(html, "Elvedal skole")[0] == str(csv_rows(leader, "meetings", first, last, school)) == "1"
    assert cells(html, "Aktive personer") == ["1", "2"]  # Klara, and the staff tied to no school


def test_the_barometer_shows_closed_rounds_of_the_period_only_and_no_side_under_three(actions, project):
    store, people = actions.store(), {p["name"]: p for p in project["people"]}
    kommune = {n: people[n] for n in ("Kari", "Kjell", "Kristin")}
    a_round(store, {**kommune, "Eva": people["Eva"], "Erik": people["Erik"]}, "Runde to svar", day(-20), True)
    a_round(store, {**kommune, **{n: people[n] for n in ("Eva", "Erik", "Klara")}}, "Runde åpen", day(-2), False)
    a_round(store, {**kommune, "Eva": people["Eva"], "Erik": people["Erik"]}, "Runde gammel", day(-150), True)
    leader = actions.leader_client()
    html = leader.get(f"/leader/report?date_from={day(-60)}&date_to={day(30)}").get_data(as_text=True)
    understanding = html[html.index('id="r-understanding"'):html.index('id="r-decisions"')]
    assert "Runde to svar" in understanding
    assert "Runde åpen" not in understanding and "Runde gammel" not in understanding
    # The kommune side (3 answers) is shown; the entrepreneur's (2 answers) is not, nor any gap.
    assert cells(understanding, "Forståelse")[:3] == ["4,0", "for få svar", "–"]
    assert "2,0" not in understanding
    assert "for få svar til å vise" in understanding  # the chart says so too
    # The dashboard agrees: the same round is its latest closed one, with the same hidden side.
    dashboard = leader.get("/leader/dashboard").get_data(as_text=True)
    assert "Siste avsluttede runde: Runde to svar" in dashboard and "2,0" not in dashboard


def test_a_period_without_closed_rounds_says_so(actions, project):
    leader = actions.leader_client()
    html = leader.get(f"/leader/report?date_from={day(-60)}&date_to={day(30)}").get_data(as_text=True)
    assert "Ingen barometerrunde ble avsluttet i perioden." in html


BAD_INPUT = [
    ("date_from=2026-12-01&date_to=2026-11-01", "Sluttdatoen er før startdatoen."),
    ("school=ikke-en-skole", "Velg en skole fra listen."),
    ("date_from=31.02.2026", "Ikke en gyldig datoverdi"),
    ("date_to=i+morgen", "Ikke en gyldig datoverdi"),
]


def test_bad_input_is_refused_in_words_and_makes_no_report(actions):
    actions.school()
    leader = actions.leader_client()
    for path in ("/leader/report", "/leader/report/statusrapport.html"):
        for query, message in BAD_INPUT:
            response = leader.get(f"{path}?{query}")
            html = response.get_data(as_text=True)
            assert response.status_code == 400, query
            assert "attachment" not in response.headers.get("Content-Disposition", "")
            assert message in html and "Ingen rapport ble laget." in html and 'id="r-commitment"' not in html
    english = leader.get("/language/en?next=/leader/report", follow_redirects=False)
    assert english.status_code in (302, 303)
    html = leader.get("/leader/report?date_from=2026-12-01&date_to=2026-11-01").get_data(as_text=True)
    assert "The end date is before the start date." in html and "No report was made." in html
    assert actions.store().find("audit", event="status_report") == []


def test_only_the_leader_gets_a_report(actions, project, client):
    participant = actions.participant_client(actions.person("Pia", "kommune", project["fjellby"]))
    for path in ("/leader/report", "/leader/report/statusrapport.html"):
        for visitor in (client, participant):
            response = visitor.get(path)
            assert response.status_code in (302, 303, 403) and "Vi starter" not in response.get_data(as_text=True)
    assert actions.store().find("audit", event="status_report") == []


def test_every_report_made_is_in_the_audit_log(actions, project):
    leader = actions.leader_client()
    school = project["fjellby"]["id"]
    leader.get("/leader/report")
    leader.get(f"/leader/report/statusrapport.html?date_from={day(-10)}&date_to={day(0)}&school={school}")
    first, last = half_year(TODAY)
    found = sorted(actions.store().find("audit", event="status_report"), key=lambda r: r["format"])
    assert [(r["period_from"], r["period_to"], r["school"], r["format"]) for r in found] == [
        (day(-10), day(0), school, "html"), (first.isoformat(), last.isoformat(), None, "print")]


@pytest.mark.parametrize("today, first, last", [
    (date(2026, 1, 1), date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 6, 30), date(2026, 1, 1), date(2026, 6, 30)),
    (date(2026, 7, 1), date(2026, 7, 1), date(2026, 12, 31)), (date(2026, 12, 31), date(2026, 7, 1), date(2026, 12, 31)),
])
def test_the_default_period_is_the_calendar_half_year(today, first, last):
    assert half_year(today) == (first, last)


def test_the_file_is_self_contained_and_the_dashboard_links_the_page(actions, project):
    leader = actions.leader_client()
    assert 'href="/leader/report"' in leader.get("/leader/dashboard").get_data(as_text=True)
    response = leader.get(f"/leader/report/statusrapport.html?date_from={day(-60)}&date_to={day(30)}")
    html = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="statusrapport-{day(-60)}-{day(30)}.html"')
    assert "<style>" in html and "<svg" in html and 'id="r-decisions"' in html and "break-inside: avoid" in html
    assert not re.search(r"<script|<link|\bsrc=|@import|url\((?!#)", html, re.I)
    assert not re.search(r'https?://(?!www\.w3\.org/2000/svg")', html)
    assert html.lstrip().startswith("<!doctype html>") and 'lang="nb"' in html


def test_the_barometer_chart_is_grayscale_safe_svg_with_a_hidden_side_said_in_words():
    from samskaping.core.charts import paired_scale_chart
    svg = str(paired_scale_chart([("Forståelse", [4.25, None]), ("<b>Forankring</b>", [1.0, 5.0])],
                                 ["Kommune", "Sosial entreprenør"], chart_id="c", title="Snitt", desc="Per F",
                                 missing="for få svar", number=lambda v: f"{v:.1f}".replace(".", ",")))
    assert 'role="img"' in svg and "<title" in svg and " style=" not in svg and "<b>" not in svg
    assert "Sosial entreprenør: for få svar" in svg and "4,2" in svg and "5,0" in svg
    # The two organisations differ by pattern, not by colour alone: a solid fill and stripes.
    assert 'fill="url(#c-p0)"' in svg and 'fill="url(#c-p1)"' in svg and "<path" in svg
