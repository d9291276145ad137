"""Export: the leader gets the data out as JSON (importable), CSV for Norwegian Excel, or a ZIP of both."""
from __future__ import annotations

import csv
import io
import json
import threading
import time
import uuid
import zipfile
from datetime import date

import pytest

from samskaping.core.exchange.export import (
    INSTALLATION_SETTINGS_ID,
    TABLES,
    Filters,
    installation_id,
    json_chunks,
    take_snapshot,
)
from samskaping.core.exchange.export_csv import CSV_TABLES, columns, csv_chunks
from samskaping.core.exchange.export_zip import zip_export
from samskaping.store.clock import local_today
from samskaping.store.database import DB_NAME, Store
from samskaping.store.journal import DamagedDatabase
from samskaping.store.journal_reader import read_consistent

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"]
TRICKY = 'Linje 1\nLinje 2 med "sitat"; semikolon, komma – æøå ÆØÅ 🎉'


@pytest.fixture
def project(app, actions):
    """Two schools, one person on each side, a meeting with a responsibility, a follow-up and feedback."""
    with app.test_request_context():
        store = actions.store()
        north, _ = store.create("schools", {"name": "Nordby skole"})
        south, _ = store.create("schools", {"name": "Sørby skole"})
        kari, _ = store.create("people", {"name": "Kari Ærlig", "side": "kommune", "role": "Lærer", "school": north["id"], "active": True})
        ola, _ = store.create("people", {"name": "Ola Østby", "side": "entreprenor", "role": "Coach", "school": south["id"], "active": False})
        meeting, _ = store.create("meetings", {"date": "2026-10-05", "school": north["id"], "type": "planning",
                                               "attendees": [kari["id"], ola["id"]], "guests": "", "agenda": TRICKY,
                                               "notes": "=HYPERLINK(\"http://x\")", "decisions": ""}, author=kari["id"])
        later, _ = store.create("meetings", {"date": "2026-11-20", "school": south["id"], "type": "other",
                                             "attendees": [ola["id"]], "guests": "", "agenda": "", "notes": "", "decisions": ""})
        agreed, _ = store.create("responsibilities", {"what": "Lage plan", "owner": ola["id"], "side": "entreprenor",
                                                      "due": "2026-12-01", "status": "in_progress", "meeting": meeting["id"],
                                                      "school": north["id"]}, author=kari["id"])
        followup, _ = store.create("followups", {"responsibility": agreed["id"], "status": "in_progress",
                                                 "previous_status": "not_started", "comment": "-fint", "meeting": None},
                                   author=ola["id"])
        feedback, _ = store.create("feedback", {"to": ola["id"], "about": agreed["id"], "worked": "@bra", "improve": ""},
                                   author=kari["id"])
    return {"north": north, "south": south, "kari": kari, "ola": ola, "meeting": meeting, "later": later,
            "agreed": agreed, "followup": followup, "feedback": feedback}


def export_json(store, filters=Filters()) -> dict:
    with take_snapshot(store, filters) as snapshot:
        return json.loads(b"".join(json_chunks(snapshot)))


def read_csv(store, table, filters=Filters(), **options) -> tuple[bytes, list[list[str]]]:
    with take_snapshot(store, filters) as snapshot:
        data = b"".join(csv_chunks(snapshot, table, **options))
    text = data.decode("utf-8-sig")
    return data, list(csv.reader(io.StringIO(text, newline=""), delimiter=options.get("delimiter", ";")))


def as_dicts(rows: list[list[str]]) -> list[dict]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_json_holds_every_shared_record_exactly_as_stored_and_nothing_local(app, actions, project):
    store = actions.store()
    stored = store.put("schools", {**project["north"], "_received_at": "2026-11-01T00:00:00+00:00", "extra": [1, {"a": None}]})
    store.create("devices", {"person": project["kari"]["id"], "secret_hash": "x"})
    store.create("peers", {"name": "laptop 2"})
    with app.test_request_context():
        document = export_json(store)
    assert document["format"] == "samskaping-export" and document["schema_version"] == 1
    assert document["filters"] == {"from": None, "to": None, "school": None, "side": None}
    assert list(document["tables"]) == list(TABLES)
    assert "_received_at" not in json.dumps(document)
    assert {k: v for k, v in stored.items() if k != "_received_at"} in document["tables"]["schools"]
    for table in TABLES:
        assert sorted(document["tables"][table], key=lambda r: r["id"]) == sorted(store.find(table), key=lambda r: r["id"]) \
            or table == "schools"
    text = json.dumps(document)
    for local in ("settings", "devices", "audit", "conflicts", "peers", "secret_hash", "password_hash"):
        assert local not in document["tables"] and local not in text


