"""The QR sheet in a real browser: the print button prints, the sheet fits a phone, and on A4 each school
gets its own page with three cards across and none of the page's chrome."""
from __future__ import annotations

import re

import browser_support
import pytest
from browser_support import live_server, phones  # noqa: F401  (fixtures)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def two_schools(monkeypatch):
    """The shared test project (three people at Fjellby skole) plus a second school with one person."""
    prepare = browser_support.prepare_data

    def prepare_more(folder):
        seed = prepare(folder)
        from samskaping import create_app
        from samskaping.leader.auth import issue_join_token
        from samskaping.web.db import close_store, get_store
        app = create_app({"DATA_DIR": str(folder)})
        try:
            with app.app_context():
                store = get_store()
                school, _ = store.create("schools", {"name": "Dalen skole"})
                person, _ = store.create("people", {"name": "Siri Dal", "side": "kommune", "role": "Rektor",
                                                    "school": school["id"], "active": True})
                issue_join_token(person["id"])
        finally:
            close_store(app)
        return seed

    monkeypatch.setattr(browser_support, "prepare_data", prepare_more)


def test_the_qr_sheet_prints_a_school_to_an_a4_page(two_schools, live_server, phones):
    phone = phones()
    phone.open("/leader/login")
    phone.page.get_by_label("Passord").fill(live_server.leader_password)
    phone.page.get_by_role("button", name="Logg inn").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Prosjektleder")
    phone.open("/leader/codes")
    page = phone.page
    expect(page.get_by_role("heading", level=2)).to_have_text(["Dalen skole", "Fjellby skole"])
    card = page.locator(".qr-card", has_text="Kari Nordmann")
    expect(card).to_contain_text("Fjellby skole")
    expect(card).to_contain_text("Skann, trykk «Koble til denne telefonen»")
    expect(card.locator(".qr-link")).to_have_text(re.compile(r"^http://samskaping\.test:\d+/join/\S+$"))
    phone.assert_fits()

    # The button is there only with a script, and it prints.
    button = page.get_by_role("button", name="Skriv ut")
    expect(button).to_be_visible()
    assert button.bounding_box()["height"] >= 44
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    button.click()
    assert page.evaluate("window.printed") == 1

    # On paper: no button, no menu; three cards across; a page per school.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 673, "height": 980})  # A4's width inside its margins, at 96 dpi
    expect(button).to_be_hidden()
    expect(page.locator("nav.main")).to_be_hidden()
    boxes = [page.locator(".qr-card", has_text=name).bounding_box()
             for name in ("Kari Nordmann", "Nora Berg", "Ola Hansen")]
    assert len({round(box["y"]) for box in boxes}) == 1 and boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert all(box["width"] < 673 / 3 for box in boxes)
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2  # Dalen skole, then Fjellby skole
    phone.screenshot("codes-sheet-print")
