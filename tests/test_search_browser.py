"""Find things on a phone, in a real browser against the real server: the menu leads to the search, the results
follow the typing, fit the 360 px screen (long words and hostile text included) and are tapped like cards;
the school's name leads to its view."""
from __future__ import annotations

import pytest
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import live_server  # noqa: F401  (fixture: restartable, so records can be added)
from playwright.sync_api import expect

from samskaping.store.database import Store

pytestmark = pytest.mark.browser

LONG_WORD = "Samarbeidsavtaleoppfølgingsmøteforberedelsesdokumentasjonsarkiv" * 2
HOSTILE = "<img src=x onerror=\"window.__pwned = 'img'\"> buss"


def add_meeting(live_server, notes: str) -> dict:
    """A meeting at the school, written while the server is stopped."""
    live_server.terminate()
    with Store(live_server.data_dir) as store:
        meeting, _ = store.create("meetings", {
            "date": "2026-11-02", "school": live_server.school["id"], "type": "planning",
            "attendees": [live_server.people["ola"]["id"]], "guests": "", "agenda": "Buss og " + LONG_WORD,
            "notes": notes, "decisions": ""}, author=live_server.people["ola"]["id"])
    live_server.start()
    return meeting


def test_a_phone_searches_from_the_menu_and_taps_a_result(live_server, phones):  # noqa: F811
    meeting = add_meeting(live_server, HOSTILE)
    phone = phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    page.get_by_role("navigation", name="Hovedmeny").get_by_text("Mer").click()  # under "Mer" on a phone
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Søk").click()
    expect(page).to_have_url(phone.url("/search"))
    phone.assert_fits()
    heights = page.evaluate("""() => [...document.querySelectorAll('.search-form input, .search-form button, nav a')]
        .filter(el => el.checkVisibility()).map(el => [el.name || el.innerText, el.getBoundingClientRect().height])""")
    assert len(heights) >= 6 and all(height >= 44 for _, height in heights), heights  # tap targets (the menu: 3 + "Mer")

    # The results follow the typing (htmx), without a button: grouped by kind, the hits marked.
    page.get_by_label("Søk i møter, ansvar, oppfølginger og tilbakemeldinger").fill("buss")
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name="Møter")).to_be_visible()
    expect(results.get_by_role("heading", name="Ansvar")).to_be_visible()
    expect(page).to_have_url(phone.url("/search?q=buss"))
    assert page.evaluate("window.__pwned") is None
    expect(results.locator("mark").first).to_have_text("Buss")
    phone.assert_fits()
    phone.screenshot("search-results")
    cards = results.locator(".search-hit > a")
    expect(cards).to_have_count(2)
    for index in range(2):
        box = cards.nth(index).bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= phone.width

    # A tap opens the record; its school's name opens the school's view.
    results.locator(".search-hit > a", has_text="Bestille buss til skoleturen").click()
    expect(page).to_have_url(phone.url(f"/responsibilities/{live_server.seeded['id']}"))
    page.get_by_role("link", name="Fjellby skole").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjellby skole")
    expect(page.get_by_role("link", name="Bestille buss til skoleturen")).to_be_visible()
    expect(page.locator(f'a[href="/meetings/{meeting["id"]}"]')).to_be_visible()
    phone.assert_fits()
    phone.screenshot("school-view")

    # Without JavaScript's help too: the field's own form, sent with Enter.
    page.goto(phone.url("/search"))
    field = page.get_by_label("Søk i møter, ansvar, oppfølginger og tilbakemeldinger")
    field.fill("finnes ikke")
    field.press("Enter")
    expect(page.locator("#search-results")).to_contain_text("Fant ingenting for «finnes ikke».")
    phone.assert_fits()
