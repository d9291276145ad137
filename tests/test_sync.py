"""Two laptops that worked apart end with the same data after Sync now: the newer version of a record both
changed wins on both, the other is listed as a conflict, a second sync changes nothing, a wrong key is
refused, and a sync cut off halfway is simply run again."""
from __future__ import annotations

import http.server
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from browser_support import LEADER_PASSWORD, REPO_ROOT, free_port, prepare_data, stop_server, wait_for_health

from samskaping.core.exchange import sync_client, sync_http
from samskaping.core.exchange.sync_client import EXCHANGED_TABLES, changes_page
from samskaping.exchange.sync_views import SYNC_SETTINGS_ID, normal_key
from samskaping.store.database import Store
from tests.conftest import csrf_from

SHARED_SCHOOL = "5a3c1e00-0000-4000-8000-0000000005c1"  # one record both laptops have, then both change


# ---- Unit level: the key, the pages of changes, the leader's page, the peer endpoints --------------

@pytest.mark.parametrize("typed, canonical", [
    ("ABCDE-FGHIJ-KLMNO-PQRST", "ABCDE-FGHIJ-KLMNO-PQRST"),
    ("abcde fghij klmno pqrst", "ABCDE-FGHIJ-KLMNO-PQRST"),
    ("ABCDEFGHIJKLMN0PQRST", "ABCDE-FGHIJ-KLMNO-PQRST"),  # a zero typed for the letter O
    ("ABCDE-FGHIJ-KLMNO-PQRS", ""), ("ABCDE-FGHIJ-KLMNO-PQRS9", ""), ("", ""), (None, ""),
])
def test_a_typed_sync_key_is_read_forgivingly_but_must_be_whole(typed, canonical):
    assert normal_key(typed) == canonical


def test_sync_exchanges_exactly_the_tables_an_export_holds_and_an_import_takes():
    from samskaping.core.exchange.export import TABLES
    from samskaping.core.exchange.import_file import IMPORTABLE
    assert EXCHANGED_TABLES == TABLES == IMPORTABLE


def test_changes_come_in_pages_that_together_hold_each_changed_record_once(app, monkeypatch):
    monkeypatch.setattr(sync_client, "PAGE_RECORDS", 7)
    with app.app_context():
        from samskaping.web.db import get_store
        store = get_store()
        school = store.create("schools", {"name": "Fjellby skole"})[0]
        made = {store.create("people", {"name": f"P{i}", "side": "kommune", "school": school["id"]})[0]["id"]
                for i in range(17)}
        store.put("settings", {"id": SYNC_SETTINGS_ID, "key": "ABCDE-FGHIJ-KLMNO-PQRST"})
        store.create("audit", {"event": "leader_login"})
        seen, after, pages = [], "", 0
        while True:
            tables, after = changes_page(store, "", after)
            pages += 1
            assert sum(map(len, tables.values())) <= 7 and set(tables) == set(EXCHANGED_TABLES)
            seen += [record["id"] for records in tables.values() for record in records]
            if after is None:
                break
        assert pages == 3 and sorted(seen) == sorted(made | {school["id"]})
        later = max(person["updated_at"] for person in store.find("people"))
        edited = store.update("people", sorted(made)[1], {"name": "Endret"})
        tables, after = changes_page(store, later, "")
        assert after is None and [r["id"] for r in tables["people"]] == [edited["id"]]


