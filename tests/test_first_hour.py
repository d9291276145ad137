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


# ---- The people list: who has connected a phone, and when it was last seen

def test_after_adding_a_person_the_page_offers_to_add_another(actions):
    leader = actions.leader_client()
    added = leader.post("/leader/people", data={"csrf_token": actions.token(leader, "/leader/"), "name": "Per Hansen",
                                                "side": "kommune", "role": "Lærer", "school": ""})
    page = leader.get(added.headers["Location"]).get_data(as_text=True)
    assert "Legg til en til" in page and 'href="/leader/?add=person#add-person"' in page
    assert "Legg til en til" not in leader.get(added.headers["Location"]).get_data(as_text=True)  # only right after
    form = leader.get("/leader/?add=person").get_data(as_text=True)
    assert re.search(r'<details id="add-person" open>', form)
    assert not re.search(r'<details id="add-person" open>', leader.get("/leader/").get_data(as_text=True))


def test_the_person_list_shows_a_connected_phone_and_when_it_was_last_seen(actions):
    kari, per = actions.person("Kari Nordmann"), actions.person("Per Hansen")
    actions.participant_client(kari)
    store = actions.store()
    device = store.find("devices", person=kari["id"])[0]
    store.update("devices", device["id"], {"last_seen": "2026-03-07T08:15:00+00:00"})
    leader = actions.leader_client()
    page = leader.get("/leader/").get_data(as_text=True)
    cards = dict(re.findall(r"<strong>([^<]+)</strong>.*?phone-status\">([^<]+)<", page, re.S))
    assert cards["Kari Nordmann"].strip() == "Telefon koblet til · sist sett 07.03.2026 kl. 09:15"
    assert cards["Per Hansen"].strip() == "Ingen telefon er koblet til ennå."
    store.update("devices", device["id"], {"revoked_at": "2026-03-08T08:00:00+00:00"})
    page = leader.get("/leader/").get_data(as_text=True)
    assert "sist sett" not in page  # a disconnected phone is no longer connected


def test_a_phone_is_noted_as_seen_at_most_once_an_hour(actions):
    kari = actions.person("Kari Nordmann")
    phone = actions.participant_client(kari)
    store = actions.store()
    device = store.find("devices", person=kari["id"])[0]
    joined = device["last_seen"]
    assert joined  # stamped when the phone joined
    assert phone.get("/").status_code == 200
    assert store.get("devices", device["id"])["updated_at"] == device["updated_at"]  # no write within the hour
    store.update("devices", device["id"], {"last_seen": "2026-03-07T08:15:00+00:00"})
    phone.get("/")
    seen = store.get("devices", device["id"])
    assert seen["last_seen"] > joined
    phone.get("/")
    assert store.get("devices", device["id"])["updated_at"] == seen["updated_at"]  # once, not per request


# ---- The QR sheet: a school to a page, the school on each card, the link written out, what to tap

def test_the_codes_sheet_per_school_with_the_link_and_the_instruction(actions):
    fjell, dal = actions.school("Fjellby skole"), actions.school("Dalen skole")
    actions.person("Kari Nordmann", school=fjell)
    actions.person("Per Hansen", school=dal)
    actions.person("Ola Uten", school=None)
    leader = actions.leader_client()
    page = leader.get("/leader/codes").get_data(as_text=True)
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings == ["Dalen skole", "Fjellby skole", "Uten skole"]  # one sheet per school, then the rest
    cards = re.findall(r'<div class="qr-card">(.*?)</div>\s*(?=<div class="qr-card">|</div>)', page, re.S)
    assert len(cards) == 3
    kari = next(card for card in cards if "Kari Nordmann" in card)
    assert "Fjellby skole" in kari and "Skann, trykk «Koble til denne telefonen»" in kari
    link = re.search(r'<p class="qr-link">([^<]+)</p>', kari).group(1)
    assert link.startswith("http://localhost/join/") and leader.get(link.replace("http://localhost", "")).status_code == 200
    assert re.search(r'<button type="button" class="primary" data-print hidden>Skriv ut</button>', page)

    one = leader.get(f"/leader/codes?school={fjell['id']}").get_data(as_text=True)
    assert "Kari Nordmann" in one and "Per Hansen" not in one and "Ola Uten" not in one
    assert re.findall(r"<h2>([^<]+)</h2>", one) == ["Fjellby skole"]
    assert leader.get("/leader/codes?school=ikke-en-skole").status_code == 404


