"""Correcting what was sent, on a phone (Chromium at 360 px, plain http on the LAN name) against the real server:
the author corrects her meeting, offline too, and every reader sees the version; another person's correction is
refused; the giver corrects her feedback; an empty meeting is stopped on the phone before anything is queued."""
from __future__ import annotations

import pytest
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import (  # noqa: F401
    ALL_SENT,
    counter,
    go_online,
    go_to,
    live_server,
    offline_phones,
    screen,
    submit_feedback,
    submit_meeting,
)
from playwright.sync_api import expect

from samskaping.store.clock import local_today

pytestmark = pytest.mark.browser

REFUSAL = "Bare den som skrev dette, kan endre det. Ingenting ble endret."
EMPTY = "Skriv saksliste, referat, beslutninger eller et avtalt ansvar: et tomt møte lagres ikke."
FIX_HERE = "Noen felt må rettes: rett det som er merket, og lagre. Ingenting er lagret ennå."
QUEUED = "Lagret på telefonen. Det sendes av seg selv når prosjektleders PC kan nås."


def joined(offline_phones, live_server, who: str, name: str):
    phone = offline_phones()
    phone.join(live_server.join_paths[who], name)
    expect(counter(phone.page)).to_have_text(ALL_SENT)
    return phone


def outbox_entries(page) -> list[dict]:
    return page.evaluate("() => window.SamskapingOutbox.all()")