def test_installation_id_is_made_once_and_kept_in_settings(app, actions):
    store = actions.store()
    first = installation_id(store)
    assert uuid.UUID(first).version == 4
    assert installation_id(store) == first
    assert store.get("settings", INSTALLATION_SETTINGS_ID)["installation"] == first
    with app.test_request_context():
        assert export_json(store)["installation"] == first


def test_csv_is_excel_ready_bom_semicolon_multiline_quotes_and_norwegian_letters(app, actions, project):
    store = actions.store()
    with app.test_request_context():
        data, rows = read_csv(store, "meetings")
        assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
        assert rows[0] == [column[0] for column in columns("meetings", {})]
        first = {row["id"]: row for row in as_dicts(rows)}[project["meeting"]["id"]]
        assert first["agenda"] == TRICKY  # newline, quotes, ; and , stay inside one cell
        assert first["school"] == "Nordby skole" and first["school_id"] == project["north"]["id"]
        assert first["attendees"] == "Kari Ærlig, Ola Østby"
        assert first["attendee_ids"] == f'{project["kari"]["id"]}, {project["ola"]["id"]}'
        assert first["date"] == "2026-10-05" and first["created_at"] == project["meeting"]["created_at"]
        assert all(len(row) == len(rows[0]) for row in rows)

        data, comma_rows = read_csv(store, "meetings", delimiter=",")
        assert data.splitlines()[0].count(b",") == len(rows[0]) - 1
        assert as_dicts(comma_rows) == as_dicts(rows)


