"""The 3F barometer over HTTP: the leader opens a round, participants answer on the phone (also late,
from the outbox), one answer per person per round, and results that never expose a small group."""
from __future__ import annotations

import re
import uuid

import pytest

from samskaping.core.barometer_stats import answer_id, default_statements
from tests.conftest import OUTBOX, csrf_from, late_phone as phone_without_session


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def radio_names(page: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'name="(s_[0-9a-f]{32})" required type="radio"', page)))


@pytest.fixture
def project(actions):
    school = actions.school()
    people = {name: actions.person(name, side=side, school=school) for name, side in [
        ("Kari", "kommune"), ("Nora", "kommune"), ("Per", "kommune"), ("Ola", "entreprenor"), ("Eva", "entreprenor")]}
    return {"school": school, "people": people, "leader": actions.leader_client()}


def open_round(actions, project, title: str = "Barometer november 2026") -> dict:
    leader = project["leader"]
    page = leader.get("/barometer/results").get_data(as_text=True)
    response = leader.post("/barometer/rounds", data={"csrf_token": csrf_from(page), "title": title, "closes_on": ""})
    assert response.status_code == 303 and response.headers["Location"] == "/barometer/results"
    [round_] = [r for r in actions.store().find("rounds") if r["title"] == title]
    return round_


def close_round(project, round_: dict) -> None:
    leader = project["leader"]
    token = csrf_from(leader.get("/barometer/results").get_data(as_text=True))
    assert leader.post(f"/barometer/rounds/{round_['id']}/close", data={"csrf_token": token}).status_code == 303
    assert "Runden er avsluttet." in leader.get("/barometer/results").get_data(as_text=True)  # the flash, shown once


def answers_csv(leader) -> list[list[str]]:
    response = leader.get("/leader/export/download?format=csv&table=answers")
    assert response.status_code == 200
    return [line.split(";") for line in response.get_data().decode("utf-8-sig").splitlines()]


def answer(client, value: int = 4, comment: str = "", **override) -> tuple:
    """Fill in the phone's form as shown (every statement `value`) and send it."""
    page = client.get("/barometer/?change=1").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "id": hidden(page, "id"), "round": hidden(page, "round"), "comment": comment}
    data.update({name: str(value) for name in radio_names(page)})
    data.update(override)
    return client.post("/barometer/answer", data=data), data


def test_opening_a_round_snapshots_the_default_statements_and_the_people_invited(actions, project):
    round_ = open_round(actions, project)
    defaults = [s["id"] for s in default_statements()]
    assert round_["statement_ids"] == defaults and round_["status"] == "open"
    assert sorted(p["side"] for p in round_["invited"]) == ["entreprenor", "entreprenor", "kommune", "kommune", "kommune"]
    assert len(actions.store().find("statements")) == len(defaults)  # created once, on first need
    assert "Runden er åpnet." in project["leader"].get("/barometer/results").get_data(as_text=True)
    # A second round while one is open is refused.
    page = project["leader"].get("/barometer/results").get_data(as_text=True)
    refused = project["leader"].post("/barometer/rounds", data={"csrf_token": csrf_from(page), "title": "To"})
    assert refused.status_code == 422 and "En runde er allerede åpen." in refused.get_data(as_text=True)
    assert len(actions.store().find("rounds")) == 1


def test_a_participant_answers_and_the_answer_is_stored_once_per_person(actions, project):
    round_ = open_round(actions, project)
    kari = project["people"]["Kari"]
    phone = actions.participant_client(kari)
    page = phone.get("/barometer/").get_data(as_text=True)
    assert "Helt uenig" in page and "Helt enig" in page and "<legend>" in page
    assert len(radio_names(page)) == len(round_["statement_ids"])
    response, data = answer(phone, 4, "Gode møter")
    assert response.status_code == 303 and response.headers["Location"] == "/barometer/"
    [stored] = actions.store().find("answers")
    assert stored["id"] == answer_id(round_["id"], kari["id"])
    assert (stored["round"], stored["person"], stored["side"], stored["comment"]) == (round_["id"], kari["id"], "kommune", "Gode møter")
    assert set(stored["values"]) == set(round_["statement_ids"]) and set(stored["values"].values()) == {4}
    assert "Takk! Svarene dine er lagret." in phone.get("/barometer/").get_data(as_text=True)
    # Changing the answer while the round is open updates the same record.
    response, _ = answer(phone, 2)
    assert response.status_code == 303
    [stored] = actions.store().find("answers")
    assert set(stored["values"].values()) == {2}


