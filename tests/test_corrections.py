"""Correcting what was sent: the author corrects her own meeting or feedback (online or from the phone's outbox),
each correction is kept as a version the record's readers see, nobody else may correct; the leader corrects
people and schools with their history; an empty meeting is refused with a field to fix."""
from __future__ import annotations

import re
import uuid

import pytest

from samskaping.core.erasure.plan import plan_erasure
from samskaping.core.exchange.import_file import ImportProblem, check_record
from samskaping.core.personal_data import Subject
from samskaping.participants.meetings import child_id
from tests.conftest import OUTBOX, csrf_from, late_phone

SENT = "2026-11-20T10:00:00Z"        # when the phone says the meeting was written
CORRECTED = "2026-11-21T09:30:00Z"   # and corrected (both before any day the tests run on)
REFUSAL = "Bare den som skrev dette, kan endre det. Ingenting ble endret."
EMPTY = "Skriv saksliste, referat, beslutninger eller et avtalt ansvar: et tomt møte lagres ikke."
FIX = "Noen felt må rettes: rett det som er merket, og send på nytt."


@pytest.fixture
def world(actions):
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    per = actions.person("Per Tredje", school=school)
    return {"school": school, "kari": kari, "ola": ola, "per": per, "leader": actions.leader_client(),
            "kari_phone": actions.participant_client(kari), "ola_phone": actions.participant_client(ola),
            "per_phone": actions.participant_client(per)}


def meeting_fields(world, **overrides) -> dict:
    """The meeting as Kari's phone sends it from its outbox: two agreed responsibilities."""
    fields = {"id": overrides.pop("id", None) or str(uuid.uuid4()), "date": "2026-11-20", "school": world["school"]["id"],
              "type": "planning", "attendees": [world["kari"]["id"], world["ola"]["id"]], "guests": "",
              "agenda": "Plan for våren", "notes": "Vi snakket om timeplanen.", "decisions": "",
              "responsibilities-0-what": "Lage timeplan", "responsibilities-0-owner": world["kari"]["id"],
              "responsibilities-0-due": "2026-12-01",
              "responsibilities-1-what": "Forberede økt", "responsibilities-1-owner": world["ola"]["id"],
              "action": "save", "client_updated_at": SENT}
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def kari_sends_a_meeting(world, actions) -> dict:
    response = world["kari_phone"].post("/meetings/new", data=meeting_fields(world), headers=OUTBOX)
    assert response.status_code == 201, response.get_data(as_text=True)
    return actions.store().get("meetings", response.get_json()["id"])


def correction(meeting: dict, world, **overrides) -> dict:
    """Kari's correction, as the correction form sends it: the same id, the rows where they were agreed."""
    return meeting_fields(world, id=meeting["id"], client_updated_at=CORRECTED, **overrides)


