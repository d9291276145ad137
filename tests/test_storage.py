"""The storage promises: records keep their ids, survive crashes and restarts, and one server owns a folder."""
from __future__ import annotations

import json
import os
import operator
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import tinydb
from tinydb import Query

from samskaping.store.database import TABLES, DamagedDatabase, DataFolderInUse, Store
from samskaping.store.journal import JournalDB

WRITER = str(Path(__file__).with_name("storage_writer.py"))
SNAPSHOT = "samskaping.json"
JOURNAL = "samskaping.json.journal"
MEETING = {"title": "Oppstartsmøte", "agenda": [{"item": "Roller", "notes": "Hvem gjør hva"}], "school": None}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path) as store:
        yield store


def run_writer(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, WRITER, str(folder), *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def start_writer():
    """Start writers that run until killed; any still running when the test ends are killed then."""
    writers: list[subprocess.Popen] = []

    def start(folder: Path, *args: str) -> subprocess.Popen:
        writers.append(subprocess.Popen([sys.executable, WRITER, str(folder), *args], stdout=subprocess.PIPE, text=True))
        return writers[-1]

    yield start
    for writer in writers:
        if writer.returncode is None:
            kill(writer)


def kill(writer: subprocess.Popen) -> list[str]:
    """Kill the writer as abruptly as the OS can (SIGKILL); return the ids it had acknowledged."""
    writer.kill()
    writer.wait(timeout=10)
    with writer.stdout:
        rest = writer.stdout.read()
    # A line cut off by the kill has no newline: its id was never fully acknowledged.
    return [line for line in rest.split("\n")[:-1] if line]


def read_journal(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / JOURNAL).read_bytes().splitlines()]


@pytest.fixture(scope="module")
def journal_only_folder(tmp_path_factory):
    """A folder whose 40 records exist only in the journal: the writer exited without close()."""
    folder = tmp_path_factory.mktemp("journal_only")
    result = run_writer(folder, "--count", "40")
    assert result.returncode == 0, result.stderr
    return folder, result.stdout.split()


@pytest.fixture
def journal_only(journal_only_folder, tmp_path):
    folder, ids = journal_only_folder
    copy = tmp_path / "data"
    shutil.copytree(folder, copy)
    return copy, ids


def test_create_sets_id_timestamps_author_and_device(store):
    before = datetime.now(timezone.utc)
    record, created = store.create("meetings", MEETING, author="person-1", device="phone-1")
    assert created
    assert str(uuid.UUID(record["id"])) == record["id"]
    assert record["created_at"] == record["updated_at"]
    stamp = datetime.fromisoformat(record["created_at"])
    assert stamp.utcoffset() == timedelta(0) and record["created_at"].endswith("+00:00")
    assert len(record["created_at"].split(".")[1]) == len("123456+00:00")
    assert before <= stamp <= datetime.now(timezone.utc)
    assert (record["author"], record["device"]) == ("person-1", "phone-1")
    assert record["agenda"] == MEETING["agenda"]
    assert store.get("meetings", record["id"]) == record


def test_fields_cannot_override_the_stamped_fields(store):
    forged = {"id": "x", "created_at": "1999", "updated_at": "1999", "author": "mallory", "device": "d", "title": "t"}
    record, _ = store.create("meetings", forged, author="alice")
    assert record["id"] != "x" and record["created_at"] != "1999" and record["author"] == "alice"
    assert record["device"] is None and record["title"] == "t"


def test_a_record_delivered_twice_is_stored_once(store):
    record_id = str(uuid.uuid4())
    first, created = store.create("feedback", {"text": "bra"}, record_id=record_id)
    again, created_again = store.create("feedback", {"text": "endret"}, record_id=record_id.upper())
    assert (created, created_again) == (True, False)
    assert again == first and again["text"] == "bra"
    assert store.find("feedback") == [first]


