"""Following up responsibilities and giving feedback: validation, storage and what each page returns."""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from


@pytest.fixture
def world(actions):
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    store = actions.store()
    mine, _ = store.create("responsibilities", {"what": "Lage plan", "owner": kari["id"], "side": "kommune",
                                                "due": "2026-12-01", "status": "not_started", "meeting": None,
                                                "school": school["id"]})
    theirs, _ = store.create("responsibilities", {"what": "Forberede økt", "owner": ola["id"], "side": "entreprenor",
                                                  "due": None, "status": "in_progress", "meeting": None,
                                                  "school": school["id"]})
    return {"kari": kari, "ola": ola, "mine": mine, "theirs": theirs, "phone": actions.participant_client(kari)}


def form_id(page: str) -> str:
    return re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1)


def test_follow_up_changes_status_and_is_logged_with_who_and_when(world, actions):
    url = f"/responsibilities/{world['mine']['id']}"
    page = world["phone"].get(url).get_data(as_text=True)
    response = world["phone"].post(url, data={"csrf_token": csrf_from(page), "id": form_id(page), "status": "done",
                                              "comment": "Ferdig i dag"})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert actions.store().get("responsibilities", world["mine"]["id"])["status"] == "done"
    [entry] = actions.store().find("followups")
    assert (entry["author"], entry["previous_status"], entry["status"]) == (world["kari"]["id"], "not_started", "done")
    page = world["phone"].get(url).get_data(as_text=True)
    assert "Ferdig i dag" in page and "Oppfølgingen er lagret." in page


@pytest.mark.parametrize("form, message", [
    ({"status": "not_started", "comment": "  "}, "Endre status, skriv en kommentar eller endre avtalen."),
    ({"status": "finished", "comment": "x"}, "Not a valid choice"),
])
def test_a_follow_up_that_says_nothing_new_or_has_an_unknown_status_is_refused(world, actions, form, message):
    url = f"/responsibilities/{world['mine']['id']}"
    page = world["phone"].get(url).get_data(as_text=True)
    response = world["phone"].post(url, data={"csrf_token": csrf_from(page), "id": form_id(page), **form})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text or "Ikke et gyldig valg" in text
    assert actions.store().counts()["followups"] == 0
    assert actions.store().get("responsibilities", world["mine"]["id"])["status"] == "not_started"


def test_the_leader_follows_up_and_hands_an_item_to_someone_else_with_a_reason(world, actions):
    leader = actions.leader_client()
    url = f"/responsibilities/{world['mine']['id']}"
    page = leader.get(url).get_data(as_text=True)
    assert "Lage plan" in page and "Lagre oppfølging" in page
    response = leader.post(url, data={"csrf_token": csrf_from(page), "id": form_id(page), "status": "not_started",
                                      "owner": world["ola"]["id"], "reason": "Kari har sluttet"})
    assert response.status_code == 303
    stored = actions.store().get("responsibilities", world["mine"]["id"])
    assert (stored["owner"], stored["side"], stored["status"]) == (world["ola"]["id"], "entreprenor", "not_started")
    [entry] = actions.store().find("followups")
    assert entry["author"] is None and entry["by_leader"] is True and entry["reason"] == "Kari har sluttet"
    assert entry["changes"] == {"owner": {"from": world["kari"]["id"], "to": world["ola"]["id"]}}
    log = leader.get(url).get_data(as_text=True)
    assert "Ansvarlig: Kari Nordmann → <strong>Ola Entreprenør</strong>" in log and "Kari har sluttet" in log