def test_the_author_opens_her_meeting_filled_in_with_its_rows_and_no_follow_ups(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    detail = world["kari_phone"].get(f"/meetings/{meeting['id']}").get_data(as_text=True)
    assert f'href="/meetings/{meeting["id"]}/edit"' in detail and "Rett møtet" in detail
    page = world["kari_phone"].get(f"/meetings/{meeting['id']}/edit").get_data(as_text=True)
    assert f'action="/meetings/{meeting["id"]}/edit"' in page and f'value="{meeting["id"]}"' in page
    assert re.search(r'name="responsibilities-0-what"[^>]*value="Lage timeplan"', page)
    assert re.search(r'name="responsibilities-1-what"[^>]*value="Forberede økt"', page)
    assert re.search(r'name="responsibilities-2-what"', page)  # one empty row more
    assert 'value="2026-11-20"' in page and "Vi snakket om timeplanen." in page
    assert "data-followups" not in page and "followups-" not in page.replace("followups-__INDEX__", "")
    assert "data-correction" in page
    # Nobody else is offered the link.
    assert "/edit" not in world["ola_phone"].get(f"/meetings/{meeting['id']}").get_data(as_text=True)


def test_a_correction_from_the_outbox_is_kept_as_a_version_that_every_reader_sees(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    later = late_phone(actions.app, world["kari_phone"])  # days later: only the device cookie is left
    response = later.post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=correction(
        meeting, world, notes="Vi snakket om timeplanen og om bussen.", decisions="Bussen bestilles.",
        **{"responsibilities-0-what": "Lage timeplan for våren"}))
    assert response.status_code == 200 and response.get_json()["status"] == "updated"
    store = actions.store()
    stored = store.get("meetings", meeting["id"])
    assert stored["notes"] == "Vi snakket om timeplanen og om bussen." and stored["decisions"] == "Bussen bestilles."
    [version] = stored["history"]
    assert version["by"] == world["kari"]["id"] and version["at"].startswith("2026-11-21T09:30")
    assert version["changes"] == {"notes": ["Vi snakket om timeplanen.", "Vi snakket om timeplanen og om bussen."],
                                  "decisions": ["", "Bussen bestilles."]}
    # The responsibility keeps its id (and its status): reworded, not a second one.
    agreed = store.find("responsibilities", meeting=meeting["id"])
    assert len(agreed) == 2
    first = store.get("responsibilities", child_id(meeting["id"], "responsibility:0"))
    assert first["what"] == "Lage timeplan for våren" and first["status"] == "not_started"
    assert first["history"][0]["changes"] == {"what": ["Lage timeplan", "Lage timeplan for våren"]}
    for reader in (world["ola_phone"], world["per_phone"], world["leader"], world["kari_phone"]):
        page = reader.get(f"/meetings/{meeting['id']}").get_data(as_text=True)
        assert "Versjoner" in page
        assert ("Endret 21.11.2026 av Kari Nordmann: Referat, Beslutninger, "
                "Avtalt ansvar «Lage timeplan for våren»: ordlyd") in page
        assert "Før: Vi snakket om timeplanen." in page and "Etter: Bussen bestilles." in page
    # The same correction delivered again (a lost answer) changes nothing more.
    again = later.post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=correction(
        meeting, world, notes="Vi snakket om timeplanen og om bussen.", decisions="Bussen bestilles.",
        **{"responsibilities-0-what": "Lage timeplan for våren"}))
    assert again.get_json()["status"] == "duplicate"
    assert len(store.get("meetings", meeting["id"])["history"]) == 1


def test_the_correction_form_posted_without_javascript_saves_and_shows_the_version(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    phone = world["kari_phone"]
    token = csrf_from(phone.get(f"/meetings/{meeting['id']}/edit").get_data(as_text=True))
    data = correction(meeting, world, agenda="Plan for våren og sommeren", csrf_token=token)
    del data["client_updated_at"]  # a plain form post: the laptop's own time
    response = phone.post(f"/meetings/{meeting['id']}/edit", data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/meetings/{meeting['id']}"
    page = phone.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rettelsen er lagret." in page and ": Saksliste</summary>" in page


@pytest.mark.parametrize("way", ["outbox", "form"])
def test_a_correction_by_another_person_is_refused_and_changes_nothing(world, actions, way):
    meeting = kari_sends_a_meeting(world, actions)
    before = actions.store().get("meetings", meeting["id"])
    counts = actions.store().counts()
    ola = world["ola_phone"]
    assert ola.get(f"/meetings/{meeting['id']}/edit").status_code == 403
    data = correction(meeting, world, notes="Ola skriver om det.")
    if way == "outbox":
        response = ola.post(f"/meetings/{meeting['id']}/edit", data=data, headers=OUTBOX)
        assert response.status_code == 403 and response.get_json()["message"] == REFUSAL
    else:
        data["csrf_token"] = csrf_from(ola.get("/meetings/new").get_data(as_text=True))
        response = ola.post(f"/meetings/{meeting['id']}/edit", data=data)
        assert response.status_code == 403 and REFUSAL in response.get_data(as_text=True)
    assert actions.store().get("meetings", meeting["id"]) == before
    assert actions.store().counts() == counts
    # The leader corrects people and schools, not what a participant wrote.
    assert world["leader"].get(f"/meetings/{meeting['id']}/edit").status_code in (302, 303, 403)


def test_a_correction_does_not_resend_follow_ups_even_if_asked(world, actions):
    store = actions.store()
    open_one, _ = store.create("responsibilities", {"what": "Ringe foreldrene", "owner": world["ola"]["id"],
                                                    "side": "entreprenor", "due": None, "status": "not_started",
                                                    "meeting": None, "school": world["school"]["id"]})
    fields = meeting_fields(world, **{"followups-0-responsibility": open_one["id"], "followups-0-status": "in_progress",
                                      "followups-0-comment": "Har startet"})
    response = world["kari_phone"].post("/meetings/new", data=fields, headers=OUTBOX)
    assert response.status_code == 201
    meeting = store.get("meetings", response.get_json()["id"])
    # Later Ola follows it up as done; then Kari corrects the meeting with the old row still in the request.
    store.update("responsibilities", open_one["id"], {"status": "done"})
    followups = store.find("followups")
    response = world["kari_phone"].post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=correction(
        meeting, world, notes="Rettet", **{"followups-0-responsibility": open_one["id"],
                                           "followups-0-status": "not_started", "followups-0-comment": "Gammel"}))
    assert response.status_code == 200
    assert store.get("responsibilities", open_one["id"])["status"] == "done"
    assert store.find("followups") == followups


def test_a_correction_adds_a_responsibility_once_but_cannot_empty_an_agreed_one(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    phone, store = world["kari_phone"], actions.store()
    emptied = phone.post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX,
                         data=correction(meeting, world, **{"responsibilities-0-what": ""}))
    assert emptied.status_code == 422 and emptied.get_json()["message"] == FIX
    assert emptied.get_json()["errors"]["responsibilities-0-what"] == [
        "Et ansvar som alt er avtalt, kan ikke fjernes: følg det opp i stedet."]
    assert store.get("meetings", meeting["id"]).get("history") is None
    # A new row after an empty one: stored at its own row, so the same correction sent twice stores it once.
    added = correction(meeting, world, **{"responsibilities-2-what": "", "responsibilities-3-what": "Bestille buss",
                                          "responsibilities-3-owner": world["ola"]["id"]})
    for _ in range(2):
        assert phone.post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=added).status_code == 200
    agreed = store.find("responsibilities", meeting=meeting["id"])
    assert sorted(r["what"] for r in agreed) == ["Bestille buss", "Forberede økt", "Lage timeplan"]
    assert store.get("responsibilities", child_id(meeting["id"], "responsibility:3"))["what"] == "Bestille buss"
    page = phone.get(f"/meetings/{meeting['id']}/edit").get_data(as_text=True)
    assert re.search(r'name="responsibilities-3-what"[^>]*value="Bestille buss"', page)
    assert re.search(r'name="responsibilities-2-what"[^>]*value=""', page)


