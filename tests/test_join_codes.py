"""A printed QR code works on every PC holding the data (import, sync, lost secret_key); a new link voids it everywhere."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import Actions
from test_imports import database_files, upload
from test_sync import Browser, running_laptops

from samskaping import create_app
from samskaping.core.exchange.import_file import ImportProblem, parse_document
from samskaping.core.exchange.merge import content
from samskaping.core.hashed_secrets import hash_secret
from samskaping.core.join_codes import CODES_ID, legacy_code
from samskaping.web.db import close_store, get_store
from tests.conftest import csrf_from

CODE = re.compile(r"/join/([A-Za-z0-9_-]{32})")


def download(leader, fmt: str, **params) -> bytes:
    query = "&".join(f"{key}={value}" for key, value in {"format": fmt, **params}.items())
    response = leader.get(f"/leader/export/download?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data()


def import_file(app, tmp_path: Path, data: bytes, name: str = "eksport.json"):
    path = tmp_path / name
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    return result


def shown_code(leader, person_id: str) -> str | None:
    """The code the leader's page of the person shows (and the print sheet), None if it shows none."""
    page = leader.get(f"/leader/people/{person_id}").get_data(as_text=True)
    found = CODE.search(page)
    return found.group(1) if found else None


def joins(app, path: str) -> bool:
    """A new phone opens the link and confirms: True if it is now bound to the person."""
    phone = app.test_client()
    page = phone.get(path)
    if page.status_code != 200:
        return False
    token = csrf_from(page.get_data(as_text=True))
    return phone.post(path, data={"csrf_token": token}).status_code == 303