def test_norwegian_labels_translate_headings_and_coded_values(app, actions, project):
    store = actions.store()
    with app.test_request_context():
        _, rows = read_csv(store, "people", labels="nb")
    assert rows[0][:3] == ["Id", "Navn", "Organisasjon"]
    ola = next(row for row in rows if row[1] == "Ola Østby")
    assert ola[2] == "Sosial entreprenør" and ola[rows[0].index("Aktiv")] == "Nei"
    with app.test_request_context():
        _, keyed = read_csv(store, "people")
    assert {row["name"]: row["active"] for row in as_dicts(keyed)} == {"Kari Ærlig": "true", "Ola Østby": "false"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_made_text_unless_raw(app, actions, project, payload):
    store = actions.store()
    store.update("feedback", project["feedback"]["id"], {"worked": payload, "improve": f"ok {payload}"})
    with app.test_request_context():
        _, rows = read_csv(store, "feedback")
        row = as_dicts(rows)[0]
        assert row["worked"] == "'" + payload
        assert row["improve"] == f"ok {payload}"  # only the start of a cell matters
        _, raw_rows = read_csv(store, "feedback", neutralise=False)
        assert as_dicts(raw_rows)[0]["worked"] == payload


def test_followups_and_feedback_carry_the_responsibility_text_and_names(app, actions, project):
    store = actions.store()
    with app.test_request_context():
        followup = as_dicts(read_csv(store, "followups")[1])[0]
        feedback = as_dicts(read_csv(store, "feedback")[1])[0]
        responsibility = as_dicts(read_csv(store, "responsibilities")[1])[0]
    assert followup["responsibility_id"] == project["agreed"]["id"] and followup["responsibility"] == "Lage plan"
    assert followup["comment"] == "'-fint" and followup["author"] == "Ola Østby"
    assert (feedback["to"], feedback["from"], feedback["about"]) == ("Ola Østby", "Kari Ærlig", "Lage plan")
    assert responsibility["meeting_date"] == "2026-10-05" and responsibility["owner"] == "Ola Østby"


def test_date_range_is_inclusive_and_uses_each_tables_own_date(app, actions, project):
    store = actions.store()
    # A follow-up written 23:30 UTC on 4 October is 5 October in Norway.
    store.put("followups", {**store.get("followups", project["followup"]["id"]), "created_at": "2026-10-04T23:30:00.000000+00:00"})
    with app.test_request_context():
        only_5th = export_json(store, Filters(date(2026, 10, 5), date(2026, 10, 5)))["tables"]
        after = export_json(store, Filters(date_from=date(2026, 10, 6)))["tables"]
    assert [m["id"] for m in only_5th["meetings"]] == [project["meeting"]["id"]]
    assert [r["id"] for r in only_5th["responsibilities"]] == [project["agreed"]["id"]]  # by its meeting's date
    assert [f["id"] for f in only_5th["followups"]] == [project["followup"]["id"]]
    assert len(only_5th["people"]) == 2 and len(only_5th["schools"]) == 2  # not filtered by date
    assert [m["id"] for m in after["meetings"]] == [project["later"]["id"]]
    assert after["responsibilities"] == [] and after["followups"] == []
    assert [f["id"] for f in after["feedback"]] == [project["feedback"]["id"]]  # written today


def test_school_and_side_filters(app, actions, project):
    store = actions.store()
    with app.test_request_context():
        north = export_json(store, Filters(school=project["north"]["id"]))["tables"]
        entrepreneur = export_json(store, Filters(side="entreprenor"))["tables"]
        kommune = export_json(store, Filters(side="kommune"))["tables"]
    assert [s["name"] for s in north["schools"]] == ["Nordby skole"]
    assert [m["id"] for m in north["meetings"]] == [project["meeting"]["id"]]
    assert [p["name"] for p in north["people"]] == ["Kari Ærlig"]
    assert len(north["followups"]) == 1 and north["feedback"] == []  # the feedback's recipient is at Sørby
    assert [p["name"] for p in entrepreneur["people"]] == ["Ola Østby"]
    assert len(entrepreneur["meetings"]) == 2 and len(entrepreneur["responsibilities"]) == 1
    assert [m["id"] for m in kommune["meetings"]] == [project["meeting"]["id"]]  # Kari attended only that one
    assert kommune["responsibilities"] == [] and kommune["followups"] == [] and kommune["feedback"] == []


def barometer(store, answers_per_side: dict[str, int], status: str = "closed") -> dict:
    statement, _ = store.create("statements", {"f": "forankring", "text": "Jeg er enig i målet.", "position": 1, "active": True})
    round_, _ = store.create("rounds", {"title": "Høst", "status": status, "statement_ids": [statement["id"]], "invited": [],
                                        "closes_on": None,
                                        "closed_at": "2026-11-20T10:00:00+00:00" if status == "closed" else None})
    for side, count in answers_per_side.items():
        for n in range(count):
            person, _ = store.create("people", {"name": f"Hemmelig {side} {n}", "side": side, "active": True})
            store.create("answers", {"round": round_["id"], "person": person["id"], "side": side,
                                     "values": {statement["id"]: n + 1}, "comment": "hemmelig kommentar"},
                         author=person["id"])
    return {"statement": statement, "round": round_}


def test_answers_csv_is_anonymous_and_hides_small_groups(app, actions):
    store = actions.store()
    made = barometer(store, {"kommune": 3, "entreprenor": 2})
    with app.test_request_context():
        data, rows = read_csv(store, "answers")
    assert rows[0] == ["round_id", "round", "round_date", "side", "statement_id", "f", "statement", "value"]
    assert [row[3] for row in rows[1:]] == ["kommune"] * 3  # two entrepreneur answers: too few to show
    assert sorted(row[7] for row in rows[1:]) == ["1", "2", "3"]
    assert rows[1][1] == "Høst" and rows[1][5] == "forankring" and rows[1][6] == "Jeg er enig i målet."
    text = data.decode("utf-8-sig")
    assert "Hemmelig" not in text and "hemmelig" not in text
    for person in store.find("people"):
        assert person["id"] not in text
    assert made["round"]["id"] in text


def test_answers_csv_leaves_out_an_open_round_until_it_is_closed(app, actions):
    """Two exports of an open round would tell, by their difference, what the last person answered."""
    store = actions.store()
    made = barometer(store, {"kommune": 3, "entreprenor": 4}, status="open")
    with app.test_request_context():
        data, rows = read_csv(store, "answers")
    assert rows == [["round_id", "round", "round_date", "side", "statement_id", "f", "statement", "value"]]
    assert made["round"]["id"] not in data.decode("utf-8-sig")
    store.update("rounds", made["round"]["id"], {"status": "closed", "closed_at": "2026-11-20T10:00:00+00:00"})
    with app.test_request_context():
        _, rows = read_csv(store, "answers")
    assert sorted((row[3], row[7]) for row in rows[1:]) == [
        ("entreprenor", "1"), ("entreprenor", "2"), ("entreprenor", "3"), ("entreprenor", "4"),
        ("kommune", "1"), ("kommune", "2"), ("kommune", "3")]


def test_zip_holds_every_csv_the_json_and_a_readme_describing_every_column(app, actions, project):
    store = actions.store()
    with app.test_request_context():
        with take_snapshot(store, Filters(side="entreprenor")) as snapshot:
            archive = zipfile.ZipFile(io.BytesIO(b"".join(zip_export(snapshot, delimiter=","))))
            alone = json.loads(b"".join(json_chunks(snapshot)))
    assert archive.testzip() is None
    assert archive.namelist() == ["export.json", *(f"{t}.csv" for t in CSV_TABLES), "LESMEG.txt"]
    assert json.loads(archive.read("export.json")) == alone
    assert alone["filters"]["side"] == "entreprenor"
    meetings = archive.read("meetings.csv").decode("utf-8-sig")
    assert meetings.startswith("id,date,")
    readme = archive.read("LESMEG.txt").decode("utf-8")
    assert "komma (,)" in readme and "side=entreprenor" in readme
    for table in CSV_TABLES:
        section = readme.split(f"{table}.csv –")[1]
        for column in columns(table, {}):
            assert f"\n  {column[0]} " in section, (table, column[0])


def test_snapshot_is_consistent_while_the_store_keeps_writing(app, actions, project):
    store = actions.store()
    with app.test_request_context():
        snapshot = take_snapshot(store)
        store.update("meetings", project["meeting"]["id"], {"notes": "changed after"})
        store.create("schools", {"name": "Ny skole"})
        store.delete("followups", project["followup"]["id"])
        document = json.loads(b"".join(json_chunks(snapshot)))
        snapshot.close()
    meeting = next(m for m in document["tables"]["meetings"] if m["id"] == project["meeting"]["id"])
    assert meeting["notes"] == project["meeting"]["notes"]
    assert len(document["tables"]["schools"]) == 2 and len(document["tables"]["followups"]) == 1


def test_a_write_during_the_exports_spooling_goes_on_at_once_and_is_not_in_the_file(app, actions, project, monkeypatch):
    """The snapshot holds the records of one moment by reference (the store replaces records, never changes
    them): a phone's write made while the export is being written is neither held up nor seen in the file."""
    import samskaping.core.exchange.export as export
    store = actions.store()
    written: list[str] = []
    real_extras = export.extras_of

    def write_meanwhile() -> None:
        store.update("meetings", project["meeting"]["id"], {"notes": "changed meanwhile", "attendees": []})
        store.put("responsibilities", {**project["agreed"], "what": "Ny tekst"})
        store.put_many("people", [{**project["kari"], "name": "Kari Endret"}])
        store.create("schools", {"name": "Ny skole"})
        store.delete("feedback", project["feedback"]["id"])
        written.append("done")

    def extras_while_writing(table, doc, data):
        if not written:  # the first record spooled: the store's lock must not be held now
            writer = threading.Thread(target=write_meanwhile, daemon=True)
            writer.start()
            writer.join(timeout=10)
            assert written, "the write waited for the export"
        return real_extras(table, doc, data)

    monkeypatch.setattr(export, "extras_of", extras_while_writing)
    with app.test_request_context():
        document = export_json(store)
    tables = document["tables"]
    assert written
    meeting = next(m for m in tables["meetings"] if m["id"] == project["meeting"]["id"])
    assert meeting["notes"] == project["meeting"]["notes"] and meeting["attendees"] == project["meeting"]["attendees"]
    assert [r["what"] for r in tables["responsibilities"]] == ["Lage plan"]
    assert "Kari Ærlig" in [p["name"] for p in tables["people"]]
    assert len(tables["schools"]) == 2 and len(tables["feedback"]) == 1
    # and the writes themselves are in the store
    assert store.get("meetings", project["meeting"]["id"])["notes"] == "changed meanwhile"
    assert store.get("feedback", project["feedback"]["id"]) is None


# ---- The page

def test_export_page_and_download_are_for_the_leader_only(app, actions, client):
    assert client.get("/leader/export/").status_code == 302
    assert client.get("/leader/export/download?format=json").status_code == 302
    school = actions.school()
    participant = actions.participant_client(actions.person(school=school))
    assert participant.get("/leader/export/download?format=json").status_code == 403
    page = actions.leader_client().get("/leader/export/")
    assert page.status_code == 200 and 'action="/leader/export/download"' in page.get_data(as_text=True)


@pytest.mark.parametrize("query, name, media", [
    ("format=zip", "samskaping-{day}.zip", "application/zip"),
    ("format=json", "samskaping-{day}.json", "application/json"),
    ("format=csv&table=people&delimiter=comma&labels=nb", "samskaping-people-{day}.csv", "text/csv; charset=utf-8"),
])
def test_download_is_streamed_with_a_dated_file_name_and_audited(app, actions, project, query, name, media):
    leader = actions.leader_client()
    response = leader.get(f"/leader/export/download?{query}")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == media
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name.format(day=local_today().isoformat())}"'
    body = response.get_data()
    if "csv" in query:
        assert body.startswith(b"\xef\xbb\xbfId,Navn,Organisasjon")
    elif "json" in query:
        assert len(json.loads(body)["tables"]["meetings"]) == 2
    else:
        assert "LESMEG.txt" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    [entry] = actions.store().find("audit", event="export")
    assert entry["leader"] is True and entry["format"] == query.split("&")[0].split("=")[1]
    assert entry["filters"] == {"from": None, "to": None, "school": None, "side": None}
    assert entry["counts"]["people" if "csv" in query else "meetings"] == 2
    assert "Kari" not in json.dumps(entry)  # who and what, never the content


