"""A damaged database is refused at start, in both languages and with what to do, and never read as a smaller one."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import REPO_ROOT

from samskaping import create_app
from samskaping.store.database import DB_NAME, DamagedDatabase, Store
from samskaping.web.db import close_store
from tests.conftest import Actions

JOURNAL = DB_NAME + ".journal"


def run(*args: str, data: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """A command as the leader types it, with the data folder given the way that command takes it."""
    env = {**os.environ, "SAMSKAPING_DATA": str(data)}
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=60)


def start_server(data: Path) -> subprocess.CompletedProcess:
    # A refused start exits at once; a start that wrongly succeeds would serve until the timeout.
    return run("app.py", "--host", "127.0.0.1", "--port", "0", "--data", str(data), data=data)


def fingerprints(folder: Path) -> dict[str, str]:
    """sha256 of every file in the data folder, by path: what a refused start must leave exactly as it was."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A data folder as the leader has it: password set, a school, a person, and a meeting that is only in
    the journal (a writer left without closing, as at a power cut)."""
    folder = tmp_path_factory.mktemp("project") / "data"
    app = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    actions = Actions(app)
    actions.person("Kari Nordmann", school=actions.school())
    close_store(app)
    writer = subprocess.run([sys.executable, str(Path(__file__).with_name("storage_writer.py")), str(folder),
                             "--count", "1", "--compact-every", "1000"], capture_output=True, text=True, timeout=30)
    assert writer.returncode == 0, writer.stderr
    assert len((folder / JOURNAL).read_bytes().splitlines()) == 1  # its meeting is only in the journal
    return folder


@pytest.fixture
def folder(project, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(project, copy)
    return copy


def snapshot(folder: Path) -> dict:
    return json.loads((folder / DB_NAME).read_bytes())


def write_snapshot(folder: Path, data: object) -> None:
    (folder / DB_NAME).write_text(json.dumps(data))


def damage_journal_record(folder: Path) -> None:
    lines = (folder / JOURNAL).read_bytes().splitlines(keepends=True)
    change = json.loads(lines[-1])
    change["put"] = {doc_id: "a string where a record belongs" for doc_id in change["put"]}
    (folder / JOURNAL).write_bytes(b"".join([*lines[:-1], json.dumps(change).encode() + b"\n"]))


def a_person(folder: Path) -> str:
    return next(iter(snapshot(folder)["people"]))


# Each: how the folder is damaged, then what the message must name (the file, and the table and record).
DAMAGE = {
    "empty snapshot": (lambda f: (f / DB_NAME).write_bytes(b""), [DB_NAME, "er tom", "is empty"]),
    "whitespace-only snapshot": (lambda f: (f / DB_NAME).write_bytes(b" \n\t\n"), [DB_NAME, "is empty"]),
    "snapshot cut short": (lambda f: (f / DB_NAME).write_bytes((f / DB_NAME).read_bytes()[:-40]),
                           [DB_NAME, "ikke gyldig JSON", "not valid JSON"]),
    "tables in a list": (lambda f: write_snapshot(f, list(snapshot(f).values())), [DB_NAME, "en liste", "a list"]),
    "a table stored as a list": (
        lambda f: write_snapshot(f, {**snapshot(f), "people": list(snapshot(f)["people"].values())}),
        [DB_NAME, "«people»", '"people"', "a list, not a table"]),
    "a record stored as a string": (
        lambda f: write_snapshot(f, {**snapshot(f), "people": {a_person(f): "Kari Nordmann"}}),
        [DB_NAME, "«people»", "a text, not a record"]),
    "a record without its id": (
        lambda f: write_snapshot(f, {**snapshot(f), "people": {k: {**v, "id": None} for k, v in snapshot(f)["people"].items()}}),
        [DB_NAME, "«people»", "has the id None"]),
    "a journal line with a string for a record": (damage_journal_record,
                                                 [JOURNAL, "linje 1 av 1", "«meetings»", "line 1 of 1", "a text, not a record"]),
    "a journal line that is not a change": (lambda f: (f / JOURNAL).write_bytes(b'["schools"]\n' + (f / JOURNAL).read_bytes()),
                                            [JOURNAL, "linje 1 av 2", "line 1 of 2", "is damaged"]),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_database_is_refused_at_start_in_both_languages_and_no_file_changes(folder, damage):
    damage_folder, named = DAMAGE[damage]
    damage_folder(folder)
    before = fingerprints(folder)
    started = start_server(folder)
    assert started.returncode == 2, started.stdout + started.stderr
    message = started.stderr
    assert "Traceback" not in message and started.stdout == ""
    # Bokmål first, then English; each says what to do, naming the backups and the restore command.
    bokmal, english = message.split("\n\n", 1)
    assert bokmal.startswith("Databasen er skadet") and english.startswith("The database is damaged")
    assert f"{folder / 'backups'}{os.sep}" in bokmal and "flask --app app restore FIL" in bokmal
    assert "flask --app app restore FILE" in english and "Nothing was changed" in english
    for words in named:
        assert words in message, (words, message)
    assert fingerprints(folder) == before


@pytest.mark.parametrize("command, stdin", [
    (["export", "--format", "json", "--out", "{out}"], ""),
    (["set-leader-password", "--password", "nytt-passord-123"], ""),
    (["import", "{out}"], ""),
    (["demo"], ""),
])
def test_commands_that_open_the_store_refuse_damage_the_same_way(folder, tmp_path, command, stdin):
    out = tmp_path / "export.json"
    if "import" in command:  # a real export, from another laptop, to import
        with Store(tmp_path / "other") as other:
            other.create("schools", {"name": "Sjøvik skole"})
        assert run("-m", "flask", "--app", "app", "export", "--format", "json", "--out", str(out),
                   data=tmp_path / "other").returncode == 0
    (folder / DB_NAME).write_bytes(b"")
    before = fingerprints(folder)
    args = [part.replace("{out}", str(out)) for part in command]
    result = run("-m", "flask", "--app", "app", *args, data=folder, stdin=stdin)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Databasen er skadet") and "The database is damaged" in result.stderr
    assert f"{folder / DB_NAME} er tom." in result.stderr and "flask --app app restore FILE" in result.stderr
    assert fingerprints(folder) == before


def test_an_export_beside_a_running_server_whose_files_are_damaged_is_refused_in_words(folder, tmp_path):
    """The server holds the folder, so the export reads a copy of its files: damage there is said, not a traceback."""
    with Store(folder):
        (folder / DB_NAME).write_bytes(b"  \n")
        result = run("-m", "flask", "--app", "app", "export", "--format", "json", "--out", str(tmp_path / "x.json"),
                     data=folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Databasen er skadet") and "The database is damaged" in result.stderr
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("command", [["set-leader-password", "--password", "nytt-passord-123"], ["demo"]])
def test_a_command_that_writes_beside_a_running_server_says_so_in_both_languages(folder, command):
    with Store(folder):
        result = run("-m", "flask", "--app", "app", *command, data=folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    bokmal, english = result.stderr.split("\n\n", 1)
    assert bokmal.startswith("Datamappen er i bruk") and english.startswith("The data folder is in use")


def test_a_missing_snapshot_is_still_a_new_database(tmp_path):
    with Store(tmp_path / "data") as store:
        assert store.counts()["people"] == 0
        store.create("people", {"name": "Kari"})
    with Store(tmp_path / "data") as store:
        assert store.counts()["people"] == 1


def test_a_folder_in_use_is_refused_in_both_languages(folder):
    with Store(folder):
        before = fingerprints(folder)
        started = start_server(folder)
        assert fingerprints(folder) == before
    assert started.returncode == 2 and "Traceback" not in started.stderr
    bokmal, english = started.stderr.split("\n\n", 1)
    assert bokmal.startswith("Datamappen er i bruk") and f"i bruk av prosess {os.getpid()}" in bokmal
    assert english.startswith("The data folder is in use") and f"in use by process {os.getpid()}" in english


def test_a_refused_open_leaves_no_lock_file_it_made(folder):
    (folder / "samskaping.lock").unlink()
    (folder / DB_NAME).write_bytes(b"")
    before = fingerprints(folder)
    with pytest.raises(DamagedDatabase, match="is empty"):
        Store(folder)
    assert fingerprints(folder) == before and not (folder / "samskaping.lock").exists()
