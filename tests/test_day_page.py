"""The day page drawn cheaply: what it shows stays what is stored (the shared index is renewed by every write),
the follow-up forms stamped from one drawing are the forms drawn one by one, and the meeting form's follow-up
rows work without JavaScript (another school's rows on request, a refusal shows what was sent)."""
from __future__ import annotations

import html
import json
import re

import pytest
from flask import render_template

from samskaping.participants.home import followup_forms
from samskaping.participants.responsibilities import new_followup_form
from tests.conftest import csrf_from


@pytest.fixture
def setup(actions):
    school = actions.school()
    other = actions.school("Elvedal skole")
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    store = actions.store()
    made = {}
    for what, owner, where, status in [("Bestille buss", kari, school, "not_started"),
                                       ("Ringe foreldre", kari, school, "in_progress"),
                                       ("Rydde lageret", ola, other, "not_started")]:
        made[what] = store.create("responsibilities", {"what": what, "owner": owner["id"], "side": owner["side"],
                                                       "due": "2026-12-01", "status": status, "meeting": None,
                                                       "school": where["id"]})[0]
    return {"school": school, "other": other, "kari": kari, "ola": ola, "made": made,
            "phone": actions.participant_client(kari)}


def mine_on(page: str) -> list[str]:
    section = re.search(r"Mine åpne ansvar.*?</ul>", page, re.S).group(0)
    return re.findall(r"<strong>([^<]+)</strong>", section)


def latest_on(page: str) -> list[str]:
    section = re.search(r"Siste møter</h2>(.*?)</ul>", page, re.S).group(1)
    return re.findall(r'href="/meetings/([0-9a-f-]{36})"', section)


def test_the_day_page_shows_what_is_stored_after_every_kind_of_write(setup, actions):
    phone, store = setup["phone"], actions.store()
    page = phone.get("/").get_data(as_text=True)
    assert mine_on(page) == ["Bestille buss", "Ringe foreldre"] and latest_on(page) == []

    # A meeting saved through the form is among the latest at once.
    form_page = phone.get("/meetings/new").get_data(as_text=True)
    meeting_id = re.search(r'name="id" type="hidden" value="([^"]+)"', form_page).group(1)
    response = phone.post("/meetings/new", data={
        "csrf_token": csrf_from(form_page), "id": meeting_id, "date": "2026-11-20", "school": setup["school"]["id"],
        "type": "planning", "attendees": [setup["kari"]["id"]], "notes": "Kort møte", "action": "save"})
    assert response.status_code == 303
    assert latest_on(phone.get("/").get_data(as_text=True)) == [meeting_id]

    # A follow-up that closes one of hers takes it off her list.
    bus = setup["made"]["Bestille buss"]
    detail = phone.get(f"/responsibilities/{bus['id']}").get_data(as_text=True)
    followup_id = re.search(r'name="id" type="hidden" value="([^"]+)"', detail).group(1)
    assert phone.post(f"/responsibilities/{bus['id']}", data={
        "csrf_token": csrf_from(detail), "id": followup_id, "status": "done", "comment": ""}).status_code == 303
    assert mine_on(phone.get("/").get_data(as_text=True)) == ["Ringe foreldre"]

    # Written straight to the store (as an import or a merge does): seen on the next page too.
    store.update("responsibilities", setup["made"]["Rydde lageret"]["id"], {"owner": setup["kari"]["id"]})
    store.update("responsibilities", setup["made"]["Ringe foreldre"]["id"], {"what": "Ringe alle foreldre"})
    assert mine_on(phone.get("/").get_data(as_text=True)) == ["Ringe alle foreldre", "Rydde lageret"]
    store.delete("meetings", meeting_id)
    assert latest_on(phone.get("/").get_data(as_text=True)) == []


def test_stamped_follow_up_forms_are_the_forms_drawn_one_by_one(setup, app):
    mine = [setup["made"]["Bestille buss"], setup["made"]["Ringe foreldre"]]
    with app.test_request_context("/"):
        stamped = followup_forms(mine)
        assert [r["id"] for r, _ in stamped] == [r["id"] for r in mine]
        ids = set()
        for responsibility, drawing in stamped:
            form = new_followup_form(responsibility)
            form.id.data = re.search(r'name="id" type="hidden" value="([^"]+)"', str(drawing)).group(1)
            ids.add(form.id.data)
            assert str(drawing) == render_template("responsibilities/_followup_form.html",
                                                   responsibility=responsibility, followup_form=form)
            assert f'<option selected value="{responsibility["status"]}">' in str(drawing)
        assert len(ids) == 2  # each form its own new record id


def test_without_javascript_another_schools_rows_are_drawn_on_request(setup):
    phone = setup["phone"]
    page = phone.get("/meetings/new").get_data(as_text=True)
    rows = re.search(r"data-followup-rows>(.*?)</ol>", page, re.S).group(1)
    assert "Bestille buss" in rows and "Rydde lageret" not in rows
    data = json.loads(html.unescape(re.search(r"data-followup-data='([^']*)'", page).group(1)))
    assert [item[1] for item in data[setup["other"]["id"]]] == ["Rydde lageret"]
    # The <noscript> button: the same form, posted for the other school.
    page = phone.post("/meetings/new", data={"csrf_token": csrf_from(page), "school": setup["other"]["id"],
                                            "action": "refresh"}).get_data(as_text=True)
    rows = re.search(r"data-followup-rows>(.*?)</ol>", page, re.S).group(1)
    assert "Rydde lageret" in rows and "Bestille buss" not in rows
    assert 'name="followups-0-responsibility" type="hidden" value="%s"' % setup["made"]["Rydde lageret"]["id"] in rows


def test_the_day_pages_meeting_screen_carries_every_schools_open_ones_as_data_and_draws_none(setup):
    """The screen needs JavaScript anyway: the phone draws her school's rows from the data, as for any school."""
    page = setup["phone"].get("/").get_data(as_text=True)
    assert re.search(r'data-followups data-school=""', page)
    assert re.search(r"data-followup-rows>\s*</ol>", page)
    data = json.loads(html.unescape(re.search(r"data-followup-data='([^']*)'", page).group(1)))
    assert sorted(item[1] for item in data[setup["school"]["id"]]) == ["Bestille buss", "Ringe foreldre"]
    assert [item[1] for item in data[setup["other"]["id"]]] == ["Rydde lageret"]


def test_a_refused_meeting_shows_the_follow_ups_as_sent_with_the_reason(setup, actions):
    phone = setup["phone"]
    page = phone.get("/meetings/new").get_data(as_text=True)
    bus, call = setup["made"]["Bestille buss"], setup["made"]["Ringe foreldre"]
    response = phone.post("/meetings/new", data={
        "csrf_token": csrf_from(page), "id": re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1),
        "date": "2026-11-20", "school": setup["school"]["id"], "type": "planning", "action": "save",
        "followups-0-responsibility": bus["id"], "followups-0-status": "done", "followups-0-comment": "x" * 2001,
        "followups-1-responsibility": call["id"], "followups-1-status": "dropped", "followups-1-comment": "<b>ok</b>"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<div class="field invalid"><label for="followups-0-comment">', page)
    assert re.search(r'id="followups-0-comment-errors" aria-live="polite"><p>[^<]+2000', page)
    assert '<select aria-describedby="followups-1-status-errors" id="followups-1-status" name="followups-1-status">' \
           '<option value="not_started">' in page
    assert '<option selected value="dropped">Droppet</option>' in page
    assert "&lt;b&gt;ok&lt;/b&gt;</textarea>" in page
    assert actions.store().counts()["meetings"] == 0
