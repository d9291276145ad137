"""The import command reads an export a piece at a time: any size in bounded memory, the same checks and messages."""
from __future__ import annotations

import io
import json
import tempfile
import tracemalloc
import uuid
import zipfile
from pathlib import Path

import pytest
from conftest import BROKEN_EXPORTS
from test_import_memory import big_export
from test_merge import ANSWERS, ROUNDS, answer, barometer, barometer_round, values_of

from samskaping import create_app
from samskaping.core.exchange import document_stream, merge
from samskaping.core.exchange.document_stream import discard
from samskaping.core.exchange.import_file import ImportProblem, parse_document, read_export_file
from samskaping.core.exchange.merge import apply
from samskaping.store.database import Store
from samskaping.web.db import close_store


def zipped(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", data)
        archive.writestr("LESMEG.txt", b"hei")
    return buffer.getvalue()


@pytest.mark.parametrize("chunk", [7, 4096])
@pytest.mark.parametrize("kind", ["json", "zip"])
@pytest.mark.parametrize("keep", [0, 5000, 10**9])  # none kept decoded, the first few, all
def test_a_streamed_export_holds_the_same_records_as_the_file_whatever_the_pieces(app, tmp_path, monkeypatch, chunk,
                                                                                    kind, keep):
    monkeypatch.setattr(document_stream, "CHUNK", chunk)  # records and commas cut at every place
    monkeypatch.setattr(document_stream, "KEEP_DECODED", keep)
    data = big_export(0.05)
    pretty = json.dumps(json.loads(data), indent=2).encode()  # a hand-made layout: records over many lines
    for number, content in enumerate((data, pretty)):
        path = tmp_path / f"export{number}.{kind}"
        path.write_bytes(content if kind == "json" else zipped(content))
        with app.test_request_context("/leader/import/"):
            document = read_export_file(path)
        expected = json.loads(content)
        assert {key: value for key, value in document.items() if key != "tables"} == \
            {key: value for key, value in expected.items() if key != "tables"}
        assert {table: list(records) for table, records in document["tables"].items()} == expected["tables"]
        assert len(document["tables"]["meetings"]) == len(expected["tables"]["meetings"])
        discard(document)


@pytest.mark.parametrize("text", [*BROKEN_EXPORTS, '{"format": "samskaping-export",\n\n  "tables": [}'])
@pytest.mark.parametrize("chunk", [5, 1024 * 1024])
def test_a_broken_file_is_refused_naming_the_line_and_column_json_names(app, tmp_path, monkeypatch, text, chunk):
    """Records are checked as they are read: here they are good ones, so the file's first problem is its JSON."""
    monkeypatch.setattr(document_stream, "CHUNK", chunk)
    school = {"name": "Fjellby", "created_at": "2026-11-01T08:00:00+00:00", "updated_at": "2026-11-01T08:00:00+00:00",
              "author": None, "device": None}
    text = text.replace('"samskaping-export"', '"samskaping-export", "exported_at": "2026-11-28T08:24:12+00:00", '
                                                '"schema_version": 1')
    for number in (1, 2):
        text = text.replace(f'{{"id": {number}}}', json.dumps({"id": str(uuid.UUID(int=number)), **school}))
    with pytest.raises(json.JSONDecodeError) as plain:
        json.loads(text)
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with app.test_request_context("/leader/import/"), pytest.raises(ImportProblem) as refused:
        read_export_file(path)
    assert "ikke gyldig JSON" in str(refused.value)
    assert f"linje {plain.value.lineno}, kolonne {plain.value.colno}." in str(refused.value)


def test_a_bad_record_or_a_foreign_file_is_refused_with_the_same_message_as_on_the_page(app, tmp_path):
    school = {"id": str(uuid.uuid4()), "name": "Fjellby", "created_at": "2026-11-01T08:00:00+00:00",
              "updated_at": "i går", "author": None, "device": None}
    header = {"format": "samskaping-export", "schema_version": 1, "exported_at": "2026-11-28T08:24:12+00:00"}
    cases = [{**header, "tables": {"schools": [school]}}, {**header, "tables": {"devices": [school]}},
             {**header, "exported_at": "i går", "tables": {"schools": [school]}},
             {"format": "something-else", "tables": {"schools": [school]}},
             {"format": "samskaping-export", "schema_version": 9, "exported_at": "2026-11-01T08:00:00+00:00",
              "tables": {}}]
    for number, document in enumerate(cases):
        data = json.dumps(document).encode()
        path = tmp_path / f"case{number}.zip"
        path.write_bytes(zipped(data))
        with app.test_request_context("/leader/import/"):
            with pytest.raises(ImportProblem) as on_the_page:
                parse_document(data, "x.json")
            with pytest.raises(ImportProblem) as streamed:
                read_export_file(path)
        assert str(streamed.value) == str(on_the_page.value)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(zipped(json.dumps(cases[0]).encode())[:-30])
    with app.test_request_context("/leader/import/"), pytest.raises(ImportProblem) as refused:
        read_export_file(damaged)
    assert "ZIP-filen er skadet" in str(refused.value)


def test_reading_and_previewing_a_large_export_holds_a_small_part_of_it(app, tmp_path, actions, monkeypatch):
    monkeypatch.setattr(document_stream, "CHUNK", 64 * 1024)  # what is held of the file: a few of these
    monkeypatch.setattr(document_stream, "KEEP_DECODED", 100_000)  # and this much of its records, decoded
    data = big_export(6)
    path = tmp_path / "stor.zip"
    path.write_bytes(zipped(data))
    store = actions.store()
    with app.test_request_context("/leader/import/"):
        tracemalloc.start()
        try:
            document = read_export_file(path)
            report = apply(store, document, source="stor.zip", dry_run=True, checked=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert report.counts["meetings"]["added"] == len(document["tables"]["meetings"]) > 5000
    discard(document)
    # A few pieces of the file, one record, and the set of the ids seen (to refuse one given twice; it grows
    # by about 100 bytes a record, a tenth of these): far below the file, which the whole text in memory
    # would cost (test_import_memory: up to 1.6 times it; json.loads: 3.5 times).
    assert peak < 0.3 * len(data), f"{peak / len(data):.2f} times the file"


def test_the_command_imports_an_export_larger_than_the_import_page_takes(app, tmp_path, monkeypatch, actions):
    from samskaping.core.exchange import import_file
    monkeypatch.setattr(import_file, "MAX_ZIP_MEMBER", 100_000)  # the page's cap, made small
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where the spool is made
    data = big_export(0.5)
    path = tmp_path / "stor.zip"
    path.write_bytes(zipped(data))
    leader = actions.leader_client()
    token = actions.token(leader, "/leader/import/")
    page = leader.post("/leader/import/", data={"csrf_token": token, "file": (io.BytesIO(path.read_bytes()), "stor.zip")},
                       content_type="multipart/form-data")
    assert page.status_code == 422 and "Importer den fra kommandolinjen" in page.get_data(as_text=True)
    other = create_app({"DATA_DIR": str(tmp_path / "other"), "TESTING": True})  # another laptop, no server running
    try:
        result = other.test_cli_runner().invoke(args=["import", str(path)])
    finally:
        close_store(other)
    assert result.exit_code == 0, result.output
    meetings = len(json.loads(data)["tables"]["meetings"])
    assert f"meetings: {meetings}, 0, 0, 0" in result.output
    assert not list((tmp_path / "tmp").iterdir())  # the spool is gone


def test_written_in_small_batches_a_closed_round_new_here_still_brings_its_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(merge, "WRITE_BATCH", 1)  # the round is written before its answers are decided
    doc = barometer([barometer_round(ROUNDS[0], "closed"), barometer_round(ROUNDS[1], "open")],
                    [answer(ANSWERS[0], ROUNDS[0], 2), answer(ANSWERS[1], ROUNDS[0], 5), answer(ANSWERS[2], ROUNDS[1], 1)])
    with Store(tmp_path) as store:
        report = apply(store, doc, source="a")
        assert report.counts["rounds"]["added"] == 2 and report.counts["answers"]["added"] == 3
        assert values_of(store) == {ANSWERS[0]: 2, ANSWERS[1]: 5, ANSWERS[2]: 1}
        assert not apply(store, doc, source="a again").changed


def test_a_value_longer_than_the_reader_takes_at_once_is_refused_in_words(app, tmp_path, monkeypatch):
    monkeypatch.setattr(document_stream, "CHUNK", 64)
    monkeypatch.setattr(document_stream, "MAX_VALUE_CHARS", 1000)
    path = tmp_path / "lang.json"
    path.write_text('{"format": "samskaping-export",\n "filters": "' + "x" * 5000 + '", "tables": {}}', encoding="utf-8")
    with app.test_request_context("/leader/import/"), pytest.raises(ImportProblem) as refused:
        read_export_file(path)
    assert "én enkelt verdi på mer enn" in str(refused.value) and "linje 2, kolonne 13" in str(refused.value)


def test_records_handed_over_to_the_store_are_still_refused_if_json_cannot_hold_them(tmp_path):
    good = {"id": str(uuid.uuid4()), "name": "Fjellby"}
    with Store(tmp_path) as store:
        with pytest.raises(TypeError):
            store.put_many("schools", [good, {"id": str(uuid.uuid4()), "name": {"a", "set"}}], handover=True)
        assert store.find("schools") == []  # nothing of it in memory, as on disk
        assert store.put_many("schools", [dict(good)], stamp_field="_received_at", handover=True) == []
        assert store.get("schools", good["id"])["name"] == "Fjellby"
    with Store(tmp_path) as store:
        assert store.get("schools", good["id"])["name"] == "Fjellby"