def test_the_leader_sees_the_key_and_the_addresses_and_a_new_key_voids_the_old(actions):
    leader = actions.leader_client()
    page = leader.get("/sync/").get_data(as_text=True)
    key = re.search(r'class="sync-key">([A-Z2-7-]{23})<', page).group(1)
    assert "http://localhost" in page
    assert leader.get("/sync/hello", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert leader.get("/sync/").get_data(as_text=True).count(key) == 1  # the same key until renewed

    response = leader.post("/sync/key", data={"csrf_token": actions.token(leader, "/sync/")})
    assert response.status_code == 303
    new_key = re.search(r'class="sync-key">([A-Z2-7-]{23})<', leader.get("/sync/").get_data(as_text=True)).group(1)
    assert new_key != key
    assert leader.get("/sync/hello", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert leader.get("/sync/hello", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200


def test_only_the_leader_opens_the_sync_page(actions, client):
    assert client.get("/sync/").status_code == 302
    phone = actions.participant_client(actions.person("Kari Nordmann", school=actions.school()))
    assert phone.get("/sync/").status_code == 403


@pytest.mark.parametrize("path, method", [("/sync/hello", "GET"), ("/sync/changes?since=", "GET"),
                                          ("/sync/receive", "POST")])
@pytest.mark.parametrize("authorization", [None, "Bearer AAAAA-AAAAA-AAAAA-AAAAA", "Basic x", "Bearer "])
def test_the_peer_endpoints_give_nothing_without_the_key(actions, client, path, method, authorization):
    actions.school("Fjellby skole")
    actions.leader_client().get("/sync/")  # makes the key
    headers = {"Authorization": authorization} if authorization else {}
    response = client.open(path, method=method, headers=headers, data=b"{}" if method == "POST" else None)
    assert response.status_code == 401
    assert response.get_json()["status"] == "unauthorized" and b"Fjellby" not in response.data


def key_of(actions) -> str:
    page = actions.leader_client().get("/sync/").get_data(as_text=True)
    return re.search(r'class="sync-key">([A-Z2-7-]{23})<', page).group(1)


def test_changes_hold_the_exchanged_tables_only_and_no_local_bookkeeping(actions, client):
    person = actions.person("Kari Nordmann", school=actions.school())
    actions.participant_client(person)  # a device record, and audit lines
    key = key_of(actions)
    answer = client.get("/sync/changes?since=", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert answer["format"] == "samskaping-export" and answer["more"] is False and answer["until"]
    assert set(answer["tables"]) == set(EXCHANGED_TABLES)
    assert [p["name"] for p in answer["tables"]["people"]] == ["Kari Nordmann"]
    text = json.dumps(answer)
    assert "secret_hash" not in text and "password_hash" not in text and key not in text and '"_' not in text
    later = client.get("/sync/changes", query_string={"since": answer["until"]},
                       headers={"Authorization": f"Bearer {key}"})
    assert sum(map(len, later.get_json()["tables"].values())) <= 2  # only the last moments again, if any
    bad = client.get("/sync/changes?since=yesterday", headers={"Authorization": f"Bearer {key}"})
    assert bad.status_code == 400 and bad.get_json()["message"]


@pytest.mark.parametrize("body", [b"{not json", b'{"format": "samskaping-export"}', b"PK\x03\x04zip", b"",
                                  b'{"format": "samskaping-export", "schema_version": ' + b"9" * 5000 + b"}"])
def test_receive_refuses_what_is_not_an_export_document_with_a_message(actions, client, body):
    key = key_of(actions)
    response = client.post("/sync/receive", data=body, headers={"Authorization": f"Bearer {key}",
                                                               "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["message"]
    assert actions.store().find("conflicts") == []


@pytest.mark.parametrize("address, key, message", [
    ("ftp://192.168.1.20:5000", "ABCDE-FGHIJ-KLMNO-PQRST", "for example http://192.168.1.20:5000"),
    ("http://192.168.1.20:5000/leader", "ABCDE-FGHIJ-KLMNO-PQRST", "for example http://192.168.1.20:5000"),
    ("http://192.168.1.20:5000", "ABCDE-FGHIJ", "four groups"),
    (f"127.0.0.1:{free_port()}", "ABCDE-FGHIJ-KLMNO-PQRST", "Could not reach the other laptop"),
], ids=["not-http", "a-path", "short-key", "unreachable"])
def test_pairing_refuses_a_bad_address_or_key_and_an_unreachable_laptop_with_a_message(actions, address, key,
                                                                                        message):
    leader = actions.leader_client()
    leader.get("/sync/")
    response = leader.post("/sync/peers", data={"csrf_token": actions.token(leader, "/sync/"), "url": address,
                                                 "key": key}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert actions.store().find("peers") == []


class SlowPeer:
    """A "laptop" on 127.0.0.1 that answers every call with a valid hello, a byte at a time (each byte in
    time for any per-read timeout): only a deadline for the whole call stops the wait."""

    def __init__(self, seconds_per_byte: float = 0.1) -> None:
        body = json.dumps({"format": "samskaping-sync", "version": 1, "installation": "x", "name": "slow"}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for byte in body:  # bounded: len(body) bytes
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(seconds_per_byte)
                except OSError:
                    pass  # the caller hung up

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_peer_that_answers_a_byte_at_a_time_is_cut_off_when_the_call_has_taken_too_long(app, monkeypatch):
    monkeypatch.setattr(sync_http, "CALL_SECONDS", 1)
    peer = SlowPeer(seconds_per_byte=0.1)  # ~9 s for the whole answer
    try:
        with app.test_request_context(headers={"Accept-Language": "nb"}):
            started = time.monotonic()
            with pytest.raises(sync_http.PeerError) as error:
                sync_http.call_json(peer.url, "ABCDE-FGHIJ-KLMNO-PQRST", "/sync/hello")
            assert time.monotonic() - started < 7  # cut off after ~1 s, long before the ~9 s answer ends (margin for a busy CI)
            assert "ble ikke ferdig med å svare innen 1 sekunder" in str(error.value)
            # The whole sync has a deadline too: once it has passed, no call is even started.
            with pytest.raises(sync_http.PeerError) as error:
                sync_http.call_json(peer.url, "ABCDE-FGHIJ-KLMNO-PQRST", "/sync/hello", deadline=time.monotonic() - 1)
            assert "Synkroniseringen tok mer enn 15 minutter og ble stoppet" in str(error.value)
    finally:
        peer.close()


@pytest.mark.parametrize("error, explained, raw", [
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), "ingenting svarer på den adressen",
     "Connection refused"),
    (urllib.error.URLError(TimeoutError("timed out")), "ikke svar innen 10 sekunder", "timed out"),
    (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), "navnet laptop.local er ukjent",
     "Name or service"),
    (urllib.error.URLError(ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                                           "failed: self-signed certificate")),
     "stoler ikke på sertifikatet", "certificate verify failed"),
    (ConnectionResetError(104, "Connection reset by peer"), "forbindelsen ble brutt", "reset by peer"),
])
def test_why_a_call_failed_is_told_in_the_leaders_language_not_the_systems(app, error, explained, raw):
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        text = sync_http.reason_text(error, "http://laptop.local:5000")
    assert explained in text and raw not in text


def test_an_unreachable_laptop_is_explained_in_norwegian_and_the_system_text_goes_to_the_log(actions, caplog):
    leader = actions.leader_client()
    leader.get("/sync/")
    response = leader.post("/sync/peers", data={"csrf_token": actions.token(leader, "/sync/"),
                                                 "url": f"127.0.0.1:{free_port()}", "key": "ABCDE-FGHIJ-KLMNO-PQRST"},
                           headers={"Accept-Language": "nb"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fikk ikke kontakt med" in page and "ingenting svarer på den adressen og porten" in page
    assert "Connection refused" not in page and "Errno" not in page
    assert "Connection refused" in caplog.text


# ---- Two real laptops: app.py twice, each with its own data folder ---------------------------------

class Browser:
    """A leader's browser on one laptop: cookies, CSRF tokens from the pages, no redirects followed."""

    class _Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), self._Stay(),
                                                  urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
        body = None if data is None else urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base_url + path, data=body, headers={"Accept-Language": "en",
                                                                               **(headers or {})})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, path: str) -> str:
        status, _headers, text = self.request(path)
        assert status == 200, (path, status, text[:2000])
        return text

    def post(self, path: str, form_page: str, **fields) -> tuple[int, dict, str]:
        token = csrf_from(self.get(form_page))
        return self.request(path, {"csrf_token": token, **fields})

    def sign_in(self) -> Browser:
        status, _headers, text = self.post("/leader/login", "/leader/login", password=LEADER_PASSWORD)
        assert status == 303, text
        return self


class Laptop:
    """`python app.py` on 127.0.0.1 with its own data folder; can be stopped and started again."""

    def __init__(self, folder: Path, name: str, other: Laptop | None = None) -> None:
        self.data_dir, self.log, self.process = folder / name, folder / f"{name}.log", None
        # Two quick free_port() calls may name the same port; then "B" would answer as A.
        self.port = next(port for port in (free_port() for _ in range(20)) if not other or port != other.port)
        self.seed = prepare_data(self.data_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data_dir)],
                cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_for_health(self.port, self.process, self.log)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            stop_server(self.process, self.log)

    def records(self) -> dict[str, dict[str, dict]]:
        """Every exchanged record by table and id, without local bookkeeping ("_" keys); server stopped."""
        with Store(self.data_dir) as store:
            return {table: {r["id"]: {k: v for k, v in r.items() if not k.startswith("_")}
                            for r in store.find(table)} for table in EXCHANGED_TABLES}

    def table(self, name: str) -> list[dict]:
        with Store(self.data_dir) as store:
            return store.find(name)


def running_laptops(tmp_path, seed=None) -> Iterator[tuple[Laptop, Laptop]]:
    """Two PCs (b paired with a), their data seeded if asked, running; stopped afterwards whatever happened."""
    a = Laptop(tmp_path, "a")
    b = Laptop(tmp_path, "b", other=a)
    if seed is not None:
        seed(a, b)
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


class CuttingProxy:
    """Stands between the laptops; while `cut_push` is set, it drops the connection of every push, as if
    the other laptop went away after the pull."""

    def __init__(self, target: str) -> None:
        proxy = self
        self.cut_push = False
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                if proxy.cut_push and self.path.startswith("/sync/receive"):
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                req = urllib.request.Request(target + self.path, data=self.rfile.read(length) if length else None,
                                             method=self.command, headers={
                                                 k: v for k, v in self.headers.items()
                                                 if k.lower() in ("authorization", "content-type", "accept")})
                try:
                    with direct.open(req, timeout=30) as response:
                        status, body = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                except OSError:  # the laptop behind is stopped: so is the answer
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed_shared_school(a: Laptop, b: Laptop) -> None:
    """The same school on both (as after an earlier sync), then renamed on A, and later on B: B's is newer."""
    record = {"id": SHARED_SCHOOL, "name": "Felles skole", "created_at": "2026-01-05T08:00:00.000000+00:00",
              "updated_at": "2026-01-05T08:00:00.000000+00:00", "author": None, "device": None}
    for laptop, name in ((a, "Felles skole (endret på A)"), (b, "Felles skole (endret på B)")):
        with Store(laptop.data_dir) as store:
            store.put("schools", record)
            store.update("schools", SHARED_SCHOOL, {"name": name})


def sync_result(page: str, peer_id: str) -> str:
    """The text of one peer's card on the sync page, tags removed."""
    card = re.search(rf'<li class="sync-peer" id="peer-{peer_id}">(.*?)</li>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


def counts(laptop: Laptop) -> dict:
    """The running laptop's number of records in each exchanged table (from /healthz)."""
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{laptop.url}/healthz", timeout=5) as r:
        return {table: count for table, count in json.load(r)["counts"].items() if table in EXCHANGED_TABLES}


@pytest.fixture
def laptops(tmp_path):
    a = Laptop(tmp_path, "a")
    b = Laptop(tmp_path, "b", other=a)
    seed_shared_school(a, b)
    proxy = None
    try:
        a.start()
        b.start()
        proxy = CuttingProxy(b.url)
        yield a, b, proxy
    finally:
        if proxy:
            proxy.close()
        a.stop()
        b.stop()


def test_two_laptops_that_worked_apart_end_with_the_same_data(laptops):
    a, b, proxy = laptops
    on_a, on_b = Browser(a.url).sign_in(), Browser(b.url).sign_in()
    # Each leader adds someone while the laptops are apart.
    for browser, name in ((on_a, "Anne fra A"), (on_b, "Bjørn fra B")):
        status, _headers, _text = browser.post("/leader/people", "/leader/", name=name, side="kommune",
                                               role="Rektor", school="")
        assert status == 303
    b_page = on_b.get("/sync/")
    b_key = re.search(r'class="sync-key">([A-Z2-7-]{23})<', b_page).group(1)
    assert f"<code>{b.url}</code>" in b_page

    # A wrong key: refused by B (401, nothing served) and shown on A's page; nothing is paired.
    wrong = "AAAAA-BBBBB-CCCCC-DDDDD"
    status, _headers, text = on_a.post("/sync/peers", "/sync/", url=b.url, key=wrong)
    assert status == 422 and "refused the sync key" in text and "No laptop paired yet" in text
    status, _headers, text = Browser(b.url).request("/sync/changes?since=", headers={"Authorization": f"Bearer {wrong}"})
    assert status == 401 and "tables" not in text and "Fjellby" not in text

    # Paired through a link that breaks after the pull: A has B's changes, B not yet A's; the page says so.
    status, headers, _text = on_a.post("/sync/peers", "/sync/", url=proxy.url, key=b_key.lower().replace("-", " "))
    assert status == 303, _text
    peer_id = re.search(r'id="peer-([0-9a-f-]{36})"', on_a.get("/sync/")).group(1)
    proxy.cut_push = True
    people_on_b = counts(b)["people"]
    status, headers, _text = on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    assert status == 303 and headers["Location"].endswith(f"/sync/#peer-{peer_id}")
    card = sync_result(on_a.get("/sync/"), peer_id)
    assert "The last sync did not finish: Could not reach the other laptop" in card
    # B's six seeded records and Bjørn are new here; the shared school is B's newer version, A's is the conflict.
    assert "Fetched from it 7 1 1" in card and "Sent to it – – –" in card and "See the conflicts" in card
    assert "Felles skole (endret på A)" in on_a.get("/leader/import/conflicts")  # the loser, for the leader
    assert counts(a)["people"] == 3 + 1 + 3 + 1 and counts(b)["people"] == people_on_b

    # The same sync again, now that the link holds: it completes the push.
    proxy.cut_push = False
    status, _headers, _text = on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    card = sync_result(on_a.get("/sync/"), peer_id)
    assert "did not finish" not in card, card
    assert "Fetched from it 0 0 0" in card and "Sent to it 7 0 0" in card  # A's six seeded and Anne

    # B stops halfway through the day: a clear message on A, no error page; after restart, nothing left to do.
    b.stop()
    status, _headers, _text = on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    assert status == 303
    assert "Could not reach the other laptop" in sync_result(on_a.get("/sync/"), peer_id)
    b.start()
    on_b = Browser(b.url).sign_in()
    # Re-paired directly (a new address for the same laptop keeps the cursors); the sync moves nothing.
    status, _headers, _text = on_a.post("/sync/peers", "/sync/", url=b.url, key=b_key)
    assert status == 303
    assert re.findall(r'id="peer-([0-9a-f-]{36})"', on_a.get("/sync/")) == [peer_id]
    before = (counts(a), counts(b))
    on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    card = sync_result(on_a.get("/sync/"), peer_id)
    assert "Fetched from it 0 0 0" in card and "Sent to it 0 0 0" in card and "did not finish" not in card
    assert (counts(a), counts(b)) == before

    # B makes a new key: A's next sync is refused, with a message that says what to do.
    status, _headers, _text = on_b.post("/sync/key", "/sync/")
    assert status == 303
    on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    assert "refused the sync key" in sync_result(on_a.get("/sync/"), peer_id)

    a.stop()
    b.stop()
    on_a_records, on_b_records = a.records(), b.records()
    assert on_a_records == on_b_records
    assert len(on_a_records["people"]) == 8 and len(on_a_records["meetings"]) == 2
    assert on_a_records["schools"][SHARED_SCHOOL]["name"] == "Felles skole (endret på B)"
    lost = [c for c in a.table("conflicts") if c["record_id"] == SHARED_SCHOOL]
    assert [c["lost"]["name"] for c in lost] == ["Felles skole (endret på A)"]
    events = [e for e in a.table("audit") if e["event"] == "sync"]
    assert [e["ok"] for e in events] == [False, True, False, True, False]
    b_installation = next(s["installation"] for s in b.table("settings") if s.get("installation"))
    assert events[1]["pushed_added"] == 7 and events[1]["peer"] == b_installation


def test_what_a_laptop_sent_is_not_offered_back_to_it_until_it_is_changed_here(app):
    from samskaping.core.exchange.export import FORMAT, SCHEMA_VERSION, Filters
    from samskaping.core.exchange.merge import apply
    other = "5a3c1e00-0000-4000-8000-0000000000b2"
    school = {"id": SHARED_SCHOOL, "name": "Felles skole", "created_at": "2026-01-05T08:00:00.000000+00:00",
              "updated_at": "2026-01-05T08:00:00.000000+00:00", "author": None, "device": None}
    document = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "exported_at": school["updated_at"],
                "installation": other, "filters": Filters().document(), "tables": {"schools": [school]}}
    with app.app_context():
        from samskaping.web.db import get_store
        store = get_store()
        apply(store, document, source=f"sync:{other}", origin=other)
        assert changes_page(store, "", asker=other) == ({table: [] for table in EXCHANGED_TABLES}, None)
        assert [r["id"] for r in changes_page(store, "")[0]["schools"]] == [SHARED_SCHOOL]  # a third laptop gets it
        store.update("schools", SHARED_SCHOOL, {"name": "Endret her"})
        assert [r["name"] for r in changes_page(store, "", asker=other)[0]["schools"]] == ["Endret her"]
