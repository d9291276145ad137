"""The 3F check in a real browser: the leader opens a round on the laptop, a participant answers it on
the phone by tapping, and the server holds exactly one answer; the results page fits a phone and shows
an open round's response rate only; an answer sent after the round closed is refused and kept on the phone."""
from __future__ import annotations

import re

import pytest
from browser_support import live_server, phones  # noqa: F401  (fixtures)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False,
          "device_scale_factor": 1, "user_agent": None}


def sign_in_leader(phone, password: str) -> None:
    phone.open("/leader/login")
    phone.page.get_by_label("Passord").fill(password)
    phone.page.get_by_role("button", name="Logg inn").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Prosjektleder")


def test_a_participant_answers_the_round_on_the_phone_and_it_is_stored_once(live_server, phones):
    laptop = phones(**LAPTOP)
    sign_in_leader(laptop, live_server.leader_password)
    laptop.open("/barometer/results")
    laptop.page.get_by_text("Åpne en ny runde").click()
    expect(laptop.page.get_by_label("Tittel")).to_have_value(re.compile(r"^Barometer \w+ \d{4}$"))
    laptop.page.get_by_role("button", name="Åpne runden").click()
    expect(laptop.page.get_by_role("status")).to_have_text("Runden er åpnet.")

    kari = phones()
    kari.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = kari.page
    kari.open("/barometer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvordan går samarbeidet?")
    statements = page.locator("fieldset.bm-statement")
    count = statements.count()
    assert 9 <= count <= 12
    kari.screenshot("barometer-01-form")
    # Every choice is a big target with a label a screen reader reads in full.
    first = statements.nth(0)
    expect(first.get_by_role("radio", name="1 – Helt uenig")).to_have_count(1)
    expect(first.get_by_role("radio", name="5 – Helt enig")).to_have_count(1)
    expect(page.get_by_text("Svarene teller bare mens runden er åpen.", exact=False)).to_be_visible()
    box = first.locator(".bm-choice").nth(2).bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    for index in range(count):
        statements.nth(index).get_by_role("radio").nth(3 if index % 2 else 4).tap()  # "4" or "5"
    expect(first.get_by_role("radio", name="5 – Helt enig")).to_be_checked()
    page.get_by_label("Noe du vil legge til? (valgfritt)").fill("Fine møter på Fjellby.")
    kari.assert_fits()
    before = live_server.counts()["answers"]
    page.get_by_role("button", name="Send svarene").click()
    expect(page.get_by_role("status")).to_have_text("Takk! Svarene dine er lagret.")
    expect(page.get_by_text("Takk! Du har svart på")).to_be_visible()
    assert live_server.counts()["answers"] == before + 1 == 1
    kari.assert_fits()
    kari.screenshot("barometer-02-thanks")

    # Changing her answers later still leaves one answer on the server.
    page.get_by_role("link", name="Endre svarene mine").click()
    expect(statements.nth(0).get_by_role("radio", name="5 – Helt enig")).to_be_checked()
    statements.nth(0).get_by_role("radio").nth(2).tap()
    page.get_by_role("button", name="Send svarene").click()
    expect(page.get_by_role("status")).to_have_text("Takk! Svarene dine er lagret.")
    assert live_server.counts()["answers"] == 1

    # The leader's results while the round is open: how many have answered, nothing else, on a laptop and a phone.
    waiting = "Resultatene vises når runden er avsluttet, så ingen enkeltsvar kan leses ut av endringene."
    laptop.open("/barometer/results")
    expect(laptop.page.locator(".bm-rate").first).to_contain_text("1 av 3 har svart (33 %)")
    expect(laptop.page.get_by_text(waiting)).to_be_visible()
    expect(laptop.page.locator(".bm-chart, .bm-table")).to_have_count(0)
    laptop.screenshot("barometer-03-results-laptop")
    leader_phone = phones()
    sign_in_leader(leader_phone, live_server.leader_password)
    leader_phone.open("/barometer/results")
    expect(leader_phone.page.get_by_text(waiting)).to_be_visible()
    leader_phone.assert_fits()
    leader_phone.screenshot("barometer-04-results-phone")

    # Kari changes her answers, but the leader closes the round before she sends them: refused, not stored,
    # and kept in her outbox as needing attention (never dropped silently).
    page.get_by_role("link", name="Endre svarene mine").click()
    statements.nth(0).get_by_role("radio").nth(0).tap()
    laptop.open("/barometer/results")
    laptop.page.get_by_role("button", name="Avslutt runden").click()
    expect(laptop.page.get_by_role("status")).to_have_text("Runden er avsluttet.")
    page.get_by_role("button", name="Send svarene").click()
    expect(page.locator("[data-form-message]")).to_contain_text("Runden ble avsluttet før svarene dine kom fram")
    expect(page.locator("[data-outbox-counter]")).to_contain_text("1 må rettes")
    assert live_server.counts()["answers"] == 1
    kari.assert_fits()
    kari.screenshot("barometer-05-refused-after-closing")
    # Closed, the round shows its result; with one answer, too few to show either side.
    leader_phone.open("/barometer/results")
    expect(leader_phone.page.get_by_text("For få svar til å vise.")).to_be_visible()
    expect(leader_phone.page.get_by_text(waiting)).to_have_count(0)
    leader_phone.screenshot("barometer-06-results-closed-phone")