def test_a_correction_for_another_meetings_id_is_refused(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    other = kari_sends_a_meeting(world, actions)
    response = world["kari_phone"].post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX,
                                        data=correction(other, world, notes="Feil møte"))
    assert response.status_code == 422
    assert response.get_json()["errors"]["id"] == ["Dette skjemaet hører til et annet møte."]
    assert actions.store().get("meetings", other["id"])["notes"] == "Vi snakket om timeplanen."


@pytest.mark.parametrize("way", ["outbox", "form"])
def test_an_empty_meeting_is_refused_with_the_field_to_fix(world, actions, way):
    empty = meeting_fields(world, agenda="", notes="", decisions="", **{
        "responsibilities-0-what": "", "responsibilities-1-what": ""})
    before = actions.store().counts()
    phone = world["kari_phone"]
    if way == "outbox":
        response = phone.post("/meetings/new", data=empty, headers=OUTBOX)
        assert response.status_code == 422
        assert response.get_json() == {"status": "refused", "errors": {"notes": [EMPTY]}, "message": FIX}
    else:
        page = phone.get("/meetings/new").get_data(as_text=True)
        response = phone.post("/meetings/new", data={**empty, "csrf_token": csrf_from(page)})
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert EMPTY in text and "Noen felt må rettes" in text
    assert actions.store().counts() == before
    # One of them is enough: a meeting of only an agreed responsibility is a meeting.
    only_row = meeting_fields(world, agenda="", notes="", decisions="", **{"responsibilities-1-what": ""})
    assert phone.post("/meetings/new", data=only_row, headers=OUTBOX).status_code == 201


def test_the_meeting_form_says_what_a_meeting_needs(world):
    page = world["kari_phone"].get("/meetings/new").get_data(as_text=True)
    form = re.search(r"<form[^>]*data-kind=\"meeting\"[^>]*>", page).group(0)
    assert 'data-one-of=\'[name=agenda],[name=notes],[name=decisions],[name$="-what"]\'' in form
    assert 'data-one-of-field="notes"' in form and f'data-one-of-message="{EMPTY}"' in form
    assert re.search(r'<input[^>]*id="date"[^>]*required', page) and re.search(r'<select[^>]*id="school"[^>]*required', page)


