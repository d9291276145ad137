"""A full disk (or a read-only one) loses nothing acknowledged: writes that cannot be stored say so, the
server stays up and takes writes again once there is room, and start-up works with little space.

The disk is real: a small tmpfs, filled with a file until the OS answers ENOSPC. Mounting needs root; CI
runs as root on Debian, where `mount -t tmpfs` works. Elsewhere these tests are skipped with the reason
(under CI=true they fail instead). Injecting ENOSPC at os.write would test our idea of a full disk; a real
one also gives short writes, page-sized allocation and a tmpfs's own accounting.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import REPO_ROOT, free_port, stop_server, wait_for_health

from samskaping import create_app
from samskaping.store.database import DB_NAME, Store
from samskaping.store.journal import journal_line
from samskaping.web.db import close_store
from tests.conftest import Actions
from tests.test_outbox import OUTBOX, meeting, phone_without_session

JOURNAL = DB_NAME + ".journal"
TEMP = DB_NAME + ".tmp"
DISK_SIZE = "4m"


@dataclass
class SmallDisk:
    """A small tmpfs of its own, and a file that can take all of its free space."""
    path: Path

    def free_bytes(self) -> int:
        status = os.statvfs(self.path)
        return status.f_bavail * status.f_frsize

    def fill(self, leave: int = 0) -> None:
        """Take all free space but about `leave` bytes, as other files on the laptop would."""
        with open(self.path / "filler", "ab") as filler:
            for chunk in (65536, 4096, 1):
                try:
                    while self.free_bytes() - chunk >= leave:
                        filler.write(b"\0" * chunk)
                        filler.flush()
                except OSError as error:
                    assert error.errno == errno.ENOSPC
        assert self.free_bytes() <= leave + 4096

    def free(self) -> None:
        (self.path / "filler").unlink()

    def remount(self, option: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{option}", str(self.path)], check=True)


def cannot_test(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI runs as root on Debian, where a tmpfs must mount: {reason}")
    pytest.skip(f"NOT TESTED: a full disk needs a small tmpfs, which needs root and mount ({reason})")


@pytest.fixture
def small_disk(tmp_path):
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        cannot_test("not root, or no mount command")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0755", "samskaping-test",
                              str(mount_point)], capture_output=True, text=True)
    if mounted.returncode:
        cannot_test(mounted.stderr.strip())
    try:
        yield SmallDisk(mount_point)
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fingerprints(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def start(data: Path, port: int, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--data",
                                 str(data)], cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def test_a_delivery_on_a_full_disk_is_503_with_a_reason_and_arrives_once_there_is_room(small_disk):
    app = create_app({"TESTING": True, "DATA_DIR": str(small_disk.path / "data")})
    actions = Actions(app)
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    setup = {"school": school, "kari": kari}
    browser = actions.participant_client(kari)  # the same phone's page, sending its form the plain way
    token = actions.token(browser, "/meetings/new")
    phone = phone_without_session(app, browser)
    journal = small_disk.path / "data" / JOURNAL
    record_id = str(uuid.uuid4())
    delivery = meeting(setup, record_id, notes="Lange notater " * 1000)  # needs a fresh page of the disk

    small_disk.fill()
    journal_before = journal.read_bytes()
    refused = phone.post("/meetings/new", data=delivery, headers=OUTBOX)
    # 5xx: the phone keeps the entry queued and sends it again by itself, showing why meanwhile.
    assert refused.status_code == 503
    assert refused.get_json() == {"status": "error", "message": "Ikke lagret ennå: disken på PC-en er full. "
                                  "Det blir liggende på telefonen og sendes på nytt av seg selv."}
    page = browser.post("/meetings/new", data={**delivery, "id": str(uuid.uuid4()), "csrf_token": token})
    assert page.status_code == 503 and "Ikke lagret: disken på PC-en er full" in page.get_data(as_text=True)
    assert journal.read_bytes() == journal_before  # no half line for the next start to trip over
    assert actions.store().counts()["meetings"] == 0 and actions.store().counts()["responsibilities"] == 0
    assert phone.get("/").status_code == 200  # reading goes on

    small_disk.free()
    stored = phone.post("/meetings/new", data=delivery, headers=OUTBOX)
    assert stored.status_code == 201 and stored.get_json()["status"] == "created"
    close_store(app)
    with Store(small_disk.path / "data") as store:
        assert store.get("meetings", record_id)["notes"] == delivery["notes"].strip()
        assert store.counts()["meetings"] == 1


def test_a_compaction_without_room_fails_quietly_keeps_the_journal_and_leaves_no_temporary_file(small_disk):
    folder = small_disk.path / "data"
    acknowledged = []
    store = Store(folder, compact_every=20)
    for n in range(19):  # about 600 KB in the journal: a snapshot of it will not fit in what is left
        acknowledged.append(store.create("meetings", {"n": n, "notes": "x" * 30_000})[0]["id"])
    small_disk.fill(leave=128 * 1024)
    free_before = small_disk.free_bytes()
    # The 20th write makes the compaction due; it fails, and the write that was stored is still a success.
    acknowledged.append(store.create("meetings", {"n": 19, "notes": "small"})[0]["id"])
    assert not (folder / TEMP).exists() and small_disk.free_bytes() >= free_before - 8192
    assert len((folder / JOURNAL).read_bytes().splitlines()) == 20
    for n in range(20, 25):  # later writes go on, into the journal
        acknowledged.append(store.create("meetings", {"n": n})[0]["id"])
    store.close()  # its compaction fails too: the journal keeps everything
    assert not (folder / TEMP).exists()
    with Store(folder) as reopened:  # still full: start-up does not need room
        assert sorted(r["id"] for r in reopened.find("meetings")) == sorted(acknowledged)
    small_disk.free()
    with Store(folder) as reopened:
        assert reopened.counts()["meetings"] == 25
    assert (folder / JOURNAL).read_bytes() == b"" and len(json.loads((folder / DB_NAME).read_bytes())["meetings"]) == 25


def test_the_server_starts_and_stops_with_little_space_and_loses_nothing(small_disk, tmp_path):
    data = small_disk.path / "data"
    app = create_app({"TESTING": True, "DATA_DIR": str(data)})
    Actions(app).school()
    close_store(app)
    # 10,000 journal lines, 100 versions of 100 records, and 200 KB of meeting notes: the next start finds
    # a compaction due (more lines than records), and the snapshot will not fit in what is left.
    ids = [str(uuid.uuid4()) for _ in range(100)]
    with open(data / JOURNAL, "ab") as journal:
        for n in range(20):
            record_id = str(uuid.uuid4())
            journal.write(journal_line("meetings", {record_id: {"id": record_id, "notes": "x" * 10_000}}, []))
        for version in range(100):
            for record_id in ids:
                journal.write(journal_line("audit", {record_id: {"id": record_id, "event": "test", "n": version}}, []))
    small_disk.fill(leave=64 * 1024)
    port, log = free_port(), tmp_path / "server.log"
    server = start(data, port, log)
    try:
        wait_for_health(port, server, log)
    finally:
        stop_server(server, log)  # exit code 0: the compaction at close is put off as well
    printed = log.read_text()
    assert "Compaction of" in printed and "put off" in printed  # it was due, and waited
    assert "Traceback" not in printed and not (data / TEMP).exists()
    small_disk.free()
    server = start(data, port, log)
    try:
        wait_for_health(port, server, log)
    finally:
        stop_server(server, log)
    with Store(data) as store:
        assert {r["id"]: r["n"] for r in store.find("audit", event="test")} == dict.fromkeys(ids, 99)
        assert store.counts()["schools"] == 1 and store.counts()["meetings"] == 20


def test_a_new_data_folder_on_a_full_disk_is_refused_in_words_and_left_empty(small_disk):
    data = small_disk.path / "data"
    data.mkdir()
    small_disk.fill()
    started = subprocess.run([sys.executable, "app.py", "--port", "0", "--data", str(data)], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2 and "Traceback" not in started.stderr
    bokmal, english = started.stderr.split("\n\n", 1)
    assert bokmal.startswith("Det er ikke mer plass på disken.") and "Ingenting er endret" in bokmal
    assert english.startswith("There is no space left on the disk.") and "Free some space" in english
    assert list(data.iterdir()) == []


def test_a_read_only_data_folder_is_refused_in_words_and_not_changed(small_disk):
    data = small_disk.path / "data"
    app = create_app({"TESTING": True, "DATA_DIR": str(data)})
    Actions(app).school()
    close_store(app)
    before = fingerprints(data)
    small_disk.remount("ro")
    try:
        started = subprocess.run([sys.executable, "app.py", "--port", "0", "--data", str(data)], cwd=REPO_ROOT,
                                 capture_output=True, text=True, timeout=60)
    finally:
        small_disk.remount("rw")
    assert started.returncode == 2 and "Traceback" not in started.stderr
    bokmal, english = started.stderr.split("\n\n", 1)
    assert bokmal.startswith("Det går ikke å skrive i datamappen.") and "samskaping.lock" in bokmal
    assert english.startswith("The data folder cannot be written to.") and "write-protected" in english
    assert fingerprints(data) == before