def test_a_duplicate_delivery_and_a_second_phone_give_one_answer(app, actions, project):
    round_ = open_round(actions, project)
    kari = project["people"]["Kari"]
    phone = actions.participant_client(kari)
    _, data = answer(phone, 5)
    late = app.test_client()
    late.set_cookie("samskaping_device", phone.get_cookie("samskaping_device").value)
    outbox = {k: v for k, v in data.items() if k != "csrf_token"} | {"client_updated_at": "2099-01-01T00:00:00Z"}
    assert late.post("/barometer/answer", data=outbox, headers=OUTBOX).get_json()["status"] == "duplicate"
    second_phone = actions.participant_client(kari)
    response, _ = answer(second_phone, 5)
    assert response.status_code == 303
    assert len(actions.store().find("answers")) == 1
    # The outbox's own record id does not matter: the answer is the person's for the round.
    other = late.post("/barometer/answer", data=outbox | {"id": str(uuid.uuid4())}, headers=OUTBOX)
    assert other.get_json()["status"] == "duplicate" and other.get_json()["id"] == answer_id(round_["id"], kari["id"])
    assert len(actions.store().find("answers")) == 1


@pytest.mark.parametrize("bad", ["", "0", "6", "fire"])
def test_an_unanswered_or_invalid_statement_is_refused_with_a_message_and_nothing_stored(actions, project, bad):
    open_round(actions, project)
    phone = actions.participant_client(project["people"]["Kari"])
    page = phone.get("/barometer/").get_data(as_text=True)
    first = radio_names(page)[0]
    response, _ = answer(phone, 3, **{first: bad})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Noen svar må rettes" in body
    assert body.count("Velg et tall fra 1 til 5 for denne påstanden.") == 1
    assert re.search(rf'id="{first}-0-errors"[^>]*><p>Velg et tall fra 1 til 5', body)
    assert actions.store().find("answers") == []


def test_the_outbox_gets_the_refusal_per_statement(app, actions, project):
    open_round(actions, project)
    phone = actions.participant_client(project["people"]["Kari"])
    page = phone.get("/barometer/").get_data(as_text=True)
    names = radio_names(page)
    data = {"id": hidden(page, "id"), "round": hidden(page, "round"), names[0]: "4"}
    response = phone.post("/barometer/answer", data=data, headers=OUTBOX)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == set(names[1:]) and errors[names[1]] == ["Velg et tall fra 1 til 5 for denne påstanden."]
    assert actions.store().find("answers") == []