# ---- Feedback: the giver reads and corrects it; the recipient and the leader read it; nobody else ----------

def kari_gives_feedback(world) -> str:
    feedback_id = str(uuid.uuid4())
    response = world["kari_phone"].post("/feedback/new", headers=OUTBOX, data={
        "id": feedback_id, "to": world["ola"]["id"], "worked": "Godt forberedt", "improve": "",
        "client_updated_at": SENT})
    assert response.status_code == 201
    return feedback_id


def test_the_giver_reads_and_corrects_her_feedback_and_its_readers_see_the_version(world, actions):
    feedback_id = kari_gives_feedback(world)
    kari = world["kari_phone"]
    page = kari.get(f"/feedback/{feedback_id}")
    assert page.status_code == 200 and "Godt forberedt" in page.get_data(as_text=True)
    assert f"/feedback/{feedback_id}/edit" in page.get_data(as_text=True)
    assert "Tilbakemeldinger jeg har gitt" in kari.get("/feedback/").get_data(as_text=True)
    form = kari.get(f"/feedback/{feedback_id}/edit").get_data(as_text=True)
    assert "Godt forberedt" in form and 'data-kind="feedback_correction"' in form
    response = late_phone(actions.app, kari).post(f"/feedback/{feedback_id}/edit", headers=OUTBOX, data={
        "id": feedback_id, "to": world["per"]["id"], "worked": "Godt forberedt", "improve": "Send dagsorden før møtet",
        "client_updated_at": CORRECTED})
    assert response.status_code == 200 and response.get_json()["status"] == "updated"
    item = actions.store().get("feedback", feedback_id)
    assert item["to"] == world["ola"]["id"]  # whom it is to is not corrected
    assert item["history"][0]["changes"] == {"improve": ["", "Send dagsorden før møtet"]}
    for reader in (world["ola_phone"], world["leader"], kari):
        text = reader.get(f"/feedback/{feedback_id}").get_data(as_text=True)
        assert "Endret 21.11.2026 av Kari Nordmann: Hva kan bli bedre" in text and "Send dagsorden før møtet" in text
    assert f"/feedback/{feedback_id}/edit" not in world["ola_phone"].get(f"/feedback/{feedback_id}").get_data(as_text=True)


def test_nobody_else_reads_or_corrects_a_feedback(world, actions):
    feedback_id = kari_gives_feedback(world)
    before = actions.store().get("feedback", feedback_id)
    correcting = {"id": feedback_id, "to": world["ola"]["id"], "worked": "Endret", "improve": "",
                  "client_updated_at": CORRECTED}
    # Per, a stranger to it, is answered as if it did not exist; Ola, who may read it, may not correct it.
    assert world["per_phone"].get(f"/feedback/{feedback_id}").status_code == 404
    assert world["per_phone"].get(f"/feedback/{feedback_id}/edit").status_code == 404
    assert world["per_phone"].post(f"/feedback/{feedback_id}/edit", data=correcting, headers=OUTBOX).status_code == 404
    assert world["ola_phone"].get(f"/feedback/{feedback_id}/edit").status_code == 403
    response = world["ola_phone"].post(f"/feedback/{feedback_id}/edit", data=correcting, headers=OUTBOX)
    assert response.status_code == 403 and response.get_json()["message"] == REFUSAL
    # Nor through the new-feedback form under the same id.
    assert world["per_phone"].post("/feedback/new", data=correcting, headers=OUTBOX).status_code == 403
    anonymous = actions.app.test_client()
    assert anonymous.get(f"/feedback/{feedback_id}").status_code in (302, 303, 401, 403, 404)
    assert "Godt forberedt" not in anonymous.get(f"/feedback/{feedback_id}", follow_redirects=True).get_data(as_text=True)
    assert actions.store().get("feedback", feedback_id) == before


def test_a_feedback_correction_needs_one_of_its_texts(world, actions):
    feedback_id = kari_gives_feedback(world)
    response = world["kari_phone"].post(f"/feedback/{feedback_id}/edit", headers=OUTBOX, data={
        "id": feedback_id, "to": world["ola"]["id"], "worked": "", "improve": "", "client_updated_at": CORRECTED})
    assert response.status_code == 422 and response.get_json()["message"] == FIX
    assert response.get_json()["errors"] == {"improve": ["Skriv hva som fungerte, hva som kan bli bedre, eller begge deler."]}
    assert actions.store().get("feedback", feedback_id)["worked"] == "Godt forberedt"


