"""The next meeting, prepared: a planned meeting (day, school, who is invited, an agenda that starts with the
school's open and overdue responsibilities), shown to the invited on their day page and to the leader on the
dashboard, a calendar file to add to a phone, minutes started from it, and the plan kept in exports and erasures."""
from __future__ import annotations

import base64
import html
import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from babel.dates import format_date
from test_imports import export_document, other_app, records, write  # noqa: F401  (other_app: a fixture)
from test_privacy import erase

from samskaping.core.calendar_file import escape_text, fold
from samskaping.store.clock import local_today
from samskaping.web.db import get_store
from tests.conftest import OUTBOX, csrf_from, late_phone

TODAY = local_today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def dotted(iso: str) -> str:
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}"


@pytest.fixture
def setup(actions):
    """Fjellby with open responsibilities (one overdue, one due later, one without a date), a done one, and one
    of another school; Kari and Ola at Fjellby, Per elsewhere."""
    school = actions.school()
    other = actions.school("Elvedal skole")
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Hansen", side="entreprenor", school=school)
    per = actions.person("Per Tredje", school=other)
    store = actions.store()

    def responsibility(what, owner, due, status="not_started", at=school):
        return store.create("responsibilities", {"what": what, "owner": owner["id"], "side": owner["side"],
                                                 "due": due, "status": status, "meeting": None,
                                                 "school": at["id"]})[0]
    made = {"overdue": responsibility("Bestille buss", kari, day(-3)),
            "later": responsibility("Lage timeplan", ola, day(10), "in_progress"),
            "undated": responsibility("Rydde lageret", ola, None),
            "done": responsibility("Sende brev", kari, day(-5), "done"),
            "elsewhere": responsibility("Male gymsalen", per, day(2), at=other)}
    return {"school": school, "other": other, "kari": kari, "ola": ola, "per": per, "r": made,
            "kari_phone": actions.participant_client(kari), "store": store}


