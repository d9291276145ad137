"""Recording meetings from a phone: validation, idempotent saving, inline rows and follow-up."""
from __future__ import annotations

import html
import json
import re
import uuid

import pytest

from tests.conftest import csrf_from


@pytest.fixture
def setup(actions):
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    return {"school": school, "kari": kari, "ola": ola, "phone": actions.participant_client(kari)}


def meeting_form(phone, setup, **overrides) -> dict:
    page = phone.get("/meetings/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "id": re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1),
        "date": "2026-11-20", "school": setup["school"]["id"], "type": "planning",
        "attendees": [setup["kari"]["id"], setup["ola"]["id"]], "guests": "Rektor", "agenda": "Plan",
        "notes": "Notater", "decisions": "Vedtak",
        "responsibilities-0-what": "Lage timeplan", "responsibilities-0-owner": setup["kari"]["id"],
        "responsibilities-0-due": "2026-12-01",
        "responsibilities-1-what": "Forberede økt", "responsibilities-1-owner": setup["ola"]["id"],
        "responsibilities-1-due": "05.12.2026",
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_meeting_with_two_responsibilities_is_stored_with_author_and_device(setup, actions):
    response = setup["phone"].post("/meetings/new", data=meeting_form(setup["phone"], setup))
    assert response.status_code == 303
    store = actions.store()
    [meeting] = store.find("meetings")
    assert response.headers["Location"] == f"/meetings/{meeting['id']}"
    assert meeting["author"] == setup["kari"]["id"] and meeting["device"]
    assert meeting["attendees"] == [setup["kari"]["id"], setup["ola"]["id"]]
    agreed = {r["what"]: r for r in store.find("responsibilities", meeting=meeting["id"])}
    assert agreed["Lage timeplan"]["due"] == "2026-12-01" and agreed["Lage timeplan"]["side"] == "kommune"
    assert agreed["Forberede økt"]["due"] == "2026-12-05" and agreed["Forberede økt"]["side"] == "entreprenor"
    assert {r["status"] for r in agreed.values()} == {"not_started"}
    page = setup["phone"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Lage timeplan" in page and "01.12.2026" in page and "20.11.2026" in page


def test_a_meeting_with_its_responsibilities_and_follow_ups_waits_for_one_disk_sync(setup, actions):
    phone = setup["phone"]
    assert phone.post("/meetings/new", data=meeting_form(phone, setup)).status_code == 303
    first = {r["what"]: r for r in actions.store().find("responsibilities")}
    rows = re.findall(r'name="(followups-\d+)-responsibility" type="hidden" value="([^"]+)"',
                      phone.get("/meetings/new").get_data(as_text=True))
    prefix = {value: prefix for prefix, value in rows}[first["Lage timeplan"]["id"]]
    storage = actions.store()._storage
    syncs = storage.syncs
    form = meeting_form(phone, setup, **{f"{prefix}-responsibility": first["Lage timeplan"]["id"],
                                         f"{prefix}-status": "done", f"{prefix}-comment": "Sendt ut"})
    assert phone.post("/meetings/new", data=form).status_code == 303
    counts = actions.store().counts()
    assert counts["meetings"] == 2 and counts["responsibilities"] == 4 and counts["followups"] == 1
    # Five records written (meeting, two responsibilities, a follow-up, the followed one's status), one sync,
    # done before the answer left.
    assert storage.syncs == syncs + 1
    assert storage._synced >= storage.written


def test_the_same_form_sent_twice_is_stored_once(setup, actions):
    form = meeting_form(setup["phone"], setup)
    assert setup["phone"].post("/meetings/new", data=form).status_code == 303
    assert setup["phone"].post("/meetings/new", data=form).status_code == 303
    counts = actions.store().counts()
    assert counts["meetings"] == 1 and counts["responsibilities"] == 2


@pytest.mark.parametrize("overrides, message", [
    ({"school": ""}, "Velg skolen."),
    ({"date": ""}, "Oppgi datoen for møtet."),
    ({"date": "31.02.2026"}, "Ikke en gyldig datoverdi"),
    ({"responsibilities-1-owner": ""}, "Velg hvem som har ansvaret."),
    ({"responsibilities-0-owner": str(uuid.uuid4())}, "Velg hvem som har ansvaret."),
    ({"id": "not-a-uuid"}, "Skjemaet er skadet; åpne det på nytt."),
    ({"notes": "x" * 20001}, "Høyst 20000 tegn, takk."),
])
def test_bad_meeting_input_is_refused_with_a_message_and_changes_nothing(setup, actions, overrides, message):
    before = actions.store().counts()
    response = setup["phone"].post("/meetings/new", data=meeting_form(setup["phone"], setup, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page or message in page.replace("&#39;", "'")
    assert "Noen felt må rettes" in page
    # What the user typed is kept in the re-shown form.
    assert "Forberede økt" in page
    assert actions.store().counts() == before


def test_a_post_without_csrf_token_is_refused_in_norwegian(setup, actions):
    form = meeting_form(setup["phone"], setup)
    del form["csrf_token"]
    response = setup["phone"].post("/meetings/new", data=form)
    assert response.status_code == 400
    assert "Skjemaet er utløpt" in response.get_data(as_text=True)
    assert actions.store().counts()["meetings"] == 0


def test_empty_responsibility_rows_are_ignored(setup, actions):
    form = meeting_form(setup["phone"], setup, **{"responsibilities-1-what": "", "responsibilities-1-owner": ""})
    assert setup["phone"].post("/meetings/new", data=form).status_code == 303
    assert actions.store().counts()["responsibilities"] == 1


def test_without_javascript_add_row_shows_one_more_row_and_saves_nothing(setup, actions):
    response = setup["phone"].post("/meetings/new", data=meeting_form(setup["phone"], setup, action="add_row"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="responsibilities-2-what"' in page and "Forberede økt" in page
    assert actions.store().counts()["meetings"] == 0


def test_the_form_carries_a_blank_row_to_copy_and_every_schools_open_responsibilities(setup, actions):
    """"Add another" and switching school happen on the phone, without asking the server."""
    other = actions.school("Elvedal skole")
    store = actions.store()
    for school, what in [(setup["school"], "Her"), (other, "Der")]:
        store.create("responsibilities", {"what": what, "owner": setup["kari"]["id"], "side": "kommune", "due": None,
                                          "status": "not_started", "meeting": None, "school": school["id"]})
    page = setup["phone"].get("/meetings/new").get_data(as_text=True)
    template = re.search(r"<template data-row-template>(.*?)</template>", page, re.S).group(1)
    assert 'name="responsibilities-__INDEX__-what"' in template and 'name="responsibilities-__INDEX__-owner"' in template
    # The chosen school's open ones are drawn as rows (the form works without JavaScript); the other
    # schools' come once as data, for the phone to draw when another school is chosen.
    rows = re.search(r"<ol class=\"rows\" data-followup-rows>(.*?)</ol>", page, re.S).group(1)
    assert "Her" in rows and "Der" not in rows
    data = json.loads(html.unescape(re.search(r"data-followup-data='([^']*)'", page).group(1)))
    assert [item[1] for item in data[other["id"]]] == ["Der"] and setup["school"]["id"] not in data
    row = re.search(r"<template data-followup-row>(.*?)</template>", page, re.S).group(1)
    assert all(f'name="followups-__INDEX__-{name}"' in row for name in ("responsibility", "status", "comment"))


def test_open_responsibilities_of_the_school_are_followed_up_in_the_next_meeting(setup, actions):
    phone = setup["phone"]
    assert phone.post("/meetings/new", data=meeting_form(phone, setup)).status_code == 303
    first = {r["what"]: r for r in actions.store().find("responsibilities")}
    # The next meeting's form lists both open responsibilities for follow-up.
    page = phone.get("/meetings/new").get_data(as_text=True)
    assert "Lage timeplan" in page and 'name="followups-1-status"' in page
    rows = re.findall(r'name="(followups-\d+)-responsibility" type="hidden" value="([^"]+)"', page)
    by_id = {value: prefix for prefix, value in rows}
    prefix = by_id[first["Lage timeplan"]["id"]]
    other = by_id[first["Forberede økt"]["id"]]
    form = meeting_form(phone, setup, **{
        "responsibilities-0-what": "", "responsibilities-1-what": "",
        f"{prefix}-responsibility": first["Lage timeplan"]["id"], f"{prefix}-status": "done", f"{prefix}-comment": "Sendt ut",
        f"{other}-responsibility": first["Forberede økt"]["id"], f"{other}-status": "not_started", f"{other}-comment": "",
    })
    assert phone.post("/meetings/new", data=form).status_code == 303
    store = actions.store()
    assert store.get("responsibilities", first["Lage timeplan"]["id"])["status"] == "done"
    [followup] = store.find("followups")  # the unchanged one is not logged
    assert followup["comment"] == "Sendt ut" and followup["previous_status"] == "not_started"
    assert followup["author"] == setup["kari"]["id"]
    # Done ones are no longer offered for follow-up.
    assert "Lage timeplan" not in phone.get("/meetings/new").get_data(as_text=True)


def test_inline_validation_returns_only_that_fields_error(setup):
    form = meeting_form(setup["phone"], setup, school="")
    response = setup["phone"].post("/meetings/new/validate/school", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "<p>Velg skolen.</p>"
    ok = setup["phone"].post("/meetings/new/validate/date", data=form, headers={"HX-Request": "true"})
    assert ok.get_data(as_text=True).strip() == ""
    row = setup["phone"].post("/meetings/new/validate/responsibilities-1-owner",
                              data=meeting_form(setup["phone"], setup, **{"responsibilities-1-owner": ""}))
    assert "Velg hvem som har ansvaret." in row.get_data(as_text=True)


def test_wtforms_own_messages_are_translated_without_reading_their_catalogue_each_request(setup, monkeypatch):
    from babel import support
    phone = setup["phone"]
    form = meeting_form(phone, setup, date="31.02.2026")
    assert "Ikke en gyldig datoverdi" in phone.post("/meetings/new", data=form).get_data(as_text=True)
    loads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load", lambda *a, **k: loads.append(a) or load(*a, **k))
    for _ in range(2):
        assert "Ikke en gyldig datoverdi" in phone.post("/meetings/new", data=form).get_data(as_text=True)
    phone.set_cookie("samskaping_lang", "en")
    assert "Not a valid date value" in phone.post("/meetings/new", data=form).get_data(as_text=True)
    # Three requests: at most the English catalogue's first reading (once per process and language).
    assert len([a for a in loads if "wtforms" in str(a[0])]) <= 1


def test_the_people_offered_follow_the_people_table_at_once(setup, actions):
    """The choices of people are kept between requests only while the people table is unchanged: someone added
    is offered on the next page, someone made inactive is neither offered nor accepted, a new name shows."""
    phone, store = setup["phone"], actions.store()
    assert "Ola Entreprenør" in phone.get("/meetings/new").get_data(as_text=True)
    per = actions.person("Per Nykommer", school=setup["school"])
    assert phone.get("/meetings/new").get_data(as_text=True).count("Per Nykommer") >= 2  # attendee and owner
    store.update("people", setup["ola"]["id"], {"active": False, "name": "Ola Sluttet"})
    page = phone.get("/meetings/new").get_data(as_text=True)
    assert "Ola Entreprenør" not in page and "Ola Sluttet" not in page and "Per Nykommer" in page
    response = phone.post("/meetings/new", data=meeting_form(phone, setup))  # Ola as an attendee and an owner
    assert response.status_code == 422 and store.find("meetings") == []
    feedback_page = phone.get("/feedback/new").get_data(as_text=True)
    assert "Per Nykommer" in feedback_page and "Ola Sluttet" not in feedback_page
    assert per["id"] in feedback_page


def test_a_meeting_renegotiates_an_open_item_in_its_follow_up_and_a_change_without_reason_is_sent_back(setup, actions):
    """The next meeting moves Kari's item to Ola with a new due date: logged on the follow-up, from -> to."""
    phone, store = setup["phone"], actions.store()
    assert phone.post("/meetings/new", data=meeting_form(phone, setup)).status_code == 303
    item = {r["what"]: r for r in store.find("responsibilities")}["Lage timeplan"]
    page = phone.get("/meetings/new").get_data(as_text=True)
    prefix = {value: p for p, value in re.findall(r'name="(followups-\d+)-responsibility" type="hidden" value="([^"]+)"',
                                                  page)}[item["id"]]
    assert f'href="/responsibilities/{item["id"]}" data-change-open' in page  # without JavaScript: its own page
    change = re.search(r"<template data-followup-change>(.*?)</template>", page, re.S).group(1)
    assert all(f'name="followups-__INDEX__-{name}"' in change for name in ("owner", "due", "what", "reason"))

    row = {f"{prefix}-responsibility": item["id"], f"{prefix}-status": "not_started",
           f"{prefix}-owner": setup["ola"]["id"], f"{prefix}-due": "2027-01-15"}
    refused = phone.post("/meetings/new", data=meeting_form(phone, setup, **row))
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert f'id="{prefix}-reason"' in text and "Skriv hvorfor det endres." in text and 'value="2027-01-15"' in text
    assert store.counts()["meetings"] == 1 and store.get("responsibilities", item["id"])["owner"] == setup["kari"]["id"]

    saved = phone.post("/meetings/new", data=meeting_form(phone, setup, **row, **{f"{prefix}-reason": "Kari er syk"}))
    assert saved.status_code == 303
    stored = store.get("responsibilities", item["id"])
    assert (stored["owner"], stored["side"], stored["due"]) == (setup["ola"]["id"], "entreprenor", "2027-01-15")
    [followup] = store.find("followups")
    assert followup["changes"] == {"owner": {"from": setup["kari"]["id"], "to": setup["ola"]["id"]},
                                   "due": {"from": "2026-12-01", "to": "2027-01-15"}}
    assert followup["reason"] == "Kari er syk" and followup["meeting"] == saved.headers["Location"].rsplit("/", 1)[-1]