def test_open_list_is_a_partial_for_htmx_and_a_page_otherwise(world):
    """Chosen by the request's target, the flask-htmx way: the list's own swap gets the list, anything else the page."""
    phone = world["phone"]
    partial = phone.get("/responsibilities/?side=entreprenor",
                        headers={"HX-Request": "true", "HX-Target": "open-list"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="open-list">') and "<html" not in partial
    assert "Forberede økt" in partial and "Kommune" not in partial
    boosted = phone.get("/responsibilities/?side=entreprenor",
                        headers={"HX-Request": "true", "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in boosted and "Forberede økt" in boosted
    elsewhere = phone.get("/responsibilities/?side=entreprenor",
                          headers={"HX-Request": "true", "HX-Target": "main"}).get_data(as_text=True)
    assert "<html" in elsewhere
    page = phone.get("/responsibilities/").get_data(as_text=True)
    assert "<html" in page
    # Mine first, and listed once.
    assert page.index("Lage plan") < page.index("Forberede økt") and page.count("Lage plan") == 1


def feedback_form(phone, **fields) -> dict:
    page = phone.get("/feedback/new").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "id": re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1)}
    form.update(fields)
    return form


def test_feedback_is_stored_once_and_reaches_the_recipient(world, actions):
    form = feedback_form(world["phone"], to=world["ola"]["id"], about=world["theirs"]["id"],
                         worked="Godt forberedt", improve="")
    assert world["phone"].post("/feedback/new", data=form).status_code == 303
    assert world["phone"].post("/feedback/new", data=form).status_code == 303  # a double tap
    [item] = actions.store().find("feedback")
    assert (item["to"], item["author"], item["about"]) == (world["ola"]["id"], world["kari"]["id"], world["theirs"]["id"])
    ola = actions.participant_client(world["ola"])
    assert "Godt forberedt" in ola.get(f"/feedback/{item['id']}").get_data(as_text=True)
    assert "Fra Kari Nordmann til Ola Entreprenør" in ola.get("/feedback/").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"to": "", "worked": "Bra"}, "Velg hvem tilbakemeldingen er til."),
    ({"to": "OLA", "worked": "", "improve": ""}, "Skriv hva som fungerte, hva som kan bli bedre, eller begge deler."),
    ({"to": "KARI", "worked": "Bra"}, "Ikke et gyldig valg"),  # not to oneself
    ({"to": "OLA", "worked": "x" * 5001}, "Høyst 5000 tegn, takk."),
    ({"to": "OLA", "worked": "Bra", "about": "2f1c0000-0000-4000-8000-000000000001"}, "Ikke et gyldig valg"),
])
def test_bad_feedback_is_refused_with_a_message_and_nothing_is_stored(world, actions, fields, message):
    fields = {k: world["ola"]["id"] if v == "OLA" else world["kari"]["id"] if v == "KARI" else v for k, v in fields.items()}
    response = world["phone"].post("/feedback/new", data=feedback_form(world["phone"], **fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert actions.store().counts()["feedback"] == 0


def test_an_inline_check_of_one_feedback_field_does_not_list_the_responsibilities(world, actions, monkeypatch):
    """The 300 "about" choices are made to be drawn, not for checking another field as the user types."""
    from samskaping.store.database import Store
    listed = []
    select = Store.select
    monkeypatch.setattr(Store, "select", lambda self, table, *a, **k: listed.append(table) or select(self, table, *a, **k))
    form = feedback_form(world["phone"], to=world["ola"]["id"], about=world["theirs"]["id"], worked="", improve="")
    assert "responsibilities" in listed  # the page itself lists them
    listed.clear()
    response = world["phone"].post("/feedback/new/validate/improve", data=form, headers={"HX-Request": "true"})
    assert "Skriv hva som fungerte" in response.get_data(as_text=True)
    assert world["phone"].post("/feedback/new", data={**form, "worked": "Bra"}).status_code == 303
    assert listed == []


def change(world, phone, responsibility, **fields):
    url = f"/responsibilities/{responsibility['id']}"
    page = phone.get(url).get_data(as_text=True)
    return phone.post(url, data={"csrf_token": csrf_from(page), "id": form_id(page),
                                 "status": responsibility["status"], **fields})


def test_the_owner_changes_due_date_and_wording_with_a_reason_and_the_log_shows_old_and_new(world, actions):
    response = change(world, world["phone"], world["mine"], due="2027-01-20", what="Lage plan for våren",
                      reason="Utsatt av rektor")
    assert response.status_code == 303
    stored = actions.store().get("responsibilities", world["mine"]["id"])
    assert (stored["due"], stored["what"], stored["owner"]) == ("2027-01-20", "Lage plan for våren", world["kari"]["id"])
    [entry] = actions.store().find("followups")
    assert entry["changes"] == {"due": {"from": "2026-12-01", "to": "2027-01-20"},
                                "what": {"from": "Lage plan", "to": "Lage plan for våren"}}
    assert (entry["author"], entry["status"], entry["previous_status"]) == (world["kari"]["id"], "not_started", "not_started")
    log = world["phone"].get(f"/responsibilities/{world['mine']['id']}").get_data(as_text=True)
    assert "Frist: 01.12.2026 → <strong>20.01.2027</strong>" in log
    assert "Ordlyd: Lage plan → <strong>Lage plan for våren</strong>" in log and "Utsatt av rektor" in log


def test_a_change_without_a_reason_or_to_an_unknown_person_is_refused_and_changes_nothing(world, actions):
    before = actions.store().get("responsibilities", world["mine"]["id"])
    no_reason = change(world, world["phone"], world["mine"], due="2027-01-20")
    assert no_reason.status_code == 422 and "Skriv hvorfor det endres." in no_reason.get_data(as_text=True)
    stranger = change(world, world["phone"], world["mine"], owner="6f1c3a52-8d1e-4f4b-9a5e-000000000000", reason="x")
    assert stranger.status_code == 422 and "Velg hvem som har ansvaret." in stranger.get_data(as_text=True)
    assert actions.store().counts()["followups"] == 0
    assert actions.store().get("responsibilities", world["mine"]["id"]) == before


def test_a_value_equal_to_the_current_one_is_no_change(world, actions):
    response = change(world, world["phone"], world["mine"], due="01.12.2026", what="Lage plan", owner=world["kari"]["id"])
    assert response.status_code == 422  # nothing new: same status, no comment, every value as it is
    assert actions.store().counts()["followups"] == 0


def test_someone_neither_responsible_nor_recorder_may_comment_but_not_change_the_agreement(world, actions):
    """Ola is not Kari's item's owner, did not record it, and is not the leader."""
    ola_phone = actions.participant_client(world["ola"])
    refused = change(world, ola_phone, world["mine"], due="2027-02-01", reason="Jeg vil")
    assert refused.status_code == 422 and "Bare den ansvarlige" in refused.get_data(as_text=True)
    assert actions.store().get("responsibilities", world["mine"]["id"])["due"] == "2026-12-01"
    assert change(world, ola_phone, world["mine"], comment="Kan jeg hjelpe?").status_code == 303


def test_whoever_recorded_it_in_a_meeting_may_change_it(world, actions):
    store = actions.store()
    meeting, _ = store.create("meetings", {"date": "2026-11-01", "school": world["mine"]["school"], "type": "other",
                                           "attendees": []}, author=world["ola"]["id"])
    recorded = store.update("responsibilities", world["mine"]["id"], {"meeting": meeting["id"]})
    ola_phone = actions.participant_client(world["ola"])
    assert change(world, ola_phone, recorded, owner=world["ola"]["id"], reason="Jeg tar den").status_code == 303
    assert store.get("responsibilities", world["mine"]["id"])["owner"] == world["ola"]["id"]


def test_a_change_delivered_again_from_the_outbox_is_stored_once(world, actions):
    url = f"/responsibilities/{world['mine']['id']}"
    record_id = "0b6c3f0e-1111-4a4a-8b8b-2c2c2c2c2c2c"
    delivery = {"id": record_id, "status": "not_started", "due": "2027-01-20", "reason": "Utsatt"}
    headers = {"X-Samskaping-Outbox": "1"}
    first = world["phone"].post(url, data=delivery, headers=headers)
    again = world["phone"].post(url, data=delivery, headers=headers)
    assert (first.status_code, first.get_json()["status"]) == (201, "created")
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    [entry] = actions.store().find("followups")
    assert entry["changes"] == {"due": {"from": "2026-12-01", "to": "2027-01-20"}}
    assert actions.store().get("responsibilities", world["mine"]["id"])["due"] == "2027-01-20"


def test_a_follow_up_with_changes_passes_the_import_checks_and_a_damaged_one_is_refused(world, actions):
    from samskaping.core.exchange.import_file import ImportProblem, check_record
    assert change(world, world["phone"], world["mine"], owner=world["ola"]["id"], due="2027-01-20",
                  reason="Ny fordeling").status_code == 303
    [entry] = actions.store().find("followups")
    check_record("followups", 0, entry)  # what the app writes passes
    for damaged in ({"owner": {"from": None, "to": "not an id"}}, {"due": {"from": None, "to": "20.01.2027"}},
                    {"colour": {"from": "a", "to": "b"}}, {"what": ["a", "b"]}, ["owner"]):
        with pytest.raises(ImportProblem, match="changes"):
            check_record("followups", 0, {**entry, "changes": damaged})