# ---- The leader corrects people and schools -------------------------------------------------------------

def test_the_leader_corrects_a_person_and_a_school_and_sees_their_history(world, actions):
    leader, kari, school = world["leader"], world["kari"], world["school"]
    other = actions.school("Elvedal skole")
    page = leader.get(f"/leader/people/{kari['id']}/edit").get_data(as_text=True)
    assert 'value="Kari Nordmann"' in page
    response = leader.post(f"/leader/people/{kari['id']}/edit", data={
        "csrf_token": csrf_from(page), "name": "Kari Nordmann Berg", "side": "kommune", "role": "Rektor",
        "school": other["id"]})
    assert response.status_code == 303 and response.headers["Location"] == f"/leader/people/{kari['id']}"
    stored = actions.store().get("people", kari["id"])
    assert (stored["name"], stored["role"], stored["school"]) == ("Kari Nordmann Berg", "Rektor", other["id"])
    [version] = stored["history"]
    assert version["leader"] is True and version["changes"] == {
        "name": ["Kari Nordmann", "Kari Nordmann Berg"], "role": ["Lærer", "Rektor"], "school": [school["id"], other["id"]]}
    person_page = leader.get(f"/leader/people/{kari['id']}").get_data(as_text=True)
    assert "av prosjektleder: Navn, Rolle, Skole" in person_page
    assert "Før: Fjellby skole" in person_page and "Etter: Elvedal skole" in person_page
    # A bad correction: a clear message, nothing changes.
    refused = leader.post(f"/leader/people/{kari['id']}/edit", data={
        "csrf_token": csrf_from(page), "name": "", "side": "kommune", "role": "", "school": ""})
    assert refused.status_code == 422 and "Noen felt må rettes" in refused.get_data(as_text=True)
    assert actions.store().get("people", kari["id"]) == stored

    school_page = leader.get(f"/leader/schools/{school['id']}").get_data(as_text=True)
    response = leader.post(f"/leader/schools/{school['id']}", data={"csrf_token": csrf_from(school_page),
                                                                   "name": "Fjellby barneskole"})
    assert response.status_code == 303
    assert actions.store().get("schools", school["id"])["history"][0]["changes"] == {
        "name": ["Fjellby skole", "Fjellby barneskole"]}
    text = leader.get(f"/leader/schools/{school['id']}").get_data(as_text=True)
    assert "av prosjektleder: Skolens navn" in text and "Før: Fjellby skole" in text
    assert f'href="/leader/schools/{school["id"]}"' in leader.get("/leader/").get_data(as_text=True)


def test_a_persons_responsibilities_follow_the_organisation_the_leader_corrects(world, actions):
    """Ola was entered for the entrepreneur by mistake: corrected to the municipality, what he owns counts there."""
    meeting = kari_sends_a_meeting(world, actions)
    store, leader, ola = actions.store(), world["leader"], world["ola"]
    owned = {r["owner"]: r for r in store.find("responsibilities", meeting=meeting["id"])}
    assert (owned[ola["id"]]["side"], owned[world["kari"]["id"]]["side"]) == ("entreprenor", "kommune")
    page = leader.get(f"/leader/people/{ola['id']}/edit").get_data(as_text=True)
    response = leader.post(f"/leader/people/{ola['id']}/edit", data={
        "csrf_token": csrf_from(page), "name": ola["name"], "side": "kommune", "role": "", "school": world["school"]["id"]},
        follow_redirects=True)
    assert "1 ansvar som er deres, teller nå for organisasjonen deres." in response.get_data(as_text=True)
    assert store.get("responsibilities", owned[ola["id"]]["id"])["side"] == "kommune"
    assert store.get("responsibilities", owned[world["kari"]["id"]]["id"]) == owned[world["kari"]["id"]]


def test_only_the_leader_corrects_people_and_schools(world, actions):
    kari, school = world["kari"], world["school"]
    for client in (world["kari_phone"], actions.app.test_client()):
        for path in (f"/leader/people/{kari['id']}/edit", f"/leader/schools/{school['id']}"):
            assert client.get(path).status_code in (302, 303, 403)
            assert client.post(path, data={"name": "Ny"}).status_code in (302, 303, 400, 403)
    assert actions.store().get("people", kari["id"])["name"] == "Kari Nordmann"
    assert actions.store().get("schools", school["id"])["name"] == "Fjellby skole"


