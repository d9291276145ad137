"""A large import costs about its own size in memory: records are read one at a time, and a preview keeps none."""
from __future__ import annotations

import json
import tracemalloc
import uuid

import pytest
from conftest import BROKEN_EXPORTS

from samskaping.core.exchange.import_file import ImportProblem, parse_document
from samskaping.core.exchange.merge import apply

STAMP = "2026-11-01T08:00:00+00:00"


def big_export(megabytes: float) -> bytes:
    """A valid export of meetings (and their school), about this many megabytes."""
    school = {"id": str(uuid.uuid4()), "name": "Fjellby", "created_at": STAMP, "updated_at": STAMP,
              "author": None, "device": None}
    meetings, size = [], 0
    while size < megabytes * 1024 * 1024:
        meeting = {"id": str(uuid.uuid4()), "created_at": STAMP, "updated_at": STAMP, "author": None, "device": None,
                   "date": "2026-11-01", "school": school["id"], "type": "planning",
                   "attendees": [str(uuid.uuid4()) for _ in range(3)], "guests": "", "agenda": "Plan for uka",
                   "notes": "Notater fra møtet " * 15, "decisions": "Vi ble enige."}
        meetings.append(meeting)
        size += len(json.dumps(meeting)) + 2
    return json.dumps({"format": "samskaping-export", "schema_version": 1, "exported_at": STAMP,
                       "installation": str(uuid.uuid4()), "filters": {},
                       "tables": {"schools": [school], "meetings": meetings}}).encode()


def test_checking_and_previewing_a_large_export_holds_little_more_than_its_text(app, actions):
    data = big_export(6)
    store = actions.store()
    with app.test_request_context("/leader/import/"):
        tracemalloc.start()
        try:
            document = parse_document(data, "stor.json")
            report = apply(store, document, source="stor.json", dry_run=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert report.counts["meetings"]["added"] == len(document["tables"]["meetings"]) > 5000
    assert store.find("meetings") == []
    # The text of the file (the bytes are the caller's) and a little more; json.loads built about 3.5 times
    # the file in objects, and a dry run kept every record it would have written.
    assert peak < 1.6 * len(data), f"{peak / len(data):.1f} times the file"


def test_records_read_one_at_a_time_are_the_same_as_the_files(app):
    data = big_export(0.2)
    expected = json.loads(data)["tables"]["meetings"]
    with app.test_request_context("/leader/import/"):
        meetings = parse_document(data, "x.json")["tables"]["meetings"]
    assert len(meetings) == len(expected) and meetings[3] == expected[3] and meetings[-1] == expected[-1]
    assert list(meetings) == expected and meetings[1:3] == expected[1:3]


@pytest.mark.parametrize("text", BROKEN_EXPORTS)
def test_a_broken_file_is_refused_with_the_line_and_column_json_itself_names(app, text):
    with pytest.raises(json.JSONDecodeError) as plain:
        json.loads(text)
    with app.test_request_context("/leader/import/"), pytest.raises(ImportProblem) as refused:
        parse_document(text.encode(), "x.json")
    assert "ikke gyldig JSON" in str(refused.value)
    assert f"linje {plain.value.lineno}, kolonne {plain.value.colno}." in str(refused.value)


def test_a_record_too_deep_for_the_json_reader_is_named(app):
    deep = "[" * 100_000 + "]" * 100_000
    text = '{"format": "samskaping-export", "tables": {"meetings": [{}, ' + deep + "]}}"
    with app.test_request_context("/leader/import/"), pytest.raises(ImportProblem) as refused:
        parse_document(text.encode(), "x.json")
    assert "meetings, post 2: posten er nøstet for dypt" in str(refused.value)
