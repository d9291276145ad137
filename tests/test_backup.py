"""Backups while the app runs: consistent, rotated, shown to the leader; a restore gives back exactly what was saved."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser_support import REPO_ROOT
from conftest import csrf_from

from samskaping import create_app
from samskaping.leader.backup_keeper import SETTINGS_ID, keeper
from samskaping.store.backup_file import (
    copy_tables,
    file_name,
    list_backups,
    read_backup,
    rotate,
    to_keep,
    write_backup,
)
from samskaping.store.database import DB_NAME, TABLES, Store
from samskaping.web.db import close_store

# 23:30 in Oslo on 10 March, still 22:30 UTC: the Norwegian day is the one that counts.
LATE_EVENING = datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc)


def flask_command(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as the leader types it, in its own process."""
    env = {**os.environ, "SAMSKAPING_DATA": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def records_in(data_dir: Path) -> dict[str, dict[str, dict]]:
    """Every record of the data folder, opened as the app opens it."""
    with Store(data_dir) as store:
        return records_in_open(store)


def records_in_open(store: Store) -> dict[str, dict[str, dict]]:
    with store.frozen() as live:
        return {table: json.loads(json.dumps(live.get(table, {}))) for table in TABLES}


def without_audit(records: dict, event: str) -> dict:
    return {**records, "audit": {i: r for i, r in records["audit"].items() if r.get("event") != event}}


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(app, actions):
    """A school, a teacher with a bound phone, a meeting with nested values, and the leader signed in."""
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    phone = actions.participant_client(kari)
    leader = actions.leader_client()
    store = actions.store()
    store.create("meetings", {"date": "2026-03-02", "school": school["id"], "type": "planning",
                              "attendees": [kari["id"]], "agenda": "Plan", "notes": "Æøå 😀", "decisions": ""})
    return {"school": school, "kari": kari, "phone": phone, "leader": leader, "store": store}


def token(client, path: str = "/leader/backups/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def backup_now(leader) -> None:
    response = leader.post("/leader/backups/now", data={"csrf_token": token(leader)})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_a_restore_gives_back_exactly_what_was_backed_up_and_the_phones_still_work(app, project, tmp_path):
    data_dir = Path(app.config["DATA_DIR"])
    backup_now(project["leader"])
    (made,) = list_backups(data_dir / "backups")
    _header, backed_up = read_backup(made.path)
    # The backup is the store as it was; only its own audit line came after it.
    assert without_audit(records_in_open(project["store"]), "backup") == backed_up
    # Life goes on after the backup, then something goes wrong and the leader restores.
    project["store"].create("schools", {"name": "Sjøvik skole"})
    project["store"].delete("meetings", project["store"].find("meetings")[0]["id"])
    join_path = f"/join/{join_token_of(app, project['kari'])}"
    device_cookie = project["phone"].get_cookie("samskaping_device").value
    close_store(app)

    result = flask_command(data_dir, "restore", "--yes", str(made.path))
    assert result.returncode == 0, result.stderr
    restored = records_in(data_dir)
    restore_audit = [r for r in restored["audit"].values() if r.get("event") == "restore"]
    assert len(restore_audit) == 1 and restore_audit[0]["file"] == made.path.name
    del restored["audit"][restore_audit[0]["id"]]
    assert restored == backed_up  # every record, every field, nothing more
    aside = Path(restore_audit[0]["replaced_kept_in"])
    assert aside.parent == data_dir / "replaced" and (aside / DB_NAME).exists()
    assert "another secret key" not in result.stdout  # same PC: same key

    # The app starts on the restored data; the phone bound before is still Kari's, and her QR code works.
    again = create_app({"TESTING": True, "DATA_DIR": str(data_dir)})
    try:
        phone = again.test_client()
        phone.set_cookie("samskaping_device", device_cookie)
        assert "Kari Nordmann" in phone.get("/").get_data(as_text=True)
        assert again.test_client().get(join_path).status_code == 200
    finally:
        close_store(again)


def join_token_of(app, person: dict) -> str:
    with app.test_request_context():
        from samskaping.leader.auth import join_token
        from samskaping.web.db import get_store
        return join_token(get_store().get("people", person["id"]))


def test_the_backup_holds_no_secret_key_and_restored_on_another_pc_the_printed_codes_still_join(app, actions, project,
                                                                                                 tmp_path):
    backup_now(project["leader"])
    (made,) = list_backups(Path(app.config["DATA_DIR"]) / "backups")
    _header, backed_up = read_backup(made.path)
    assert app.secret_key.encode() not in gzip.decompress(made.path.read_bytes())

    printed = actions.join_path(project["kari"])
    new_pc = tmp_path / "new-pc"
    result = flask_command(new_pc, "restore", "--yes", str(made.path))
    assert result.returncode == 0, result.stderr
    assert without_audit(records_in(new_pc), "restore") == backed_up
    restored = create_app({"TESTING": True, "DATA_DIR": str(new_pc)})
    try:
        phone = restored.test_client()
        assert phone.get(printed).status_code == 200
        assert (new_pc / "secret_key").read_text() != app.secret_key
    finally:
        close_store(restored)


@pytest.mark.parametrize("damage", ["cut short", "one byte changed", "not gzip", "another JSON", "counts differ"])
def test_restore_refuses_a_damaged_file_and_changes_nothing(app, project, tmp_path, damage):
    data_dir = Path(app.config["DATA_DIR"])
    backup_now(project["leader"])
    (made,) = list_backups(data_dir / "backups")
    raw = made.path.read_bytes()
    bad = tmp_path / "bad.json.gz"
    if damage == "cut short":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "one byte changed":
        bad.write_bytes(raw[:200] + bytes([raw[200] ^ 0xFF]) + raw[201:])
    elif damage == "not gzip":
        bad.write_bytes(b"{}")
    elif damage == "another JSON":
        bad.write_bytes(gzip.compress(json.dumps({"format": "samskaping-export", "tables": {}}).encode()))
    else:
        document = json.loads(gzip.decompress(raw))
        document["counts"]["schools"] += 1
        bad.write_bytes(gzip.compress(json.dumps(document).encode()))
    close_store(app)
    before = files_in(data_dir)

    result = flask_command(data_dir, "restore", "--yes", str(bad))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert files_in(data_dir) == before  # no file replaced, none moved aside, no temporary folder left


def test_restore_refuses_while_the_server_runs(app, project):
    data_dir = Path(app.config["DATA_DIR"])
    backup_now(project["leader"])
    (made,) = list_backups(data_dir / "backups")
    before = files_in(data_dir)  # the store stays open here: this process is "the server"
    result = flask_command(data_dir, "restore", "--yes", str(made.path))
    assert result.returncode == 2
    assert "server is running" in result.stderr and "Nothing was changed" in result.stderr
    assert files_in(data_dir).keys() == before.keys()
    assert project["store"].get("people", project["kari"]["id"]) is not None


def test_the_backup_command_works_beside_the_running_server_and_restores(app, project, tmp_path):
    data_dir = Path(app.config["DATA_DIR"])
    usb = tmp_path / "usb"
    usb.mkdir()
    result = flask_command(data_dir, "backup", "--to", str(usb))  # this process holds the folder
    assert result.returncode == 0, result.stderr
    (made,) = list_backups(usb)
    backed_up = records_in_open(project["store"])
    _header, tables = read_backup(made.path)
    assert tables == backed_up
    assert flask_command(data_dir, "backup", "--to", str(tmp_path / "nowhere")).returncode == 2


def test_a_backup_taken_while_phones_write_is_one_moment_never_half_a_write(app, actions):
    store = actions.store()
    for n in range(3000):  # enough that writes overlap the backup
        store.create("followups", {"n": n, "comment": "x" * 200})
    folder = Path(app.config["DATA_DIR"]) / "out"
    folder.mkdir()
    stop = threading.Event()
    written: list[int] = []

    def phones() -> None:
        n = 10_000
        while not stop.is_set() and n < 20_000:
            store.create("followups", {"n": n, "comment": "y"})
            written.append(n)
            n += 1

    writer = threading.Thread(target=phones)
    writer.start()
    try:
        made = write_backup(copy_tables(store), folder, made_at=LATE_EVENING)
    finally:
        stop.set()
        writer.join()
    _header, tables = read_backup(made.path)
    numbers = sorted(r["n"] for r in tables["followups"].values() if r["n"] >= 10_000)
    assert written, "the writer never ran"
    # The writes in the backup are exactly the first k made: a prefix, with no gap.
    assert numbers == list(range(10_000, 10_000 + len(numbers)))


def test_the_copy_is_not_changed_by_writes_after_it(actions):
    """The copy shares values with the live records: that is safe because the store replaces values."""
    store = actions.store()
    meeting, _ = store.create("meetings", {"attendees": ["a"], "notes": {"deep": [1]}})
    other, _ = store.create("meetings", {"attendees": ["b"]})
    gone, _ = store.create("schools", {"name": "Går"})
    copy = copy_tables(store)
    expected = json.loads(json.dumps(copy))
    store.update("meetings", meeting["id"], {"attendees": ["a", "c"], "notes": {"deep": [1, 2]}})
    store.put("meetings", {**other, "attendees": []})
    store.put_many("meetings", [{**meeting, "attendees": ["z"]}])
    store.delete("schools", gone["id"])
    assert json.loads(json.dumps(copy)) == expected


def test_rotation_keeps_the_newest_of_the_last_7_days_and_of_the_last_4_weeks(tmp_path):
    start = datetime(2026, 1, 1, 10, tzinfo=timezone.utc)
    made = [start + timedelta(days=d, hours=h) for d in range(60) for h in (0, 5)]
    for moment in made:
        (tmp_path / file_name(moment)).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("the leader's own file")
    rotate(tmp_path)
    kept = [b.made_at for b in list_backups(tmp_path)]
    days = [start + timedelta(days=d, hours=5) for d in range(59, 52, -1)]
    # The newest of the previous ISO weeks: Sundays 22 Feb, 15 Feb, 8 Feb (the week of 1 March has its day).
    weeks = [datetime(2026, 2, day, 15, tzinfo=timezone.utc) for day in (22, 15, 8)]
    assert kept == days + weeks
    assert (tmp_path / "notes.txt").exists()
    assert to_keep(list_backups(tmp_path)) == list_backups(tmp_path)  # rotating again deletes nothing


def test_automatic_backups_at_start_and_once_a_norwegian_day(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "BACKUP_AUTOMATIC": True})
    try:
        clock = keeper(app)
        clock.clock = lambda: LATE_EVENING
        client = app.test_client()

        def request_and_wait() -> None:
            client.get("/")
            if clock.thread is not None:
                clock.thread.join(30)

        request_and_wait()  # the first request of this run: the start backup
        request_and_wait()  # the same day: nothing more
        assert len(list_backups(tmp_path / "data" / "backups")) == 1
        clock.clock = lambda: LATE_EVENING + timedelta(hours=1)  # 00:30 in Oslo, still 10 March in UTC
        request_and_wait()
        assert [b.day.isoformat() for b in list_backups(tmp_path / "data" / "backups")] == ["2026-03-11", "2026-03-10"]
        with app.app_context():
            from samskaping.web.db import get_store
            assert [e["via"] for e in get_store().find("audit", event="backup")] == ["automatic", "automatic"]
    finally:
        close_store(app)


def test_the_leader_page_shows_the_backups_with_their_age_and_warns_when_old(app, project):
    leader = project["leader"]
    assert "Det finnes ingen sikkerhetskopi ennå" in leader.get("/leader/").get_data(as_text=True)
    token_ = token(leader)
    page = leader.post("/leader/backups/now", data={"csrf_token": token_}, follow_redirects=True).get_data(as_text=True)
    (made,) = list_backups(Path(app.config["DATA_DIR"]) / "backups")
    assert f"Sikkerhetskopi tatt: {made.path.name}." in page and " siden, " in page
    assert [e["via"] for e in project["store"].find("audit", event="backup")] == ["leader page"]
    keeper(app).clock = lambda: datetime.now(timezone.utc) + timedelta(days=4)
    index = leader.get("/leader/").get_data(as_text=True)
    assert "Den nyeste sikkerhetskopien ble tatt for 4 døgn siden" in index


@pytest.mark.parametrize("folder, message", [
    ("backups", "Skriv hele stien"),
    ("/finnes/ikke/her", "Det finnes ingen mappe der"),
    ("/" + "a" * 400, "Det finnes ingen mappe der"),  # a name too long for the system: said, never a 500
    ("/tmp/\x00usb", "Det finnes ingen mappe der"),
])
def test_a_backup_folder_must_exist_and_be_writable(app, project, folder, message):
    leader = project["leader"]
    token_ = token(leader)
    response = leader.post("/leader/backups/folder", data={"csrf_token": token_, "folder": folder})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert project["store"].get("settings", SETTINGS_ID) is None


def test_the_leaders_folder_is_stored_and_used_and_a_failed_backup_is_told_and_cleaned(app, project, tmp_path):
    leader = project["leader"]
    usb = tmp_path / "usb"
    usb.mkdir()
    token_ = token(leader)
    response = leader.post("/leader/backups/folder", data={"csrf_token": token_, "folder": str(usb)})
    assert response.status_code == 303
    assert project["store"].get("settings", SETTINGS_ID)["folder"] == str(usb)
    backup_now(leader)
    assert len(list_backups(usb)) == 1

    # The rename fails after the file is written (a folder already has its name): nothing half-made stays.
    moment = datetime(2026, 3, 10, 9, tzinfo=timezone.utc)
    keeper(app).clock = lambda: moment
    (usb / file_name(moment)).mkdir()
    backup_now(leader)
    page = leader.get("/leader/backups/").get_data(as_text=True)
    assert "Sikkerhetskopien feilet" in page
    assert not list(usb.glob(".*.tmp"))
    assert [e["event"] for e in project["store"].find("audit") if e["event"].startswith("backup")].count("backup_failed") == 1
    assert project["phone"].get("/").status_code == 200  # the app goes on


def test_a_restore_does_not_bring_back_a_person_erased_after_the_backup(app, project, actions):
    data_dir = Path(app.config["DATA_DIR"])
    backup_now(project["leader"])
    (made,) = list_backups(data_dir / "backups")
    leader = project["leader"]
    url = f"/leader/privacy/{project['kari']['id']}/erase"
    token_ = token(leader, url)
    assert leader.post(url, data={"csrf_token": token_, "name": "Kari Nordmann", "replace_mentions": "y"}).status_code == 303
    close_store(app)

    result = flask_command(data_dir, "restore", "--yes", str(made.path))
    assert result.returncode == 0, result.stderr
    assert "erased again" in result.stdout
    restored = records_in(data_dir)
    assert project["kari"]["id"] not in restored["people"]
    assert all(project["kari"]["id"] not in m["attendees"] for m in restored["meetings"].values())
