"""A teacher's day on the phone, offline, in a real browser against the real server (Chromium at the phone
profile on the insecure origin http://samskaping.test:PORT): every entry point of the day page works with no
network or says why in words where the finger is; the charter and the open barometer round are accepted and
answered with no network and arrive once; the confirmation is where she is looking; a double tap saves once
and opens nothing else; the day page renews itself when the outbox empties; and sending resumes within
seconds of the laptop's return (the server killed for real, and started again on its port and data folder)."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from browser_support import LiveProject, free_port, phones, prepare_data  # noqa: F401  (phones: fixture)
from offline_support import (  # noqa: F401
    ALL_SENT,
    QUEUED_NOTICE,
    WAITING,
    OutboxTraffic,
    RestartableServer,
    counter,
    fill_meeting,
    go_online,
    go_to,
    offline_phones,
    record_id,
    screen,
)
from playwright.sync_api import expect
from test_accessibility_browser import ALSO_FAILING, AXE, FAILING, RUN_AXE, SMALL_TARGETS, TAP

pytestmark = pytest.mark.browser

NEEDS_LAPTOP = "Dette trenger forbindelse med prosjektleders PC."
ARRIVED_NOTICE = "Sendt. Alt du lagret på telefonen er kommet fram til prosjektleders PC."
CHARTER_GOAL = "Alle elever skal oppleve mestring og tilhørighet."
# How long the laptop is away in the resume test; bench/bench_resume.py runs the real 180 s.
RESUME_DOWNTIME = float(os.environ.get("SAMSKAPING_RESUME_DOWNTIME", "15"))
RESUME_WITHIN = 10.0  # seconds from the server's return to "Alt er sendt"


def add_charter_and_round(data_dir) -> dict:
    """Version 1 of the charter and an open barometer round, written with the app's own store."""
    from samskaping import create_app
    from samskaping.barometer.views import all_statements
    from samskaping.charter.forms import version_record_id
    from samskaping.core import barometer_stats as stats
    from samskaping.web.db import close_store, get_store

    app = create_app({"DATA_DIR": str(data_dir)})
    try:
        with app.app_context():
            store = get_store()
            charter, _ = store.create("charters", {
                "version": 1, "name": "Skolen som samfunnsbygger", "parties": "Fjellby kommune og MOT",
                "goal": CHARTER_GOAL, "roles_kommune": "Skolen stiller med lærere.", "roles_entreprenor": "MOT leder økter.",
                "kommune_expects": "", "entreprenor_expects": "", "routines": "Møte hver måned."},
                record_id=version_record_id(1))
            asked = [s["id"] for s in stats.in_order(list(all_statements().values())) if s.get("active", True)]
            people = [{"id": p["id"], "side": p.get("side")} for p in store.find("people")]
            round_, _ = store.create("rounds", {"title": "Barometer høst", "status": "open", "closes_on": None,
                                                "closed_at": None, "statement_ids": asked, "invited": people})
    finally:
        close_store(app)
    return {"charter": charter, "round": round_}


@pytest.fixture
def live_server(tmp_path) -> Iterator[RestartableServer]:
    """The restartable real server, with a charter to accept and an open barometer round."""
    data_dir = tmp_path / "data"
    seed = prepare_data(data_dir)
    add_charter_and_round(data_dir)
    server = RestartableServer(port=free_port(), data_dir=data_dir, log=tmp_path / "server.log", **seed)
    server.start()
    try:
        yield server
    finally:
        if server.running:
            server.terminate()


def kari(live_server, offline_phones, **options):
    phone = offline_phones(**options)
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    expect(counter(phone.page)).to_have_text(ALL_SENT)
    return phone


def shot(phone, name: str) -> None:
    """What she sees (the screen, not the whole page) into $SAMSKAPING_SCREENSHOTS, when that is set."""
    folder = os.environ.get("SAMSKAPING_SCREENSHOTS")
    if folder:
        phone.page.screenshot(path=os.path.join(folder, f"{name}.png"), caret="initial")


