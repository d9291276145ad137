"""The whole outbox as a file: what a teacher hands the leader when her phone cannot reach the laptop."""
from __future__ import annotations

import json

import pytest
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import (  # noqa: F401
    ALL_SENT,
    counter,
    go_to,
    live_server,
    offline_phones,
    submit_feedback,
    submit_meeting,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_outbox_downloads_as_one_json_file_with_every_waiting_entry(live_server, offline_phones, tmp_path):
    phone = offline_phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    expect(counter(phone.page)).to_have_text(ALL_SENT)
    phone.context.set_offline(True)
    meeting = submit_meeting(phone.page, "Møte uten nett.")
    feedback = submit_feedback(phone.page, "Ola Hansen", "Takk for økta.")

    go_to(phone.page, "outbox")
    expect(phone.page.locator("[data-outbox-list] > li")).to_have_count(2)
    with phone.page.expect_download() as download:
        phone.page.locator("[data-outbox-download]").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("samskaping-utboks-") and path.suffix == ".json"

    saved = json.loads(path.read_text())
    assert saved["format"] == "samskaping-outbox" and saved["version"] == 1
    assert saved["person"] == live_server.people["kari"]["id"]
    items = {item["id"]: item for item in saved["items"]}
    assert set(items) == {meeting, feedback}
    assert items[meeting]["kind"] == "meeting" and ["notes", "Møte uten nett."] in items[meeting]["fields"]
    assert items[feedback]["url"] == "/feedback/new" and items[feedback]["state"] == "queued"
    # Downloading changes nothing: both still wait to be sent.
    expect(phone.page.locator("[data-outbox-list] > li")).to_have_count(2)
