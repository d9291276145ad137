"""Who may open what, checked over the app's own URL map: nothing is reachable by accident."""
from __future__ import annotations

import re
import uuid

import pytest

from samskaping import create_app
from samskaping.web.db import close_store

SECRET_TEXT = "Hemmelig referattekst 4711"
EXPECTED_PUBLIC = {"home.index", "health.healthz", "auth.setup", "auth.login", "auth.logout", "auth.join",
                   "i18n.switch_language", "certificate.download", "pwa.service_worker", "pwa.manifest",
                   "pwa.favicon", "static",
                   # Another laptop syncing: no cookies, but every answer needs this laptop's sync key.
                   "sync.hello", "sync.changes", "sync.receive"}


@pytest.fixture
def app(tmp_path):
    # CSRF off here on purpose: a refusal must come from access control, not from a missing token.
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "WTF_CSRF_ENABLED": False})
    yield app
    close_store(app)


@pytest.fixture
def world(actions):
    """A project with one of everything, so URLs point at real records (a refusal is not just a 404)."""
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    store = actions.store()
    meeting, _ = store.create("meetings", {"date": "2026-11-02", "school": school["id"], "type": "planning",
                                           "attendees": [kari["id"]], "guests": "", "agenda": "", "notes": SECRET_TEXT,
                                           "decisions": ""}, author=kari["id"])
    responsibility, _ = store.create("responsibilities", {"what": SECRET_TEXT, "owner": kari["id"], "side": "kommune",
                                                          "due": None, "status": "not_started",
                                                          "meeting": meeting["id"], "school": school["id"]})
    feedback, _ = store.create("feedback", {"to": ola["id"], "about": None, "worked": SECRET_TEXT, "improve": ""},
                               author=kari["id"])
    phone = actions.participant_client(kari)
    device = store.find("devices", person=kari["id"])[0]
    return {"meeting_id": meeting["id"], "responsibility_id": responsibility["id"], "feedback_id": feedback["id"],
            "person_id": ola["id"], "device_id": device["id"], "token": actions.join_path(ola).rsplit("/", 1)[1],
            "field": "date", "action": "revoke", "code": "en", "phone": phone, "kari": kari, "ola": ola}


def every_route(app, world):
    """(endpoint, method, url) for every rule in the URL map, filled with real record ids where the world
    has one of that kind (any other argument gets a value that names nothing)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", world.get(argument, str(uuid.uuid4())))
        url = re.sub(r"<[^>]+>", "x", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def refused(response) -> bool:
    to_login = response.status_code in (302, 303) and "/leader/login" in response.headers.get("Location", "")
    return to_login or response.status_code in (401, 403)


def test_every_view_declares_its_audience_and_only_few_are_public(app):
    audiences = {endpoint: getattr(view, "access", None) for endpoint, view in app.view_functions.items()}
    undeclared = [e for e, a in audiences.items() if a is None and e != "static"]
    assert undeclared == []
    public = {e for e, a in audiences.items() if a == "public"} | {"static"}
    assert public == EXPECTED_PUBLIC


def test_anonymous_visitor_is_refused_everything_not_public_and_sees_no_data(app, world):
    anonymous = app.test_client()
    checked = 0
    for endpoint, method, url in every_route(app, world):
        if getattr(app.view_functions[endpoint], "access") == "public":
            continue
        response = anonymous.open(url, method=method)
        assert refused(response), (method, url, response.status_code)
        assert SECRET_TEXT not in response.get_data(as_text=True), (method, url)
        checked += 1
    assert checked >= 15


def test_participant_is_refused_every_leader_route(app, world, actions):
    phone = world["phone"]
    before = actions.store().counts()
    checked = 0
    for endpoint, method, url in every_route(app, world):
        if getattr(app.view_functions[endpoint], "access") != "leader":
            continue
        response = phone.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)
        checked += 1
    assert checked >= 6
    assert actions.store().get("people", world["ola"]["id"])["active"] is True
    assert actions.store().counts()["schools"] == before["schools"]


def test_participant_opens_participant_pages(app, world):
    for url in ["/", "/meetings/new", "/meetings/", f"/meetings/{world['meeting_id']}", "/responsibilities/",
                f"/responsibilities/{world['responsibility_id']}", "/feedback/", "/feedback/new"]:
        assert world["phone"].get(url).status_code == 200, url


def test_anonymous_start_page_only_asks_for_a_code(app, world):
    page = app.test_client().get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "QR-kode" in text and SECRET_TEXT not in text and "Kari" not in text


def test_feedback_is_seen_by_recipient_giver_and_leader_only(app, world, actions):
    url = f"/feedback/{world['feedback_id']}"
    ola_phone = actions.participant_client(world["ola"])
    assert SECRET_TEXT in ola_phone.get(url).get_data(as_text=True)
    assert SECRET_TEXT in actions.leader_client().get(url).get_data(as_text=True)
    # Kari wrote it: she reads what she gave (and may correct it); nobody else but Ola and the leader.
    assert SECRET_TEXT in world["phone"].get(url).get_data(as_text=True)
    third = actions.participant_client(actions.person("Per Tredje"))
    assert third.get(url).status_code == 404
    assert SECRET_TEXT not in third.get("/feedback/").get_data(as_text=True)


def test_revoked_person_and_device_lose_access(app, world, actions):
    leader = actions.leader_client()
    kari = world["kari"]
    assert leader.post(f"/leader/devices/{world['device_id']}/revoke").status_code == 303
    assert world["phone"].get("/meetings/new").status_code == 401
    new_phone = actions.participant_client(kari)
    assert new_phone.get("/meetings/new").status_code == 200
    assert leader.post(f"/leader/people/{kari['id']}/revoke").status_code == 303
    assert new_phone.get("/meetings/new").status_code == 401
    assert new_phone.get(actions.join_path(kari)).status_code == 404


def test_new_link_voids_the_old_qr_code(app, world, actions):
    old_path = actions.join_path(world["ola"])
    assert app.test_client().get(old_path).status_code == 200
    actions.leader_client().post(f"/leader/people/{world['ola']['id']}/new-link")
    assert app.test_client().get(old_path).status_code == 404
    assert app.test_client().get(actions.join_path(world["ola"])).status_code == 200