def plan_form(phone, **overrides) -> dict:
    page = phone.get("/plans/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "id": re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1),
            "date": day(7), "time": "14:00", "school": None, "type": "follow_up", "invited": None,
            "agenda": "Oppfølging av planer", "action": "save"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_plan(setup, **overrides) -> dict:
    phone = setup["kari_phone"]
    data = plan_form(phone, school=setup["school"]["id"], invited=[setup["kari"]["id"], setup["ola"]["id"]])
    data.update(overrides)
    response = phone.post("/plans/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return setup["store"].get("plans", data["id"])


def agenda_of(page: str) -> str:
    return html.unescape(re.search(r'<textarea[^>]*name="agenda"[^>]*>\r?\n?(.*?)</textarea>', page, re.S).group(1))


def test_the_agenda_starts_with_the_schools_open_and_overdue_responsibilities(setup):
    page = setup["kari_phone"].get("/plans/new").get_data(as_text=True)
    assert agenda_of(page).splitlines() == [
        "Oppfølging av planer:",
        f"– Bestille buss (Kari Nordmann, frist {dotted(day(-3))}, forfalt)",
        f"– Lage timeplan (Ola Hansen, frist {dotted(day(10))})",
        "– Rydde lageret (Ola Hansen)",
    ]
    # Her school is chosen, and she is invited; the other schools' agendas come as data for the phone.
    assert re.search(rf'<option selected value="{setup["school"]["id"]}">', page)
    assert re.search(rf'checked[^>]*value="{setup["kari"]["id"]}"|value="{setup["kari"]["id"]}"[^>]*checked', page)
    agendas = json.loads(html.unescape(re.search(r"data-agendas='([^']*)'", page).group(1)))
    assert agendas[setup["other"]["id"]].splitlines()[1] == f"– Male gymsalen (Per Tredje, frist {dotted(day(2))})"
    # Without JavaScript, another school's agenda is suggested by the server.
    form = plan_form(setup["kari_phone"], school=setup["other"]["id"], action="refresh")
    again = setup["kari_phone"].post("/plans/new", data=form).get_data(as_text=True)
    assert "Male gymsalen" in agenda_of(again) and "Bestille buss" not in agenda_of(again)
    assert setup["store"].counts()["plans"] == 0


def test_a_participant_plans_a_meeting_with_an_edited_agenda(setup):
    agenda = "– Lage timeplan (Ola Hansen)\n– Bestille buss (Kari Nordmann)"  # reordered and trimmed
    plan = make_plan(setup, agenda=agenda, time="9.30")
    assert plan["date"] == day(7) and plan["time"] == "09:30" and plan["school"] == setup["school"]["id"]
    assert plan["invited"] == [setup["kari"]["id"], setup["ola"]["id"]] and plan["agenda"] == agenda
    assert plan["author"] == setup["kari"]["id"] and plan["meeting"] is None and plan["type"] == "follow_up"
    page = setup["kari_phone"].get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert "Kari Nordmann, Ola Hansen" in page and "Lage timeplan (Ola Hansen)" in page
    assert f'href="/meetings/new?plan={plan["id"]}"' in page and f'href="/plans/{plan["id"]}.ics"' in page


@pytest.mark.parametrize("change, field, message", [
    ({"date": ""}, "date", "Oppgi datoen for møtet."),
    ({"date": day(-1)}, "date", "Et planlagt møte kan ikke være tilbake i tid."),
    ({"time": "25:00"}, "time", "Skriv klokkeslettet som timer og minutter, for eksempel 14:00."),
    ({"school": ""}, "school", "Velg skolen."),
    ({"invited": []}, "invited", "Velg hvem som er invitert."),
    ({"invited": [str(uuid.uuid4())]}, "invited", "Ikke et gyldig valg."),
    ({"agenda": "x" * 5001}, "agenda", "Høyst 5000 tegn"),
    ({"id": "ikke-en-id"}, "id", "Skjemaet er skadet"),
])
def test_a_bad_plan_is_refused_with_a_translated_reason_and_nothing_is_stored(setup, app, change, field, message):
    phone = setup["kari_phone"]
    data = plan_form(phone, school=setup["school"]["id"], invited=[setup["kari"]["id"]])
    data.update(change)
    response = phone.post("/plans/new", data=data)
    assert response.status_code == 422 and message in html.unescape(response.get_data(as_text=True))
    # And from the phone's outbox: the reasons as JSON, under the field's name.
    later = late_phone(app, phone)
    data.pop("csrf_token")
    answer = later.post("/plans/new", data=data, headers=OUTBOX)
    assert answer.status_code == 422 and answer.json["status"] == "refused"
    assert any(message in text for text in answer.json["errors"][field])
    assert setup["store"].counts()["plans"] == 0


def test_a_plan_is_changed_by_its_author_or_the_leader_and_by_nobody_else(setup, actions, app):
    plan = make_plan(setup)
    phone = setup["kari_phone"]
    assert "/edit" in phone.get(f"/plans/{plan['id']}").get_data(as_text=True)
    page = phone.get(f"/plans/{plan['id']}/edit").get_data(as_text=True)
    assert f'action="/plans/{plan["id"]}/edit"' in page and agenda_of(page) == plan["agenda"]
    data = {"csrf_token": csrf_from(page), "id": plan["id"], "date": day(9), "time": "", "school": setup["school"]["id"],
            "type": "planning", "invited": [setup["kari"]["id"]], "agenda": "– Bare bussen", "action": "save"}
    assert phone.post(f"/plans/{plan['id']}/edit", data=data).status_code == 303
    changed = setup["store"].get("plans", plan["id"])
    assert (changed["date"], changed["time"], changed["invited"], changed["agenda"]) == \
        (day(9), None, [setup["kari"]["id"]], "– Bare bussen")
    # Ola, invited or not, may read it but not change it: 403, nothing changes (nor from his phone's outbox).
    ola = actions.participant_client(setup["ola"])
    assert "/edit" not in ola.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert ola.get(f"/plans/{plan['id']}/edit").status_code == 403
    late = late_phone(app, ola)
    answer = late.post(f"/plans/{plan['id']}/edit", data={**data, "agenda": "Olas"}, headers=OUTBOX)
    assert answer.status_code == 403 and answer.json["status"] == "refused"
    assert late.post("/plans/new", data={**data, "agenda": "Olas"}, headers=OUTBOX).status_code == 403
    assert setup["store"].get("plans", plan["id"]) == changed
    # The leader may; a day in the past is refused, unless it is the plan's own.
    leader = actions.leader_client()
    page = leader.get(f"/plans/{plan['id']}/edit").get_data(as_text=True)
    refused = leader.post(f"/plans/{plan['id']}/edit", data={**data, "csrf_token": csrf_from(page), "date": day(-1)})
    assert refused.status_code == 422 and "Et planlagt møte kan ikke være tilbake i tid." in refused.get_data(as_text=True)
    setup["store"].update("plans", plan["id"], {"date": day(-2)})  # its day has passed
    ok = leader.post(f"/plans/{plan['id']}/edit", data={**data, "csrf_token": csrf_from(page), "date": day(-2),
                                                        "agenda": "Rettet etter møtet"})
    assert ok.status_code == 303
    assert setup["store"].get("plans", plan["id"])["agenda"] == "Rettet etter møtet"


def test_a_plan_queued_on_the_phone_arrives_once_and_is_judged_by_the_day_it_was_written(setup, app):
    phone = setup["kari_phone"]
    data = plan_form(phone, school=setup["school"]["id"], invited=[setup["ola"]["id"]], date=day(-1))
    data.pop("csrf_token")
    # Written yesterday for yesterday afternoon, delivered today: not "in the past" for the one who wrote it.
    data["client_updated_at"] = f"{day(-1)}T08:00:00Z"
    later = late_phone(app, phone)
    first = later.post("/plans/new", data=data, headers=OUTBOX)
    again = later.post("/plans/new", data=data, headers=OUTBOX)
    assert (first.status_code, first.json["status"]) == (201, "created")
    assert (again.status_code, again.json["status"]) == (200, "duplicate")
    assert first.json["location"] == f"/plans/{data['id']}"
    [plan] = setup["store"].find("plans")
    assert plan["id"] == data["id"] and plan["date"] == day(-1) and plan["invited"] == [setup["ola"]["id"]]


def test_the_day_page_names_the_next_meeting_to_those_invited_only(setup, actions, client):
    later = make_plan(setup, date=day(20), time="")
    sooner = make_plan(setup, date=day(6), invited=[setup["ola"]["id"]])
    weekday = format_date(date.fromisoformat(day(6)), "EEEE dd.MM", locale="nb")
    ola_page = actions.participant_client(setup["ola"]).get("/").get_data(as_text=True)
    assert f"Neste møte: {weekday}, Fjellby skole" in ola_page
    assert ola_page.index(f'/plans/{sooner["id"]}"') < ola_page.index(f'/plans/{later["id"]}"')
    kari_page = setup["kari_phone"].get("/").get_data(as_text=True)
    assert f"/plans/{later['id']}\"" in kari_page and f"/plans/{sooner['id']}\"" not in kari_page
    assert "Neste møte: " + format_date(date.fromisoformat(day(20)), "EEEE dd.MM", locale="nb") in kari_page
    per_page = actions.participant_client(setup["per"]).get("/").get_data(as_text=True)
    assert "Neste møte" not in per_page and later["id"] not in per_page
    # Anonymous: nothing of it.
    assert "Fjellby" not in client.get("/").get_data(as_text=True)
    for path in ("/plans/", f"/plans/{later['id']}", f"/plans/{later['id']}.ics"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 401 and "Fjellby" not in body and "VCALENDAR" not in body


def test_the_plans_page_lists_those_ahead_and_the_recent_ones_still_waiting_for_minutes(setup):
    ahead = make_plan(setup, date=day(4))

    def past(offset: int, meeting: str | None = None) -> dict:
        return setup["store"].create("plans", {"date": day(offset), "time": None, "school": setup["school"]["id"],
                                               "type": "planning", "invited": [setup["kari"]["id"]], "agenda": "",
                                               "meeting": meeting}, author=setup["kari"]["id"])[0]
    waiting, met, old = past(-3), past(-2, str(uuid.uuid4())), past(-20)
    page = setup["kari_phone"].get("/plans/").get_data(as_text=True)
    shown = re.findall(r'<a href="/plans/([0-9a-f-]{36})">', page)
    assert shown == [waiting["id"], ahead["id"]]
    # On her day page the one waiting for minutes is offered, but the next meeting is the one ahead.
    day_page = setup["kari_phone"].get("/").get_data(as_text=True)
    assert waiting["id"] in day_page and met["id"] not in day_page and old["id"] not in day_page
    assert "Neste møte: " + format_date(date.fromisoformat(day(4)), "EEEE dd.MM", locale="nb") in day_page


def test_the_day_page_carries_each_plans_data_for_the_phones_meeting_screen(setup):
    plan = make_plan(setup, agenda="Punkt 1\n'Punkt' <2> & 3")
    page = setup["kari_phone"].get("/").get_data(as_text=True)
    carried = json.loads(html.unescape(re.search(r"data-plan-meeting='([^']*)'", page).group(1)))
    assert carried == {"id": plan["id"], "date": plan["date"], "school": setup["school"]["id"], "type": "follow_up",
                       "attendees": [setup["kari"]["id"], setup["ola"]["id"]], "agenda": plan["agenda"]}
    assert "<2>" not in page  # the agenda is data, escaped, never markup


def test_minutes_started_from_a_plan_are_filled_from_it_and_mark_it_met(setup, actions):
    plan = make_plan(setup, agenda="Sak 1: buss")
    phone = actions.participant_client(setup["ola"])
    page = phone.get(f"/meetings/new?plan={plan['id']}").get_data(as_text=True)
    assert f'name="plan" type="hidden" value="{plan["id"]}"' in page
    assert f'name="date" type="date" value="{plan["date"]}"' in page or f'value="{plan["date"]}"' in page
    assert re.search(rf'<option selected value="{setup["school"]["id"]}">', page)
    for person in ("kari", "ola"):
        assert re.search(rf'checked[^>]*value="{setup[person]["id"]}"|value="{setup[person]["id"]}"[^>]*checked', page)
    assert agenda_of(page) == "Sak 1: buss"
    # The school's open ones are there to follow up, and only those.
    followed = re.findall(r'name="followups-\d+-responsibility" type="hidden" value="([^"]+)"', page)
    assert set(followed) == {setup["r"][k]["id"] for k in ("overdue", "later", "undated")}
    meeting_id = re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1)
    response = phone.post("/meetings/new", data={
        "csrf_token": csrf_from(page), "id": meeting_id, "plan": plan["id"], "date": plan["date"],
        "school": setup["school"]["id"], "type": "follow_up", "attendees": [setup["kari"]["id"]],
        "agenda": "Sak 1: buss", "notes": "Bussen er bestilt.", "action": "save"})
    assert response.status_code == 303
    assert setup["store"].get("plans", plan["id"])["meeting"] == meeting_id
    # Met: off the day page, and its page leads to the minutes.
    assert plan["id"] not in setup["kari_phone"].get("/").get_data(as_text=True)
    assert f"/meetings/{meeting_id}" in phone.get(f"/plans/{plan['id']}").get_data(as_text=True)


def test_a_meeting_with_a_damaged_or_unknown_plan_id(setup, actions):
    phone = setup["kari_phone"]
    assert phone.get(f"/meetings/new?plan={uuid.uuid4()}").status_code == 200  # nothing to fill from
    page = phone.get("/meetings/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "id": str(uuid.uuid4()), "date": day(0), "school": setup["school"]["id"],
            "type": "planning", "attendees": [setup["kari"]["id"]], "notes": "Referat", "action": "save"}
    refused = phone.post("/meetings/new", data={**data, "plan": "ikke-en-id"})
    assert refused.status_code == 422 and "Skjemaet er skadet" in refused.get_data(as_text=True)
    assert actions.store().counts()["meetings"] == 0
    # A plan erased meanwhile: the minutes are still saved.
    assert phone.post("/meetings/new", data={**data, "plan": str(uuid.uuid4())}).status_code == 303
    assert actions.store().counts()["meetings"] == 1


def parse_ics(body: bytes) -> list[tuple[str, dict[str, str], str]]:
    """(name, parameters, value) of each content line, unfolded and unescaped (RFC 5545 3.1, 3.3.11)."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF only
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "").split("\r\n")[:-1]
    lines = []
    for line in unfolded:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        value = re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
        lines.append((name, dict(p.split("=", 1) for p in params), value))
    return lines


def test_a_plan_is_one_calendar_event_to_download(setup):
    agenda = "Oppfølging av planer:\n– Bussen; sjåfør, tid\\rute (Kari)\r\n– " + "Lang linje med æøå " * 8
    plan = make_plan(setup, agenda=agenda, time="14:00", date=day(7))
    response = setup["kari_phone"].get(f"/plans/{plan['id']}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="samskaping-{day(7)}.ics"'
    lines = parse_ics(response.data)
    names = [name for name, _params, _value in lines]
    assert names[0] == "BEGIN" and lines[0][2] == "VCALENDAR" and names.count("BEGIN") == 5  # calendar, zone x3, event
    assert ("BEGIN", {}, "VTIMEZONE") in lines and ("TZID", {}, "Europe/Oslo") in lines
    event = lines[lines.index(("BEGIN", {}, "VEVENT")) + 1:lines.index(("END", {}, "VEVENT"))]
    fields = {name: (params, value) for name, params, value in event}
    assert fields["UID"] == ({}, plan["id"])
    assert fields["DTSTART"] == ({"TZID": "Europe/Oslo"}, day(7).replace("-", "") + "T140000")
    assert fields["DTEND"] == ({"TZID": "Europe/Oslo"}, day(7).replace("-", "") + "T150000")
    stamp = datetime.strptime(fields["DTSTAMP"][1], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert abs(stamp - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert fields["SUMMARY"][1] == "Oppfølgingsmøte, Fjellby skole" and fields["LOCATION"][1] == "Fjellby skole"
    assert plan["agenda"] == agenda.strip()
    assert fields["DESCRIPTION"][1] == plan["agenda"].replace("\r\n", "\n")
    # A plan without a time: a whole day.
    whole = make_plan(setup, time="", date=day(8))
    fields = {n: (p, v) for n, p, v in parse_ics(setup["kari_phone"].get(f"/plans/{whole['id']}.ics").data)}
    assert fields["DTSTART"] == ({"VALUE": "DATE"}, day(8).replace("-", ""))
    assert fields["DTEND"] == ({"VALUE": "DATE"}, day(9).replace("-", ""))
    assert "TZID" not in fields
    assert setup["kari_phone"].get(f"/plans/{uuid.uuid4()}.ics").status_code == 404


def test_the_day_page_carries_each_plans_calendar_file_in_its_link(setup):
    """Offline the route cannot answer: on the day page the same file is inside the link (a data: URL)."""
    plan = make_plan(setup, time="09:30", date=day(5))
    page = setup["kari_phone"].get("/").get_data(as_text=True)
    found = re.search(r'href="data:text/calendar;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="([^"]+)"', page)
    assert found and found.group(2) == f"samskaping-{day(5)}.ics"
    carried = [line for line in parse_ics(base64.b64decode(found.group(1))) if line[0] != "DTSTAMP"]
    served = [line for line in parse_ics(setup["kari_phone"].get(f"/plans/{plan['id']}.ics").data) if line[0] != "DTSTAMP"]
    assert carried == served and ("UID", {}, plan["id"]) in carried
    # Elsewhere (the plans page) the link is the route, as before.
    assert f'href="/plans/{plan["id"]}.ics"' in setup["kari_phone"].get("/plans/").get_data(as_text=True)


def test_folding_never_cuts_a_letter_and_escaping_is_undone_by_a_reader():
    line = "DESCRIPTION:" + "ø" * 100
    folded = fold(line)
    pieces = folded.split("\r\n ")
    assert all(len(p.encode()) <= 74 for p in pieces[1:]) and len(pieces[0].encode()) <= 75
    assert "".join(pieces) == line
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_the_leaders_dashboard_lists_the_meetings_of_the_next_14_days(setup, actions):
    soon = make_plan(setup, date=day(3))
    far = make_plan(setup, date=day(20))
    page = actions.leader_client().get("/leader/dashboard").get_data(as_text=True)
    planned = page[page.index('id="planned"'):]
    assert f"/plans/{soon['id']}\"" in planned and far["id"] not in planned
    assert "Planlagte møter" in page
    # The leader plans too (a form posted from the laptop).
    leader = actions.leader_client()
    data = plan_form(leader, school=setup["other"]["id"], invited=[setup["per"]["id"]], date=day(1))
    response = leader.post("/plans/new", data=data)
    assert response.status_code == 303 and setup["store"].get("plans", data["id"])["author"] is None
    # A double tap on "Lagre": the same plan again is a duplicate, not a refusal; one plan is stored.
    again = leader.post("/plans/new", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/plans/{data['id']}")
    assert [p["id"] for p in setup["store"].find("plans")].count(data["id"]) == 1
    # A participant cannot answer for the leader's plan by its id.
    assert setup["kari_phone"].post("/plans/new", data={**data, "csrf_token": plan_form(setup["kari_phone"])["csrf_token"]}).status_code == 403


def test_plans_go_out_in_an_export_and_come_back_identical(setup, actions, other_app, tmp_path):  # noqa: F811
    plan = make_plan(setup)
    document = export_document(actions.store())
    assert [r["id"] for r in document["tables"]["plans"]] == [plan["id"]]
    original = records(actions.store())
    result = other_app.test_cli_runner().invoke(args=["import", str(write(tmp_path, document))])
    assert result.exit_code == 0, result.output
    assert "plans: 1, 0, 0, 0" in result.output
    with other_app.app_context():
        assert records(get_store())["plans"] == original["plans"]
    # A plan missing its school is refused by the import's checks.
    broken = json.loads(json.dumps(document))
    del broken["tables"]["plans"][0]["school"]
    refused = other_app.test_cli_runner().invoke(args=["import", str(write(tmp_path, broken, "feil.json"))])
    assert refused.exit_code != 0 and "school" in refused.output


def test_an_exports_filters_take_plans_by_day_school_and_the_sides_of_those_invited(setup, app):
    from samskaping.core.exchange.export import json_chunks, take_snapshot
    from samskaping.core.exchange.export_filters import Filters
    near = make_plan(setup, date=day(2), invited=[setup["kari"]["id"]])  # Fjellby, kommune
    far = make_plan(setup, date=day(30), school=setup["other"]["id"], invited=[setup["ola"]["id"]])  # entreprenør

    def kept(filters: Filters) -> set[str]:
        with app.test_request_context(), take_snapshot(setup["store"], filters) as snapshot:
            return {r["id"] for r in json.loads(b"".join(json_chunks(snapshot)))["tables"]["plans"]}
    assert kept(Filters()) == {near["id"], far["id"]}
    assert kept(Filters(TODAY, TODAY + timedelta(days=7))) == {near["id"]}
    assert kept(Filters(school=setup["other"]["id"])) == {far["id"]}
    assert kept(Filters(side="entreprenor")) == {far["id"]}


def test_an_invited_person_sees_the_plan_in_their_innsyn_and_is_cut_from_it_when_erased(setup, actions):
    plan = make_plan(setup)
    leader = actions.leader_client()
    page = leader.get(f"/leader/privacy/{setup['ola']['id']}").get_data(as_text=True)
    assert "Planlagte møter de er invitert til eller har planlagt" in page and f"/plans/{plan['id']}" in page
    assert erase(leader, setup["ola"], "Ola Hansen").status_code == 303
    assert setup["store"].get("plans", plan["id"])["invited"] == [setup["kari"]["id"]]


def test_the_schools_page_shows_its_next_planned_meeting_without_minutes(setup):
    later = make_plan(setup, date=day(9))
    sooner = make_plan(setup, date=day(3), time="09:30")
    make_plan(setup, date=day(1), school=setup["other"]["id"])  # another school's, sooner still
    page = setup["kari_phone"].get(f"/schools/{setup['school']['id']}").get_data(as_text=True)
    section = re.search(r'<section class="school-next">(.*?)</section>', page, re.S).group(1)
    assert f"/plans/{sooner['id']}" in section and f"/plans/{later['id']}" not in section
    assert "kl. 09:30" in section and "Fjellby skole" in section
    elsewhere = setup["kari_phone"].get(f"/schools/{setup['other']['id']}").get_data(as_text=True)
    assert f"/plans/{sooner['id']}" not in elsewhere and 'class="school-next"' in elsewhere
