"""Shared fixtures, flaskr style: a real app on a real TinyDB folder under tmp_path."""
from __future__ import annotations

import re

import pytest
from browser_support import chromium  # noqa: F401  (one browser for the whole session, shared by all modules)

from samskaping import create_app
from samskaping.web.db import close_store, get_store

LEADER_PASSWORD = "riktig-hest-batteri"


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})
    yield app
    close_store(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: bytes | str) -> str:
    """The CSRF token a page gave its forms or htmx (what a browser would send back)."""
    text = html.decode() if isinstance(html, bytes) else html
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"', text)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


OUTBOX = {"X-Samskaping-Outbox": "1", "Accept": "application/json"}  # how a phone's outbox delivers


def late_phone(app, phone):
    """The same phone days later, delivering from its outbox: only its device cookie is left (session and
    CSRF token gone)."""
    later = app.test_client()
    later.set_cookie("samskaping_device", phone.get_cookie("samskaping_device").value)
    return later


def meeting_fields(school: dict, person: dict, notes: str = "Notater", *, what: str = "Lage plan",
                   changed: str = "2026-11-20T10:00:00Z") -> dict:
    """A meeting as the phone's form sends it (no CSRF token): the person attends and owns one responsibility;
    `changed` is when the phone says it was last changed."""
    return {"date": "2026-11-20", "school": school["id"], "type": "planning", "attendees": [person["id"]],
            "notes": notes, "action": "save", "responsibilities-0-what": what, "responsibilities-0-owner": person["id"],
            "client_updated_at": changed}


class Actions:
    """Steps a test takes the way a user would: through pages and forms over the app's HTTP interface."""

    def __init__(self, app):
        self.app = app

    def store(self):
        with self.app.app_context():
            return get_store()

    def token(self, client, path: str = "/") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    def leader_client(self):
        """A client signed in as project leader (setting the password first, from loopback)."""
        client = self.app.test_client()
        with self.app.app_context():
            from samskaping.leader.auth import leader_password_hash, set_leader_password
            if leader_password_hash() is None:
                set_leader_password(LEADER_PASSWORD)
        token = self.token(client, "/leader/login")
        response = client.post("/leader/login", data={"csrf_token": token, "password": LEADER_PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    def school(self, name: str = "Fjellby skole") -> dict:
        return self.store().create("schools", {"name": name})[0]

    def person(self, name: str = "Kari Nordmann", side: str = "kommune", school: dict | None = None) -> dict:
        leader = self.leader_client()
        token = self.token(leader, "/leader/")
        response = leader.post("/leader/people", data={"csrf_token": token, "name": name, "side": side,
                                                       "role": "Lærer", "school": school["id"] if school else ""})
        assert response.status_code == 303
        return self.store().get("people", response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])

    def join_path(self, person: dict) -> str:
        with self.app.test_request_context():
            from samskaping.leader.auth import join_token
            return f"/join/{join_token(self.store().get('people', person['id']))}"

    def participant_client(self, person: dict):
        """A phone that opened the person's join link and confirmed."""
        client = self.app.test_client()
        path = self.join_path(person)
        token = self.token(client, path)
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 303
        return client


@pytest.fixture
def actions(app):
    return Actions(app)

# Exports broken in the ways a hand edit or a cut-off copy breaks them (tests of the import's refusal).
BROKEN_EXPORTS = [
    '{"format": "samskaping-export", "schema_version": 1,\n "tables": {"schools": [{"id": 1},\n ]}}',
    '{"format": "samskaping-export", "tables": {"schools": [{"id": 1} {"id": 2}]}}',
    '{"format": "samskaping-export", "tables": {"schools": []}} x',
    '{"format": "samskaping-export" "tables": {}}',
    '{"format": "samskaping-export", "tables": {"schools": [{"id": 1}, {"id": 2]}}',
]