# ---- The innsyn, fit to hand to a citizen

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Mobile Safari/537.36")


def visible_text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_innsyn_has_no_raw_keys_no_user_agent_no_other_names_and_norwegian_dates(actions):
    school = actions.school()
    kari, per = actions.person("Kari Nordmann", school=school), actions.person("Per Hansen", school=school)
    phone = actions.app.test_client()
    path = actions.join_path(kari)
    assert phone.post(path, data={"csrf_token": actions.token(phone, path)},
                      headers={"User-Agent": ANDROID}).status_code == 303
    store = actions.store()
    store.create("rounds", {"title": "Barometer mars", "status": "closed", "closes_on": "2026-03-20",
                            "closed_at": "2026-03-20T15:00:00+00:00", "statement_ids": [],
                            "invited": [{"id": kari["id"], "side": "kommune"}, {"id": per["id"], "side": "kommune"}]})
    store.create("responsibilities", {"what": "Lage plan for høsten", "owner": per["id"], "side": "kommune",
                                      "due": "2026-04-01", "status": "open", "school": school["id"]},
                 author=kari["id"])
    leader = actions.leader_client()
    text = visible_text(leader.get(f"/leader/privacy/{kari['id']}").get_data(as_text=True))

    assert "Barometerrunde «Barometer mars»" in text and "Hvem er invitert" in text
    assert "Ansvar «Lage plan for høsten»" in text and "Skrevet av" in text
    assert "Android · Chrome" in text
    for raw in ("title", "status", "closes_on", "closed_at", "statement_ids", "invited", "author", "owner", "side"):
        assert not re.search(rf"\b{raw}\b", text), raw
    assert "Mozilla" not in text and "AppleWebKit" not in text
    assert "Per Hansen" not in text  # on the invitation list and owner of what she wrote: not hers to read
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", text)

    download = leader.get(f"/leader/privacy/{kari['id']}.json").get_json()
    round_ = next(item["record"] for item in download["other"] if item["table"] == "rounds")
    assert round_["invited"] == [{"id": kari["id"], "side": "kommune"}]  # the file, too, keeps only her on the list


# ---- Conflicts: counted where the leader starts, the differing fields marked

def test_open_conflicts_are_counted_on_the_start_page_and_dashboard_and_differing_fields_marked(actions, app, tmp_path):
    from test_imports import content, export_with, write
    school = actions.school("Fjellby skole")
    leader = actions.leader_client()
    for page in ("/leader/", "/leader/dashboard"):
        assert "conflicts-notice" not in leader.get(page).get_data(as_text=True)
    older = "2020-01-01T08:00:00.000000+00:00"
    path = write(tmp_path, json.loads(export_with({**content(school), "name": "Fjellby ungdomsskole", "updated_at": older})))
    assert "schools: 0, 0, 0, 1" in app.test_cli_runner().invoke(args=["import", str(path)]).output
    for page in ("/leader/", "/leader/dashboard"):
        text = leader.get(page).get_data(as_text=True)
        notice = re.search(r'class="notice waiting conflicts-notice"><a href="([^"]+)">([^<]+)</a>', text)
        assert notice and notice.groups() == ("/leader/import/conflicts",
                                              "1 konflikt fra en import eller synkronisering venter på ditt valg")

    page = leader.get("/leader/import/conflicts").get_data(as_text=True)
    rows = re.findall(r'<div class="conflict-row( differs)?">\s*<dt>(.*?)</dt>', page, re.S)
    marked = {re.sub(r"<[^>]+>|\s+", " ", dt).replace("ulik", "").strip(): bool(differs) and "ulik" in dt
              for differs, dt in rows}
    assert marked["Navn"] is True  # the name differs: marked in words, not by colour alone
    assert marked["Opprettet"] is False  # created at the same moment on both: not marked

    conflict = actions.store().find("conflicts")[0]
    token = actions.token(leader, "/leader/import/conflicts")
    leader.post(f"/leader/import/conflicts/{conflict['id']}", data={"csrf_token": token, "choice": "keep"})
    assert "conflicts-notice" not in leader.get("/leader/").get_data(as_text=True)
    # A phone never sees the count (the dashboard is the leader's; the notice asks g.leader).
    phone = actions.participant_client(actions.person("Kari Nordmann"))
    assert "conflicts-notice" not in phone.get("/").get_data(as_text=True)
