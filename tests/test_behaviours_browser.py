"""The phone's behaviours (static/js/) start once per page, however the page arrives: loaded, or
swapped in by htmx from a boosted link, with every element of the swap announced on its own."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import OUTBOX_HEADER, WAITING, counter, live_server, offline_phones, submit_meeting  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SETTLE_MS = 1500  # long enough for a second start to show; the outbox's own retry is 7 s or more away


def menu_link(page, name: str):
    """A link of the main menu; on a phone the later sections are under "Mer", opened first."""
    menu = page.get_by_role("navigation", name="Hovedmeny")
    if not menu.get_by_role("link", name=name).is_visible():
        menu.get_by_text("Mer").click()
    return menu.get_by_role("link", name=name)


def arrive(page, name: str, heading: str) -> None:
    """Follow a link of the main menu: htmx fetches the page and swaps it into the body."""
    menu_link(page, name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_pages_swapped_in_by_htmx_start_each_behaviour_once(live_server, offline_phones):
    phone = offline_phones()
    page = phone.page
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")  # the day page arrives by htmx
    for name, heading in [("Ansvar", "Avtalt ansvar"), ("Hjem", "Hei, Kari Nordmann"),
                          ("Tilbakemelding", "Tilbakemeldinger til meg"), ("Hjem", "Hei, Kari Nordmann")]:
        arrive(page, name, heading)

    # The laptop is reached, but meetings do not get through: one waits in the outbox.
    attempts, renewals = [], []
    page.on("request", lambda r: attempts.append(r.url) if r.headers.get(OUTBOX_HEADER) == "1" else None)
    page.on("request", lambda r: renewals.append(r.url)
            if r.resource_type == "fetch" and r.method == "GET" and urlsplit(r.url).path == "/" else None)
    page.route("**/meetings/new", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    # Nor does the laptop seem to answer its "are you there?" (probe.js): found there, it would send once more
    # 3 s after the failed try, inside the window counted below when two pages take long to arrive.
    page.route("**/healthz", lambda route: route.abort())
    submit_meeting(page, "Venter på nettet.")
    expect(counter(page)).to_contain_text(f"1 {WAITING}")

    # Each page that arrives tries the outbox once: not once per element htmx swapped in.
    attempts.clear()
    arrive(page, "Ansvar", "Avtalt ansvar")
    arrive(page, "Hjem", "Hei, Kari Nordmann")
    page.wait_for_timeout(SETTLE_MS)
    assert len(attempts) == 2, attempts

    # The day page's renewal listens once, however many pages were swapped in before.
    renewals.clear()
    page.evaluate("() => dispatchEvent(new Event('online'))")
    page.wait_for_timeout(SETTLE_MS)
    assert len(renewals) == 1, renewals
    expect(counter(page)).to_contain_text(f"1 {WAITING}")