# ---- History in exports and erasure ----------------------------------------------------------------------

def test_an_import_takes_a_history_of_our_form_and_refuses_junk_in_it(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    world["kari_phone"].post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=correction(meeting, world, notes="Ny"))
    stored = actions.store().get("meetings", meeting["id"])
    with actions.app.test_request_context():
        check_record("meetings", 0, stored)  # what the app writes passes
        for junk in ("tekst", [{"at": "i går", "by": None, "changes": {}}], [{"at": stored["history"][0]["at"],
                     "by": "ikke-en-id", "changes": {}}], [{"at": stored["history"][0]["at"], "changes": {"notes": "x"}}],
                     [{**stored["history"][0], "script": "<script>"}]):
            with pytest.raises(ImportProblem, match="history"):
                check_record("meetings", 0, {**stored, "history": junk})


def test_an_erased_authors_id_is_cut_from_the_history_as_from_the_author():
    kari, ola, meeting_id = (str(uuid.uuid4()) for _ in range(3))
    meeting = {"id": meeting_id, "author": ola, "attendees": [kari, ola], "notes": "Kari Nordmann kom.",
               "history": [{"at": "2026-11-21T09:30:00+00:00", "by": kari, "changes": {
                   "attendees": [[ola], [kari, ola]], "notes": ["", "Kari Nordmann kom."]}}]}
    school = {"id": str(uuid.uuid4()), "name": "Fjellby", "history": [
        {"at": "2026-11-21T09:30:00+00:00", "by": kari, "leader": True, "changes": {"name": ["F", "Fjellby"]}}]}
    plan = plan_erasure(Subject(kari, "Kari Nordmann"), {"meetings": [meeting], "schools": [school]}, "(slettet person)",
                        now="2026-11-28T00:00:00+00:00")
    puts = dict(plan.puts)
    [version] = puts["meetings"]["history"]
    assert version["by"] is None
    assert version["changes"] == {"attendees": [[ola], [ola]], "notes": ["", "(slettet person) kom."]}
    assert puts["schools"]["history"][0]["by"] is None


def test_the_day_page_carries_a_correction_screen_for_her_own_latest_meetings_only(world, actions):
    mine = kari_sends_a_meeting(world, actions)
    response = world["ola_phone"].post("/meetings/new", headers=OUTBOX, data=meeting_fields(world, notes="Olas møte"))
    theirs = response.get_json()["id"]
    page = world["kari_phone"].get("/").get_data(as_text=True)
    assert f'data-screen="correct-{mine["id"]}"' in page and f'data-screen="correct-{theirs}"' not in page
    assert f'data-to-screen="correct-{mine["id"]}"' in page and f'data-to-screen="correct-{theirs}"' not in page
    screen = re.search(rf'data-screen="correct-{mine["id"]}".*?</form>', page, re.S).group(0)
    assert f'action="/meetings/{mine["id"]}/edit"' in screen and "data-correction" in screen
    # Its fields post under the correction page's names; its element ids are the page's only ones.
    assert 'name="notes"' in screen and f'id="fix{mine["id"][:8]}-notes"' in screen
    assert f'aria-describedby="fix{mine["id"][:8]}-notes-errors"' in screen
    assert f'<label for="fix{mine["id"][:8]}-notes">' in screen
    ids = re.findall(r'\sid="([^"]+)"', re.sub(r"<template.*?</template>", "", page, flags=re.S))
    assert {i for i in ids if ids.count(i) > 1} == set()  # hidden inputs have no id: none repeats
    assert f"fix{mine['id'][:8]}-notes" in ids and ids.count("notes") == 1
    # Ola's day page offers his own, not Kari's.
    ola_page = world["ola_phone"].get("/").get_data(as_text=True)
    assert f'data-screen="correct-{theirs}"' in ola_page and f'data-screen="correct-{mine["id"]}"' not in ola_page