def assert_accessible(page) -> None:
    """The screen shown passes the audit every page passes (tests/test_accessibility_browser.py)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    faults = [f"{v['id']} at {v['nodes']}" for v in page.evaluate(RUN_AXE)
              if v["impact"] in FAILING or v["id"] in ALSO_FAILING]
    assert not faults and not page.evaluate(SMALL_TARGETS, TAP), (faults, page.evaluate(SMALL_TARGETS, TAP))


def in_view(page, locator) -> bool:
    """The element is on the visible screen (not merely in the page, scrolled away)."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def answer_every_statement(form) -> int:
    statements = form.locator("fieldset.bm-statement")
    for index in range(statements.count()):
        statements.nth(index).get_by_role("radio").nth(3).tap()  # "4"
    return statements.count()


def test_offline_she_accepts_the_charter_and_answers_the_barometer_and_each_arrives_once(live_server, offline_phones):
    phone = kari(live_server, offline_phones, bypass_csp=True)  # bypass_csp: axe is added to the page
    page = phone.page
    traffic = OutboxTraffic(phone.context)
    home = screen(page, "home")
    phone.context.set_offline(True)

    # The menu without a network: what the day page carries opens as its screen; the rest says why, in words.
    page.locator("nav.main").get_by_role("link", name="Møter").click()
    note = page.locator("[data-offline-note]")
    expect(note).to_contain_text(NEEDS_LAPTOP)
    assert in_view(page, note)
    expect(home).to_be_visible()
    shot(phone, "phone-day-offline-note")
    page.locator("nav.main summary").click()
    page.locator("nav.main .more-list").get_by_role("link", name="Avtale").click()
    expect(screen(page, "charter")).to_be_visible()
    expect(page.locator("nav.main .more-list")).to_be_hidden()  # the menu folded away, not over the screen
    expect(note).to_have_count(0)
    # A link on a screen that leads to a page of its own: the same words, beside it.
    screen(page, "charter").get_by_role("link", name="Spørsmål, tidligere versjoner og hva som er endret").click()
    expect(screen(page, "charter").locator("[data-offline-note]")).to_contain_text(NEEDS_LAPTOP)
    assert_accessible(page)

    # The charter, from the card on the home screen: read and accepted with no network.
    page.locator("nav.main").get_by_role("link", name="Hjem").click()
    expect(home).to_be_visible()
    home.get_by_role("link", name="Les og godta samarbeidsavtalen (versjon 1)").click()
    expect(screen(page, "charter").get_by_text(CHARTER_GOAL)).to_be_visible()
    page.wait_for_timeout(700)  # a finger needs longer to read: a tap on the same spot sooner is a double tap
    screen(page, "charter").get_by_role("button", name="Jeg har lest og slutter meg til").click()
    expect(home).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    expect(home.locator("[data-waiting-kind=charter_acceptance]")).to_be_visible()
    shot(phone, "phone-day-charter-queued")

    # The barometer, from its card: every statement answered, with no network.
    home.get_by_role("link", name="Svar på 3F-barometeret: Barometer høst").click()
    form = screen(page, "barometer").locator("form")
    assert_accessible(page)
    asked = answer_every_statement(form)
    assert asked >= 9
    form.get_by_role("button", name="Send svarene").click()
    expect(home).to_be_visible()
    notice = page.locator("[data-notice]")
    expect(notice).to_have_text(QUEUED_NOTICE)
    assert in_view(page, notice)
    expect(counter(page)).to_have_text(f"2 {WAITING} · Ingen forbindelse")
    waiting_answers = home.locator("[data-waiting-kind=barometer]")
    expect(waiting_answers).to_be_visible()
    # What she answered is still there to see.
    home.get_by_role("link", name="Svar på 3F-barometeret: Barometer høst").click()
    expect(form.locator("input[type=radio]:checked")).to_have_count(asked)
    shot(phone, "phone-day-barometer-kept")

    # "Send nå" with no network says so in words.
    go_to(page, "outbox")
    page.locator("[data-outbox-send]").click()
    expect(page.locator("[data-outbox-send-result]")).to_contain_text("Ingen forbindelse")
    shot(phone, "phone-day-send-now-offline")
    assert (live_server.counts()["acceptances"], live_server.counts()["answers"]) == (0, 0)

    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    assert {d.path for d in traffic.deliveries} == {"/barometer/answer", "/charter/accept"}
    # Once everything has arrived, the day page no longer asks for either.
    go_to(page, "home")
    expect(home.get_by_role("link", name="Les og godta samarbeidsavtalen (versjon 1)")).to_have_count(0)
    expect(home.get_by_role("link", name="Svar på 3F-barometeret: Barometer høst")).to_have_count(0)
    live_server.terminate()
    assert len(live_server.stored("acceptances")) == 1
    answers = live_server.stored("answers")
    assert len(answers) == 1 and set(answers[0]["values"].values()) == {4} and len(answers[0]["values"]) == asked