@pytest.fixture
def other_app(tmp_path):
    """A second PC with an empty data folder (and its own secret_key)."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "other")})
    yield app
    close_store(app)


def test_a_printed_code_joins_and_is_shown_alike_on_a_pc_that_imported_the_json_export(actions, other_app, tmp_path):
    kari = actions.person("Kari Nordmann")
    printed = actions.join_path(kari)
    import_file(other_app, tmp_path, download(actions.leader_client(), "json"))

    other = Actions(other_app)
    leader = other.leader_client()
    assert other_app.secret_key != actions.app.secret_key
    assert shown_code(leader, kari["id"]) == printed.rsplit("/", 1)[-1]
    assert printed in leader.get("/leader/codes").get_data(as_text=True)
    assert joins(other_app, printed)


def test_losing_the_secret_key_changes_no_code_keeps_the_phones_and_signs_the_leader_out(tmp_path):
    folder = tmp_path / "data"
    first = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    actions = Actions(first)
    kari = actions.person("Kari Nordmann")
    printed = actions.join_path(kari)
    phone, leader = actions.participant_client(kari), actions.leader_client()
    close_store(first)

    (folder / "secret_key").unlink()
    second = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    try:
        assert second.secret_key != first.secret_key

        def moved(client):
            """The same browser, talking to the restarted app: it keeps its cookies."""
            again = second.test_client()
            for cookie in client._cookies.values():
                again.set_cookie(cookie.key, cookie.value)
            return again

        # The phone stays connected: its device cookie is a random secret checked against a stored hash.
        assert moved(phone).get("/meetings/new").status_code == 200
        # The leader's session was signed with the lost key: sign in again.
        response = moved(leader).get("/leader/")
        assert response.status_code == 302 and "/leader/login" in response.headers["Location"]
        assert shown_code(Actions(second).leader_client(), kari["id"]) == printed.rsplit("/", 1)[-1]
        assert joins(second, printed)
    finally:
        close_store(second)


def test_a_newer_link_stands_against_a_later_unrelated_edit_made_on_another_pc(actions, other_app, tmp_path):
    kari = actions.person("Kari Nordmann")
    import_file(other_app, tmp_path, download(actions.leader_client(), "json"), "first.json")
    # Here: a new link. There, a moment later: Kari's role edited, on the record with the old code.
    leader = actions.leader_client()
    old = actions.join_path(kari)
    token = actions.token(leader, f"/leader/people/{kari['id']}")
    assert leader.post(f"/leader/people/{kari['id']}/new-link", data={"csrf_token": token}).status_code == 303
    new = actions.join_path(kari)
    later = (datetime.now(timezone.utc) + timedelta(seconds=5)).isoformat(timespec="microseconds")
    with other_app.app_context():
        get_store().put("people", {**content(get_store().get("people", kari["id"])), "role": "Rektor",
                                   "updated_at": later})
    import_file(actions.app, tmp_path, download(Actions(other_app).leader_client(), "json"), "second.json")

    stored = actions.store().get("people", kari["id"])
    assert stored["role"] == "Rektor" and stored["join_version"] == 1
    assert not joins(actions.app, old) and joins(actions.app, new)
    # And back: the other PC takes the new code too, and shows it.
    import_file(other_app, tmp_path, download(leader, "json"), "third.json")
    assert shown_code(Actions(other_app).leader_client(), kari["id"]) == new.rsplit("/", 1)[-1]
    assert not joins(other_app, old) and joins(other_app, new)
    page = leader.get("/leader/import/conflicts").get_data(as_text=True)
    assert "join_" not in page and stored["join_token_hash"] not in page


def test_the_conflicts_page_shows_no_code_and_the_other_version_keeps_the_code_in_force(actions, app, tmp_path):
    kari = actions.person("Kari Nordmann")
    printed = actions.join_path(kari)
    older = {**content(actions.store().get("people", kari["id"])), "name": "Kari N. (eldre)", "join_version": 0,
             "join_token_hash": hash_secret("en-eldre-kode-som-ikke-gjelder-xx"),
             "updated_at": "2020-01-01T08:00:00.000000+00:00"}
    document = {"format": "samskaping-export", "schema_version": 1, "exported_at": "2026-11-28T08:24:12+00:00",
                "installation": None, "filters": {}, "tables": {"people": [older]}}
    result = import_file(app, tmp_path, json.dumps(document).encode())
    assert "people: 0, 0, 0, 1" in result.output

    leader = actions.leader_client()
    page = leader.get("/leader/import/conflicts").get_data(as_text=True)
    assert "Kari N. (eldre)" in page and "Kari Nordmann" in page
    assert "join_" not in page and older["join_token_hash"] not in page
    [conflict] = actions.store().find("conflicts")
    token = actions.token(leader, "/leader/import/conflicts")
    response = leader.post(f"/leader/import/conflicts/{conflict['id']}", data={"csrf_token": token, "choice": "other"})
    assert response.status_code == 303
    assert actions.store().get("people", kari["id"])["name"] == "Kari N. (eldre)"
    assert joins(app, printed) and shown_code(leader, kari["id"]) == printed.rsplit("/", 1)[-1]


def test_the_analysts_files_hold_no_code_and_the_json_export_holds_what_another_pc_needs(actions, app, tmp_path):
    kari = actions.person("Kari Nordmann")
    code = actions.join_path(kari).rsplit("/", 1)[-1]
    token_hash = actions.store().get("people", kari["id"])["join_token_hash"]
    leader = actions.leader_client()

    archive = download(leader, "zip")
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        members = {name: files.read(name) for name in files.namelist()}
    assert "export.json" in members and "people.csv" in members
    for name, data in {**members, "people (CSV)": download(leader, "csv", table="people")}.items():
        assert code.encode() not in data and token_hash.encode() not in data, name
        assert b"join_" not in data, name
    assert "QR-koder er ikke med her" in members["LESMEG.txt"].decode("utf-8")
    document = json.loads(download(leader, "json"))
    assert document["join_codes"] == [code]
    assert "JSON-filen inneholder også alles personlige QR-koder" in leader.get("/leader/export/").get_data(as_text=True)
    assert document["tables"]["people"][0]["join_token_hash"] == token_hash

    # The analysts' ZIP imported into the PC it came from changes nothing: no conflict about the codes.
    result = import_file(app, tmp_path, archive, "samskaping.zip")
    assert "people: 0, 0, 1, 0" in result.output and actions.store().find("conflicts") == []
    assert joins(app, f"/join/{code}")


def test_a_code_made_by_the_older_version_keeps_working_travels_and_outlives_the_secret_key(tmp_path):
    folder = tmp_path / "data"
    first = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    with first.app_context():  # as the older version left it: only the hash, of HMAC(secret_key, ...)
        store = get_store()
        kari, _created = store.create("people", {"name": "Kari Nordmann", "side": "kommune", "active": True})
        printed = f"/join/{legacy_code(first.secret_key, {**kari, 'join_version': 0})}"
        store.update("people", kari["id"], {"join_version": 0, "join_token_hash": hash_secret(printed[6:])})
        assert store.get("settings", CODES_ID) is None
    actions = Actions(first)
    leader = actions.leader_client()
    assert shown_code(leader, kari["id"]) == printed[6:] and joins(first, printed)
    exported = download(leader, "json")
    close_store(first)

    other = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "other")})
    try:
        import_file(other, tmp_path, exported)
        assert shown_code(Actions(other).leader_client(), kari["id"]) == printed[6:] and joins(other, printed)
    finally:
        close_store(other)
    (folder / "secret_key").unlink()
    again = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    try:
        assert shown_code(Actions(again).leader_client(), kari["id"]) == printed[6:] and joins(again, printed)
    finally:
        close_store(again)


def test_a_code_this_pc_does_not_know_is_said_plainly_and_the_printed_one_still_joins(actions, app, tmp_path):
    kari = actions.person("Kari Nordmann")
    printed = actions.join_path(kari)
    with app.app_context():
        get_store().put("settings", {"id": CODES_ID, "codes": {}})  # as after an export of an older version
    leader = actions.leader_client()
    page = leader.get(f"/leader/people/{kari['id']}").get_data(as_text=True)
    assert CODE.search(page) is None and "Denne PC-en kjenner ikke koden" in page
    assert "Ingen kode på denne PC-en" in leader.get("/leader/codes").get_data(as_text=True)
    assert joins(app, printed)


def test_the_code_of_an_erased_person_is_forgotten_at_the_next_start(tmp_path):
    from test_privacy import erase
    folder = str(tmp_path / "data")
    first = create_app({"TESTING": True, "DATA_DIR": folder})
    actions = Actions(first)
    kari, ola = actions.person("Kari Nordmann"), actions.person("Ola Nordmann")
    codes = {p["id"]: actions.join_path(p).rsplit("/", 1)[-1] for p in (kari, ola)}
    assert erase(actions.leader_client(), kari, "Kari Nordmann").status_code == 303
    close_store(first)
    again = create_app({"TESTING": True, "DATA_DIR": folder})
    try:
        assert again.test_client().get("/healthz").status_code == 200  # any first request
        with again.app_context():
            kept = set(get_store().get("settings", CODES_ID)["codes"].values())
        assert kept == {codes[ola["id"]]}
    finally:
        close_store(again)


@pytest.mark.parametrize("codes", [["kort"], [42], "abc", ["x" * 31 + "!"]])
def test_a_malformed_list_of_codes_is_refused_with_a_message_and_changes_nothing(actions, app, codes):
    document = {"format": "samskaping-export", "schema_version": 1, "exported_at": "2026-11-28T08:24:12+00:00",
                "installation": None, "filters": {}, "tables": {}, "join_codes": codes}
    data = json.dumps(document).encode()
    with pytest.raises(ImportProblem, match="join_codes"):
        parse_document(data, "eksport.json")
    leader = actions.leader_client()
    before = database_files(app)
    response = upload(leader, actions, data, "eksport.json")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "join_codes" in page and "Ingenting ble endret." in page
    assert database_files(app) == before


# ---- Two real PCs, synced ---------------------------------------------------------------------------------

@pytest.fixture
def two_pcs(tmp_path):
    yield from running_laptops(tmp_path)


def test_a_new_link_made_on_one_pc_voids_the_old_code_on_the_other_once_synced(two_pcs):
    a, b = two_pcs
    on_a, on_b = Browser(a.url).sign_in(), Browser(b.url).sign_in()
    b_key = re.search(r'class="sync-key">([A-Z2-7-]{23})<', on_b.get("/sync/")).group(1)
    assert on_a.post("/sync/peers", "/sync/", url=b.url, key=b_key)[0] == 303
    peer_id = re.search(r'id="peer-([0-9a-f-]{36})"', on_a.get("/sync/")).group(1)

    def sync() -> None:
        status, _headers, _text = on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
        assert status == 303 and "did not finish" not in on_a.get("/sync/")

    kari, old = a.seed["people"]["kari"], a.seed["join_paths"]["kari"]
    sync()
    # B shows the code A printed, and it joins there.
    assert CODE.search(on_b.get(f"/leader/people/{kari['id']}")).group(0) == old
    assert Browser(b.url).request(old)[0] == 200

    status, _headers, _text = on_b.post(f"/leader/people/{kari['id']}/new-link", f"/leader/people/{kari['id']}")
    assert status == 303
    new = CODE.search(on_b.get(f"/leader/people/{kari['id']}")).group(0)
    assert new != old
    sync()

    phone = Browser(a.url)
    assert phone.request(old)[0] == 404 and phone.request(new)[0] == 200
    assert CODE.search(on_a.get(f"/leader/people/{kari['id']}")).group(0) == new
    assert new in on_a.get("/leader/codes") and old not in on_a.get("/leader/codes")
    conflicts = on_a.get("/leader/import/conflicts")
    assert "join_" not in conflicts and "No conflicts to decide." in conflicts
