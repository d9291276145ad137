"""Pages of changes as JSON text: each record encoded once, measured, and spliced into the document as it is."""
from __future__ import annotations

import json
import uuid

from samskaping.core.exchange import sync_client
from samskaping.core.exchange.import_file import parse_document
from samskaping.core.exchange.merge import content
from samskaping.core.exchange.sync_client import EXCHANGED_TABLES, changes_texts, document, document_bytes, served_page


def schools(store, count: int) -> list[dict]:
    return [store.create("schools", {"name": f"Skole {n} æøå " + "x" * 200})[0] for n in range(count)]


def test_pages_stay_within_their_bytes_and_hold_each_record_once(app, monkeypatch):
    with app.app_context():
        from samskaping.web.db import get_store
        store = get_store()
        made = schools(store, 25)
        limit = 3 * len(json.dumps(content(made[0]), ensure_ascii=False).encode())
        seen, after, pages = [], "", 0
        while True:
            texts, after = changes_texts(store, "", after, max_bytes=limit, max_records=100)
            pages += 1
            assert sum(len(text.encode()) for records in texts.values() for text in records) <= limit
            seen += [json.loads(text)["id"] for records in texts.values() for text in records]
            if after is None:
                break
        assert pages >= 9 and sorted(seen) == sorted(school["id"] for school in made)


def test_a_document_with_spliced_records_is_the_document_itself(app):
    with app.app_context():
        from samskaping.web.db import get_store
        store = get_store()
        schools(store, 3)
        texts, _next = changes_texts(store, "")
        installation = str(uuid.uuid4())
        spliced = json.loads(document_bytes(installation, texts, until="2026-11-01T08:00:00+00:00", more=False))
        built = document(installation, {table: [json.loads(t) for t in texts[table]] for table in EXCHANGED_TABLES},
                         until="2026-11-01T08:00:00+00:00", more=False)
        assert {**spliced, "exported_at": None} == {**built, "exported_at": None}
        assert list(spliced["tables"]) == list(EXCHANGED_TABLES)  # the contract's order: schools and people first


def test_a_served_page_is_larger_than_a_pushed_one_and_reads_as_an_export(app, monkeypatch):
    monkeypatch.setattr(sync_client, "PAGE_RECORDS", 4)
    monkeypatch.setattr(sync_client, "SERVED_PAGE_RECORDS", 10)
    with app.app_context():
        from samskaping.web.db import get_store
        store = get_store()
        made = schools(store, 12)
        pushed, _next = changes_texts(store, "")
        answer, records = served_page(store, str(uuid.uuid4()), "", "", asker=None, until="2026-11-01T08:00:00+00:00")
        with app.test_request_context("/"):
            page = parse_document(answer, "sync.json", decoded=True)
    assert sum(map(len, pushed.values())) == 4 and records == 10 and page["more"] is True
    assert [content(record) for record in page["tables"]["schools"]] == [content(school) for school in sorted(
        made, key=lambda s: (s["updated_at"], s["id"]))[:10]]
