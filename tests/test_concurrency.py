"""Many phones at once over real HTTP: every acknowledged submission stored once, the file valid."""
from __future__ import annotations

import http.client
import json
import threading
import uuid
from pathlib import Path
from urllib.parse import urlencode

from cheroot.wsgi import Server

from samskaping.web.db import close_store
from tests.conftest import csrf_from

THREADS, PER_THREAD = 8, 200


class Phone:
    """One phone: a keep-alive connection, its own cookies, the CSRF token its page gave it."""

    def __init__(self, port: int, join_path: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        page = self.request("GET", join_path)
        self.request("POST", join_path, {"csrf_token": self.token(page)})
        self.csrf = self.token(self.request("GET", "/meetings/new"))

    @staticmethod
    def token(page: str) -> str:
        return csrf_from(page)

    def request(self, method: str, path: str, form: dict | None = None) -> str:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        text = response.read().decode()
        self.status = response.status
        return text


def test_eight_phones_posting_two_hundred_meetings_each_store_exactly_1600(app, actions, tmp_path):
    school = actions.school()
    people = [actions.person(f"Lærer {n}", school=school) for n in range(THREADS)]
    join_paths = [actions.join_path(p) for p in people]
    server = Server(("127.0.0.1", 0), app, numthreads=THREADS)
    server.prepare()
    port = server.bind_addr[1]
    serving = threading.Thread(target=server.serve, daemon=True)
    serving.start()
    acknowledged: list[str] = []
    failures: list[str] = []
    phones: list[Phone] = []
    lock = threading.Lock()

    def submit(join_path: str, person_id: str) -> None:
        phone = Phone(port, join_path)
        phones.append(phone)
        for n in range(PER_THREAD):
            meeting_id = str(uuid.uuid4())
            phone.request("POST", "/meetings/new", {
                "csrf_token": phone.csrf, "id": meeting_id, "date": "2026-11-20", "school": school["id"],
                "type": "planning", "attendees": [person_id], "notes": f"Møte {n}", "action": "save"})
            with lock:
                (acknowledged if phone.status == 303 else failures).append(f"{meeting_id} {phone.status}")

    try:
        threads = [threading.Thread(target=submit, args=(path, person["id"])) for path, person in zip(join_paths, people)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        for phone in phones:
            phone.connection.close()
        server.stop()
    assert failures == []
    assert len(acknowledged) == THREADS * PER_THREAD
    close_store(app)
    # After a clean close the data is one valid TinyDB JSON document ({table: {doc id: record}}).
    database = Path(app.config["DATA_DIR"]) / "samskaping.json"
    stored = json.loads(database.read_text())["meetings"]
    assert len(stored) == THREADS * PER_THREAD
    assert set(stored) == {m["id"] for m in stored.values()} == {line.split()[0] for line in acknowledged}
