"""The chrome around every page on a phone (issue 12): the header with the outbox counter and one row of
menu take little of a 360 px screen (<main> starts at 110 px at most; it was 183), the rest of the menu is
under "Mer", which opens without JavaScript, and the menu marks the section the page belongs to. A laptop
shows every section in the row."""
from __future__ import annotations

import re

import pytest
from browser_support import live_server, phones  # noqa: F401  (fixtures)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MOST_CHROME = 110  # px above <main> on a 360 px phone
TAP = 44
BOX = "(el) => { const b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.height]; }"


def menu(page):
    return page.get_by_role("navigation", name="Hovedmeny")


def test_a_phone_shows_two_short_rows_and_the_rest_of_the_menu_under_more(live_server, phones):  # noqa: F811
    phone = phones()
    page = phone.page
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    phone.open("/")
    top = page.evaluate("() => document.querySelector('main').getBoundingClientRect().top")
    assert top <= MOST_CHROME, f"<main> starts at {top} px"
    # The counter is in the header (a landmark), whole, as tall as a finger.
    counter = page.get_by_role("banner").locator("[data-outbox-counter]")
    expect(counter).to_have_text("Alt er sendt")
    left, _, right, height = counter.evaluate(BOX)
    assert left >= 0 and right <= phone.width and height >= TAP

    # One row: the first sections and "Mer", side by side, inside the screen.
    row = [menu(page).get_by_role("link", name=re.compile(f"^{name}")) for name in ("Hjem", "Møter", "Ansvar")]
    row.append(menu(page).locator("summary"))
    boxes = [item.evaluate(BOX) for item in row]
    assert len({round(box[1]) for box in boxes}) == 1, boxes
    assert all(box[0] >= 0 and box[2] <= phone.width and box[3] >= TAP for box in boxes), boxes
    expect(menu(page).get_by_role("link", name="Hjem")).to_have_attribute("aria-current", "page")
    later = ("Tilbakemelding", "Avtale", "Barometer", "Søk")
    for name in later:
        expect(menu(page).get_by_role("link", name=name)).to_be_hidden()

    menu(page).get_by_text("Mer").click()
    for name in later:
        link = menu(page).get_by_role("link", name=name)
        expect(link).to_be_visible()
        left, _, right, height = link.evaluate(BOX)
        assert left >= 0 and right <= phone.width and height >= TAP, (name, left, right, height)
    phone.screenshot("chrome-more-open")
    menu(page).get_by_role("link", name="Avtale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Samarbeidsavtale|Avtale"))
    # A section under "Mer": "Mer" itself is marked, and the section inside it.
    expect(menu(page).locator("summary")).to_have_class("here")
    expect(menu(page).get_by_role("link", name="Hjem")).not_to_have_attribute("aria-current", "page")
    menu(page).get_by_text("Mer").click()
    expect(menu(page).get_by_role("link", name="Avtale")).to_have_attribute("aria-current", "page")
    phone.assert_fits()


def test_an_old_meeting_is_under_meetings_not_new_meeting(live_server, phones):  # noqa: F811
    phone = phones()
    page = phone.page
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    menu(page).get_by_role("link", name="Møter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter")
    page.locator("main .card a").first.click()
    expect(page).to_have_url(re.compile(r"/meetings/[0-9a-f-]{36}$"))
    current = menu(page).locator("[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Møter")
    phone.screenshot("chrome-meeting")
    # The meeting form is a page of "Møter" too.
    page.get_by_role("link", name="Møter").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter")  # the meetings page, swapped in
    page.get_by_role("link", name="Skriv møtereferat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møtereferat")
    expect(menu(page).locator("[aria-current=page]")).to_have_text("Møter")


def test_more_opens_without_javascript(live_server, phones):  # noqa: F811
    phone = phones(java_script_enabled=False)
    page = phone.page
    phone.open(live_server.join_paths["ola"])
    page.get_by_role("button", name="Koble til denne telefonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Ola Hansen"))
    menu(page).get_by_text("Mer").click()
    menu(page).get_by_role("link", name="Barometer").click()
    expect(page).to_have_url(phone.url("/barometer/"))
    phone.assert_fits()


def test_a_laptop_shows_every_section_in_one_row(live_server, phones):  # noqa: F811
    laptop = phones(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    page = laptop.page
    laptop.open("/leader/login")
    page.get_by_label("Passord").fill(live_server.leader_password)
    page.get_by_role("button", name=re.compile("Logg inn")).click()
    page.wait_for_url(re.compile(r"/leader/?$"))
    names = ("Oversikt", "Leder", "Møter", "Ansvar", "Tilbakemelding", "Avtale", "Barometer", "Søk")
    tops = {round(menu(page).get_by_role("link", name=name).evaluate(BOX)[1]) for name in names}
    assert len(tops) == 1, tops
    expect(menu(page).locator("summary")).to_be_hidden()
    expect(menu(page).get_by_role("link", name="Leder")).to_have_attribute("aria-current", "page")
    laptop.screenshot("chrome-leader-laptop")


def test_the_row_fits_a_phone_in_english_too(live_server, phones):  # noqa: F811
    phone = phones()
    page = phone.page
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    phone.open("/language/en?next=/")
    english = page.get_by_role("navigation", name="Main menu")
    row = [english.get_by_role("link", name=re.compile(f"^{name}")) for name in ("Home", "Meetings", "Tasks")]
    row.append(english.locator("summary"))
    boxes = [item.evaluate(BOX) for item in row]
    assert len({round(box[1]) for box in boxes}) == 1, boxes
    assert all(box[0] >= 0 and box[2] <= phone.width and box[3] >= TAP for box in boxes), boxes
    phone.assert_fits()


def test_the_laptops_own_browser_works_with_its_network_off(live_server, phones):  # noqa: F811
    """On the laptop itself (http://127.0.0.1) the browser says it is offline when the Wi-Fi is off, yet its
    server is right there: the leader signs in and every link and form works. (A phone with no network is
    told in words instead: test_phone_day_browser.)"""
    laptop = phones(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    laptop.base_url = f"http://127.0.0.1:{live_server.port}"
    laptop.context.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', { get: () => false })")
    page = laptop.page
    laptop.open("/leader/login")
    assert page.evaluate("navigator.onLine") is False
    page.get_by_label("Passord").fill(live_server.leader_password)
    page.get_by_role("button", name=re.compile("Logg inn")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prosjektleder")
    menu(page).get_by_role("link", name="Møter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter")
    menu(page).get_by_role("link", name="Oversikt").click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.locator("[data-offline-note]")).to_have_count(0)
