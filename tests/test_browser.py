"""A phone on the LAN, in a real browser against the real server: what participants see and what is stored."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from browser_support import live_server, phones  # noqa: F401  (fixtures)
from playwright.sync_api import expect

from samskaping.store.clock import local_today

pytestmark = pytest.mark.browser

MEETING_PAGE = re.compile(r"/meetings/[0-9a-f-]{36}$")
LAPTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False,
          "device_scale_factor": 1, "user_agent": None}


def day(offset: int) -> date:
    return local_today() + timedelta(days=offset)


def section_titled(page, title: str):
    """The <section> whose heading starts with title (headings carry a count after the title)."""
    return page.locator("section").filter(has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(title)}\b")))


def test_a_participant_joins_by_link_records_two_responsibilities_and_finds_them_as_mine(live_server, phones):
    # The leader, on the laptop, finds Kari's personal link.
    laptop = phones(**LAPTOP)
    laptop.open("/leader/login")
    laptop.page.get_by_label("Passord").fill(live_server.leader_password)
    laptop.page.get_by_role("button", name="Logg inn").click()
    expect(laptop.page.get_by_role("heading", level=1)).to_have_text("Prosjektleder")
    laptop.page.get_by_role("link", name=re.compile("^Kari Nordmann")).click()
    expect(laptop.page.get_by_role("heading", level=1)).to_have_text("Kari Nordmann")
    link = laptop.page.locator(".join .link a").get_attribute("href")
    assert link == live_server.base_url + live_server.join_paths["kari"]

    # Kari opens it on her phone and connects it.
    phone = phones()
    page = phone.page
    phone.open(link.removeprefix(live_server.base_url))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari Nordmann!")
    phone.screenshot("01-join")
    page.get_by_role("button", name="Koble til denne telefonen").click()
    expect(page.get_by_role("status")).to_have_text("Velkommen, Kari Nordmann! Denne telefonen er nå koblet til deg.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari Nordmann")
    phone.assert_fits()
    before = live_server.counts()

    # She records a meeting: one responsibility row is there, the second comes from "add another",
    # which copies a blank row on the phone itself.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Møter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter")  # the day page has the same link
    page.get_by_role("link", name="Skriv møtereferat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møtereferat")
    expect(page.get_by_label("Skole")).to_have_value(live_server.school["id"])
    phone.assert_fits()
    page.locator("#responsibilities-0-what").fill("Lage plan for foreldremøtet")
    page.locator("#responsibilities-0-owner").select_option(label="Kari Nordmann")
    page.locator("#responsibilities-0-due").fill(day(7).isoformat())
    page.get_by_role("button", name="+ Legg til ett ansvar til").click()
    rows = page.locator("[data-rows] > li")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("Hva skal gjøres")).to_be_empty()
    rows.nth(1).get_by_label("Hva skal gjøres").fill("Ringe biblioteket om lesekveld")
    rows.nth(1).get_by_label("Hvem har ansvaret").select_option(label="Kari Nordmann")
    rows.nth(1).get_by_label("Frist").fill(day(10).isoformat())
    phone.assert_fits()
    phone.screenshot("03-meeting-form")
    page.get_by_role("button", name="Lagre møtet").click()

    page.wait_for_url(MEETING_PAGE)
    expect(page.get_by_role("status")).to_have_text("Møtet er lagret.")
    agreed = page.locator(".cards .card")
    expect(agreed).to_have_count(2)
    expect(agreed.nth(0)).to_contain_text("Lage plan for foreldremøtet")
    expect(agreed.nth(0)).to_contain_text(f"frist {day(7):%d.%m.%Y}")
    expect(agreed.nth(1)).to_contain_text("Ringe biblioteket om lesekveld")
    expect(agreed.nth(1)).to_contain_text(f"frist {day(10):%d.%m.%Y}")
    phone.assert_fits()
    phone.screenshot("04-meeting-detail")
    after = live_server.counts()
    assert (after["meetings"], after["responsibilities"]) == (before["meetings"] + 1, before["responsibilities"] + 2)

    # Both are hers: under "Mine" on the responsibilities page, next to the one she already had...
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Ansvar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avtalt ansvar")
    mine = section_titled(page, "Mine")
    expect(mine.locator(".card")).to_have_count(3)
    for what in ("Lage plan for foreldremøtet", "Ringe biblioteket om lesekveld", "Bestille buss til skoleturen"):
        expect(mine).to_contain_text(what)
    phone.assert_fits()
    phone.screenshot("05-responsibilities")

    # ...and on the home page.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Hjem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari Nordmann")
    mine = section_titled(page, "Mine åpne ansvar")
    expect(mine.locator(".card")).to_have_count(3)
    expect(mine).to_contain_text("Lage plan for foreldremøtet")
    expect(mine).to_contain_text("Ringe biblioteket om lesekveld")
    phone.assert_fits()
    phone.screenshot("02-home")


def test_follow_up_is_logged_and_feedback_reaches_only_its_recipient(live_server, phones):
    kari = phones()
    kari.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = kari.page
    before = live_server.counts()

    # Kari moves her responsibility on, from its card on the home page: a screen of the same page.
    page.get_by_role("link", name=re.compile("^Bestille buss til skoleturen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bestille buss til skoleturen")
    kari.assert_fits()
    screen = page.locator("[data-screen^='followup-']:not([hidden])")
    screen.get_by_label("Ny status").select_option(label="Pågår")
    screen.get_by_label("Kommentar").fill("Ringt busselskapet, venter på tilbud.")
    screen.get_by_role("button", name="Lagre oppfølging").click()
    expect(page.get_by_role("status")).to_have_text("Oppfølgingen er lagret.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari Nordmann")

    # The responsibility's own page shows the new status and the follow-up log: who, when, what.
    kari.open(f"/responsibilities/{live_server.seeded['id']}")
    expect(page.locator(".facts .badge")).to_have_text("Pågår")
    log = page.locator("ul.log")
    expect(log.locator("li")).to_have_count(1)
    expect(log.locator("li")).to_contain_text("Kari Nordmann")
    expect(log.locator("li")).to_contain_text("Ikke startet → Pågår")
    expect(log.locator("li")).to_contain_text("Ringt busselskapet, venter på tilbud.")
    kari.assert_fits()
    kari.screenshot("06-responsibility-detail")
    assert live_server.counts()["followups"] == before["followups"] + 1

    # She gives Ola feedback.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Hjem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari Nordmann")  # the day page, swapped in
    page.get_by_role("link", name="Gi tilbakemelding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilbakemelding på utført arbeid")
    page.get_by_label("Til", exact=True).select_option(label="Ola Hansen")
    page.get_by_label("Hva fungerte godt").fill("Elevene likte verkstedet ditt.")
    kari.assert_fits()
    kari.screenshot("07-feedback-form")
    page.get_by_role("button", name="Send tilbakemelding").click()
    expect(page.get_by_role("status")).to_have_text("Takk! Tilbakemeldingen er sendt til Ola Hansen.")
    assert live_server.counts()["feedback"] == before["feedback"] + 1

    # Ola, on his own phone, finds it.
    ola = phones()
    ola.join(live_server.join_paths["ola"], "Ola Hansen")
    ola.page.get_by_role("navigation", name="Hovedmeny").get_by_text("Mer").click()  # under "Mer" on a phone
    ola.page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Tilbakemelding").click()
    expect(ola.page.get_by_role("heading", level=1)).to_have_text("Tilbakemeldinger til meg")
    ola.page.get_by_role("link", name=re.compile("^Fra Kari Nordmann til Ola Hansen")).click()
    expect(ola.page.get_by_role("heading", level=1)).to_have_text("Tilbakemelding fra Kari Nordmann")
    expect(ola.page.locator("main")).to_contain_text("Elevene likte verkstedet ditt.")
    ola.assert_fits()
    feedback_path = ola.page.url.removeprefix(live_server.base_url)
    assert re.fullmatch(r"/feedback/[0-9a-f-]{36}", feedback_path), feedback_path

    # Nora's phone gets the same answer as for feedback that does not exist.
    nora = phones()
    nora.join(live_server.join_paths["nora"], "Nora Berg")
    response = nora.open(feedback_path)
    assert response.status == 404
    expect(nora.page.locator("body")).not_to_contain_text("Elevene likte verkstedet")
    nora.open("/feedback/")
    expect(nora.page.locator("main .card")).to_have_count(0)
    expect(nora.page.locator("main")).to_contain_text("Ingen tilbakemeldinger ennå.")


TAP_TARGETS = """() => {
  const selector = 'button, select, input:not([type=checkbox]):not([type=hidden]), nav a, header a';
  return [...document.querySelectorAll(selector)].flatMap(el => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') return [];
    const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '');
    const text = el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).text : el.innerText || el.value;
    return [{what: `${what} "${(text || '').trim().slice(0, 30)}"`, height: box.height}];
  });
}"""


def test_everything_tappable_on_the_meeting_form_is_at_least_44_px_high(live_server, phones):
    phone = phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    phone.open("/meetings/new")
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Møtereferat")
    phone.page.get_by_role("button", name="+ Legg til ett ansvar til").click()  # an added row counts too
    expect(phone.page.locator("[data-rows] > li")).to_have_count(2)
    targets = phone.page.evaluate(TAP_TARGETS)
    assert len(targets) >= 15, targets  # the form really was measured
    too_small = [f'{t["what"]}: {t["height"]:.0f} px' for t in targets if t["height"] < 44]
    assert not too_small, "tap targets under 44 px high:\n" + "\n".join(too_small)