def test_the_barometer_page_saved_offline_keeps_the_answers_and_says_so_beside_the_button(live_server, offline_phones):
    phone = kari(live_server, offline_phones)
    page = phone.page
    phone.open("/barometer/")
    phone.context.set_offline(True)
    form = page.locator("form.bm-answer")
    asked = answer_every_statement(form)
    form.get_by_role("button", name="Send svarene").click()
    confirmation = form.locator("[data-form-status]")
    expect(confirmation).to_have_text(QUEUED_NOTICE)
    assert in_view(page, confirmation), "the confirmation is out of sight"
    expect(form.locator("input[type=radio]:checked")).to_have_count(asked)
    shot(phone, "phone-day-barometer-page-queued")
    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    live_server.terminate()
    assert len(live_server.stored("answers")) == 1


def test_a_double_tap_on_save_stores_one_meeting_and_opens_nothing_else(live_server, offline_phones):
    phone = kari(live_server, offline_phones)
    page = phone.page
    home = screen(page, "home")
    phone.context.set_offline(True)

    # Two touches 120 ms apart on "Lagre møtet".
    fill_meeting(page, "Dobbelttrykk på lagre.")
    button = screen(page, "meeting").get_by_role("button", name="Lagre møtet")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(120)
    page.touchscreen.tap(x, y)
    expect(home).to_be_visible()
    page.wait_for_timeout(700)
    expect(home).to_be_visible()  # not a follow-up form, nor anything else under her finger
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    expect(counter(page)).to_have_text(f"1 {WAITING} · Ingen forbindelse")

    # The second touch as late as the screen change allows: on the home screen the moment it is shown.
    fill_meeting(page, "Dobbelttrykk, andre gang.")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    expect(home).to_be_visible(timeout=2000)
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(300)
    expect(home).to_be_visible()
    expect(counter(page)).to_have_text(f"2 {WAITING} · Ingen forbindelse")

    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    live_server.terminate()
    notes = sorted(m["notes"] for m in live_server.stored("meetings") if m["notes"])
    assert notes == ["Dobbelttrykk på lagre.", "Dobbelttrykk, andre gang."]


def test_the_last_tap_wins_over_a_page_still_on_its_way(live_server, offline_phones):
    phone = kari(live_server, offline_phones)
    page = phone.page
    # "Møter" in the menu, the laptop slow to answer: its page is held back until she has tapped on.
    held = []
    page.route("**/meetings/", lambda route: held.append(route))
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Møter").click()
    for _ in range(50):  # until the request is on its way (events arrive during Playwright's calls)
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1
    screen(page, "home").get_by_role("link", name="Skriv møtereferat").click()
    expect(screen(page, "meeting")).to_be_visible()

    with page.expect_response(lambda response: response.url.endswith("/meetings/")):
        held[0].continue_()
    page.wait_for_timeout(300)  # htmx swaps (or not) as the answer is read
    expect(screen(page, "meeting")).to_be_visible()  # not the meetings page on top of the form she opened
    assert page.url.endswith("/#meeting")


