"""Planned meetings on a phone (360 px, the insecure LAN origin), against the real server: a teacher plans the
next meeting of another school, whose open responsibilities the agenda starts with; the day page names it; out
of range, "Write the minutes" fills the meeting screen from the plan (day, school, invited, agenda) with that
school's open items to follow up, and the minutes arrive once, marking the plan met. The plan's calendar file
downloads as one event."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from browser_support import phones  # noqa: F401  (fixture)
from offline_support import (  # noqa: F401
    ALL_SENT,
    QUEUED_NOTICE,
    counter,
    go_online,
    live_server,
    offline_phones,
    record_id,
    save,
    screen,
)
from playwright.sync_api import expect
from test_followups_browser import add_school

from samskaping.store.clock import local_today

pytestmark = pytest.mark.browser


def plan_a_meeting(phone, live_server, school: str, day: date) -> str:
    """Kari plans a meeting of `school` on her phone; the plan's id."""
    page = phone.page
    phone.open("/plans/new")
    form = page.locator("form[data-kind=plan]")
    agenda = form.get_by_label("Saksliste")
    expect(agenda).to_have_value("Oppfølging av planer:\n– Bestille buss til skoleturen (Kari Nordmann, frist "
                                 f"{(local_today() + timedelta(days=21)):%d.%m.%Y})")
    form.get_by_label("Skole").select_option(label=school)
    # The chosen school's agenda comes from the page's data, with no request.
    expect(agenda).to_have_value("Oppfølging av planer:\n– Male gymsalen (Ola Hansen)\n– Rydde lageret (Ola Hansen)")
    form.locator("#plan-date").fill(day.isoformat())
    form.locator("#plan-time").fill("14:00")
    form.get_by_label("Ola Hansen").check()
    plan_id = form.locator("input[name=id]").input_value()
    form.get_by_role("button", name="Lagre planen").click()
    # Sent at once, the phone goes on to the plan's page. (Now and then the page just left still holds the
    # outbox's sending lease: then it is "saved on the phone" and the outbox delivers it a moment later.)
    expect(page.locator(".flash").or_(form.locator("[data-form-status]"))).to_have_text(
        re.compile("Møtet er planlagt.|Lagret på telefonen"))
    wait_until_stored(live_server, "plans", 1)
    if page.url != phone.url(f"/plans/{plan_id}"):
        phone.open(f"/plans/{plan_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oppfølgingsmøte")
    phone.assert_fits()
    return plan_id


