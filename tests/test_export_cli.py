"""`flask --app app export`: works on a free data folder and beside a running server on the same folder."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import urllib.request
import zipfile
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest
from browser_support import LEADER_PASSWORD, REPO_ROOT, free_port, prepare_data, wait_for_health

from samskaping import create_app
from samskaping.core.exchange.export import INSTALLATION_SETTINGS_ID, TABLES
from samskaping.store.database import Store
from samskaping.store.pending_writes import PENDING_NAME, fold_pending_writes
from samskaping.web.db import close_store
from tests.conftest import csrf_from


@pytest.fixture
def filled(app, actions):
    store = actions.store()
    school, _ = store.create("schools", {"name": "Fjellby skule"})
    other, _ = store.create("schools", {"name": "Sjøvik skole"})
    kari, _ = store.create("people", {"name": "Kari Ås", "side": "kommune", "school": school["id"], "active": True})
    store.create("meetings", {"date": "2026-11-02", "school": school["id"], "type": "planning", "attendees": [kari["id"]],
                              "agenda": "=1+1\nandre linje", "notes": "😀", "decisions": "", "guests": ""})
    store.create("meetings", {"date": "2026-11-30", "school": other["id"], "type": "other", "attendees": [],
                              "agenda": "", "notes": "", "decisions": "", "guests": ""})
    return {"school": school, "kari": kari}


def test_cli_writes_csv_json_and_zip_and_audits_each(app, runner, actions, filled, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(args=["export", "--format", "csv", "--table", "meetings", "--out", str(out / "m.csv"),
                                 "--school", "Fjellby skule", "--delimiter", ",", "--labels", "nb"])
    assert result.exit_code == 0, result.output
    data = (out / "m.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfId,Dato,")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2 and rows[1][rows[0].index("Saksliste")] == "'=1+1\nandre linje"
    assert rows[1][rows[0].index("Referat")] == "😀"

    assert runner.invoke(args=["export", "--format", "csv", "--table", "meetings", "--raw", "--out", str(out / "raw.csv")]).exit_code == 0
    assert "\n=1+1\nandre linje" not in (out / "raw.csv").read_text(encoding="utf-8-sig")  # quoted, in one cell
    assert '"=1+1\nandre linje"' in (out / "raw.csv").read_text(encoding="utf-8-sig")

    result = runner.invoke(args=["export", "--format", "json", "--out", str(out / "all.json"), "--from", "2026-11-01",
                                 "--to", "01.11.2026"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "all.json").read_bytes())["tables"]["meetings"] == []
    assert runner.invoke(args=["export", "--format", "zip", "--out", str(out / "all.zip")]).exit_code == 0
    assert "export.json" in zipfile.ZipFile(out / "all.zip").namelist()
    assert sorted(p.name for p in out.iterdir()) == ["all.json", "all.zip", "m.csv", "raw.csv"]  # no temp files left

    audit = sorted(actions.store().find("audit", event="export"), key=lambda e: e["created_at"])
    assert [(e["format"], e["via"]) for e in audit] == [("csv", "command line"), ("csv", "command line"),
                                                        ("json", "command line"), ("zip", "command line")]
    assert audit[0]["filters"]["school"] == filled["school"]["id"] and audit[0]["counts"] == {"meetings": 1}
    assert audit[1]["neutralised"] is False and audit[2]["filters"]["from"] == "2026-11-01"


@pytest.mark.parametrize("args, message", [
    (["--format", "csv"], "--table"),
    (["--format", "json", "--from", "2026-12-01", "--to", "2026-11-01"], "--from"),
    (["--format", "json", "--school", "Ingen slik"], "Ingen slik"),
    (["--format", "xml"], "xml"),
])
def test_cli_refuses_bad_options_without_writing(runner, filled, tmp_path, args, message):
    result = runner.invoke(args=["export", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x").exists()


def post(opener, url: str, fields: dict):
    return opener.open(url, data=urlencode(fields).encode())


def test_cli_exports_a_consistent_copy_while_the_server_runs(tmp_path):
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "server.log"
    prepare_data(data_dir)
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--data", str(data_dir)],
                                  cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    app = create_app({"DATA_DIR": str(data_dir)})
    try:
        wait_for_health(port, server, log)
        # Written through the running server: these records are only in its journal, not yet in its snapshot.
        base = f"http://127.0.0.1:{port}"
        leader = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(CookieJar()))
        token = csrf_from(leader.open(f"{base}/leader/login").read())
        post(leader, f"{base}/leader/login", {"csrf_token": token, "password": LEADER_PASSWORD})
        token = csrf_from(leader.open(f"{base}/leader/").read())
        for name in ("Ny skole æøå", "=Skole"):
            post(leader, f"{base}/leader/schools", {"csrf_token": token, "name": name})
        assert (data_dir / "samskaping.json.journal").stat().st_size > 0

        runner = app.test_cli_runner()
        result = runner.invoke(args=["export", "--format", "json", "--out", str(tmp_path / "live.json")])
        assert result.exit_code == 0, result.output
        assert "Serveren kjører" in result.output
        live = json.loads((tmp_path / "live.json").read_bytes())
        assert {"Ny skole æøå", "=Skole", "Fjellby skole"} == {s["name"] for s in live["tables"]["schools"]}

        # The real command line, in its own process, beside the server.
        env = {**os.environ, "SAMSKAPING_DATA": str(data_dir)}
        command = [sys.executable, "-m", "flask", "--app", "app", "export", "--format", "csv", "--table", "schools",
                   "--out", str(tmp_path / "schools.csv")]
        finished = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert finished.returncode == 0, finished.stderr
        schools = (tmp_path / "schools.csv").read_text(encoding="utf-8-sig")
        assert "Ny skole æøå" in schools and ";'=Skole;" in schools
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        close_store(app)

    pending = (data_dir / PENDING_NAME).read_text().splitlines()
    assert [json.loads(line)["table"] for line in pending] == ["audit", "settings", "audit"]
    with Store(data_dir) as store:
        assert fold_pending_writes(store) == 3 and fold_pending_writes(store) == 0
        assert not (data_dir / PENDING_NAME).exists()
        audit = store.find("audit", event="export")
        assert sorted(e["format"] for e in audit) == ["csv", "json"] and {e["via"] for e in audit} == {"command line"}
        # Both exports carried the one installation id that the store now keeps.
        assert store.get("settings", INSTALLATION_SETTINGS_ID)["installation"] == live["installation"]
        for table in TABLES:  # the copy read beside the server is what the store holds
            assert sorted(live["tables"][table], key=lambda r: r["id"]) == sorted(store.find(table), key=lambda r: r["id"])
