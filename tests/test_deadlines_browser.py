"""What is due, on a 360 px phone: "Dine frister" at the top of the day page, its count on the menu (read out as
"2 frister"), nothing scrolling sideways, and the count renewed when a follow-up closes one."""
from __future__ import annotations

import re
from datetime import timedelta

import browser_support
import pytest
from browser_support import live_server, phones  # noqa: F401  (fixtures)
from playwright.sync_api import expect

from samskaping.store.clock import local_today

pytestmark = pytest.mark.browser


@pytest.fixture
def due_project(monkeypatch):
    """The shared test project plus Kari's deadlines: one overdue (a long name), one due today, one done late,
    and feedback to her she has not opened. (Requested before live_server, so the server starts on them.)"""
    prepare = browser_support.prepare_data

    def prepare_more(folder):
        seed = prepare(folder)
        from samskaping import create_app
        from samskaping.web.db import close_store, get_store
        app = create_app({"DATA_DIR": str(folder)})
        try:
            with app.app_context():
                store = get_store()
                kari, ola = seed["people"]["kari"], seed["people"]["ola"]
                for what, due, status in [
                        ("Lage plan for foreldremøtet med alle kontaktlærerne på niende trinn", -3, "in_progress"),
                        ("Ringe biblioteket om lesekveld", 0, "not_started"),
                        ("Sende invitasjon", -1, "done")]:
                    store.create("responsibilities", {
                        "what": what, "owner": kari["id"], "side": "kommune", "status": status, "meeting": None,
                        "due": (local_today() + timedelta(days=due)).isoformat(), "school": seed["school"]["id"]})
                store.create("feedback", {"to": kari["id"], "about": None, "worked": "Fin økt", "improve": ""},
                             author=ola["id"])
        finally:
            close_store(app)
        return seed

    monkeypatch.setattr(browser_support, "prepare_data", prepare_more)


def test_the_day_page_shows_her_deadlines_and_their_count_on_a_phone(due_project, live_server, phones):
    phone = phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    due = page.locator("section.deadlines")
    expect(due.get_by_role("heading", level=2)).to_contain_text("Dine frister")
    cards = due.locator(".cards .card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("3 dager over fristen")
    expect(cards.nth(0)).to_have_class(re.compile(r"\boverdue\b"))
    expect(cards.nth(1)).to_contain_text("Ringe biblioteket om lesekveld")
    expect(cards.nth(1)).to_contain_text("frist i dag")
    expect(due).not_to_contain_text("Sende invitasjon")
    expect(due.locator(".new-feedback")).to_contain_text("1 ny tilbakemelding til deg")
    # Above everything else on the home screen's lists.
    assert due.bounding_box()["y"] < page.locator("section", has_text="Mine åpne ansvar").bounding_box()["y"]
    for index in range(2):
        assert cards.nth(index).bounding_box()["height"] >= 44

    menu = page.get_by_role("navigation", name="Hovedmeny")
    expect(menu.get_by_role("link", name="Hjem 2 frister")).to_be_visible()
    more = menu.locator("summary")  # on a phone "Tilbakemelding" is under "Mer", which shows its count
    expect(more).to_have_accessible_name("Mer 1 ny")
    more.click()
    expect(menu.get_by_role("link", name="Tilbakemelding 1 ny")).to_be_visible()
    for badge in menu.locator(".nav-badge").all():
        if badge.is_visible():
            box = badge.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= phone.width
    phone.assert_fits()
    phone.screenshot("deadlines-day-page")
    more.click()

    # Closing one from its card (a screen of the same page) takes it off the list and the menu's count.
    cards.nth(1).locator("a").click()
    screen = page.locator("[data-screen^='followup-']:not([hidden])")
    expect(screen.get_by_role("heading", level=1)).to_have_text("Ringe biblioteket om lesekveld")
    screen.get_by_label("Ny status").select_option(label="Ferdig")
    screen.get_by_role("button", name="Lagre oppfølging").click()
    expect(page.get_by_role("status")).to_have_text("Oppfølgingen er lagret.")
    expect(due.locator(".cards .card")).to_have_count(1)
    expect(menu.get_by_role("link", name="Hjem 1 frist")).to_be_visible()

    # Opening the feedback ends its "new" mark.
    menu.locator("summary").click()
    menu.get_by_role("link", name="Tilbakemelding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilbakemeldinger til meg")  # not the day page's cards
    feedback = page.locator("main .card")
    expect(feedback.locator(".new-mark")).to_have_text("ny")
    phone.assert_fits()
    feedback.locator("a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilbakemelding fra Ola Hansen")
    expect(menu.locator("[data-feedback-badge]")).to_have_count(0)
    phone.assert_fits()