def test_filters_from_the_page_reach_the_file(app, actions, project):
    leader = actions.leader_client()
    response = leader.get(f"/leader/export/download?format=json&date_from=05.10.2026&date_to=2026-10-05&school={project['north']['id']}")
    document = json.loads(response.get_data())
    assert document["filters"] == {"from": "2026-10-05", "to": "2026-10-05", "school": project["north"]["id"], "side": None}
    assert [m["id"] for m in document["tables"]["meetings"]] == [project["meeting"]["id"]]


@pytest.mark.parametrize("query, message", [
    ("format=json&date_from=2026-10-10&date_to=2026-10-01", "Sluttdatoen er før startdatoen."),
    ("format=json&date_from=tirsdag", "Ikke en gyldig datoverdi"),
    ("format=pdf", "Ikke et gyldig valg"),
    ("format=json&school=0b6c1f0e-5a8e-4d2a-9f3e-1c2d3e4f5a6b", "Ikke et gyldig valg"),  # no such school
    ("format=csv&table=devices", "Ikke et gyldig valg"),
])
def test_a_bad_choice_gives_a_translated_error_not_a_file(app, actions, project, query, message):
    response = actions.leader_client().get(f"/leader/export/download?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "Sjekk valgene" in text
    assert actions.store().find("audit", event="export") == []


# ---- Reading the files without the lock (the export command while a server runs)

def test_read_consistent_ignores_a_torn_last_line_and_matches_the_store(tmp_path):
    folder = tmp_path / "data"
    with Store(folder) as store:
        store.create("schools", {"name": "A"})
    with Store(folder, compact_every=1000) as store:
        school, _ = store.create("schools", {"name": "B"})
        with open(folder / (DB_NAME + ".journal"), "ab") as journal:
            journal.write(b'{"t":"schools","put":{"x":')  # an append cut short
        data = read_consistent(str(folder / DB_NAME))
        assert sorted(s["name"] for s in data["schools"].values()) == ["A", "B"]
        (folder / (DB_NAME + ".journal")).write_bytes(b"not json\n")
        with pytest.raises(DamagedDatabase):
            read_consistent(str(folder / DB_NAME), attempts=2, settle_seconds=0)


def test_read_consistent_never_sees_a_half_compacted_state(tmp_path):
    """A writer numbers its records 0, 1, 2... and compacts every 2 writes; every read must hold an
    unbroken run 0..k, which a read mixing an old snapshot with a newer journal would break."""
    folder = tmp_path / "data"
    store = Store(folder, compact_every=2)
    stop = threading.Event()

    def write():
        for n in range(300):
            if stop.is_set():
                return
            store.create("meetings", {"n": n})
            time.sleep(0.001)  # paced, so reads overlap the writes on a fast machine too

    writer = threading.Thread(target=write)
    writer.start()
    reads = []
    try:
        deadline = time.monotonic() + 60
        while writer.is_alive() and time.monotonic() < deadline:
            numbers = sorted(m["n"] for m in read_consistent(str(folder / DB_NAME), settle_seconds=0.002)
                             .get("meetings", {}).values())
            assert numbers == list(range(len(numbers)))
            reads.append(len(numbers))
    finally:
        stop.set()
        writer.join()
        store.close()
    assert len(set(reads)) > 3 and max(reads) > 30  # the reads did overlap the writes and compactions
