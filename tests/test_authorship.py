"""A record stays what its author wrote: an update by id is taken only from the person who created it,
through the phone's outbox or the ordinary form alike, and a phone's clock cannot make a version
"newest" for ever."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest

from samskaping.charter.forms import DEMO_CHARTER
from samskaping.store.clock import utc_now
from tests.conftest import OUTBOX, meeting_fields
from tests.test_charter import save_charter

FAR_FUTURE = "2999-01-01T00:00:00Z"
REFUSAL = "Bare den som skrev dette, kan endre det. Ingenting ble endret."


@pytest.fixture
def project(actions):
    school = actions.school()
    kari = actions.person("Kari Nordmann", "kommune", school)
    ola = actions.person("Ola Coach", "entreprenor", school)
    leader = actions.leader_client()
    save_charter(actions, leader, **DEMO_CHARTER)
    phones = {"kari_phone": actions.participant_client(kari), "ola_phone": actions.participant_client(ola)}
    for client, page in ((phones["kari_phone"], "/"), (phones["ola_phone"], "/"), (leader, "/leader/")):
        assert client.get(page).status_code == 200  # shows (and so ends) the welcome message
    return {"school": school, "kari": kari, "ola": ola, "leader": leader, **phones}


def kari_writes(actions, project, form: str) -> tuple[str, str, str, dict]:
    """Kari's phone stores one record of the given form; returns (table, id, url to post to, fields)."""
    phone, record_id = project["kari_phone"], str(uuid.uuid4())
    if form == "meeting":
        url, table, fields = "/meetings/new", "meetings", meeting_fields(project["school"], project["kari"],
                                                                         "Kari skrev dette", what="Plan: Kari skrev dette")
    elif form == "followup":
        responsibility, _ = actions.store().create("responsibilities", {
            "what": "Ringe foreldrene", "owner": project["kari"]["id"], "side": "kommune", "due": None,
            "status": "not_started", "meeting": None, "school": project["school"]["id"]})
        url, table, fields = f"/responsibilities/{responsibility['id']}", "followups", {
            "status": "in_progress", "comment": "Kari har ringt tre"}
    elif form == "feedback":
        url, table, fields = "/feedback/new", "feedback", {
            "to": project["ola"]["id"], "worked": "Godt forberedt", "improve": "Kom litt før"}
    else:
        charter_id = actions.store().find("charters")[0]["id"]
        url, table, fields = "/charter/questions", "questions", {"charter": charter_id, "text": "Hva betyr punkt 2?"}
    fields = {**fields, "id": record_id, "client_updated_at": "2026-11-20T10:00:00Z"}
    response = phone.post(url, data=fields, headers=OUTBOX)
    assert response.status_code == 201, response.get_data(as_text=True)
    return table, record_id, url, fields


def pages_showing(project, table: str, record_id: str, actions) -> list[bytes]:
    """Every page that shows the record, as its readers get them; left out are what each request makes anew:
    CSRF tokens and the fresh id of a new follow-up form on the page."""
    record = actions.store().get(table, record_id)
    paths = {"meetings": [(project["kari_phone"], f"/meetings/{record_id}"), (project["ola_phone"], f"/meetings/{record_id}")],
             "followups": [(project["kari_phone"], f"/responsibilities/{record.get('responsibility')}")],
             "feedback": [(project["ola_phone"], f"/feedback/{record_id}"), (project["leader"], f"/feedback/{record_id}")],
             "questions": [(project["leader"], "/charter/questions")]}[table]
    pages = []
    for client, path in paths:
        response = client.get(path)
        assert response.status_code == 200
        pages.append(re.sub(rb'(csrf_token"[^>]*value="|"X-CSRFToken": "|name="id" type="hidden" value=")[^"]+', b"",
                            response.get_data()))
    return pages


