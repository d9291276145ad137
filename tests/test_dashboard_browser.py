"""The leader's dashboard in a real browser: fits a 360 px phone and a 1280 px laptop, loads nothing from
outside, and its charts are SVG with text equivalents."""
from __future__ import annotations

import re
from datetime import timedelta

import browser_support
import pytest
from browser_support import live_server, phones  # noqa: F401  (fixtures)
from playwright.sync_api import expect

from samskaping.store.clock import local_today

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False,
          "device_scale_factor": 1, "user_agent": None}


@pytest.fixture
def busy_project(monkeypatch):
    """The shared test project plus what a dashboard shows: something overdue, due soon, done, and feedback.
    (Requested before live_server, so the server starts on the fuller data folder.)"""
    prepare = browser_support.prepare_data

    def prepare_more(folder):
        seed = prepare(folder)
        from samskaping import create_app
        from samskaping.web.db import close_store, get_store
        app = create_app({"DATA_DIR": str(folder)})
        try:
            with app.app_context():
                store = get_store()
                kari, ola, nora = (seed["people"][key] for key in ("kari", "ola", "nora"))
                school = seed["school"]["id"]
                for what, owner, due, status in [
                        ("Lage plan for foreldremøtet med alle kontaktlærerne på 9. trinn", ola, -6, "in_progress"),
                        ("Ringe biblioteket om lesekveld", nora, 3, "not_started"),
                        ("Sende invitasjon", kari, -2, "done")]:
                    made, _ = store.create("responsibilities", {
                        "what": what, "owner": owner["id"], "side": owner["side"], "status": status,
                        "due": (local_today() + timedelta(days=due)).isoformat(), "school": school})
                    if status == "done":
                        store.create("followups", {"responsibility": made["id"], "status": "done",
                                                   "previous_status": "in_progress", "comment": "", "meeting": None})
                store.create("feedback", {"to": kari["id"], "about": None, "worked": "Fin økt", "improve": ""},
                             author=ola["id"])
        finally:
            close_store(app)
        return seed

    monkeypatch.setattr(browser_support, "prepare_data", prepare_more)


def leader_on(device, live_server):
    device.open("/leader/login")
    device.page.get_by_label("Passord").fill(live_server.leader_password)
    device.page.get_by_role("button", name="Logg inn").click()
    expect(device.page.get_by_role("heading", level=1)).to_have_text("Prosjektleder")
    device.open("/leader/dashboard")
    expect(device.page.get_by_role("heading", level=1)).to_have_text("Oversikt")
    return device.page


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_dashboard_fits_the_phone_and_the_laptop(busy_project, live_server, phones, size):
    device = phones() if size == "phone" else phones(**LAPTOP)
    page = leader_on(device, live_server)
    overdue = page.locator("#overdue ~ .cards").first
    expect(overdue).to_contain_text("Lage plan for foreldremøtet")
    expect(overdue).to_contain_text("6 dager over fristen")
    expect(page.locator("#due-soon + .cards")).to_contain_text("Ringe biblioteket om lesekveld")
    expect(page.locator("#done + .cards")).to_contain_text("Sende invitasjon")
    lacking = page.locator("#feedback ~ ul.people")
    expect(lacking).to_have_count(2)  # both organisations
    expect(page.locator("#feedback ~ ul.people").first).not_to_contain_text("Kari Nordmann")
    columns = page.locator(".dashboard-column")
    first, second = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    if size == "phone":
        assert second["y"] >= first["y"] + first["height"], "one column on a phone"
    else:
        assert abs(second["y"] - first["y"]) < 1 and second["x"] > first["x"] + first["width"], "two columns"
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= device.width
    device.assert_fits()
    device.screenshot(f"dashboard-{size}")


def test_the_dashboard_loads_nothing_from_outside_and_its_charts_have_text(busy_project, live_server, phones):
    device = phones()
    page = leader_on(device, live_server)
    html = page.content()
    addresses = set(re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)) - {"http://www.w3.org/2000/svg"}
    assert not [a for a in addresses if not a.startswith(live_server.base_url)], addresses
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    for index in range(2):
        chart = charts.nth(index)
        expect(chart).to_have_attribute("role", "img")
        assert chart.locator("title").text_content() and chart.locator("desc").text_content()
        assert chart.get_attribute("style") is None
    # Progress: a table that screen readers find, with the same numbers as the bars.
    table = page.get_by_role("table", name="Ansvar per organisasjon og status")
    expect(table.locator("tbody th")).to_have_text(["Kommune", "Sosial entreprenør"])
    expect(table.locator("tbody tr").nth(0).locator("td")).to_have_text(["2", "0", "1", "0", "3"])
    expect(table.locator("tbody tr").nth(1).locator("td")).to_have_text(["0", "1", "0", "0", "1"])
    # Meetings per school: the chart points to its list.
    figure = page.locator("figure[aria-describedby=meetings-list]")
    expect(figure.locator("svg.chart")).to_have_count(1)
    expect(page.locator("#meetings-list")).to_contain_text("Fjellby skole: 1 møte")
    assert page.locator("[style]").count() == 0