def test_the_author_corrects_her_meeting_offline_and_every_reader_sees_the_version(live_server, offline_phones):
    kari = joined(offline_phones, live_server, "kari", "Kari Nordmann")
    page = kari.page
    meeting_id = submit_meeting(page, "Vi planla skoleturen.", ("Bestille billetter", "Ola Hansen"))
    expect(counter(page)).to_have_text(ALL_SENT)
    meetings = live_server.counts()["meetings"]

    kari.open(f"/meetings/{meeting_id}")
    page.get_by_role("link", name="Rett møtet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rett møtet")
    form = page.locator("form[data-correction]")
    expect(form.locator("#notes")).to_have_value("Vi planla skoleturen.")
    expect(form.locator("#responsibilities-0-what")).to_have_value("Bestille billetter")
    expect(form.locator("[data-followups]")).to_have_count(0)  # follow-ups are never re-sent by a correction
    kari.assert_fits()
    for button in form.locator("button:visible").all():
        assert button.bounding_box()["height"] >= 44
    kari.screenshot("correction-form")

    # In the bus, out of range: the correction waits in the outbox under the meeting's own id.
    kari.context.set_offline(True)
    form.locator("#notes").fill("Vi planla skoleturen og bussen.")
    form.locator("#responsibilities-0-what").fill("Bestille billetter til alle")
    form.get_by_role("button", name="Lagre rettelsen").click()
    expect(form.locator("[data-form-status]")).to_have_text(QUEUED)  # beside the button she tapped
    [entry] = outbox_entries(page)
    assert entry["id"] == meeting_id and entry["url"] == f"/meetings/{meeting_id}/edit"
    assert entry["kind"] == "meeting_correction"
    expect(form.locator("input[name=id]")).to_have_value(meeting_id)  # still this meeting's form

    go_online(kari.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    assert live_server.counts()["meetings"] == meetings  # corrected, not a second meeting

    today = local_today().strftime("%d.%m.%Y")
    summary = f"Endret {today} av Kari Nordmann: Referat, Avtalt ansvar «Bestille billetter til alle»: ordlyd"
    ola = joined(offline_phones, live_server, "ola", "Ola Hansen")
    for phone in (kari, ola):
        phone.open(f"/meetings/{meeting_id}")
        versions = phone.page.locator(".versions")
        expect(versions.locator("summary")).to_have_text(summary)
        versions.locator("summary").click()
        expect(versions).to_contain_text("Før: Vi planla skoleturen.")
        expect(versions).to_contain_text("Etter: Vi planla skoleturen og bussen.")
        expect(phone.page.locator("main")).to_contain_text("Bestille billetter til alle")
        phone.assert_fits()
    ola.screenshot("correction-versions")
    # Ola reads it, but is offered no correction.
    expect(ola.page.get_by_role("link", name="Rett møtet")).to_have_count(0)


def test_a_correction_by_another_person_is_refused_and_changes_nothing(live_server, offline_phones):
    kari = joined(offline_phones, live_server, "kari", "Kari Nordmann")
    meeting_id = submit_meeting(kari.page, "Kari skrev dette.")
    expect(counter(kari.page)).to_have_text(ALL_SENT)

    ola = joined(offline_phones, live_server, "ola", "Ola Hansen")
    response = ola.open(f"/meetings/{meeting_id}/edit")
    assert response.status == 403
    expect(ola.page.locator("main")).to_contain_text(REFUSAL)
    # His phone tries anyway: a correction put in its outbox by hand is refused by the laptop, and kept.
    ola.open("/")
    ola.page.evaluate("""([id, school]) => window.SamskapingOutbox.put({
        id, kind: "meeting_correction", url: `/meetings/${id}/edit`, person: document.querySelector("[data-person]").dataset.person,
        draft: "x", screen: null, updated_at: new Date().toISOString(), created_at: new Date().toISOString(),
        fields: [["id", id], ["date", "2026-11-20"], ["school", school], ["type", "planning"], ["notes", "Ola skrev om det."],
                 ["action", "save"]]})""", [meeting_id, live_server.school["id"]])
    ola.page.evaluate("() => window.SamskapingOutbox.flush({force: true})")
    # (Announced as outbox:changed; waited for on the page, where the outbox says so.)
    ola.page.evaluate("""(id) => new Promise((resolve) => {
        const check = async () => ((await window.SamskapingOutbox.get(id)) || {}).state === "refused" ? resolve() : setTimeout(check, 100);
        check(); })""", meeting_id)
    [entry] = outbox_entries(ola.page)
    assert entry["message"] == REFUSAL and entry["errors"] == {}
    go_to(ola.page, "outbox")
    item = screen(ola.page, "outbox").locator(".outbox-item")
    expect(item).to_contain_text("Ikke godtatt")  # the laptop's refusal, not a field to fix
    expect(item).to_contain_text(REFUSAL)

    kari.open(f"/meetings/{meeting_id}")
    expect(kari.page.locator("main")).to_contain_text("Kari skrev dette.")
    expect(kari.page.locator(".versions")).to_have_count(0)


def test_the_giver_corrects_her_feedback_and_the_recipient_sees_the_version(live_server, offline_phones):
    kari = joined(offline_phones, live_server, "kari", "Kari Nordmann")
    submit_feedback(kari.page, "Ola Hansen", "Godt forberedt")
    expect(counter(kari.page)).to_have_text(ALL_SENT)
    kari.open("/feedback/")
    kari.page.get_by_role("link", name="Til Ola Hansen").click()
    expect(kari.page.get_by_role("heading", level=1)).to_have_text("Tilbakemelding fra Kari Nordmann")
    expect(kari.page.locator("main")).to_contain_text("Godt forberedt")
    kari.page.get_by_role("link", name="Rett tilbakemeldingen").click()
    expect(kari.page.get_by_role("heading", level=1)).to_have_text("Rett tilbakemeldingen")
    kari.page.get_by_label("Hva kan bli bedre").fill("Send dagsorden dagen før.")
    kari.assert_fits()
    kari.page.get_by_role("button", name="Lagre rettelsen").click()
    expect(kari.page.get_by_role("status")).to_have_text("Rettelsen er lagret.")
    expect(kari.page.locator(".versions summary")).to_contain_text("av Kari Nordmann: Hva kan bli bedre")

    ola = joined(offline_phones, live_server, "ola", "Ola Hansen")
    ola.open("/feedback/")
    ola.page.get_by_role("link", name="Fra Kari Nordmann til Ola Hansen").click()
    expect(ola.page.get_by_role("heading", level=1)).to_have_text("Tilbakemelding fra Kari Nordmann")
    expect(ola.page.locator("main")).to_contain_text("Send dagsorden dagen før.")
    expect(ola.page.locator(".versions summary")).to_contain_text("av Kari Nordmann: Hva kan bli bedre")
    expect(ola.page.get_by_role("link", name="Rett tilbakemeldingen")).to_have_count(0)
    ola.assert_fits()


def test_an_empty_meeting_is_stopped_on_the_phone_before_anything_is_queued(live_server, offline_phones):
    kari = joined(offline_phones, live_server, "kari", "Kari Nordmann")
    page = kari.page
    kari.context.set_offline(True)  # nothing could tell her but the phone itself
    go_to(page, "meeting")
    form = screen(page, "meeting").locator("form")
    expect(form.locator("#meeting-needs")).to_be_visible()
    form.get_by_role("button", name="Lagre møtet").click()
    expect(form.locator("#notes-errors")).to_have_text(EMPTY)
    expect(form.locator("[data-form-message]")).to_have_text(FIX_HERE)
    assert outbox_entries(page) == []
    expect(counter(page)).not_to_contain_text("venter")
    kari.assert_fits()
    kari.screenshot("empty-meeting-stopped")

    # A required field left empty: the browser's own check stops it too, before the outbox sees it.
    form.locator("#notes").fill("Kort møte om bussen.")
    form.locator("#date").fill("")
    form.get_by_role("button", name="Lagre møtet").click()
    assert form.locator("#date").evaluate("el => el.validity.valueMissing")
    assert outbox_entries(page) == []

    # Filled in, it is queued as ever.
    form.locator("#date").fill(local_today().isoformat())
    form.get_by_role("button", name="Lagre møtet").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED)
    assert len(outbox_entries(page)) == 1


