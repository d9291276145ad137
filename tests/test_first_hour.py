"""The leader's first hour: the password chosen at /leader/login, the people list, the QR sheet, the commands'
--data, an innsyn fit to hand to a citizen, and the conflicts counted where the leader starts."""
from __future__ import annotations

import json
import re

import pytest

from samskaping import create_app
from samskaping.web.db import close_store
from conftest import LEADER_PASSWORD, csrf_from


# ---- /leader/login before there is a password

def test_login_without_a_password_is_the_setup_form_itself(app, client, actions):
    page = client.get("/leader/login")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'action="/leader/setup"' in text and 'name="repeat"' in text  # the form, not a button to it
    done = client.post("/leader/setup", data={"csrf_token": csrf_from(text), "password": LEADER_PASSWORD,
                                              "repeat": LEADER_PASSWORD})
    assert done.status_code == 303 and client.get("/leader/").status_code == 200
    # Once set, the login page asks for the password; from another machine never the setup form.
    assert 'name="repeat"' not in app.test_client().get("/leader/login").get_data(as_text=True)


def test_login_from_a_phone_before_there_is_a_password_shows_no_setup_form(client):
    text = client.get("/leader/login", environ_base={"REMOTE_ADDR": "192.168.1.20"}).get_data(as_text=True)
    assert 'name="repeat"' not in text and "set-leader-password" in text


# ---- Every command accepts --data

COMMANDS = ("set-leader-password", "demo", "export", "import", "backup", "restore")


def run(tmp_path, *args, data=None):
    """A command as `flask --app app …` runs it: a new app (its default folder under tmp_path), then closed."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "default")})
    try:
        result = app.test_cli_runner().invoke(args=list(args) + (["--data", str(data)] if data else []))
        assert result.exit_code == 0, result.output
        return result.output
    finally:
        close_store(app)


def test_every_command_accepts_data_and_works_on_that_folder(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    run(tmp_path, "demo", data=a)
    run(tmp_path, "set-leader-password", "--password", "et-langt-passord", data=a)
    run(tmp_path, "export", "--format", "json", "--out", str(tmp_path / "all.json"), data=a)
    (tmp_path / "copies").mkdir()
    run(tmp_path, "backup", "--to", str(tmp_path / "copies"), data=a)
    run(tmp_path, "import", str(tmp_path / "all.json"), data=b)
    backup_file = next((tmp_path / "copies").iterdir())
    run(tmp_path, "restore", str(backup_file), "--yes", data=c)

    people = json.loads((tmp_path / "all.json").read_text())["tables"]["people"]
    assert len(people) >= 3
    assert _journal_has(a, "password_hash") and not _journal_has(tmp_path / "default", "password_hash")
    for folder in (b, c):
        assert _journal_has(folder, people[0]["name"])
    assert not _journal_has(tmp_path / "default", people[0]["name"])  # the default folder was left alone


def _journal_has(folder, text: str) -> bool:
    return any(text in path.read_text(encoding="utf-8", errors="replace")
               for path in folder.glob("samskaping.json*") if path.is_file())


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_says_data_in_its_help_in_bokmal(tmp_path, command):
    output = run(tmp_path, command, "--help")
    assert "--data" in output and "datamappen" in output
    assert " / " not in re.sub(r"\s+", " ", output.split("Options:")[0])  # one language, English in parentheses
