"""The meeting form's follow-up of open responsibilities, in a real browser against the real server: the
page carries the other schools' open ones as data and the phone draws their rows when another school is
chosen; what is followed up offline arrives once, with the status chosen; hostile wording stays text."""
from __future__ import annotations

import pytest
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import (  # noqa: F401
    ALL_SENT,
    QUEUED_NOTICE,
    counter,
    go_online,
    go_to,
    live_server,
    offline_phones,
    record_id,
    save,
    screen,
)
from playwright.sync_api import expect

from samskaping.store.database import Store

pytestmark = pytest.mark.browser

SCRIPT_END = "</script><script>window.__pwned = 'script'</script>"
ATTRIBUTE_END = "\"><img src=x onerror=\"window.__pwned = 'img'\">"


def add_school(live_server, name: str, open_ones: list[str]) -> tuple[dict, list[dict]]:
    """Another school with open responsibilities of Ola's, written while the server is stopped."""
    live_server.terminate()
    with Store(live_server.data_dir) as store:
        school, _ = store.create("schools", {"name": name})
        made = [store.create("responsibilities", {
            "what": what, "owner": live_server.people["ola"]["id"], "side": "entreprenor", "due": None,
            "status": "not_started", "meeting": None, "school": school["id"]})[0] for what in open_ones]
    live_server.start()
    return school, made


def rows_of(page):
    return screen(page, "meeting").locator("[data-followup-rows] > li")


def test_another_schools_open_ones_are_drawn_on_the_phone_and_followed_up_offline_once(live_server, offline_phones):
    other, (tidy, paint) = add_school(live_server, "Elvedal skole", ["Rydde lageret", "Male gymsalen"])
    phone = offline_phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    expect(counter(page)).to_have_text(ALL_SENT)

    # Her own school's open one and Elvedal's are drawn on the phone, from the page's data.
    go_to(page, "meeting")
    form = screen(page, "meeting").locator("form")
    expect(rows_of(page)).to_have_count(1)
    expect(rows_of(page).first).to_contain_text("Bestille buss til skoleturen")
    form.get_by_label("Skole").select_option(label="Elvedal skole")
    expect(rows_of(page)).to_have_count(2)
    # By due date, then by wording (neither has a due date).
    expect(rows_of(page).nth(0)).to_contain_text("Male gymsalen")
    expect(rows_of(page).nth(1)).to_contain_text("Rydde lageret")
    painting, tidying = rows_of(page).nth(0), rows_of(page).nth(1)
    expect(tidying).to_contain_text("Ola Hansen")
    expect(tidying.locator("input[type=hidden]")).to_have_value(tidy["id"])
    expect(painting.locator("input[type=hidden]")).to_have_value(paint["id"])
    expect(tidying.get_by_label("Status")).to_have_value("not_started")
    phone.assert_fits()
    phone.screenshot("followups-other-school")

    # A draft keeps the school and what was set in its rows across a reload.
    painting.get_by_label("Status").select_option(label="Ferdig")
    painting.get_by_label("Kommentar").fill("Malt i høstferien.")
    page.wait_for_function("""() => Object.entries(localStorage).some(([k, v]) => k.endsWith(':meeting')
                                     && v.includes('Malt i høstferien'))""", polling=50)
    page.reload()
    expect(screen(page, "meeting")).to_be_visible()
    expect(form.get_by_label("Skole")).to_have_value(other["id"])
    expect(rows_of(page)).to_have_count(2)
    expect(painting.locator("input[type=hidden]")).to_have_value(paint["id"])
    expect(painting.get_by_label("Status")).to_have_value("done")
    expect(painting.get_by_label("Kommentar")).to_have_value("Malt i høstferien.")
    expect(tidying.get_by_label("Status")).to_have_value("not_started")

    # Offline, she saves: it waits on the phone, and arrives once when the network is back.
    before = live_server.counts()
    phone.context.set_offline(True)
    form.locator("#notes").fill("Befaring på Elvedal.")
    meeting = record_id(page, "meeting")
    save(page, "meeting")
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    assert live_server.counts() == before
    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    after = live_server.counts()
    assert (after["meetings"], after["followups"]) == (before["meetings"] + 1, before["followups"] + 1)

    live_server.terminate()
    followups = [f for f in live_server.stored("followups") if f["meeting"] == meeting]
    assert [(f["responsibility"], f["status"], f["comment"]) for f in followups] == [(paint["id"], "done", "Malt i høstferien.")]
    statuses = {r["id"]: r["status"] for r in live_server.stored("responsibilities")}
    assert statuses[paint["id"]] == "done" and statuses[tidy["id"]] == "not_started"
    assert [m["school"] for m in live_server.stored("meetings") if m["id"] == meeting] == [other["id"]]


def test_hostile_wording_of_a_responsibility_is_shown_as_text_and_runs_nothing(live_server, phones):
    add_school(live_server, "Elvedal skole", [SCRIPT_END, ATTRIBUTE_END])
    # And one in Kari's own school, whose rows the server draws.
    live_server.terminate()
    with Store(live_server.data_dir) as store:
        store.create("responsibilities", {
            "what": ATTRIBUTE_END + SCRIPT_END, "owner": live_server.people["kari"]["id"], "side": "kommune",
            "due": None, "status": "in_progress", "meeting": None, "school": live_server.school["id"]})
    live_server.start()
    phone = phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page

    go_to(page, "meeting")
    drawn = rows_of(page).filter(has_text="onerror")
    expect(drawn.locator("[data-slot=what]")).to_have_text(ATTRIBUTE_END + SCRIPT_END)
    screen(page, "meeting").locator("form").get_by_label("Skole").select_option(label="Elvedal skole")
    expect(rows_of(page)).to_have_count(2)
    shown = sorted(rows_of(page).locator("[data-slot=what]").all_text_contents())
    assert shown == sorted([SCRIPT_END, ATTRIBUTE_END])
    # Nothing ran, and no element came out of the text.
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#followups img").count() == 0
    assert page.locator("#followups script").count() == 0
    # Back to her own school: its server-drawn row is there again, still text.
    screen(page, "meeting").locator("form").get_by_label("Skole").select_option(value=live_server.school["id"])
    expect(rows_of(page).filter(has_text="onerror").locator("[data-slot=what]")).to_have_text(ATTRIBUTE_END + SCRIPT_END)
    assert page.evaluate("() => window.__pwned") is None