def test_the_day_page_is_renewed_once_the_outbox_is_empty(live_server, offline_phones):
    phone = kari(live_server, offline_phones)
    page = phone.page
    home = screen(page, "home")
    mine = home.locator("section", has=page.get_by_role("heading", name="Mine åpne ansvar"))
    expect(mine.locator(".count")).to_have_text("1")
    phone.context.set_offline(True)

    # A meeting in which she gives herself three responsibilities.
    fill_meeting(page, "Tre nye ansvar til meg.", ("Lage plakat", "Kari Nordmann"))
    form = screen(page, "meeting").locator("form")
    for row, what in ((1, "Ringe foreldrene"), (2, "Bestille rom")):
        form.locator("[data-add-row]").click()
        form.locator(f"#responsibilities-{row}-what").fill(what)
        form.locator(f"#responsibilities-{row}-owner").select_option(label="Kari Nordmann")
    meeting = record_id(page, "meeting")
    form.get_by_role("button", name="Lagre møtet").click()
    expect(home).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)

    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    # No reload: the notice says it has arrived, and her list holds the three.
    expect(page.locator("[data-notice]")).to_have_text(ARRIVED_NOTICE)
    expect(mine.locator(".count")).to_have_text("4")
    for what in ("Lage plakat", "Ringe foreldrene", "Bestille rom"):
        expect(mine.get_by_text(what)).to_be_visible()
    shot(phone, "phone-day-renewed")
    live_server.terminate()
    assert meeting in {m["id"] for m in live_server.stored("meetings")}


def test_sending_resumes_within_seconds_of_the_laptops_return(live_server, offline_phones):
    phone = kari(live_server, offline_phones)
    page = phone.page
    traffic = OutboxTraffic(phone.context)

    live_server.kill()  # the laptop's server is gone; the phone keeps its Wi-Fi
    fill_meeting(page, "Lagret mens PC-en var borte.")
    screen(page, "meeting").get_by_role("button", name="Lagre møtet").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    # "Send nå" while the laptop does not answer says so.
    go_to(page, "outbox")
    page.locator("[data-outbox-send]").click()
    expect(page.locator("[data-outbox-send-result]")).to_contain_text("Prosjektleders PC svarer ikke")

    time.sleep(RESUME_DOWNTIME)
    live_server.start()
    back = time.monotonic()
    expect(counter(page)).to_have_text(ALL_SENT, timeout=(RESUME_WITHIN + 5) * 1000)
    resumed = time.monotonic() - back
    print(f"\nlaptop away {RESUME_DOWNTIME:.0f} s: everything sent {resumed:.1f} s after its return")
    assert resumed <= RESUME_WITHIN, f"sent {resumed:.1f} s after the laptop's return"
    assert len({d.record_id for d in traffic.deliveries}) == 1
    live_server.terminate()
    assert [m["notes"] for m in live_server.stored("meetings") if m["notes"] == "Lagret mens PC-en var borte."] \
        == ["Lagret mens PC-en var borte."]


HIDE_AND_SHOW = """(hidden) => {
  if (!('fakeHidden' in window)) {
    Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => window.fakeHidden ? 'hidden' : 'visible'});
  }
  window.fakeHidden = hidden;
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def test_a_page_brought_back_into_view_sends_at_once_and_asks_nothing_while_hidden(live_server, offline_phones):
    """The phone in her pocket (the page hidden: a locked screen, another app) asks the laptop nothing; shown
    again, it sends at once. Nothing else could send it here: the laptop's "are you there?" goes unanswered and
    the outbox's own next try is put an hour away."""
    phone = kari(live_server, offline_phones)
    page = phone.page
    asked = []
    page.on("request", lambda request: asked.append(time.monotonic()) if request.url.endswith("/healthz") else None)
    page.route("**/healthz", lambda route: route.abort())

    live_server.kill()
    fill_meeting(page, "Lagret før telefonen gikk i lomma.")
    screen(page, "meeting").get_by_role("button", name="Lagre møtet").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    page.evaluate(HIDE_AND_SHOW, True)
    hidden_at = time.monotonic()
    page.evaluate("""async () => {
      for (const entry of await window.SamskapingOutbox.all()) {
        await window.SamskapingOutbox.put({...entry, next_try: Date.now() + 3600 * 1000});
      }
    }""")
    page.wait_for_timeout(7000)  # two of the probe's rounds, had it been shown (and the page's events heard)
    assert not [t for t in asked if t > hidden_at + 1], "a hidden page asked the laptop"  # one may be under way
    live_server.start()

    page.evaluate(HIDE_AND_SHOW, False)
    expect(counter(page)).to_have_text(ALL_SENT, timeout=5_000)
    live_server.terminate()
    assert [m["notes"] for m in live_server.stored("meetings")].count("Lagret før telefonen gikk i lomma.") == 1
