"""The charter: the leader writes versions, everyone can see what changed, and each participant
accepts each version once (also from the phone's outbox); questions reach the leader and answers the asker."""
from __future__ import annotations

import re
import uuid

import pytest

from samskaping.charter.forms import DEMO_CHARTER, TEXT_FIELDS, word_diff
from samskaping.charter.views import current_charter, dashboard_context, needs_acceptance
from tests.conftest import OUTBOX, late_phone as phone_without_session


def save_charter(actions, leader, **changes):
    """The leader opens the editor (pre-filled with the current version), changes fields, saves."""
    page = leader.get("/charter/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    base = re.search(r'name="base_version"[^>]*value="(\d+)"', html).group(1)
    fields = {"csrf_token": actions.token(leader, "/charter/edit"), "base_version": base,
              **{name: current_text(actions).get(name, "") for name in TEXT_FIELDS}, **changes}
    return leader.post("/charter/edit", data=fields)


def current_text(actions) -> dict:
    with actions.app.test_request_context():
        return current_charter() or {}


def form_value(html: str, action: str, name: str) -> str:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.DOTALL).group(0)
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', form).group(1)


@pytest.fixture
def project(actions):
    leader = actions.leader_client()
    school = actions.school()
    kari = actions.person("Kari Nordmann", "kommune", school)
    ola = actions.person("Ola Coach", "entreprenor", school)
    return {"leader": leader, "kari": kari, "ola": ola,
            "kari_phone": actions.participant_client(kari), "ola_phone": actions.participant_client(ola)}


def test_saving_creates_versions_and_an_unchanged_save_creates_none(actions, project):
    leader = project["leader"]
    first = save_charter(actions, leader, **DEMO_CHARTER)
    assert first.status_code == 303 and first.headers["Location"].endswith("/charter/")
    assert "Versjon 1 av samarbeidsavtalen er lagret" in leader.get("/charter/").get_data(as_text=True)
    unchanged = save_charter(actions, leader)
    assert unchanged.status_code == 303
    assert "Ingenting ble endret" in leader.get("/charter/").get_data(as_text=True)
    assert actions.store().counts()["charters"] == 1
    second = save_charter(actions, leader, goal=DEMO_CHARTER["goal"] + " Vi evaluerer hvert halvår.")
    assert second.status_code == 303
    stored = sorted(actions.store().find("charters"), key=lambda c: c["version"])
    assert [c["version"] for c in stored] == [1, 2]
    assert stored[0]["goal"] == DEMO_CHARTER["goal"]  # the earlier version is kept as it was
    assert stored[1]["goal"].endswith("Vi evaluerer hvert halvår.")
    saved = [a for a in actions.store().find("audit") if a["event"] == "charter_saved"]
    assert sorted(a["version"] for a in saved) == [1, 2] and all("goal" not in a for a in saved)
    versions = leader.get("/charter/versions").get_data(as_text=True)
    assert "Versjon 2" in versions and "Versjon 1" in versions and "prosjektleder" in versions
    assert DEMO_CHARTER["goal"] in project["kari_phone"].get("/charter/versions/1").get_data(as_text=True)
    assert project["kari_phone"].get("/charter/versions/3").status_code == 404
    for not_a_number in ("x", "²", "1.0", "9" * 40):
        assert project["kari_phone"].get(f"/charter/versions/{not_a_number}").status_code == 404, not_a_number


def test_the_editor_is_prefilled_and_refuses_an_empty_goal(actions, project):
    leader = project["leader"]
    save_charter(actions, leader, **DEMO_CHARTER)
    assert DEMO_CHARTER["routines"].split("\n")[0] in leader.get("/charter/edit").get_data(as_text=True)
    response = save_charter(actions, leader, goal="  ")
    assert response.status_code == 422 and "Skriv det overordnede målet." in response.get_data(as_text=True)
    assert actions.store().counts()["charters"] == 1


def test_a_save_based_on_an_old_version_is_not_silently_replacing_a_newer_one(actions, project):
    leader = project["leader"]
    save_charter(actions, leader, **DEMO_CHARTER)
    token = actions.token(leader, "/charter/edit")
    stale = {"csrf_token": token, "base_version": "0", **DEMO_CHARTER, "goal": "Et annet mål"}
    response = leader.post("/charter/edit", data=stale)
    assert response.status_code == 409 and "En nyere versjon (1)" in response.get_data(as_text=True)
    assert actions.store().counts()["charters"] == 1