def wait_until_stored(live_server, table: str, count: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while live_server.counts().get(table, 0) < count:
        assert time.monotonic() < deadline, f"no {count} {table} stored within {seconds} s"
        time.sleep(0.1)


def test_minutes_started_from_a_plan_offline_carry_its_agenda_attendees_and_the_schools_open_items(live_server, offline_phones):
    elvedal, (tidy, paint) = add_school(live_server, "Elvedal skole", ["Rydde lageret", "Male gymsalen"])
    phone = offline_phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    day = local_today() + timedelta(days=5)
    plan_id = plan_a_meeting(phone, live_server, "Elvedal skole", day)

    phone.open("/")
    home = screen(page, "home")
    weekday = format_date(day, "EEEE dd.MM", locale="nb")
    expect(home.locator(".next-meeting")).to_have_text(f"Neste møte: {weekday}, Elvedal skole kl. 14:00")
    phone.screenshot("plans-day-page")
    expect(counter(page)).to_have_text(ALL_SENT)

    # Out of range, she opens the plan's minutes: everything comes from the page.
    phone.context.set_offline(True)
    home.get_by_role("link", name="Skriv referat").click()
    meeting = screen(page, "meeting")
    expect(meeting).to_be_visible()
    form = meeting.locator("form")
    expect(form.locator("input[name=plan]")).to_have_value(plan_id)
    expect(form.locator("#date")).to_have_value(day.isoformat())
    expect(form.get_by_label("Skole")).to_have_value(elvedal["id"])
    expect(form.get_by_label("Type møte")).to_have_value("follow_up")
    expect(form.get_by_label("Saksliste")).to_have_value(
        "Oppfølging av planer:\n– Male gymsalen (Ola Hansen)\n– Rydde lageret (Ola Hansen)")
    expect(form.get_by_label("Kari Nordmann")).to_be_checked()
    expect(form.get_by_label("Ola Hansen")).to_be_checked()
    expect(form.get_by_label("Nora Berg")).not_to_be_checked()
    rows = meeting.locator("[data-followup-rows] > li")
    expect(rows).to_have_count(2)
    assert sorted(rows.locator("input[type=hidden]").evaluate_all("els => els.map(e => e.value)")) == \
        sorted([tidy["id"], paint["id"]])
    phone.assert_fits()
    phone.screenshot("plans-meeting-from-plan")

    # Her draft keeps the meeting as started from the plan, the plan's id with it.
    rows.nth(1).get_by_label("Status").select_option(label="Ferdig")
    form.locator("#notes").fill("Lageret er ryddet.")
    page.wait_for_function("""id => Object.entries(localStorage).some(([k, v]) => k.endsWith(':meeting')
                                     && v.includes('Lageret er ryddet') && v.includes(id))""", arg=plan_id, polling=50)
    meeting_id = record_id(page, "meeting")
    save(page, "meeting")
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    # The form is emptied for the next meeting, the plan's id with it.
    expect(form.locator("input[name=plan]")).to_have_value("")
    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)

    live_server.terminate()
    [stored] = [m for m in live_server.stored("meetings") if m["id"] == meeting_id]
    assert stored["school"] == elvedal["id"] and stored["date"] == day.isoformat()
    assert stored["attendees"] == [live_server.people["kari"]["id"], live_server.people["ola"]["id"]]
    assert stored["agenda"].startswith("Oppfølging av planer:") and stored["notes"] == "Lageret er ryddet."
    followed = [f for f in live_server.stored("followups") if f["meeting"] == meeting_id]
    assert [(f["responsibility"], f["status"]) for f in followed] == [(tidy["id"], "done")]
    [plan] = [p for p in live_server.stored("plans") if p["id"] == plan_id]
    assert plan["meeting"] == meeting_id


def test_a_meeting_planned_offline_on_the_day_page_arrives_once_and_downloads_as_a_calendar_file_offline(live_server, offline_phones):
    phone = offline_phones()
    phone.join(live_server.join_paths["kari"], "Kari Nordmann")
    page = phone.page
    day = local_today() + timedelta(days=3)
    expect(counter(page)).to_have_text(ALL_SENT)
    phone.context.set_offline(True)
    screen(page, "home").get_by_role("link", name="Planlegg et møte").click()
    form = screen(page, "plan").locator("form")
    expect(form).to_be_visible()
    expect(form.get_by_label("Saksliste")).to_have_value(re.compile(r"^Oppfølging av planer:\n– Bestille buss"))
    expect(form.get_by_label("Kari Nordmann")).to_be_checked()
    form.locator("#plan-date").fill(day.isoformat())
    plan_id = form.locator("input[name=id]").input_value()
    phone.assert_fits()
    form.get_by_role("button", name="Lagre planen").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    expect(screen(page, "home")).to_be_visible()
    assert live_server.counts().get("plans", 0) == 0
    go_online(phone.context, [page])
    expect(counter(page)).to_have_text(ALL_SENT)
    assert live_server.counts()["plans"] == 1
    # Opened again, the day page has the plan, and its calendar file downloads, out of the Wi-Fi's reach too.
    phone.open("/")
    home = screen(page, "home")
    expect(home.locator(".next-meeting")).to_contain_text(format_date(day, "EEEE dd.MM", locale="nb"))
    phone.context.set_offline(True)
    live_server.terminate()  # the laptop out of reach for real (Chromium's offline switch lets downloads through)
    with page.expect_download() as download:
        home.get_by_role("link", name="Legg i kalenderen").click()
    assert download.value.suggested_filename == f"samskaping-{day.isoformat()}.ics"
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert f"UID:{plan_id}\r\n" in text and f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\n" in text