@pytest.mark.parametrize("bad_id", ["", "42", "not-a-uuid", "0b6c1f0e-5a8e-4d2a-9f3e-1c2d3e4f5a6", 42, None])  # one short
def test_a_record_id_must_be_a_uuid(store, bad_id):
    if bad_id is not None:
        with pytest.raises(ValueError):
            store.create("meetings", {}, record_id=bad_id)
    with pytest.raises(ValueError):
        store.put("settings", {"id": bad_id})
    assert store.counts()["meetings"] == store.counts()["settings"] == 0


def test_update_merges_and_names_the_last_editor(store):
    record, _ = store.create("responsibilities", {"what": "Rydde", "status": "not started"}, author="a", device="d1")
    updated = store.update("responsibilities", record["id"], {"status": "done", "created_at": "x", "id": "y"},
                           author="b", device="d2")
    assert updated["status"] == "done" and updated["what"] == "Rydde"
    assert (updated["id"], updated["created_at"], updated["author"], updated["device"]) == (
        record["id"], record["created_at"], "a", "d1")
    assert (updated["updated_by"], updated["updated_device"]) == ("b", "d2")
    assert updated["updated_at"] > record["updated_at"]
    assert store.get("responsibilities", record["id"]) == updated


@pytest.mark.parametrize("missing_id", ["0b6c1f0e-5a8e-4d2a-9f3e-1c2d3e4f5a6b", "not-a-uuid"])
def test_update_of_a_missing_record_is_a_key_error(store, missing_id):
    with pytest.raises(KeyError):
        store.update("meetings", missing_id, {"title": "x"})
    assert store.get("meetings", missing_id) is None
    assert store.delete("meetings", missing_id) is False


def test_put_replaces_the_whole_record(store):
    record_id = str(uuid.uuid4())
    store.put("settings", {"id": record_id, "language": "nb", "old": True})
    stored = store.put("settings", {"id": record_id.upper(), "language": "en"})
    assert stored == {"id": record_id, "language": "en"}
    assert store.find("settings") == [stored]


def test_put_many_stamps_a_field_with_the_time_it_writes_under_the_lock(store):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    given = [{"id": record_id, "name": "Skole", "_received_at": "2000-01-01T00:00:00+00:00"} for record_id in ids]

    def write() -> None:
        store.put_many("schools", given, stamp_field="_received_at")

    with store._lock:  # another writer (or a sync reading "changes since") holds the store
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.05)
        released_at = datetime.now(timezone.utc)
    writer.join(timeout=10)
    stamps = {store.get("schools", record_id)["_received_at"] for record_id in ids}
    assert len(stamps) == 1 and datetime.fromisoformat(stamps.pop()) >= released_at
    # Without stamp_field the records are stored exactly as given.
    store.put_many("schools", given)
    assert store.get("schools", ids[0])["_received_at"] == "2000-01-01T00:00:00+00:00"


def test_find_filter_delete_and_counts(store):
    school = str(uuid.uuid4())
    ours = [store.create("meetings", {"school": school, "n": n})[0] for n in range(3)]
    store.create("meetings", {"school": str(uuid.uuid4()), "n": 0})
    assert sorted(r["n"] for r in store.find("meetings", school=school)) == [0, 1, 2]
    assert store.find("meetings", school=school, n=1) == [ours[1]]
    assert store.find("meetings", school="nobody") == []
    assert len(store.find("meetings")) == 4
    assert [r["n"] for r in store.filter("meetings", lambda r: r["school"] == school and r["n"] > 1)] == [2]
    assert store.delete("meetings", ours[0]["id"]) is True
    assert store.delete("meetings", ours[0]["id"]) is False
    assert store.get("meetings", ours[0]["id"]) is None
    assert store.counts() == {name: 3 if name == "meetings" else 0 for name in TABLES}


def test_callers_cannot_change_stored_records_by_mutating_them(store):
    fields = {"agenda": [{"item": "a"}]}
    record, _ = store.create("meetings", fields)
    fields["agenda"].append({"item": "sneaky"})
    record["agenda"][0]["item"] = "changed"
    store.get("meetings", record["id"])["agenda"].clear()
    store.find("meetings")[0]["agenda"].clear()
    assert store.get("meetings", record["id"])["agenda"] == [{"item": "a"}]