def test_the_diff_shows_what_changed_word_by_word(actions, project):
    leader = project["leader"]
    save_charter(actions, leader, **DEMO_CHARTER)
    save_charter(actions, leader, goal=DEMO_CHARTER["goal"].replace("trygt og inkluderende", "trygt og raust"),
                 routines=DEMO_CHARTER["routines"] + "\nProsjektleder sender månedsbrev.")
    page = project["kari_phone"].get("/charter/diff")  # default: previous → current
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<del class="ch-del"><span class="visually-hidden">\[fjernet: </span>inkluderende<', html)
    assert re.search(r'<ins class="ch-ins"><span class="visually-hidden">\[lagt til: </span>raust<', html)
    assert "Prosjektleder sender månedsbrev." in html and "Fra versjon 1" in html
    assert "Roller og ansvar for kommunen" in html  # listed among the unchanged fields
    assert html.count('class="ch-field"') == 2
    same = project["kari_phone"].get("/charter/diff?old=2&new=2").get_data(as_text=True)
    assert "De to versjonene har samme tekst." in same


@pytest.mark.parametrize("old, new", [
    ("Coach kommer hver tirsdag.", "Coach kommer hver onsdag og torsdag."),
    ("Møte en gang i måneden, med referat.", "Møte annenhver uke, med referat."),
    ("Slutt.", "Slutt.\nNy linje."),
    ("Første linje.\nAndre linje.", "Første linje."),
    ("", "Helt ny tekst"),
])
def test_word_diff_keeps_every_word_of_both_texts(old, new):
    segments = word_diff(old, new)
    assert "".join(t for op, t in segments if op != "insert").split() == old.split()
    assert "".join(t for op, t in segments if op != "delete").split() == new.split()


def test_a_replaced_passage_is_one_deletion_and_one_insertion():
    assert word_diff("Møte en gang i måneden, med referat.", "Møte annenhver uke, med referat.") == [
        ("equal", "Møte "), ("delete", "en gang i måneden"), ("insert", "annenhver uke"), ("equal", ", med referat.")]
    assert word_diff("Slutt.", "Slutt.\nNy linje.") == [("equal", "Slutt.\n"), ("insert", "Ny linje.")]


def test_an_acceptance_is_stored_once_however_often_it_arrives(app, actions, project):
    save_charter(actions, project["leader"], **DEMO_CHARTER)
    phone = project["kari_phone"]
    page = phone.get("/charter/").get_data(as_text=True)
    assert "Jeg har lest og slutter meg til" in page and "data-outbox" in page
    charter_id = form_value(page, "/charter/accept", "charter")
    fields = {"id": str(uuid.uuid4()), "charter": charter_id, "csrf_token": actions.token(phone, "/charter/")}
    assert phone.post("/charter/accept", data=fields).status_code == 303
    assert phone.post("/charter/accept", data=fields).status_code == 303  # a double tap
    # The outbox delivers a copy days later, without a token; and a second phone of hers sends its own.
    late = phone_without_session(app, phone)
    answer = late.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": charter_id}, headers=OUTBOX)
    assert answer.status_code == 200 and answer.get_json()["status"] == "duplicate"
    second_phone = actions.participant_client(project["kari"])
    second_phone.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": charter_id,
                                               "csrf_token": actions.token(second_phone, "/charter/")})
    acceptances = actions.store().find("acceptances")
    assert len(acceptances) == 1
    assert {k: acceptances[0][k] for k in ("person", "charter", "version", "side")} == {
        "person": project["kari"]["id"], "charter": charter_id, "version": 1, "side": "kommune"}
    assert acceptances[0]["id"] == str(uuid.uuid5(uuid.UUID(charter_id), project["kari"]["id"]))
    assert "Du godtok versjon 1" in phone.get("/charter/").get_data(as_text=True)


def test_an_offline_acceptance_is_created_by_the_outbox_and_a_bad_one_refused(app, actions, project):
    save_charter(actions, project["leader"], **DEMO_CHARTER)
    late = phone_without_session(app, project["ola_phone"])
    charter_id = current_text(actions)["id"]
    first = late.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": charter_id}, headers=OUTBOX)
    assert first.status_code == 201 and first.get_json()["status"] == "created"
    assert first.get_json()["location"] == "/charter/" and "versjon 1" in first.get_json()["message"]
    refused = late.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": str(uuid.uuid4())}, headers=OUTBOX)
    assert refused.status_code == 422 and "charter" in refused.get_json()["errors"]
    assert actions.store().counts()["acceptances"] == 1
    no_token = project["kari_phone"].post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": charter_id})
    assert no_token.status_code == 400 and actions.store().counts()["acceptances"] == 1


def test_a_new_version_asks_everyone_again(app, actions, project):
    leader, phone = project["leader"], project["kari_phone"]
    save_charter(actions, leader, **DEMO_CHARTER)
    v1 = current_text(actions)["id"]
    phone.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": v1, "csrf_token": actions.token(phone, "/charter/")})
    with app.test_request_context():
        assert needs_acceptance(actions.store().get("people", project["kari"]["id"])) is None
        assert needs_acceptance(actions.store().get("people", project["ola"]["id"]))["version"] == 1
    overview = leader.get("/charter/acceptance").get_data(as_text=True)
    assert "1 av 1 har godtatt versjon 1" in overview and "0 av 1 har godtatt versjon 1" in overview
    save_charter(actions, leader, kommune_expects="At coachen gir beskjed en uke før.")
    with app.test_request_context():
        assert needs_acceptance(actions.store().get("people", project["kari"]["id"]))["version"] == 2
    page = phone.get("/charter/").get_data(as_text=True)
    assert "Du godtok versjon 1" in page and "nå versjon 2" in page
    assert "/charter/diff?old=1&amp;new=2" in page and "Jeg har lest og slutter meg til" in page
    overview = leader.get("/charter/acceptance").get_data(as_text=True)
    assert "0 av 1 har godtatt versjon 2" in overview and "Godtok versjon 1" in overview
    assert re.search(r"Mangler fortsatt:\s*Kari Nordmann", overview)


