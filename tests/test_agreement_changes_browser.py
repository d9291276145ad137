"""Changing what was agreed from the phone, in a real browser on the insecure origin: a re-dated item changed
offline waits on the phone, survives a server restart, and arrives once; a change by someone who may not make
it is refused and kept on the phone for correction."""
from __future__ import annotations

from datetime import timedelta

import pytest
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import (  # noqa: F401
    ALL_SENT,
    NEEDS_FIXING,
    QUEUED_NOTICE,
    OutboxTraffic,
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

from samskaping.store.clock import local_today

pytestmark = pytest.mark.browser


def open_followup(page, responsibility: dict):
    screen(page, "home").locator(f"a[data-to-screen=followup-{responsibility['id']}]").click()
    shown = screen(page, f"followup-{responsibility['id']}")
    expect(shown).to_be_visible()
    return shown.locator("form")


def test_a_re_dated_item_changed_offline_arrives_once_after_a_server_restart(live_server, offline_phones):
    seeded = live_server.seeded
    new_due = local_today() + timedelta(days=40)
    phone = offline_phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    traffic = OutboxTraffic(phone.context)
    expect(counter(page)).to_have_text(ALL_SENT)

    form = open_followup(page, seeded)
    phone.context.set_offline(True)
    form.get_by_text("Endre ansvarlig, frist eller ordlyd").click()
    form.get_by_label("Ny frist").fill(new_due.isoformat())
    form.get_by_label("Hvorfor det endres").fill("Bussen var fullbooket")
    phone.assert_fits()
    phone.screenshot("followup-change-offline")
    form.get_by_role("button", name="Lagre oppfølging").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)

    live_server.terminate()  # the laptop restarts while the phone is out of range
    assert live_server.stored("followups") == []
    live_server.start()
    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)

    live_server.terminate()
    [followup] = live_server.stored("followups")
    assert followup["changes"] == {"due": {"from": seeded["due"], "to": new_due.isoformat()}}
    assert followup["reason"] == "Bussen var fullbooket" and followup["author"] == live_server.people["kari"]["id"]
    [item] = [r for r in live_server.stored("responsibilities") if r["id"] == seeded["id"]]
    assert (item["due"], item["owner"]) == (new_due.isoformat(), live_server.people["kari"]["id"])
    assert len(traffic.of(followup["id"])) >= 1  # it went through the outbox


def test_a_change_by_someone_who_may_not_make_it_is_kept_on_the_phone_to_be_fixed(live_server, offline_phones):
    """Nora neither owns Kari's item nor recorded it: her change is refused by the laptop and changes nothing."""
    seeded = live_server.seeded
    phone = offline_phones()
    phone.join(live_server.join_paths["nora"], "Nora Berg")
    page = phone.page
    page.goto(phone.url(f"/responsibilities/{seeded['id']}"))
    form = page.locator("form[data-kind=followup]")
    form.get_by_text("Endre ansvarlig, frist eller ordlyd").click()
    form.get_by_label("Ny ansvarlig").select_option(label="Nora Berg")
    form.get_by_label("Hvorfor det endres").fill("Jeg tar den")
    form.get_by_role("button", name="Lagre oppfølging").click()
    expect(counter(page)).to_contain_text(NEEDS_FIXING)
    live_server.terminate()
    assert live_server.stored("followups") == []
    [item] = [r for r in live_server.stored("responsibilities") if r["id"] == seeded["id"]]
    assert item["owner"] == live_server.people["kari"]["id"]


def test_the_next_meeting_hands_an_item_to_someone_else_in_its_follow_up_row_offline(live_server, offline_phones):
    """The row's link turns into the change fields on the phone; a reload keeps what was typed in them (the
    draft); offline, the meeting waits on the phone and arrives once with the item's new owner."""
    seeded = live_server.seeded
    phone = offline_phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    expect(counter(page)).to_have_text(ALL_SENT)
    go_to(page, "meeting")
    form = screen(page, "meeting").locator("form")
    row = form.locator("[data-followup-rows] > li").filter(has_text="Bestille buss til skoleturen")
    row.get_by_role("link", name="Endre ansvarlig, frist eller ordlyd").click()
    row.get_by_label("Ny ansvarlig").select_option(label="Ola Hansen")
    row.get_by_label("Hvorfor det endres").fill("Ola har bussavtalen")
    expect(page).to_have_url(phone.url("/#meeting"))  # the fields came in place; the page did not change
    page.wait_for_function("""() => Object.entries(localStorage).some(([k, v]) => k.endsWith(':meeting')
                                     && v.includes('Ola har bussavtalen'))""", polling=50)
    page.reload()
    expect(screen(page, "meeting")).to_be_visible()
    expect(row.get_by_label("Ny ansvarlig")).to_have_value(live_server.people["ola"]["id"])
    expect(row.get_by_label("Hvorfor det endres")).to_have_value("Ola har bussavtalen")
    phone.assert_fits()
    phone.screenshot("meeting-row-change")

    phone.context.set_offline(True)
    form.locator("#notes").fill("Bussen er Olas nå.")
    meeting = record_id(page, "meeting")
    save(page, "meeting")
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)

    live_server.terminate()
    [followup] = [f for f in live_server.stored("followups") if f["meeting"] == meeting]
    assert followup["changes"] == {"owner": {"from": live_server.people["kari"]["id"],
                                             "to": live_server.people["ola"]["id"]}}
    [item] = [r for r in live_server.stored("responsibilities") if r["id"] == seeded["id"]]
    assert (item["owner"], item["side"]) == (live_server.people["ola"]["id"], "entreprenor")