@pytest.mark.parametrize("form", ["meeting", "followup", "feedback", "question"])
@pytest.mark.parametrize("way", ["outbox", "form"])
def test_another_person_cannot_change_a_record_by_its_id(actions, project, form, way):
    table, record_id, url, fields = kari_writes(actions, project, form)
    before_store = actions.store().counts()
    before_pages = pages_showing(project, table, record_id, actions)
    # Read after the pages: a feedback's recipient opening it marks it seen (seen_at), which is hers to change.
    before_record = actions.store().get(table, record_id)
    related = {name: actions.store().find(name) for name in ("responsibilities", "followups")}

    ola = project["ola_phone"]
    forged = {**fields, "client_updated_at": FAR_FUTURE}
    for name in ("notes", "comment", "worked", "text"):
        if name in forged:
            forged[name] = "Ola overskrev dette"
    if form == "meeting":
        forged["responsibilities-0-what"] = "Ola sin plan"
    if form == "feedback":
        forged["to"] = project["kari"]["id"]
    if way == "outbox":
        response = ola.post(url, data=forged, headers=OUTBOX)
        assert response.status_code == 403
        assert response.get_json() == {"status": "refused", "errors": {}, "message": REFUSAL}
    else:
        token = actions.token(ola, "/")
        response = ola.post(url, data={**forged, "csrf_token": token})
        assert response.status_code == 403
        assert REFUSAL in response.get_data(as_text=True)

    assert actions.store().get(table, record_id) == before_record
    assert actions.store().counts() == before_store
    assert {name: actions.store().find(name) for name in related} == related
    assert pages_showing(project, table, record_id, actions) == before_pages


def test_the_author_may_still_correct_their_own_record(actions, project):
    table, record_id, url, fields = kari_writes(actions, project, "meeting")
    response = project["kari_phone"].post(url, data={**fields, "notes": "Rettet av Kari",
                                                     "client_updated_at": "2026-11-20T11:00:00Z"}, headers=OUTBOX)
    assert response.status_code == 200 and response.get_json()["status"] == "updated"
    assert actions.store().get("meetings", record_id)["notes"] == "Rettet av Kari"


def test_a_phone_clock_in_the_future_cannot_make_a_version_permanent(actions, project):
    """A time ahead of the laptop's is taken as the moment it arrived, so a later correction still wins."""
    table, record_id, url, fields = kari_writes(actions, project, "meeting")
    phone = project["kari_phone"]
    before = datetime.fromisoformat(utc_now())
    future = phone.post(url, data={**fields, "notes": "Fra år 2999", "client_updated_at": FAR_FUTURE}, headers=OUTBOX)
    assert future.get_json()["status"] == "updated"
    stored_at = datetime.fromisoformat(actions.store().get("meetings", record_id)["client_updated_at"])
    assert before <= stored_at <= datetime.fromisoformat(utc_now())
    later = (datetime.fromisoformat(utc_now()) + timedelta(seconds=1)).isoformat()
    correction = phone.post(url, data={**fields, "notes": "Rettet etterpå", "client_updated_at": later}, headers=OUTBOX)
    assert correction.get_json()["status"] == "updated"
    assert actions.store().get("meetings", record_id)["notes"] == "Rettet etterpå"


def test_an_acceptance_or_a_barometer_answer_is_always_the_senders_own(app, actions, project):
    """Their ids come from the person who sends them: another person's post makes their own record."""
    charter_id = actions.store().find("charters")[0]["id"]
    kari, ola = project["kari_phone"], project["ola_phone"]
    assert kari.post("/charter/accept", data={"id": str(uuid.uuid4()), "charter": charter_id}, headers=OUTBOX).status_code == 201
    [karis] = actions.store().find("acceptances")
    answer = ola.post("/charter/accept", data={"id": karis["id"], "charter": charter_id,
                                               "client_updated_at": FAR_FUTURE}, headers=OUTBOX)
    assert answer.status_code == 201
    assert actions.store().get("acceptances", karis["id"]) == karis
    assert {a["person"] for a in actions.store().find("acceptances")} == {project["kari"]["id"], project["ola"]["id"]}