def test_values_that_cannot_be_stored_are_refused_before_anything_changes(store):
    with pytest.raises(TypeError):
        store.create("meetings", {"when": datetime.now(timezone.utc)})
    assert store.counts()["meetings"] == 0


@pytest.mark.parametrize("call", [
    lambda s: s.create("nope", {}), lambda s: s.get("nope", str(uuid.uuid4())), lambda s: s.find("nope"),
    lambda s: s.filter("nope", bool), lambda s: s.delete("nope", str(uuid.uuid4())),
    lambda s: s.put("nope", {"id": str(uuid.uuid4())}), lambda s: s.update("nope", str(uuid.uuid4()), {}),
])
def test_unknown_tables_are_refused(store, call):
    with pytest.raises(ValueError, match="nope"):
        call(store)


def test_data_survives_close_and_reopen(tmp_path):
    with Store(tmp_path) as store:
        kept, _ = store.create("people", {"name": "Kari"})
        gone, _ = store.create("people", {"name": "Ola"})
        store.delete("people", gone["id"])
        kept = store.update("people", kept["id"], {"name": "Kari N."})
    store.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        store.get("people", kept["id"])
    assert (tmp_path / JOURNAL).read_bytes() == b""
    with Store(tmp_path) as store:
        assert store.find("people") == [kept]


def test_the_snapshot_is_a_plain_tinydb_file(tmp_path):
    with Store(tmp_path) as store:
        record, _ = store.create("meetings", MEETING)
        store.put("settings", {"id": str(uuid.uuid4()), "language": "nb"})
    with tinydb.TinyDB(tmp_path / SNAPSHOT) as plain:
        assert plain.tables() == {"meetings", "settings"}
        assert len(plain.table("meetings")) == 1
        # Plain TinyDB expects int ids, so look up by id rather than iterate.
        assert plain.table("meetings").get(doc_id=record["id"]) == record


def test_a_store_that_was_not_closed_replays_its_journal(journal_only):
    folder, ids = journal_only
    assert not (folder / SNAPSHOT).exists()
    assert len(read_journal(folder)) == 40
    with Store(folder) as store:
        assert sorted(r["id"] for r in store.find("meetings")) == sorted(ids)
    with tinydb.TinyDB(folder / SNAPSHOT) as plain:
        assert len(plain.table("meetings")) == 40


def test_a_write_journals_only_the_documents_it_changed(tmp_path):
    with Store(tmp_path) as store:
        records = [store.create("meetings", {"n": n})[0] for n in range(50)]
        store.update("meetings", records[7]["id"], {"n": 700})
        store.delete("meetings", records[8]["id"])
        lines = read_journal(tmp_path)
        assert len(lines) == 52
        assert list(lines[-2]["put"]) == [records[7]["id"]] and lines[-2]["del"] == []
        assert lines[-1] == {"t": "meetings", "put": {}, "del": [records[8]["id"]]}


def test_tinydb_s_own_write_methods_are_journaled(tmp_path):
    path = str(tmp_path / SNAPSHOT)
    db = JournalDB(path)
    table, item = db.table("t"), Query()
    first = table.insert({"n": 1})
    table.insert_multiple([{"n": n} for n in range(2, 6)])
    table.update({"big": True}, item.n > 3)
    table.upsert({"n": 9}, item.n == 1)
    table.upsert({"n": 10}, item.n == 42)
    table.remove(item.n == 2)
    db.table("gone").insert({"x": 1})
    db.table("emptied").insert({"x": 1})
    db.table("emptied").truncate()
    expected = {name: dict(db.storage.read()[name]) for name in ("t", "emptied")}
    assert read_journal(tmp_path)
    db.drop_table("gone")  # TinyDB writes the whole database for this: a snapshot
    assert read_journal(tmp_path) == [] and table.get(doc_id=first) == {"n": 9}
    table.remove(doc_ids=[first])
    del expected["t"][first]
    os.close(db.storage._fd)  # leave without close(), as a crash would
    with JournalDB(path) as reopened:
        assert reopened.storage.read() == expected
        assert {doc["n"] for doc in reopened.table("t")} == {3, 4, 5, 10}