def test_the_phone_corrects_her_latest_meeting_from_the_day_page_with_no_network(live_server, offline_phones):
    kari = joined(offline_phones, live_server, "kari", "Kari Nordmann")
    page = kari.page
    meeting_id = submit_meeting(page, "Møte om leseuka.")
    expect(counter(page)).to_have_text(ALL_SENT)
    meetings = live_server.counts()["meetings"]
    # The day page renews itself once the meeting is sent: her meeting comes with its correction screen.
    link = screen(page, "home").locator(f'[data-to-screen="correct-{meeting_id}"]')
    expect(link).to_be_visible()
    assert link.bounding_box()["height"] >= 44
    kari.assert_fits()

    kari.context.set_offline(True)
    link.click()
    fix = screen(page, f"correct-{meeting_id}")
    expect(fix).to_be_visible()
    form = fix.locator("form")
    expect(form.get_by_label("Referat")).to_have_value("Møte om leseuka.")
    form.get_by_label("Beslutninger").fill("Leseuka blir i uke 12.")
    kari.assert_fits()
    form.get_by_role("button", name="Lagre rettelsen").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED)
    expect(screen(page, "home")).to_be_visible()
    [entry] = outbox_entries(page)
    assert (entry["id"], entry["url"], entry["screen"]) == (meeting_id, f"/meetings/{meeting_id}/edit", f"correct-{meeting_id}")

    go_online(kari.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    assert live_server.counts()["meetings"] == meetings
    kari.open(f"/meetings/{meeting_id}")
    today = local_today().strftime("%d.%m.%Y")
    expect(page.locator(".versions summary")).to_have_text(f"Endret {today} av Kari Nordmann: Beslutninger")
    expect(page.locator("main")).to_contain_text("Leseuka blir i uke 12.")


def test_the_giver_corrects_her_feedback_from_the_day_page_with_no_network(live_server, offline_phones):
    kari = joined(offline_phones, live_server, "kari", "Kari Nordmann")
    page = kari.page
    feedback_id = submit_feedback(page, "Ola Hansen", "Godt forberedt")
    expect(counter(page)).to_have_text(ALL_SENT)
    link = screen(page, "home").locator(f'[data-to-screen="correct-{feedback_id}"]')
    expect(link).to_be_visible()  # the day page renewed itself once it was sent

    kari.context.set_offline(True)
    link.click()
    form = screen(page, f"correct-{feedback_id}").locator("form")
    expect(form.get_by_label("Hva fungerte godt")).to_have_value("Godt forberedt")
    form.get_by_label("Hva fungerte godt").fill("")
    form.get_by_role("button", name="Lagre rettelsen").click()  # both emptied: the phone says so, queues nothing
    expect(form.locator("[data-form-message]")).to_have_text(FIX_HERE)
    expect(form.get_by_role("textbox", name="Hva kan bli bedre")).to_be_focused()
    assert outbox_entries(page) == []
    form.get_by_label("Hva fungerte godt").fill("Godt forberedt og i god tid.")
    form.get_by_role("button", name="Lagre rettelsen").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED)
    kari.assert_fits()
    go_to(page, "outbox")
    expect(screen(page, "outbox").locator(".outbox-item")).to_contain_text("Rettelse av tilbakemelding")
    expect(screen(page, "outbox").locator(".outbox-item")).to_contain_text("Til Ola Hansen")

    go_online(kari.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    ola = joined(offline_phones, live_server, "ola", "Ola Hansen")
    ola.open(f"/feedback/{feedback_id}")
    expect(ola.page.locator("main")).to_contain_text("Godt forberedt og i god tid.")
    expect(ola.page.locator(".versions summary")).to_contain_text("av Kari Nordmann: Hva fungerte godt")
