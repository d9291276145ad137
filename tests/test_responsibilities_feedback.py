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
    ({"status": "not_started", "comment": "  "}, "Endre status eller skriv en kommentar."),
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


def test_the_leader_reads_but_does_not_write_follow_ups(world, actions):
    leader = actions.leader_client()
    url = f"/responsibilities/{world['mine']['id']}"
    page = leader.get(url).get_data(as_text=True)
    assert "Lage plan" in page and "Lagre oppfølging" not in page
    assert leader.post(url, data={"csrf_token": csrf_from(page), "status": "done"}).status_code == 403


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