def test_without_javascript_add_row_on_a_correction_shows_one_more_row_and_saves_nothing(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    phone = world["kari_phone"]
    page = phone.get(f"/meetings/{meeting['id']}/edit").get_data(as_text=True)
    assert 'value="refresh"' not in page  # no follow-ups in a correction: no school's open ones to show
    shown = {}
    for action in ("add_row", "refresh"):
        response = phone.post(f"/meetings/{meeting['id']}/edit", data=correction(
            meeting, world, notes="Ikke lagret ennå", action=action, csrf_token=csrf_from(page)))
        assert response.status_code == 200
        assert actions.store().get("meetings", meeting["id"])["notes"] == "Vi snakket om timeplanen."
        shown[action] = response.get_data(as_text=True)
    assert re.search(r'name="responsibilities-2-what"', shown["add_row"])
    assert "Ikke lagret ennå" in shown["refresh"]  # what she typed is kept


def test_after_her_erasure_her_corrections_are_kept_without_her(world, actions):
    meeting = kari_sends_a_meeting(world, actions)
    response = world["kari_phone"].post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=correction(
        meeting, world, notes="Kari Nordmann ringer bussen."))
    assert response.status_code == 200
    leader = world["leader"]
    url = f"/leader/privacy/{world['kari']['id']}/erase"
    page = leader.get(url).get_data(as_text=True)
    assert leader.post(url, data={"csrf_token": csrf_from(page), "name": "Kari Nordmann",
                                  "replace_mentions": "y"}).status_code == 303
    stored = actions.store().get("meetings", meeting["id"])
    [version] = stored["history"]
    assert version["by"] is None and world["kari"]["id"] not in str(stored)
    assert version["changes"]["notes"] == ["Vi snakket om timeplanen.", "(slettet person) ringer bussen."]
    text = world["ola_phone"].get(f"/meetings/{meeting['id']}").get_data(as_text=True)
    assert "av Slettet person: Referat" in text and "Kari" not in text


def test_the_day_page_carries_her_recent_feedback_given_for_correction(world, actions):
    feedback_id = kari_gives_feedback(world)
    page = world["kari_phone"].get("/").get_data(as_text=True)
    assert "Tilbakemeldinger jeg har gitt" in page
    assert f'data-to-screen="correct-{feedback_id}"' in page
    screen = re.search(rf'data-screen="correct-{feedback_id}".*?</form>', page, re.S).group(0)
    assert f'action="/feedback/{feedback_id}/edit"' in screen and "Godt forberedt" in screen
    assert f'id="fix{feedback_id[:8]}-worked"' in screen and 'name="worked"' in screen
    # The recipient's day page does not carry it for correction (she reads it under feedback to her).
    ola_page = world["ola_phone"].get("/").get_data(as_text=True)
    assert f'data-screen="correct-{feedback_id}"' not in ola_page and "Godt forberedt" not in ola_page


def test_a_meeting_is_corrected_though_an_attendee_and_owner_has_left_since(world, actions):
    meeting = kari_sends_a_meeting(world, actions)  # Ola attends and owns the second responsibility
    leader = world["leader"]
    page = leader.get(f"/leader/people/{world['ola']['id']}").get_data(as_text=True)
    assert leader.post(f"/leader/people/{world['ola']['id']}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 303
    form = world["kari_phone"].get(f"/meetings/{meeting['id']}/edit").get_data(as_text=True)
    assert re.search(rf'<option selected value="{world["ola"]["id"]}">Ola Entreprenør</option>', form)
    assert re.search(rf'checked[^>]*value="{world["ola"]["id"]}"|value="{world["ola"]["id"]}"[^>]*checked', form)
    response = world["kari_phone"].post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX,
                                        data=correction(meeting, world, notes="Bare en skrivefeil rettet."))
    assert response.status_code == 200, response.get_json()
    stored = actions.store().get("meetings", meeting["id"])
    assert stored["attendees"] == [world["kari"]["id"], world["ola"]["id"]]
    assert list(stored["history"][0]["changes"]) == ["notes"]
    # Someone else who has left is still not a choice.
    per = world["per"]
    page = leader.get(f"/leader/people/{per['id']}").get_data(as_text=True)
    leader.post(f"/leader/people/{per['id']}/revoke", data={"csrf_token": csrf_from(page)})
    refused = world["kari_phone"].post(f"/meetings/{meeting['id']}/edit", headers=OUTBOX, data=correction(
        meeting, world, **{"responsibilities-1-owner": per["id"]}))
    assert refused.status_code == 422 and "responsibilities-1-owner" in refused.get_json()["errors"]