def test_the_dashboard_partial_shows_acceptance_per_side(app, actions, project):
    save_charter(actions, project["leader"], **DEMO_CHARTER)
    late = phone_without_session(app, project["ola_phone"])
    late.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": current_text(actions)["id"]}, headers=OUTBOX)
    with app.test_request_context():
        summary = dashboard_context()
        assert summary["version"] == 1 and (summary["accepted"], summary["total"]) == (1, 2)
        assert summary["missing"] == ["Kari Nordmann"] and summary["open_questions"] == 0
        from flask import render_template_string
        html = render_template_string('{% include "charter/_dashboard.html" %}', charter_summary=summary)
    assert "Forankring" in html and "1 av 1" in html and "0 av 1" in html and "Kari Nordmann" in html
    assert "/charter/acceptance" in html


def test_a_question_reaches_the_leader_and_the_answer_only_the_asker(app, actions, project):
    leader, kari, ola = project["leader"], project["kari_phone"], project["ola_phone"]
    save_charter(actions, leader, **DEMO_CHARTER)
    charter_id = current_text(actions)["id"]
    question = {"id": str(uuid.uuid4()), "charter": charter_id, "text": "Hvem betaler for materiell til øktene?"}
    late = phone_without_session(app, kari)
    for expected in ("created", "duplicate"):
        assert late.post("/charter/questions", data=question, headers=OUTBOX).get_json()["status"] == expected
    assert actions.store().counts()["questions"] == 1
    listing = leader.get("/charter/questions").get_data(as_text=True)
    assert "Hvem betaler for materiell til øktene?" in listing and "Kari Nordmann" in listing
    assert "Ikke besvart ennå." in kari.get("/charter/").get_data(as_text=True)
    prefix = f"q{question['id']}"
    empty = leader.post(f"/charter/questions/{question['id']}/answer",
                        data={"csrf_token": actions.token(leader, "/charter/questions"), f"{prefix}-answer": ""})
    assert empty.status_code == 422 and "Skriv et svar." in empty.get_data(as_text=True)
    answered = leader.post(f"/charter/questions/{question['id']}/answer", data={
        "csrf_token": actions.token(leader, "/charter/questions"), f"{prefix}-answer": "Kommunen dekker materiellet."})
    assert answered.status_code == 303
    assert "Kommunen dekker materiellet." in kari.get("/charter/").get_data(as_text=True)
    other = ola.get("/charter/").get_data(as_text=True)
    assert "Kommunen dekker materiellet." not in other and "Hvem betaler" not in other
    assert actions.store().get("questions", question["id"])["answered_at"]
    assert "Ingen åpne spørsmål." in leader.get("/charter/questions").get_data(as_text=True)


def test_participants_cannot_edit_or_answer_and_anonymous_visitors_see_nothing(app, actions, project):
    phone = project["kari_phone"]
    save_charter(actions, project["leader"], **DEMO_CHARTER)
    token = actions.token(phone, "/charter/")
    assert phone.get("/charter/edit").status_code == 403
    posted = phone.post("/charter/edit", data={"csrf_token": token, "base_version": "1", **DEMO_CHARTER, "goal": "Nytt"})
    assert posted.status_code == 403 and actions.store().counts()["charters"] == 1
    late = phone_without_session(app, phone)
    assert late.post("/charter/edit", data={**DEMO_CHARTER, "base_version": "1"}, headers=OUTBOX).status_code in (401, 403)
    assert actions.store().counts()["charters"] == 1
    for path in ("/charter/acceptance", "/charter/questions"):
        assert phone.get(path).status_code == 403
    assert "Endre samarbeidsavtalen" not in phone.get("/charter/").get_data(as_text=True)
    anonymous = app.test_client()
    for path in ("/charter/", "/charter/versions", "/charter/diff", "/charter/versions/1"):
        response = anonymous.get(path)
        assert response.status_code == 401 and DEMO_CHARTER["goal"] not in response.get_data(as_text=True)
    assert anonymous.get("/charter/edit").status_code == 302  # to the leader's sign-in
    refused = anonymous.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": current_text(actions)["id"]},
                             headers=OUTBOX)
    assert refused.status_code == 401 and actions.store().counts()["acceptances"] == 0


def test_before_the_charter_is_written(actions, project):
    page = project["kari_phone"].get("/charter/").get_data(as_text=True)
    assert "Prosjektleder har ikke skrevet samarbeidsavtalen ennå." in page
    assert "Jeg har lest" not in page
    assert "Skriv samarbeidsavtalen" in project["leader"].get("/charter/").get_data(as_text=True)
    assert project["kari_phone"].get("/charter/diff").status_code == 404