def test_a_torn_last_line_is_dropped(journal_only):
    folder, ids = journal_only
    intact = (folder / JOURNAL).read_bytes()
    with open(folder / JOURNAL, "ab") as journal:
        journal.write(b'{"t": "meetings", "put": {"5d2c0f0e-')
    with Store(folder) as store:
        assert (folder / JOURNAL).read_bytes() == intact
        assert sorted(r["id"] for r in store.find("meetings")) == sorted(ids)
        new, _ = store.create("meetings", {})
    with Store(folder) as store:
        assert store.counts()["meetings"] == 41 and store.get("meetings", new["id"]) == new


def test_a_damaged_line_in_the_middle_stops_the_open(journal_only):
    folder, _ = journal_only
    lines = (folder / JOURNAL).read_bytes().splitlines(keepends=True)
    damaged = b"".join([*lines[:5], b"garbage\n", *lines[5:]])
    (folder / JOURNAL).write_bytes(damaged)
    for _ in range(2):  # the failed open must not keep the folder locked
        with pytest.raises(DamagedDatabase, match=rf"{JOURNAL}, line 6 of 41"):
            Store(folder)
    assert (folder / JOURNAL).read_bytes() == damaged


def test_the_journal_is_folded_into_the_snapshot_as_it_grows(tmp_path):
    with Store(tmp_path, compact_every=10) as store:
        ids = [store.create("audit", {"n": n})[0]["id"] for n in range(25)]
        assert len(read_journal(tmp_path)) == 5
        with tinydb.TinyDB(tmp_path / SNAPSHOT, access_mode="r") as plain:
            assert len(plain.table("audit")) == 20
    with Store(tmp_path) as store:
        assert sorted(r["id"] for r in store.find("audit")) == sorted(ids)


def test_no_acknowledged_record_is_lost_when_the_server_is_killed(tmp_path, start_writer):
    acknowledged: list[str] = []
    for attempt in range(5):
        # Compacting every 50 lines means kills also land in the middle of compactions.
        writer = start_writer(tmp_path, "--threads", "4", "--compact-every", "50")
        target = random.randint(150, 400)
        for _ in range(target):
            line = writer.stdout.readline()
            assert line, f"writer stopped early (exit {writer.poll()})"
            acknowledged.append(line.strip())
        time.sleep(random.uniform(0, 0.01))
        acknowledged += kill(writer)
        with Store(tmp_path) as store:
            stored = {r["id"] for r in store.find("meetings")}
        missing = set(acknowledged) - stored
        assert not missing, f"kill {attempt + 1}: {len(missing)} acknowledged records lost"
    assert len(set(acknowledged)) == len(acknowledged) >= 5 * 150


def test_a_second_process_is_told_the_folder_is_in_use(store, tmp_path):
    result = run_writer(tmp_path, "--try-open")
    assert result.returncode == 3, result.stderr
    assert str(tmp_path) in result.stdout and f"process {os.getpid()}" in result.stdout
    assert "another Samskaping server is probably running" in result.stdout


def test_the_folder_opens_again_once_its_holder_is_killed(tmp_path, start_writer):
    writer = start_writer(tmp_path)
    acknowledged = [writer.stdout.readline().strip()]
    with pytest.raises(DataFolderInUse, match=rf"in use by process {writer.pid}"):
        Store(tmp_path)
    acknowledged += kill(writer)
    with Store(tmp_path) as store:
        assert set(acknowledged) <= {r["id"] for r in store.find("meetings")}


