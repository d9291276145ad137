"""The leader gives the open responsibilities of people who left (revoked, erased) to someone else, in one place."""
from __future__ import annotations

import re

from tests.conftest import csrf_from


def open_item(store, owner: str | None, what: str, school: dict, status: str = "not_started") -> dict:
    return store.create("responsibilities", {"what": what, "owner": owner, "side": "kommune", "due": "2027-01-10",
                                             "status": status, "meeting": None, "school": school["id"]})[0]


def handover_form(page: str, former: str) -> dict:
    form = re.search(rf'<form[^>]*>(?:(?!</form>).)*value="{former}"(?:(?!</form>).)*</form>', page, re.S).group(0)
    return {"csrf_token": csrf_from(form), "id": re.search(r'name="id" type="hidden" value="([^"]+)"', form).group(1),
            "former": former}


def test_a_revoked_persons_open_items_are_listed_and_handed_over_once_with_a_logged_reason(actions):
    store, leader = actions.store(), actions.leader_client()
    school = actions.school()
    kari, per = actions.person("Kari Nordmann", school=school), actions.person("Per Hansen", school=school)
    first, second = open_item(store, kari["id"], "Lage plan", school), open_item(store, kari["id"], "Ringe FAU", school)
    done = open_item(store, kari["id"], "Ferdig ting", school, status="done")
    assert "har sluttet" not in leader.get("/leader/").get_data(as_text=True)  # nobody left yet

    token = actions.token(leader, f"/leader/people/{kari['id']}")
    assert leader.post(f"/leader/people/{kari['id']}/revoke", data={"csrf_token": token}).status_code == 303
    assert "2 åpne ansvar tilhører folk som har sluttet" in leader.get("/leader/").get_data(as_text=True)
    page = leader.get("/responsibilities/handover/").get_data(as_text=True)
    assert "Lage plan" in page and "Ringe FAU" in page and "Ferdig ting" not in page
    form = {**handover_form(page, kari["id"]), "to": per["id"], "reason": "Kari har sluttet"}
    assert leader.post("/responsibilities/handover/", data=form).status_code == 303
    assert leader.post("/responsibilities/handover/", data=form).status_code == 303  # a double click
    for item in (first, second):
        stored = store.get("responsibilities", item["id"])
        assert stored["owner"] == per["id"] and stored["status"] == "not_started"
        [entry] = store.find("followups", responsibility=item["id"])
        assert entry["changes"] == {"owner": {"from": kari["id"], "to": per["id"]}} and entry["reason"] == "Kari har sluttet"
    assert store.get("responsibilities", done["id"])["owner"] == kari["id"]
    assert "Ingen som har sluttet, har åpne ansvar." in leader.get("/responsibilities/handover/").get_data(as_text=True)


def test_an_erased_owners_items_are_handed_over_and_a_bad_choice_changes_nothing(actions):
    store, leader = actions.store(), actions.leader_client()
    school = actions.school()
    per = actions.person("Per Hansen", school=school)
    orphan = open_item(store, None, "Hente utstyr", school)
    page = leader.get("/responsibilities/handover/").get_data(as_text=True)
    assert "Slettet person" in page and "Hente utstyr" in page
    refused = leader.post("/responsibilities/handover/", data={**handover_form(page, "erased"), "to": "", "reason": ""})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Velg hvem som har ansvaret." in text and "Skriv hvorfor det endres." in text
    assert store.get("responsibilities", orphan["id"])["owner"] is None and store.counts()["followups"] == 0
    page = leader.get("/responsibilities/handover/").get_data(as_text=True)
    ok = leader.post("/responsibilities/handover/", data={**handover_form(page, "erased"), "to": per["id"], "reason": "Ny"})
    assert ok.status_code == 303 and store.get("responsibilities", orphan["id"])["owner"] == per["id"]


def test_only_the_leader_sees_the_handover(actions):
    school = actions.school()
    phone = actions.participant_client(actions.person("Kari Nordmann", school=school))
    assert phone.get("/responsibilities/handover/").status_code == 403
    anonymous = actions.app.test_client().get("/responsibilities/handover/")
    assert anonymous.status_code == 302 and "/leader/login" in anonymous.headers["Location"]


def test_erasing_a_person_cuts_them_out_of_the_changes_logged_on_follow_ups():
    """A follow-up that handed Kari's item to Per names Kari in its changes: erasing her keeps the entry
    (it is the leader's) with her id gone, and her name gone from the reason."""
    from samskaping.core.erasure.plan import plan_erasure
    from samskaping.core.personal_data import Subject
    kari, per = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    entry = {"id": "33333333-3333-4333-8333-333333333333", "responsibility": "44444444-4444-4444-8444-444444444444",
             "status": "not_started", "previous_status": "not_started", "comment": "", "by_leader": True,
             "changes": {"owner": {"from": kari, "to": per}}, "reason": "Kari Nordmann har sluttet",
             "created_at": "2026-12-01T10:00:00+00:00", "updated_at": "2026-12-01T10:00:00+00:00",
             "author": None, "device": None}
    plan = plan_erasure(Subject(kari, "Kari Nordmann"), {"followups": [entry]}, "(slettet person)",
                        now="2026-12-07T00:00:00+00:00")
    assert plan.deletes == []
    [(table, kept)] = plan.puts
    assert table == "followups" and kept["changes"] == {"owner": {"from": None, "to": per}}
    assert kept["reason"] == "(slettet person) har sluttet"
