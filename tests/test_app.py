"""The app as a whole: start-up, health, headers, language, leader sign-in, CLI and translations."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from samskaping import create_app
from samskaping.web.db import close_store
from tests.conftest import LEADER_PASSWORD, csrf_from

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_counts_records_and_reveals_no_personal_data(client, actions):
    actions.person("Kari Hemmelig")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["counts"]["people"] == 1 and body["counts"]["meetings"] == 0
    assert "Kari" not in response.get_data(as_text=True)


def test_healthz_tells_a_phone_on_the_wifi_only_that_the_app_runs(app, actions):
    actions.person("Kari Hemmelig")
    stranger = app.test_client()
    response = stranger.get("/healthz", environ_base={"REMOTE_ADDR": "192.168.1.77"})
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    leader = actions.leader_client()
    counted = leader.get("/healthz", environ_base={"REMOTE_ADDR": "192.168.1.77"}).get_json()
    assert counted["counts"]["people"] == 1  # the leader signed in on another machine sees the size


def test_first_run_makes_a_secret_key_that_survives_a_restart(tmp_path, actions):
    folder = tmp_path / "restart"
    first = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    key = first.secret_key
    assert (folder / "secret_key").stat().st_mode & 0o077 == 0
    close_store(first)
    second = create_app({"TESTING": True, "DATA_DIR": str(folder)})
    assert second.secret_key == key and len(key) == 64
    close_store(second)


def test_a_bound_phone_stays_signed_in_after_a_server_restart(tmp_path):
    from tests.conftest import Actions
    folder = str(tmp_path / "data")
    app = create_app({"TESTING": True, "DATA_DIR": folder})
    actions = Actions(app)
    phone = actions.participant_client(actions.person("Kari"))
    close_store(app)
    restarted = create_app({"TESTING": True, "DATA_DIR": folder})
    cookies = {c.key: c.value for c in phone._cookies.values()}
    again = restarted.test_client()
    for key, value in cookies.items():
        again.set_cookie(key, value)
    assert again.get("/meetings/new").status_code == 200
    close_store(restarted)


@pytest.mark.parametrize("path", ["/", "/leader/login", "/healthz"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pages_load_nothing_from_outside_and_have_no_inline_script(actions):
    school = actions.school()
    phone = actions.participant_client(actions.person("Kari", school=school))
    leader = actions.leader_client()
    for client, path in [(phone, "/"), (phone, "/meetings/new"), (phone, "/feedback/new"), (leader, "/leader/"),
                         (leader, "/leader/codes")]:
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href|action)="(https?:)?//', page), path
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\son\w+=", page), path


def test_norwegian_by_default_english_by_browser_or_switch(client):
    assert "Velkommen til Samskaping" in client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Welcome to Samskaping" in english
    nynorsk = client.get("/", headers={"Accept-Language": "nn-NO"}).get_data(as_text=True)
    assert "Velkommen til Samskaping" in nynorsk
    switched = client.get("/language/en?next=/leader/login")
    assert switched.status_code == 303 and switched.headers["Location"] == "/leader/login"
    assert "Choose the leader password" in client.get("/leader/login").get_data(as_text=True)
    assert client.get("/language/en?next=//evil.example").headers["Location"] == "/"


def test_dates_are_shown_dd_mm_yyyy_in_norwegian(app):
    from samskaping.web.i18n import format_day
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        assert format_day("2026-03-07") == "07.03.2026"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_day("2026-03-07") == "7 Mar 2026"


def test_leader_setup_only_from_the_laptop_then_login_then_rate_limit(app, client, actions):
    assert client.get("/leader/setup", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 404
    page = client.get("/leader/setup").get_data(as_text=True)
    token = csrf_from(page)
    short = client.post("/leader/setup", data={"csrf_token": token, "password": "kort", "repeat": "kort"})
    assert short.status_code == 200 and "Bruk 10 til 200 tegn." in short.get_data(as_text=True)
    done = client.post("/leader/setup", data={"csrf_token": token, "password": LEADER_PASSWORD, "repeat": LEADER_PASSWORD})
    assert done.status_code == 303
    assert client.get("/leader/").status_code == 200
    assert client.get("/leader/setup").status_code == 404  # once set, only the CLI resets it
    stored = actions.store().find("settings")[0]["password_hash"]
    assert LEADER_PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))

    stranger = app.test_client()
    token = actions.token(stranger, "/leader/login")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert stranger.post("/leader/login", data={"csrf_token": token, "password": "feil-passord"}).status_code == 401
    blocked = stranger.post("/leader/login", data={"csrf_token": token, "password": LEADER_PASSWORD})
    assert blocked.status_code == 429 and "For mange mislykkede forsøk" in blocked.get_data(as_text=True)
    assert stranger.get("/leader/").status_code == 302


def test_cli_sets_the_leader_password(runner, app, actions):
    result = runner.invoke(args=["set-leader-password", "--password", "et-langt-passord"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    token = actions.token(client, "/leader/login")
    assert client.post("/leader/login", data={"csrf_token": token, "password": "et-langt-passord"}).status_code == 303
    assert runner.invoke(args=["set-leader-password", "--password", "kort"]).exit_code != 0
    # The change is in the log, from the command line; the refused one is not.
    [line] = actions.store().find("audit", event="leader_password_set")
    assert line["via"] == "command line" and line["leader"] is False


def test_demo_fills_an_empty_folder_once(runner, actions, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    counts = actions.store().counts()
    assert counts["schools"] == 3 and counts["people"] == 7 and counts["meetings"] == 3 and counts["feedback"] == 2
    assert {p["side"] for p in actions.store().find("people")} == {"kommune", "entreprenor"}
    # The three F's have something to show: a charter accepted by some, two closed barometer rounds with a gap.
    assert counts["charters"] == 1 and 0 < counts["acceptances"] < 7 and counts["rounds"] == 2
    with actions.app.test_request_context():
        from samskaping.barometer.views import dashboard_context
        latest = dashboard_context()["latest"]
    assert latest["round"]["status"] == "closed" and all(f["gap"] for f in latest["by_f"])
    runner.invoke(args=["demo"])
    assert actions.store().counts() == counts
    # Demo people can join with their links.
    person = actions.store().find("people")[0]
    assert client.get(actions.join_path(person)).status_code == 200


def test_every_message_in_the_code_has_a_norwegian_translation():
    with open(ROOT / "samskaping/translations/nb/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string}
    method_map = [("samskaping/**.py", "python"), ("templates/**.html", "jinja2")]
    in_code = {msg[2] if isinstance(msg[2], str) else msg[2][0]
               for msg in extract_from_dir(ROOT, method_map, keywords={"_": None, "_l": None, "gettext": None})}
    assert sorted(in_code - translated) == []
    # The compiled catalogue the app loads is not older than its source.
    mo = ROOT / "samskaping/translations/nb/LC_MESSAGES/messages.mo"
    from babel.support import Translations
    with open(mo, "rb") as compiled_file:
        compiled = Translations(compiled_file)
    assert all(compiled.gettext(m.id) == m.string for m in catalog if m.id and m.string and isinstance(m.id, str))


@pytest.mark.parametrize("user_agent, shown", [
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
     "Android · Chrome"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
     "Mobile/15E148 Safari/604.1", "iPhone · Safari"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
     "Edg/131.0.0.0", "Windows · Edge"),
    ("", "Ukjent enhet"),
])
def test_a_connected_phone_is_named_by_its_system_and_browser(app, user_agent, shown):
    from samskaping.leader.people import device_name
    with app.test_request_context():
        assert device_name(user_agent) == shown


def test_a_stored_time_is_shown_as_its_norwegian_day(app):
    from samskaping.web.i18n import format_day
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        assert format_day("2026-11-30T23:30:00+00:00") == "01.12.2026"  # 00:30 on 1 December in Oslo
        assert format_day("2026-11-30T22:30:00+00:00") == "30.11.2026"
        assert format_day("2026-11-30") == "30.11.2026"