def test_concurrent_writers_and_readers(tmp_path):
    stop = threading.Event()
    with Store(tmp_path) as store:
        def write(writer: int) -> list[str]:
            return [store.create("meetings", {"writer": writer, "n": n})[0]["id"] for n in range(200)]

        def read() -> int:
            reads = 0
            while not stop.is_set():
                store.find("meetings", writer=3)
                store.counts()
                reads += 1
            return reads

        with ThreadPoolExecutor(max_workers=10) as pool:
            readers = [pool.submit(read) for _ in range(2)]
            writers = [pool.submit(write, n) for n in range(8)]
            try:
                ids = [record_id for writer in writers for record_id in writer.result()]
            finally:
                stop.set()
            assert all(reader.result() > 0 for reader in readers)
        assert len(set(ids)) == 1600 == store.counts()["meetings"]
        assert store._storage.syncs < 1600  # writers shared syncs

    snapshot = json.loads((tmp_path / SNAPSHOT).read_text())
    assert sorted(snapshot["meetings"]) == sorted(ids)


def test_writes_in_one_sync_block_share_one_disk_sync_taken_before_the_block_returns(tmp_path):
    with Store(tmp_path) as store:
        syncs = store._storage.syncs
        with store.one_sync():
            meeting, _ = store.create("meetings", {"notes": "x"})
            with store.one_sync():  # nested: still the outer block's one sync
                store.create("responsibilities", {"what": "y", "meeting": meeting["id"]})
            store.update("meetings", meeting["id"], {"notes": "z"})
            store.create("meetings", {"notes": "again"}, record_id=meeting["id"])  # a duplicate delivery
            assert store._storage.syncs == syncs  # nothing synced yet inside the block
        assert store._storage.syncs == syncs + 1
        assert store._storage._synced >= store._storage.written
        store.create("meetings", {"notes": "alone"})  # outside a block: its own sync again
        assert store._storage.syncs == syncs + 2
    with Store(tmp_path) as store:
        assert store.counts()["meetings"] == 2 and store.counts()["responsibilities"] == 1


@pytest.mark.parametrize("reverse", [False, True])
def test_select_of_the_first_few_gives_what_a_full_sort_would_ties_included(tmp_path, reverse):
    with Store(tmp_path) as store:
        store.put_many("meetings", [{"id": str(uuid.UUID(int=n)), "date": f"2026-01-{n % 7 + 1:02d}"} for n in range(60)])
        everything = sorted(store.find("meetings"), key=lambda m: m["date"], reverse=reverse)
        for offset, limit in ((0, 5), (3, 10), (0, 60), (50, 20)):
            page = store.select("meetings", order_by=lambda m: m["date"], reverse=reverse, offset=offset, limit=limit)
            assert [m["id"] for m in page] == [m["id"] for m in everything[offset:offset + limit]]


def test_fields_copies_only_the_named_fields_and_summarise_reads_in_place(tmp_path):
    with Store(tmp_path) as store:
        meeting, _ = store.create("meetings", {"school": "a", "date": "2026-01-02", "attendees": ["x"], "notes": "long"})
        store.create("meetings", {"school": "b", "notes": "no date"})
        found = store.fields("meetings", ("school", "date", "attendees"), lambda m: m["school"] == "a")
        assert found == [{"school": "a", "date": "2026-01-02", "attendees": ["x"]}]
        found[0]["attendees"].append("y")  # a copy: the stored record is untouched
        assert store.get("meetings", meeting["id"])["attendees"] == ["x"]
        assert store.summarise("meetings", lambda docs: sorted(m["school"] for m in docs)) == ["a", "b"]
        with pytest.raises(TypeError):  # read in place, so read only: a summary cannot change a stored record
            store.summarise("meetings", lambda docs: [operator.setitem(doc, "school", "z") for doc in docs])
        assert sorted(m["school"] for m in store.find("meetings")) == ["a", "b"]
        with pytest.raises(ValueError):
            store.fields("no such table", ("id",))