def test_answers_to_a_closed_round_or_to_statements_it_did_not_ask_are_refused(actions, project):
    round_ = open_round(actions, project)
    phone = actions.participant_client(project["people"]["Kari"])
    response, _ = answer(phone, 3, **{"s_" + uuid.uuid4().hex: "3"})
    assert response.status_code == 422 and "Skjemaet passer ikke til denne runden" in response.get_data(as_text=True)
    page = phone.get("/barometer/").get_data(as_text=True)
    assert "Svarene teller bare mens runden er åpen." in page  # the form says so before it is too late
    close_round(project, round_)
    assert actions.store().get("rounds", round_["id"])["status"] == "closed"
    data = {"csrf_token": csrf_from(page), "id": hidden(page, "id"), "round": round_["id"]}
    data.update({name: "3" for name in radio_names(page)})
    response = phone.post("/barometer/answer", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Runden ble avsluttet før svarene dine kom fram til prosjektleders PC, så de ble ikke lagret." in body
    assert 'class="bm-answer"' not in body  # no form to send again into a closed round
    assert actions.store().find("answers") == []
    assert "Det er ingenting å svare på nå." in phone.get("/barometer/").get_data(as_text=True)


def test_a_participant_cannot_see_results_or_manage_the_barometer(actions, project):
    open_round(actions, project)
    phone = actions.participant_client(project["people"]["Kari"])
    for path in ("/barometer/results", "/barometer/statements"):
        assert phone.get(path).status_code == 403
    round_id = actions.store().find("rounds")[0]["id"]
    assert phone.get(f"/barometer/results/{round_id}").status_code == 403
    assert phone.post(f"/barometer/rounds/{round_id}/close").status_code in (400, 403)
    assert actions.store().get("rounds", round_id)["status"] == "open"


def test_results_hide_a_side_with_fewer_than_three_answers_and_its_comments(actions, project):
    round_ = open_round(actions, project)
    for name, value, comment in [("Kari", 5, "Kari-kommentar"), ("Nora", 4, ""), ("Per", 3, "Per-kommentar"),
                                 ("Ola", 1, "Hemmelig fra Ola"), ("Eva", 2, "")]:
        assert answer(actions.participant_client(project["people"][name]), value, comment)[0].status_code == 303
    close_round(project, round_)
    page = project["leader"].get("/barometer/results").get_data(as_text=True)
    assert "5 av 5 har svart" in page and "Siste avsluttede runde: Barometer november 2026" in page
    assert "4,0" in page  # the municipality's mean, shown
    assert "for få svar" in page.lower()
    assert "1,5" not in page  # the entrepreneur's mean (two answers) is not
    assert "høyere enn" not in page  # nor the gap
    assert "Per-kommentar" in page and "Kari-kommentar" in page and "Hemmelig fra Ola" not in page
    for name in ("Kari", "Nora", "Per", "Ola", "Eva"):
        assert f">{name}<" not in page  # no names next to anything


def test_with_three_from_each_side_the_gap_is_shown_in_plain_words_once_the_round_is_closed(actions, project):
    round_ = open_round(actions, project)
    siri = actions.person("Siri", side="entreprenor", school=project["school"])
    for person, value, comment in [(project["people"]["Kari"], 5, ""), (project["people"]["Nora"], 4, ""),
                                   (project["people"]["Per"], 3, ""), (project["people"]["Ola"], 1, "Hemmelig fra Ola"),
                                   (project["people"]["Eva"], 2, ""), (siri, 3, "")]:
        assert answer(actions.participant_client(person), value, comment)[0].status_code == 303
    close_round(project, round_)
    page = project["leader"].get(f"/barometer/results/{round_['id']}").get_data(as_text=True)
    assert "2,0" in page and "Kommunen svarer 2,0 høyere enn entreprenøren." in page
    assert "Hemmelig fra Ola" in page and "Avsluttet" in page


def test_an_open_round_shows_only_how_many_answered_even_with_three_from_each_side(actions, project):
    """Results that changed with every answer would tell, by comparing before and after, what the last one
    answered: until the round is closed, the pages and the CSV show the response rate and nothing else."""
    round_ = open_round(actions, project)
    siri = actions.person("Siri", side="entreprenor", school=project["school"])
    people = [project["people"][name] for name in ("Kari", "Nora", "Per", "Ola", "Eva")] + [siri]
    for person, value in zip(people, (5, 5, 2, 1, 1, 4)):
        assert answer(actions.participant_client(person), value, f"Kommentar fra {person['name']}")[0].status_code == 303
    leader = project["leader"]
    explained = "Resultatene vises når runden er avsluttet, så ingen enkeltsvar kan leses ut av endringene."
    for path in ("/barometer/results", f"/barometer/results/{round_['id']}"):
        page = leader.get(path).get_data(as_text=True)
        assert "6 av 6 har svart (100 %)" in page and "Kommune: 3/3" in page and "Sosial entreprenør: 3/3" in page
        assert explained in page
        assert "Kommentar fra" not in page and "høyere enn" not in page and 'role="img"' not in page
        assert not re.search(r"\b\d,\d\b", page), path  # no mean (4,0 / 2,0...), no gap
    assert answers_csv(leader) == [["round_id", "round", "round_date", "side", "statement_id", "f", "statement", "value"]]
    close_round(project, round_)
    page = leader.get(f"/barometer/results/{round_['id']}").get_data(as_text=True)
    assert explained not in page
    assert "Kommunen svarer 2,0 høyere enn entreprenøren." in page  # 4,0 against 2,0
    assert "Kommentar fra Siri" in page
    rows = answers_csv(leader)[1:]
    assert len(rows) == 6 * len(round_["statement_ids"]) and {row[0] for row in rows} == {round_["id"]}
    assert sorted(int(row[7]) for row in rows if row[3] == "entreprenor") == sorted([1, 1, 4] * len(round_["statement_ids"]))


def test_statement_text_can_change_until_a_round_asks_it_then_only_deactivate(actions, project):
    leader = project["leader"]
    page = leader.get("/barometer/statements").get_data(as_text=True)
    first = default_statements()[0]["id"]
    prefix = "t" + uuid.UUID(first).hex[:12]
    changed = leader.post(f"/barometer/statements/{first}", data={f"{prefix}-csrf_token": csrf_from(page),
                                                                   f"{prefix}-text": "Jeg kjenner målet."})
    assert changed.status_code == 303 and actions.store().get("statements", first)["text"] == "Jeg kjenner målet."
    open_round(actions, project)
    page = leader.get("/barometer/statements").get_data(as_text=True)
    locked = leader.post(f"/barometer/statements/{first}", data={f"{prefix}-csrf_token": csrf_from(page),
                                                                  f"{prefix}-text": "Noe helt annet."})
    assert locked.status_code == 422 and "Deaktiver den og legg til en ny" in locked.get_data(as_text=True)
    assert actions.store().get("statements", first)["text"] == "Jeg kjenner målet."
    leader.post(f"/barometer/statements/{first}/active", data={"csrf_token": csrf_from(page)})
    added = leader.post("/barometer/statements", data={"csrf_token": csrf_from(page), "f": "forstaelse",
                                                       "text": "Jeg kan forklare målet med egne ord."})
    assert added.status_code == 303
    assert actions.store().get("statements", first)["active"] is False
    # The open round keeps its list; the next one asks the new statement and not the deactivated one.
    token = csrf_from(leader.get("/barometer/results").get_data(as_text=True))
    current = actions.store().find("rounds")[0]
    leader.post(f"/barometer/rounds/{current['id']}/close", data={"csrf_token": token})
    assert first in actions.store().get("rounds", current["id"])["statement_ids"]
    second = open_round(actions, project, "Barometer desember 2026")
    new_id = next(s["id"] for s in actions.store().find("statements") if s["text"].startswith("Jeg kan forklare"))
    assert first not in second["statement_ids"] and new_id in second["statement_ids"]


def test_statements_move_up_and_down_within_their_f(actions, project):
    leader = project["leader"]
    page = leader.get("/barometer/statements").get_data(as_text=True)
    a, b = (s["id"] for s in default_statements()[:2])
    assert leader.post(f"/barometer/statements/{b}/move", data={"csrf_token": csrf_from(page), "step": "-1"}).status_code == 303
    assert (actions.store().get("statements", b)["position"], actions.store().get("statements", a)["position"]) == (1, 2)
    round_ = open_round(actions, project)
    assert round_["statement_ids"][:2] == [b, a]


def dashboard(app) -> str:
    from flask import g, render_template

    from samskaping.barometer.views import dashboard_context
    with app.test_request_context("/leader/dashboard"):
        g.leader, g.person = True, None
        return render_template("barometer/_dashboard.html", barometer_summary=dashboard_context())


def test_the_dashboard_partial_shows_the_last_closed_round_and_of_the_open_one_the_rate(app, actions, project):
    from samskaping.barometer.views import open_round_for
    kari = project["people"]["Kari"]
    with app.test_request_context("/leader/dashboard"):
        assert open_round_for(kari) is None
    assert "Ingen barometerrunde ennå." in dashboard(app)
    round_ = open_round(actions, project)
    with app.test_request_context("/leader/dashboard"):
        assert open_round_for(kari)["id"] == round_["id"]
    for name in ("Kari", "Nora", "Per", "Ola", "Eva"):
        answer(actions.participant_client(project["people"][name]), 4 if name in ("Kari", "Nora", "Per") else 3)
    third = actions.person("Siri", side="entreprenor", school=project["school"])
    answer(actions.participant_client(third), 3)
    with app.test_request_context("/leader/dashboard"):
        assert open_round_for(kari) is None
    html = dashboard(app)
    assert "6 av 6 har svart" in html and "Resultatene vises når runden er avsluttet" in html
    assert "høyere enn" not in html and 'role="img"' not in html and "4,0" not in html
    close_round(project, round_)
    html = dashboard(app)
    assert "Siste avsluttede runde: Barometer november 2026" in html
    assert "Kommunen svarer 1,0 høyere enn entreprenøren." in html and 'role="img"' in html
    assert "6 av 6 har svart" in html and 'href="/barometer/results"' in html
    assert "Resultatene vises når runden er avsluttet" not in html
    assert "style=" not in html
    # The sides' bars differ by more than colour: the entrepreneur's, one per F, are striped as well.
    assert '<pattern id="bm-dash-stripes"' in html and html.count('fill="url(#bm-dash-stripes)"') == 3
    # A new round opens: the dashboard keeps the closed one's results and shows the new one's rate only.
    second = open_round(actions, project, "Barometer desember 2026")
    for name in ("Kari", "Nora", "Per"):
        answer(actions.participant_client(project["people"][name]), 1)
    html = dashboard(app)
    assert "Barometer desember 2026 · åpen" in html and "3 av 6 har svart" in html
    assert "Siste avsluttede runde: Barometer november 2026" in html
    assert "Kommunen svarer 1,0 høyere enn entreprenøren." in html and "1,0 " not in html.split("Siste avsluttede")[0]
    assert second["id"] != round_["id"]


def test_an_answer_reaching_the_server_after_the_round_closed_is_refused_even_if_the_phone_dates_it_earlier(
        app, actions, project):
    round_ = open_round(actions, project)
    for name in ("Kari", "Nora", "Per"):
        assert answer(actions.participant_client(project["people"][name]), 4)[0].status_code == 303
    phone = actions.participant_client(project["people"]["Ola"])
    page = phone.get("/barometer/").get_data(as_text=True)
    filled = {"id": hidden(page, "id"), "round": hidden(page, "round")} | {name: "1" for name in radio_names(page)}
    close_round(project, round_)
    published = project["leader"].get(f"/barometer/results/{round_['id']}").get_data(as_text=True)
    stored_before = actions.store().find("answers")
    # The phone's outbox says it was filled in while the round was open: the server's clock decides.
    late = phone_without_session(app, phone)
    before = filled | {"client_updated_at": round_["created_at"]}
    refused = late.post("/barometer/answer", data=before, headers=OUTBOX)
    assert refused.status_code == 422 and refused.get_json()["status"] == "refused"
    assert refused.get_json()["message"] == ("Runden ble avsluttet før svarene dine kom fram til prosjektleders PC, "
                                             "så de ble ikke lagret. Svarene teller bare mens runden er åpen.")
    # Nor with a fresh record id, nor sent again later, nor as a plain form post.
    again = late.post("/barometer/answer", data=filled | {"client_updated_at": "2099-01-01T00:00:00Z",
                                                          "id": str(uuid.uuid4())}, headers=OUTBOX)
    assert again.status_code == 422 and again.get_json()["status"] == "refused"
    plain = phone.post("/barometer/answer", data=filled | {"csrf_token": csrf_from(page)})
    assert plain.status_code == 422 and "Runden ble avsluttet" in plain.get_data(as_text=True)
    assert actions.store().find("answers") == stored_before
    assert project["leader"].get(f"/barometer/results/{round_['id']}").get_data(as_text=True) == published
    # With a new round open, the refusal leads to it; the old round's answers still cannot come in.
    open_round(actions, project, "Barometer desember 2026")
    plain = phone.post("/barometer/answer", data=filled | {"csrf_token": csrf_from(page)})
    assert plain.status_code == 422 and "Svar på Barometer desember 2026" in plain.get_data(as_text=True)
    assert actions.store().find("answers") == stored_before


def test_a_change_after_the_round_closed_is_refused_but_a_retry_of_the_stored_answer_is_a_duplicate(app, actions, project):
    round_ = open_round(actions, project)
    kari = actions.participant_client(project["people"]["Kari"])
    _, data = answer(kari, 4, "Bra")
    close_round(project, round_)
    stored = actions.store().find("answers")
    late = phone_without_session(app, kari)
    delivery = {k: v for k, v in data.items() if k != "csrf_token"} | {"client_updated_at": round_["created_at"]}
    # The phone never got the reply to the delivery that was stored: sending it again is acknowledged.
    retry = late.post("/barometer/answer", data=delivery, headers=OUTBOX)
    assert retry.status_code == 200 and retry.get_json()["status"] == "duplicate"
    changed = late.post("/barometer/answer", data=delivery | {next(k for k in delivery if k.startswith("s_")): "1"},
                        headers=OUTBOX)
    assert changed.status_code == 422 and changed.get_json()["status"] == "refused"
    recomment = late.post("/barometer/answer", data=delivery | {"comment": "Ny kommentar"}, headers=OUTBOX)
    assert recomment.status_code == 422
    assert actions.store().find("answers") == stored


