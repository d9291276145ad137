"""Importing another laptop's export or a phone's outbox file: preview, confirm, once, conflicts for the leader."""
from __future__ import annotations

import io
import json
import re
import threading
import uuid
import zipfile
from pathlib import Path

import pytest
from test_meetings import meeting_form
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from samskaping import create_app
from samskaping.core.exchange.export import json_chunks, take_snapshot
from samskaping.core.exchange.import_file import IMPORTABLE
from samskaping.core.exchange.merge import content
from samskaping.store.database import DB_NAME, Store
from samskaping.web.db import close_store, get_store


def export_document(store) -> dict:
    """The contract's export document, as samskaping/export.py's JSON writer writes it."""
    with take_snapshot(store) as snapshot:
        return json.loads(b"".join(json_chunks(snapshot)))


def records(store) -> dict:
    return {table: {r["id"]: content(r) for r in store.find(table)} for table in IMPORTABLE}


def database_files(app) -> dict[str, bytes]:
    folder = Path(app.config["DATA_DIR"])
    return {name: (folder / name).read_bytes() for name in (DB_NAME, DB_NAME + ".journal") if (folder / name).exists()}


@pytest.fixture
def project(actions):
    """A small project recorded through the app: a school, two people, a meeting with two
    responsibilities, a follow-up and a feedback."""
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    phone = actions.participant_client(kari)
    setup = {"school": school, "kari": kari, "ola": ola, "phone": phone}
    assert phone.post("/meetings/new", data=meeting_form(phone, setup)).status_code == 303
    [responsibility, *_] = actions.store().find("responsibilities")
    token = actions.token(phone, f"/responsibilities/{responsibility['id']}")
    assert phone.post(f"/responsibilities/{responsibility['id']}", data={
        "csrf_token": token, "id": str(uuid.uuid4()), "status": "in_progress", "comment": "I gang"}).status_code == 303
    token = actions.token(phone, "/feedback/new")
    assert phone.post("/feedback/new", data={"csrf_token": token, "id": str(uuid.uuid4()), "to": ola["id"],
                                             "worked": "Godt forberedt", "improve": ""}).status_code == 303
    return setup


