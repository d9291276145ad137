"""The main menu marks the section a page belongs to (a meeting's page is "Møter", never "Nytt møte"), decided
on the server; the outbox counter is inside the header, a landmark; a visitor with no menu gets none."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest


class Chrome(HTMLParser):
    """What a page's header and main menu hold: the links marked current (by text), the summary of "Mer"
    and whether it is marked, the header's links."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []  # the open header/nav/a/summary elements, by a name
        self.current: list[str] = []
        self.menu_links: list[str] = []
        self.header_links: list[str] = []
        self.more_marked = False
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "header":
            self.stack.append("header")
        elif tag == "nav" and "main" in (attrs.get("class") or ""):
            self.stack.append("menu")
        elif tag == "a" and self.stack and self.stack[-1] in ("menu", "header"):
            self.stack.append("current-a" if attrs.get("aria-current") == "page" else "a")
            (self.header_links if "header" in self.stack else self.menu_links).append(attrs.get("class") or "")
            self.text = ""
        elif tag == "summary" and "menu" in self.stack:
            self.more_marked = "here" in (attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self.stack and self.stack[-1] in ("a", "current-a"):
            if self.stack.pop() == "current-a":
                self.current.append(self.text.strip().split(" ")[0])
        elif (tag == "header" and self.stack[-1:] == ["header"]) or (tag == "nav" and self.stack[-1:] == ["menu"]):
            self.stack.pop()

    def handle_data(self, data):
        self.text += data


def chrome_of(client, path: str) -> Chrome:
    response = client.get(path)
    assert response.status_code == 200, path
    chrome = Chrome()
    chrome.feed(response.get_data(as_text=True))
    return chrome


@pytest.fixture
def project(actions):
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    phone = actions.participant_client(kari)
    store = actions.store()
    meeting = store.create("meetings", {"date": "2026-11-20", "school": school["id"], "type": "planning",
                                        "attendees": [kari["id"]], "guests": "", "agenda": "", "notes": "Notater",
                                        "decisions": ""}, author=kari["id"])[0]
    responsibility = store.create("responsibilities", {
        "what": "Lage plan", "owner": kari["id"], "side": "kommune", "due": "2026-12-01", "meeting": meeting["id"],
        "school": school["id"], "status": "not_started"}, author=kari["id"])[0]
    return {"phone": phone, "meeting": meeting, "responsibility": responsibility, "school": school}


@pytest.mark.parametrize(("path", "section"), [
    ("/", "Hjem"),
    ("/meetings/", "Møter"),
    ("/meetings/{meeting}", "Møter"),      # an old meeting: "Møter", not the form for a new one
    ("/meetings/new", "Møter"),
    ("/plans/new", "Møter"),                # a planned meeting
    ("/responsibilities/", "Ansvar"),
    ("/responsibilities/{responsibility}", "Ansvar"),
    ("/schools/{school}", "Søk"),            # one school at a glance is found through the search
])
def test_a_phone_menu_marks_the_section_of_the_page_in_its_row(project, path, section):
    chrome = chrome_of(project["phone"], path.format(meeting=project["meeting"]["id"],
                                                     responsibility=project["responsibility"]["id"],
                                                     school=project["school"]["id"]))
    if section in ("Hjem", "Møter", "Ansvar"):  # the phone's row: marked once, "Mer" not marked
        assert chrome.current == [section]
        assert not chrome.more_marked
    else:  # under "Mer" (and in the row of a wide screen): both copies marked, and "Mer" itself
        assert chrome.current == [section, section]
        assert chrome.more_marked


@pytest.mark.parametrize(("path", "section"), [("/feedback/", "Tilbakemelding"), ("/feedback/new", "Tilbakemelding"),
                                               ("/barometer/", "Barometer"), ("/search", "Søk")])
def test_a_section_under_more_is_marked_and_so_is_more(project, path, section):
    chrome = chrome_of(project["phone"], path)
    assert chrome.current == [section, section]
    assert chrome.more_marked


def test_the_outbox_counter_is_in_the_header_of_a_phone_and_of_no_one_else(project, actions, client):
    assert "outbox-counter" in chrome_of(project["phone"], "/").header_links
    leader = chrome_of(actions.leader_client(), "/leader/")
    assert "outbox-counter" not in leader.header_links
    assert leader.current == ["Leder"]
    anonymous = chrome_of(client, "/leader/login")
    assert anonymous.menu_links == [] and anonymous.current == []
    assert "outbox-counter" not in anonymous.header_links


@pytest.mark.parametrize(("path", "section"), [
    ("/leader/dashboard", "Oversikt"), ("/leader/backups/", "Leder"), ("/leader/export/", "Leder"),
    ("/meetings/{meeting}", "Møter"), ("/barometer/results", "Barometer"),
])
def test_the_leader_menu_marks_the_section_too(project, actions, path, section):
    chrome = chrome_of(actions.leader_client(), path.format(meeting=project["meeting"]["id"]))
    assert section in chrome.current
    assert set(chrome.current) == {section}