def test_a_writer_never_waits_for_a_summary(tmp_path):
    SLICE = 1_000
    with Store(tmp_path) as store:
        store.put_many("meetings", [{"id": str(uuid.uuid4()), "school": "a"} for _ in range(3 * SLICE)])
        written = []

        def count(docs) -> int:
            seen = 0
            for _ in docs:
                seen += 1
                if seen == SLICE + 1:  # while the summary reads: a phone's write must get through meanwhile
                    writer = threading.Thread(target=lambda: written.append(store.create("meetings", {"school": "b"})),
                                              daemon=True)
                    writer.start()
                    writer.join(timeout=10)
                    assert written, "the writer waited for the whole summary"
            return seen

        assert store.summarise("meetings", count) == 3 * SLICE  # the records of the moment it began
        assert store.counts()["meetings"] == 3 * SLICE + 1


def test_a_snapshot_keeps_its_moment_while_writers_go_on_and_no_caller_can_change_a_stored_record(tmp_path):
    """Copy-on-write: a write puts a new record object in the table and never changes a stored one, so a
    snapshot (references to the records of one moment) is not held up by writers and never sees their writes;
    what the store hands out is a copy, so a caller changing it changes nothing stored."""
    import copy
    with Store(tmp_path) as store:
        meeting, _ = store.create("meetings", {"school": "a", "attendees": ["x"], "extra": {"k": [1]}})
        other, _ = store.create("meetings", {"school": "b"})
        snapshot = store.snapshot()
        before = copy.deepcopy(snapshot)
        done = []

        def writes() -> None:
            store.update("meetings", meeting["id"], {"school": "c", "attendees": ["y"]})
            store.put("meetings", {**other, "school": "d"})
            store.put_many("meetings", [{"id": str(uuid.uuid4()), "school": "e"}])
            store.create("meetings", {"school": "f"})
            store.create("meetings", {"school": "again"}, record_id=meeting["id"])  # a duplicate: unchanged
            store.delete("meetings", other["id"])
            done.append(True)

        writer = threading.Thread(target=writes, daemon=True)
        writer.start()
        writer.join(timeout=10)
        assert done, "a writer waited for a snapshot"
        assert snapshot == before  # not one record of the snapshot changed, none came or went
        assert sorted(m["school"] for m in store.find("meetings")) == ["c", "e", "f"]

        # Whatever is handed out is the caller's own: changing it changes nothing stored.
        stored = copy.deepcopy(store.snapshot())
        handed = [store.get("meetings", meeting["id"]), *store.find("meetings"), *store.find("meetings", school="c"),
                  *store.filter("meetings", lambda m: True), *store.select("meetings", limit=5),
                  *store.fields("meetings", ("attendees", "extra")),
                  store.update("meetings", meeting["id"], {"notes": "n"}),
                  store.create("meetings", {"school": "g"}, record_id=meeting["id"])[0],
                  store.put("meetings", store.get("meetings", meeting["id"])),
                  *store.put_many("meetings", [store.get("meetings", meeting["id"])])]
        stored = copy.deepcopy(store.snapshot())
        for record in handed:
            for value in record.values():
                if isinstance(value, list):
                    value.append("changed")
                elif isinstance(value, dict):
                    value["changed"] = True
            record["school"] = "changed"
        assert store.snapshot() == stored


def test_a_tables_version_changes_with_every_write_to_it_and_only_then(tmp_path):
    with Store(tmp_path) as store:
        seen = [store.version("people")]
        person, _ = store.create("people", {"name": "A"})
        seen.append(store.version("people"))
        store.create("schools", {"name": "S"})
        assert store.version("people") == seen[-1]  # another table's write
        store.create("people", {"name": "again"}, record_id=person["id"])  # a duplicate changes nothing
        assert store.version("people") == seen[-1]
        for write in (lambda: store.update("people", person["id"], {"name": "B"}),
                      lambda: store.put("people", {**person, "name": "C"}),
                      lambda: store.put_many("people", [{**person, "name": "D"}]),
                      lambda: store.delete("people", person["id"])):
            write()
            seen.append(store.version("people"))
        assert len(set(seen)) == len(seen)