@pytest.fixture
def other_app(tmp_path):
    """A second, empty installation (another laptop)."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "other")})
    yield app
    close_store(app)


def write(tmp_path, document: dict, name: str = "eksport.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_export_imported_into_an_empty_laptop_gives_identical_records(project, actions, other_app, tmp_path):
    original = records(actions.store())
    path = write(tmp_path, export_document(actions.store()))
    result = other_app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "meetings: 1, 0, 0, 0" in result.output and "responsibilities: 2, 0, 0, 0" in result.output
    with other_app.app_context():
        imported = records(get_store())
        assert all(r.get("_received_at") for r in get_store().find("meetings"))
        [entry] = get_store().find("audit", event="import")
    assert imported == original and sum(map(len, imported.values())) >= 8
    assert entry["added"] == sum(map(len, original.values())) and "eksport.json" in entry["source"]
    # Twice is once: the second import changes no record.
    again = other_app.test_cli_runner().invoke(args=["import", str(path)])
    assert "meetings: 0, 0, 1, 0" in again.output
    with other_app.app_context():
        assert records(get_store()) == original


def test_a_dry_run_changes_nothing(project, actions, other_app, tmp_path):
    path = write(tmp_path, export_document(actions.store()))
    with other_app.app_context():
        get_store().create("schools", {"name": "Annen skole"})
    before = database_files(other_app)
    result = other_app.test_cli_runner().invoke(args=["import", str(path), "--dry-run"])
    assert result.exit_code == 0 and "Prøvekjøring" in result.output and "meetings: 1, 0, 0, 0" in result.output
    assert database_files(other_app) == before


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def good_school() -> dict:
    return {"id": str(uuid.uuid4()), "name": "Fjellby", "created_at": "2026-11-01T08:00:00+00:00",
            "updated_at": "2026-11-01T08:00:00+00:00", "author": None, "device": None}


def export_with(*schools: dict, **tables) -> bytes:
    document = {"format": "samskaping-export", "schema_version": 1, "exported_at": "2026-11-28T08:24:12+00:00",
                "installation": str(uuid.uuid4()), "filters": {}, "tables": {"schools": list(schools), **tables}}
    return json.dumps(document).encode()


MALFORMED = [
    ("broken.json", b'{"format": "samskaping-export",\n  "tables": [}', "ikke gyldig JSON", "linje 2, kolonne"),
    ("other.json", b'{"format": "something-else"}', "ikke en eksport eller utboksfil", '"something-else"'),
    ("export.zip", zipped({"export.json": export_with(good_school())})[:60], "ZIP-filen er skadet", ""),
    ("export.zip", zipped({"LESMEG.txt": b"hei"}), "ingen export.json", ""),
    ("noid.json", export_with(good_school(), {k: v for k, v in good_school().items() if k != "id"}),
     "schools, post 2", "feltet id mangler"),
    ("time.json", export_with({**good_school(), "updated_at": "i går"}), "schools, post 1", "feltet updated_at"),
    ("meeting.json", export_with(meetings=[{**good_school(), "date": "31.02.2026", "school": str(uuid.uuid4()),
                                            "type": "planning", "attendees": []}]), "meetings, post 1", "feltet date"),
    # A day a form refuses (plausible_day): an imported plan on the calendar's last day broke its calendar file.
    ("plan.json", export_with(plans=[{**good_school(), "date": "9999-12-31", "school": str(uuid.uuid4()), "invited": []}]),
     "plans, post 1", "fra 2000 til 2099"),
    ("devices.json", export_with(devices=[]), "Tabellen devices", "aldri importert"),
    ("future.json", export_with().replace(b'"schema_version": 1', b'"schema_version": 9'), "skjemaversjon 9", ""),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00", "ikke UTF-8", ""),
    # A number of 5000 digits: Python refuses to read it (ValueError, not a JSONDecodeError).
    ("huge.json", b'{"format": "samskaping-export", "schema_version": ' + b"1" * 5000 + b"}",
     "verdi som denne PC-en ikke kan lese", ""),
    # The three F's tables: what the pages read without checking must be right (else every page 500s).
    ("round.json", export_with(rounds=[{**good_school(), "title": "Høst", "status": "open", "closes_on": "2026-02-30",
                                        "statement_ids": [], "invited": []}]), "rounds, post 1", "feltet closes_on"),
    ("round.json", export_with(rounds=[{**good_school(), "title": "Høst", "status": "apen", "statement_ids": [],
                                        "invited": []}]), "rounds, post 1", "feltet status"),
    ("round.json", export_with(rounds=[{**good_school(), "title": "Høst", "status": "open", "statement_ids": [],
                                        "invited": [{"id": "Kari", "side": "kommune"}]}]), "rounds, post 1",
     "feltet invited"),
    ("answer.json", export_with(answers=[{**good_school(), "round": str(uuid.uuid4()), "person": None,
                                          "side": "kommune", "values": {str(uuid.uuid4()): 7}, "comment": ""}]),
     "answers, post 1", "feltet values"),
    ("statement.json", export_with(statements=[{**good_school(), "f": "forstand", "text": "x", "position": 1,
                                                "active": True}]), "statements, post 1", "feltet f"),
    ("acceptance.json", export_with(acceptances=[{**good_school(), "person": str(uuid.uuid4()),
                                                  "charter": str(uuid.uuid4()), "version": "1", "side": "kommune"}]),
     "acceptances, post 1", "feltet version"),
    ("question.json", export_with(questions=[{**good_school(), "person": str(uuid.uuid4()),
                                              "charter": str(uuid.uuid4()), "version": 1, "text": "Hva?",
                                              "answer": 42}]), "questions, post 1", "feltet answer"),
    ("charter.json", export_with(charters=[{**good_school(), "version": 0, "goal": "Mål"}]), "charters, post 1",
     "feltet version"),
]


@pytest.mark.parametrize("filename, data, problem, detail", MALFORMED,
                         ids=[f"{n}-{case[0]}" for n, case in enumerate(MALFORMED)])  # the same in every worker
def test_a_malformed_file_is_refused_with_its_problem_and_changes_nothing(actions, app, filename, data, problem, detail):
    leader = actions.leader_client()
    actions.school()
    token = actions.token(leader, "/leader/import/")
    before = database_files(app)
    response = leader.post("/leader/import/", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")
    assert response.status_code == 422
    assert problem in page and detail in page and "Ingenting ble endret." in page
    assert database_files(app) == before
    assert not list((Path(app.config["DATA_DIR"]) / "imports").glob("*.bin"))


def test_a_zip_whose_export_json_unpacks_past_the_upload_limit_is_refused_before_it_is_read(actions, app):
    from samskaping.core.exchange.import_file import MAX_ZIP_MEMBER
    leader = actions.leader_client()
    assert MAX_ZIP_MEMBER == 32 * 1024 * 1024
    big = export_with(good_school()) + b" " * MAX_ZIP_MEMBER  # valid JSON, just past the limit; zipped: small
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", big)
    response = upload(leader, actions, buffer.getvalue(), "stor.zip")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "export.json i ZIP-filen er større enn 32 MB utpakket" in page and "Ingenting ble endret." in page


def test_a_zip_that_lies_about_the_size_of_export_json_is_never_read_past_the_limit(monkeypatch):
    from samskaping.core.exchange import import_file as merge_schema
    from samskaping.core.exchange.import_file import ImportProblem, parse_document
    monkeypatch.setattr(merge_schema, "MAX_ZIP_MEMBER", 1000)
    data = zipped({"export.json": export_with(good_school()) + b" " * 5000})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("export.json")
    assert info.file_size > 1000
    told = data.replace(info.file_size.to_bytes(4, "little"), (500).to_bytes(4, "little"))  # both headers lie
    assert zipfile.ZipFile(io.BytesIO(told)).getinfo("export.json").file_size == 500
    read = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, *args, **kwargs):
        member = real_open(self, *args, **kwargs)
        real_read = member.read
        member.read = lambda n=-1: read.append(n) or real_read(n)
        return member
    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    with pytest.raises(ImportProblem):  # damaged (it says 500 bytes and holds more), never a crash
        parse_document(told, "x.zip")
    assert read == [1001]  # the cap and one byte more, never "all there is"


def upload(leader, actions, data: bytes, filename: str):
    token = actions.token(leader, "/leader/import/")
    return leader.post("/leader/import/", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm(leader, actions, preview_path: str):
    token = actions.token(leader, "/leader/import/")
    digest = preview_path.rsplit("/", 1)[-1]
    return leader.post(f"/leader/import/confirm/{digest}", data={"csrf_token": token})


def test_upload_preview_confirm_and_result(project, actions, app, other_app):
    data = zipped({"export.json": json.dumps(export_document(actions.store())).encode(), "LESMEG.txt": b"Les meg"})
    with other_app.app_context():
        get_store().create("schools", {"name": "Annen skole"})
    from conftest import Actions
    other = Actions(other_app)
    leader = other.leader_client()
    response = upload(leader, other, data, "samskaping-eksport.zip")
    assert response.status_code == 303 and "/leader/import/preview/" in response.headers["Location"]
    preview_path = response.headers["Location"]
    page = leader.get(preview_path).get_data(as_text=True)
    assert "Ingenting er lagret ennå" in page and "Møter" in page and "samskaping-eksport.zip" in page
    assert re.search(r"Ansvar</th><td data-label=\"Nye\">2</td>", page)
    with other_app.app_context():
        assert get_store().find("meetings") == []  # the preview wrote nothing
    response = confirm(leader, other, preview_path)
    assert response.status_code == 303 and "/leader/import/done/" in response.headers["Location"]
    page = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert "Importen er ferdig" in page and re.search(r"Møter</th><td data-label=\"Nye\">1</td>", page)
    with other_app.app_context():
        assert len(get_store().find("meetings")) == 1
        [entry] = get_store().find("audit", event="import")
        assert entry["leader"] and entry["kind"] == "export" and entry["added"] >= 8
    # The kept file is gone: confirming again imports nothing.
    assert not list((Path(other_app.config["DATA_DIR"]) / "imports").glob("*.bin"))
    again = confirm(leader, other, preview_path)
    assert again.headers["Location"].endswith("/leader/import/")


def test_an_export_larger_than_the_general_request_limit_can_be_uploaded(actions, app):
    leader = actions.leader_client()
    data = export_with(good_school()) + b" " * (3 * 1024 * 1024)  # valid JSON, 3 MB
    # Encoded in memory: the test client would spool a large multipart body to a file it never closes.
    boundary, body = encode_multipart({"csrf_token": actions.token(leader, "/leader/import/"),
                                       "file": FileStorage(io.BytesIO(data), "stor.json")})
    response = leader.post("/leader/import/", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303
    # Elsewhere the 2 MB limit still holds.
    token = actions.token(leader, "/leader/")
    response = leader.post("/leader/schools", data={"csrf_token": token, "name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def outbox_file(person: dict, items: list[dict]) -> bytes:
    return json.dumps({"format": "samskaping-outbox", "version": 1, "exported_at": "2026-11-28T09:00:00.000Z",
                       "origin": "http://192.168.1.20:5000", "person": person["id"], "items": items}).encode()


def outbox_item(kind: str, url: str, fields: list[list[str]], record_id: str | None = None) -> dict:
    record_id = record_id or str(uuid.uuid4())
    return {"id": record_id, "kind": kind, "url": url, "state": "queued", "draft": kind,
            "fields": [["csrf_token", "stale-token"], ["id", record_id], *fields, ["action", "save"]],
            "created_at": "2026-11-27T10:00:00.000Z", "updated_at": "2026-11-27T10:05:00.000Z", "attempts": 3}


def test_an_outbox_file_imports_once_and_refused_items_are_reported(project, actions, app):
    kari, ola = project["kari"], project["ola"]
    feedback = outbox_item("feedback", "/feedback/new", [["to", ola["id"]], ["worked", "Fin økt"], ["improve", ""]])
    meeting = outbox_item("meeting", "/meetings/new", [
        ["date", "2026-11-27"], ["school", project["school"]["id"]], ["type", "planning"], ["attendees", kari["id"]],
        ["notes", "Møte uten nett"], ["responsibilities-0-what", "Ringe foreldre"],
        ["responsibilities-0-owner", kari["id"]]])
    refused = outbox_item("feedback", "/feedback/new", [["to", ""], ["worked", "Til hvem?"]])
    missing = outbox_item("followup", f"/responsibilities/{uuid.uuid4()}", [["status", "done"], ["comment", "Ferdig"]])
    data = outbox_file(kari, [feedback, meeting, refused, missing])
    leader = actions.leader_client()

    preview_path = upload(leader, actions, data, "samskaping-utboks-2026-11-28.json").headers["Location"]
    page = leader.get(preview_path).get_data(as_text=True)
    assert "telefonen til Kari Nordmann" in page and page.count("Ikke her ennå") == 4
    done = leader.get(confirm(leader, actions, preview_path).headers["Location"]).get_data(as_text=True)
    assert page.count("Ikke her ennå") == 4 and done.count("Lagret") == 2 and done.count("Avvist") == 2
    assert "Velg hvem tilbakemeldingen er til." in done  # the feedback form's own message
    store = actions.store()
    [stored] = [f for f in store.find("feedback") if f["id"] == feedback["id"]]
    assert stored["author"] == kari["id"] and stored["worked"] == "Fin økt"
    assert store.get("meetings", meeting["id"])["notes"] == "Møte uten nett"
    assert [r["what"] for r in store.find("responsibilities", meeting=meeting["id"])] == ["Ringe foreldre"]
    assert store.get("feedback", refused["id"]) is None

    before = records(store)
    preview_path = upload(leader, actions, data, "samskaping-utboks-2026-11-28.json").headers["Location"]
    assert leader.get(preview_path).get_data(as_text=True).count("Finnes allerede") == 2
    again = leader.get(confirm(leader, actions, preview_path).headers["Location"]).get_data(as_text=True)
    assert again.count("Finnes allerede") == 2 and records(actions.store()) == before


def test_an_outbox_file_from_a_revoked_person_stores_nothing(project, actions, app, tmp_path):
    kari = project["kari"]
    leader = actions.leader_client()
    token = actions.token(leader, f"/leader/people/{kari['id']}")
    leader.post(f"/leader/people/{kari['id']}/revoke", data={"csrf_token": token})
    item = outbox_item("feedback", "/feedback/new", [["to", project["ola"]["id"]], ["worked", "Takk"]])
    path = tmp_path / "utboks.json"
    path.write_bytes(outbox_file(kari, [item]))
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert "refused" in result.output and "ikke lenger tilgang" in result.output
    assert actions.store().get("feedback", item["id"]) is None


def test_the_import_pages_need_the_leader_and_a_csrf_token(project, actions, app):
    anonymous = app.test_client()
    response = anonymous.get("/leader/import/")
    assert response.status_code == 302 and "/leader/login" in response.headers["Location"]
    assert anonymous.get("/leader/import/conflicts").status_code == 302
    assert project["phone"].get("/leader/import/").status_code == 403
    response = project["phone"].post("/leader/import/", data={"file": (io.BytesIO(export_with()), "x.json")},
                                     content_type="multipart/form-data")
    assert response.status_code in (400, 403)
    leader = actions.leader_client()
    response = leader.post("/leader/import/", data={"file": (io.BytesIO(export_with(good_school())), "x.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert not (Path(app.config["DATA_DIR"]) / "imports").exists() or \
        not list((Path(app.config["DATA_DIR"]) / "imports").glob("*.bin"))


def test_the_command_waits_for_or_refers_to_a_running_server(app, runner, tmp_path):
    path = write(tmp_path, json.loads(export_with(good_school())))
    server = Store(app.config["DATA_DIR"])  # holds the data folder's lock, as a running server does
    try:
        result = runner.invoke(args=["import", str(path)])
        assert result.exit_code != 0 and "Serveren kjører på denne datamappen" in result.output
        assert "/leader/import" in result.output
        # A dry run only reads, so it works while the server runs.
        result = runner.invoke(args=["import", str(path), "--dry-run"])
        assert result.exit_code == 0 and "schools: 1, 0, 0, 0" in result.output
        assert server.find("schools") == []
        # --wait: the server stops a moment later, then the import goes ahead.
        threading.Timer(0.5, server.close).start()
        result = runner.invoke(args=["import", str(path), "--wait", "10"])
        assert result.exit_code == 0, result.output
        assert "Venter på at serveren stopper" in result.output and "schools: 1, 0, 0, 0" in result.output
    finally:
        server.close()
    with app.app_context():
        assert len(get_store().find("schools")) == 1


def test_conflicts_are_shown_side_by_side_and_resolved_both_ways(actions, app, tmp_path):
    first, second = actions.school("Fjellby skole"), actions.school("Elvedal skole")
    older = "2020-01-01T08:00:00.000000+00:00"
    path = write(tmp_path, json.loads(export_with({**content(first), "name": "Fjellby ungdomsskole", "updated_at": older},
                                                  {**content(second), "name": "Elvedal barneskole", "updated_at": older})))
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert "schools: 0, 0, 0, 2" in result.output
    leader = actions.leader_client()
    page = leader.get("/leader/import/conflicts").get_data(as_text=True)
    assert "Fjellby ungdomsskole" in page and "Elvedal barneskole" in page and "Gjeldende versjon" in page
    store = actions.store()
    conflicts = {c["record_id"]: c for c in store.find("conflicts")}
    token = actions.token(leader, "/leader/import/conflicts")

    response = leader.post(f"/leader/import/conflicts/{conflicts[first['id']]['id']}", data={"csrf_token": token, "choice": "other"})
    assert response.status_code == 303
    now_stored = store.get("schools", first["id"])
    assert now_stored["name"] == "Fjellby ungdomsskole" and now_stored["updated_at"] > first["updated_at"]
    leader.post(f"/leader/import/conflicts/{conflicts[second['id']]['id']}", data={"csrf_token": token, "choice": "keep"})
    assert content(store.get("schools", second["id"])) == content(second)
    page = leader.get("/leader/import/conflicts").get_data(as_text=True)
    assert "Ingen konflikter å avgjøre." in page and "Fjellby ungdomsskole" not in page
    assert all(c["resolved"] for c in store.find("conflicts"))
    # The choice travels: the same stale export again adds no new conflict, and the chosen version stays.
    app.test_cli_runner().invoke(args=["import", str(path)])
    assert len(store.find("conflicts")) == 2 and store.get("schools", first["id"])["name"] == "Fjellby ungdomsskole"
    # Without a valid choice or token nothing is decided.
    assert leader.post(f"/leader/import/conflicts/{conflicts[first['id']]['id']}", data={"choice": "other"}).status_code == 400


def test_the_three_fs_records_the_app_writes_pass_the_import_checks_and_an_outbox_file_knows_them(actions, app):
    """What the charter and barometer pages write is what the import checks expect; and an outbox file's
    barometer answer and acceptance (stored under ids of their own, not the form's) show as already here."""
    from test_charter import OUTBOX, save_charter

    from samskaping.charter.forms import DEMO_CHARTER
    from samskaping.core.exchange.import_file import check_export
    leader, store = actions.leader_client(), actions.store()
    kari = actions.person("Kari Nordmann", school=actions.school())
    phone = actions.participant_client(kari)
    assert save_charter(actions, leader, **DEMO_CHARTER).status_code == 303
    [charter] = store.find("charters")
    token = actions.token(leader, "/barometer/results")
    assert leader.post("/barometer/rounds", data={"csrf_token": token, "title": "Høsten", "closes_on": ""}).status_code == 303
    [round_] = store.find("rounds")
    answer = [["round", round_["id"]], *[[f"s_{uuid.UUID(sid).hex}", "4"] for sid in round_["statement_ids"]],
              ["comment", "Bra"]]
    accept = [["charter", charter["id"]]]
    question = [["charter", charter["id"]], ["text", "Hva betyr punkt 2?"]]
    question_id = str(uuid.uuid4())
    for url, fields, form_id in (("/barometer/answer", answer, str(uuid.uuid4())), ("/charter/accept", accept, str(uuid.uuid4())),
                                 ("/charter/questions", question, question_id)):
        response = phone.post(url, data={"id": form_id, **dict(fields)}, headers=OUTBOX)
        assert response.status_code in (200, 201), (url, response.get_json())
    document = export_document(store)
    for table in ("charters", "acceptances", "questions", "statements", "rounds", "answers"):
        assert document["tables"][table], table
    check_export(document)  # no ImportProblem

    # The same three from a phone's outbox file, under other form ids (the answer and acceptance): here already.
    items = [outbox_item("barometer", "/barometer/answer", answer), outbox_item("charter_acceptance", "/charter/accept", accept),
             outbox_item("charter_question", "/charter/questions", question, record_id=question_id)]
    preview_path = upload(leader, actions, outbox_file(kari, items), "utboks.json").headers["Location"]
    page = leader.get(preview_path).get_data(as_text=True)
    assert page.count("Finnes allerede") == 3 and "Ikke her ennå" not in page
    for label in ("Barometersvar", "Godkjenning av samarbeidsavtalen", "Spørsmål om samarbeidsavtalen"):
        assert label in page


def test_where_a_conflict_came_from_is_shown_as_file_and_time_or_the_laptops_name(actions, app):
    store = actions.store()
    school = actions.school("Fjellby skole")
    installation = str(uuid.uuid4())
    store.create("peers", {"url": "http://192.168.1.20:5000", "key": "x", "installation": installation,
                           "name": "Elvedal skole, Haugen skole", "last_pulled": None, "last_pushed": None,
                           "last_sync": None, "last_result": None})
    for source in ("fil.json (2026-11-28T09:03:44+00:00)", f"sync:{installation}", f"sync:{uuid.uuid4()}"):
        lost = {**school, "name": f"Fjellby {len(source)}", "updated_at": "2020-01-01T08:00:00+00:00"}
        store.create("conflicts", {"table": "schools", "record_id": school["id"], "kept": school, "lost": lost,
                                   "source": source, "resolved": False})
    page = actions.leader_client().get("/leader/import/conflicts").get_data(as_text=True)
    assert "Fra filen fil.json, importert 28.11.2026 kl. 10:03" in page  # Norwegian time (UTC+1 in November)
    assert "Fra synkronisering med Elvedal skole, Haugen skole" in page
    assert "Fra synkronisering med en annen PC" in page
    assert "Fra sync:" not in page and "(2026-11-28T09:03:44+00:00)" not in page


def test_the_charter_text_fields_checked_on_import_are_the_charters_own():
    from samskaping.charter.forms import TEXT_FIELDS
    from samskaping.core.exchange.import_rules import CHARTER_TEXTS
    assert CHARTER_TEXTS == TEXT_FIELDS


def test_answers_to_a_round_closed_here_are_not_imported_and_the_pages_say_so(project, actions, app):
    """A closed round's results are shown: another laptop's answer to it, new or changed, would show what one
    person answered, so the import leaves it out and says how many it left out."""
    store = actions.store()
    statement = "5a3c1e00-0000-4000-8000-0000000051a1"
    round_, _ = store.create("rounds", {"title": "Høsten", "status": "closed", "closes_on": None,
                                        "closed_at": "2026-10-01T12:00:00+00:00", "statement_ids": [statement],
                                        "invited": []})
    mine, _ = store.create("answers", {"round": round_["id"], "person": project["kari"]["id"], "side": "kommune",
                                       "values": {statement: 4}, "comment": ""})
    stamps = {"created_at": "2026-09-30T08:00:00+00:00", "updated_at": "2099-09-30T08:00:00+00:00",
              "author": None, "device": None}
    theirs = {"id": str(uuid.uuid4()), "round": round_["id"], "person": project["ola"]["id"], "side": "entreprenor",
              "values": {statement: 1}, "comment": "", **stamps}
    changed = {**content(mine), "values": {statement: 1}, "updated_at": stamps["updated_at"]}
    data = export_with(good_school(), answers=[theirs, changed])
    leader = actions.leader_client()
    response = upload(leader, actions, data, "annen-pc.json")
    assert response.status_code == 303, re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))[-800:]
    preview = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ikke tatt inn: 2 barometersvar til runder som allerede er avsluttet på denne PC-en." in preview
    done = confirm(leader, actions, response.headers["Location"])
    page = leader.get(done.headers["Location"]).get_data(as_text=True)
    assert "Ikke tatt inn: 2 barometersvar" in page and re.search(r"Barometersvar</th>(<td[^>]*>0</td>){3}", page)
    assert [content(a) for a in store.find("answers")] == [content(mine)] and store.find("conflicts") == []
