"""Find things: a search over what the reader may read, grouped by kind and linked, and one school at a glance."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from markupsafe import escape

from samskaping.search import index as search_index
from samskaping.core.text_search import MAX_QUERY, excerpt, fold, query_words
from samskaping.store.clock import local_today
from tests.conftest import OUTBOX, meeting_fields

SECRET = "Hemmeligord"


@pytest.fixture
def project(actions):
    """A school, three participants (Kari gives Ola feedback; Per is neither), and one record of each kind."""
    school = actions.school("Fjellby skole")
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Entreprenør", side="entreprenor", school=school)
    per = actions.person("Per Tredje", school=school)
    store = actions.store()
    meeting = store.create("meetings", meeting_record(school, kari, notes="Vi lagde et budsjett for høsten."),
                           author=kari["id"])[0]
    responsibility = store.create("responsibilities", {
        "what": "Sende budsjett til rektor", "owner": ola["id"], "side": "entreprenor", "due": None,
        "status": "in_progress", "meeting": meeting["id"], "school": school["id"]}, author=kari["id"])[0]
    followup = store.create("followups", {
        "responsibility": responsibility["id"], "status": "in_progress", "previous_status": "not_started",
        "comment": "Budsjett nesten klart", "meeting": None}, author=ola["id"])[0]
    feedback = store.create("feedback", {"to": ola["id"], "about": responsibility["id"],
                                         "worked": f"Budsjett levert i tide ({SECRET})", "improve": ""},
                            author=kari["id"])[0]
    return {"school": school, "kari": kari, "ola": ola, "per": per, "meeting": meeting,
            "responsibility": responsibility, "followup": followup, "feedback": feedback}


def meeting_record(school: dict, person: dict, *, notes: str = "", agenda: str = "", day: str = "2026-11-02") -> dict:
    return {"date": day, "school": school["id"], "type": "planning", "attendees": [person["id"]], "guests": "",
            "agenda": agenda, "notes": notes, "decisions": ""}


def results(response) -> str:
    """The results' part of a search page."""
    text = response.get_data(as_text=True)
    return text[text.index('<div id="search-results"'):text.index("</main>")]


def groups(response) -> dict[str, list[str]]:
    """{kind's heading: [each hit's link]} in the page's order."""
    found = {}
    for section in re.findall(r'<section class="search-group">(.*?)</section>', results(response), re.S):
        heading = re.search(r"<h2>([^<]+?) <span", section).group(1)
        found[heading] = re.findall(r'<li class="card search-hit"><a href="([^"]+)"', section)
    return found


def test_results_are_grouped_by_kind_and_linked_to_their_pages(actions, project):
    phone = actions.participant_client(project["per"])
    response = phone.get("/search?q=budsjett")
    assert response.status_code == 200
    assert groups(response) == {
        "Møter": [f"/meetings/{project['meeting']['id']}"],
        "Ansvar": [f"/responsibilities/{project['responsibility']['id']}"],
        # A follow-up is read in its responsibility's log.
        "Oppfølginger": [f"/responsibilities/{project['responsibility']['id']}"],
    }
    page = results(response)
    assert "<mark>budsjett</mark>" in page and "<mark>Budsjett</mark>" in page
    for link in sum(groups(response).values(), []):
        assert phone.get(link).status_code == 200, link


def test_a_meeting_saved_from_a_phone_is_found_and_a_school_by_its_name(app, actions, project):
    phone = actions.participant_client(project["kari"])
    record_id = str(uuid.uuid4())
    fields = {"id": record_id, **meeting_fields(project["school"], project["kari"], "Trivselsplan for 5. trinn")}
    assert phone.post("/meetings/new", data=fields, headers=OUTBOX).status_code == 201
    assert groups(phone.get("/search?q=trivselsplan")) == {"Møter": [f"/meetings/{record_id}"]}
    # Several words: all must be found, here in the notes and in the meeting's school name.
    assert groups(phone.get("/search?q=fjellby+trivselsplan")) == {"Møter": [f"/meetings/{record_id}"]}
    found = groups(phone.get("/search?q=FJELLBY"))
    assert found["Skoler"] == [f"/schools/{project['school']['id']}"]


@pytest.mark.parametrize("reader, sees", [("per", False), ("kari", True), ("ola", True), ("leader", True)])
def test_feedback_is_found_only_by_its_recipient_its_giver_and_the_leader(actions, project, reader, sees):
    client = actions.leader_client() if reader == "leader" else actions.participant_client(project[reader])
    response = client.get(f"/search?q={SECRET.lower()}")
    assert response.status_code == 200
    if sees:
        assert groups(response) == {"Tilbakemelding": [f"/feedback/{project['feedback']['id']}"]}
        assert "Fra Kari Nordmann til Ola Entreprenør" in results(response)
    else:
        assert groups(response) == {}
        assert SECRET not in response.get_data(as_text=True)
        assert "Fant ingenting for «hemmeligord»." in results(response)
    # The same on a page of feedback alone, and with a word the other kinds have too.
    alone = client.get(f"/search?q=budsjett&kind=feedback")
    assert (SECRET in alone.get_data(as_text=True)) is sees
    assert ("Tilbakemelding" in groups(client.get("/search?q=budsjett"))) is sees


def test_an_anonymous_visitor_gets_nothing(app, project):
    for query in ("budsjett", SECRET):
        response = app.test_client().get(f"/search?q={query}")
        text = response.get_data(as_text=True)
        assert response.status_code == 401 and "search-results" not in text
        assert "Sende budsjett" not in text and "levert i tide" not in text and "/meetings/" not in text
    school = app.test_client().get(f"/schools/{project['school']['id']}")
    assert school.status_code == 401 and "Fjellby" not in school.get_data(as_text=True)


def test_hostile_text_in_records_and_in_the_query_never_becomes_html(actions, project):
    store = actions.store()
    store.create("meetings", meeting_record(project["school"], project["kari"],
                                            notes='Angrep <script>alert("x")</script> & <b onmouseover=1>fet</b>'),
                 author=project["kari"]["id"])
    phone = actions.participant_client(project["kari"])
    page = phone.get("/search?q=angrep").get_data(as_text=True)
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b onmouseover=1&gt;fet&lt;/b&gt;' in page
    # The query itself, echoed in the field and in "nothing found", and a hit inside the markup's own text.
    hostile = '"><img src=x onerror=alert(1)>'
    response = phone.get("/search", query_string={"q": hostile})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<img src=x" not in text
    assert str(escape(hostile)) in text  # as Jinja escapes it
    marked = results(phone.get("/search", query_string={"q": "<script>"}))
    assert "&lt;<mark>script</mark>&gt;" in marked and "<script>" not in marked  # the word, its brackets text


def test_several_words_must_all_be_found_in_any_order(actions, project):
    store = actions.store()
    both = store.create("meetings", meeting_record(project["school"], project["kari"], agenda="Foreldremøte",
                                                   notes="Trivsel i klassen"))[0]
    store.create("meetings", meeting_record(project["school"], project["kari"], notes="Trivsel i friminuttet"))
    phone = actions.participant_client(project["kari"])
    assert groups(phone.get("/search?q=trivsel+foreldre")) == {"Møter": [f"/meetings/{both['id']}"]}
    assert groups(phone.get("/search?q=FORELDRE   trivsel.")) == {"Møter": [f"/meetings/{both['id']}"]}
    assert len(groups(phone.get("/search?q=trivsel"))["Møter"]) == 2


def test_case_and_accents_do_not_matter_but_the_norwegian_letters_do(actions, project):
    store = actions.store()
    cafe = store.create("meetings", meeting_record(project["school"], project["kari"], notes="Møte på Kafé Øst"))[0]
    year = store.create("meetings", meeting_record(project["school"], project["kari"], notes="Årsplan"))[0]
    phone = actions.participant_client(project["kari"])
    for query in ("kafe", "KAFÉ", "kafè øst", "MØTE"):
        assert groups(phone.get("/search", query_string={"q": query})) == {"Møter": [f"/meetings/{cafe['id']}"]}, query
    assert groups(phone.get("/search?q=årsplan")) == {"Møter": [f"/meetings/{year['id']}"]}
    assert groups(phone.get("/search?q=arsplan")) == {}  # å is a letter of its own, not an a
    assert groups(phone.get("/search?q=ost")) == {}


@pytest.mark.parametrize("query, message", [
    ("", "Skriv et ord å søke etter."),
    ("   ", "Skriv et ord å søke etter."),
    ("?!", "Skriv et ord å søke etter."),
    ("budsjett " * 12, f"Søk med høyst {MAX_QUERY} tegn."),
])
def test_an_empty_or_overlong_query_gets_a_clear_message(actions, project, query, message):
    response = actions.participant_client(project["kari"]).get("/search", query_string={"q": query})
    assert response.status_code == 400
    assert f'<p class="error-box" role="alert">{message}</p>' in response.get_data(as_text=True)
    assert groups(response) == {}


def test_the_search_page_without_a_query_is_only_the_field(actions, project):
    response = actions.participant_client(project["kari"]).get("/search")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'type="search" name="q"' in text and "error-box" not in text
    assert groups(response) == {}
    assert actions.participant_client(project["kari"]).get("/search?q=x&kind=people").status_code == 404


def test_the_menu_leads_to_the_search(actions, project):
    for client in (actions.participant_client(project["kari"]), actions.leader_client()):
        menu = client.get("/meetings/").get_data(as_text=True).split('<nav class="main"')[1].split("</nav>")[0]
        assert re.search(r'<a( class="wide-only")? href="/search">Søk</a>', menu)


def test_an_htmx_request_from_the_field_gets_only_the_results(actions, project):
    phone = actions.participant_client(project["kari"])
    response = phone.get("/search?q=budsjett", headers={"HX-Request": "true", "HX-Target": "search-results"})
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith("{#") is False and text.lstrip().startswith('<div id="search-results"')
    assert "<html" not in text and f"/meetings/{project['meeting']['id']}" in text


def test_many_hits_show_a_few_per_kind_newest_first_with_the_way_to_all(actions, project):
    store = actions.store()
    start = local_today() - timedelta(days=40)
    made = [store.create("meetings", meeting_record(project["school"], project["kari"], notes=f"Leseplan nr {n}",
                                                    day=(start + timedelta(days=n)).isoformat()))[0] for n in range(27)]
    newest_first = [f"/meetings/{m['id']}" for m in reversed(made)]
    phone = actions.participant_client(project["kari"])
    response = phone.get("/search?q=leseplan")
    assert groups(response) == {"Møter": newest_first[:5]}
    assert '<span class="count">27</span>' in results(response)
    assert 'href="/search?q=leseplan&amp;kind=meetings">Vis alle 27</a>' in results(response)
    first = phone.get("/search?q=leseplan&kind=meetings")
    assert groups(first) == {"Møter": newest_first[:20]}
    assert 'href="/search?q=leseplan&amp;kind=meetings&amp;page=2"' in results(first)
    assert groups(phone.get("/search?q=leseplan&kind=meetings&page=2")) == {"Møter": newest_first[20:]}


def test_a_change_is_found_at_the_next_search(actions, project):
    phone = actions.participant_client(project["kari"])
    assert groups(phone.get("/search?q=budsjett"))["Møter"]  # the index is made
    actions.store().update("meetings", project["meeting"]["id"], {"notes": "Vi lagde en dugnadsplan."})
    assert "Møter" not in groups(phone.get("/search?q=budsjett"))
    assert groups(phone.get("/search?q=dugnadsplan")) == {"Møter": [f"/meetings/{project['meeting']['id']}"]}
    actions.store().update("schools", project["school"]["id"], {"name": "Dalby skole"})
    assert groups(phone.get("/search?q=dalby+dugnadsplan")) == {"Møter": [f"/meetings/{project['meeting']['id']}"]}


# --- the per-school view ------------------------------------------------------------------------------------

def test_a_school_shows_its_open_responsibilities_overdue_first_and_its_meetings_newest_first(actions, project):
    store = actions.store()
    school, kari = project["school"], project["kari"]
    other = actions.school("Dalby skole")
    today = local_today()

    def responsibility(what: str, due, status: str = "not_started", at: dict = school) -> dict:
        return store.create("responsibilities", {
            "what": what, "owner": kari["id"], "side": "kommune", "due": due.isoformat() if due else None,
            "status": status, "meeting": None, "school": at["id"]})[0]

    later = responsibility("Kommer senere", today + timedelta(days=10))
    undated = responsibility("Uten frist", None)
    overdue = responsibility("Forsinket", today - timedelta(days=3))
    responsibility("Ferdig allerede", today - timedelta(days=9), status="done")
    responsibility("Annen skoles ansvar", today - timedelta(days=5), at=other)
    old = store.create("meetings", meeting_record(school, kari, day="2020-01-15"))[0]  # the fixture's is 2026-11-02
    store.create("meetings", meeting_record(other, kari, day="2026-11-03"))
    phone = actions.participant_client(project["per"])
    response = phone.get(f"/schools/{school['id']}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>Fjellby skole</h1>" in text
    listed = re.findall(r'href="/responsibilities/([^"]+)"', text)
    # The fixture's responsibility (in progress, no due date) is open too; those without a date by name.
    assert listed == [overdue["id"], later["id"], project["responsibility"]["id"], undated["id"]]
    assert re.findall(r'href="/meetings/([0-9a-f-]{36})"', text) == [project["meeting"]["id"], old["id"]]
    assert "Annen skoles ansvar" not in text and "Ferdig allerede" not in text
    # The school's name on a meeting and on a responsibility leads here.
    link = f'href="/schools/{school["id"]}"'
    assert link in phone.get(f"/meetings/{old['id']}").get_data(as_text=True)
    assert link in phone.get(f"/responsibilities/{overdue['id']}").get_data(as_text=True)
    assert phone.get(f"/schools/{uuid.uuid4()}").status_code == 404
    assert phone.get("/schools/not-an-id").status_code == 404


def test_a_school_pages_its_meetings(actions, project):
    store = actions.store()
    start = local_today() - timedelta(days=100)
    for n in range(24):
        store.create("meetings", meeting_record(project["school"], project["kari"], day=(start + timedelta(days=n)).isoformat()))
    leader = actions.leader_client()
    first = leader.get(f"/schools/{project['school']['id']}").get_data(as_text=True)
    second = leader.get(f"/schools/{project['school']['id']}?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/meetings/[0-9a-f-]{36}"', first)) == 20
    assert len(re.findall(r'href="/meetings/[0-9a-f-]{36}"', second)) == 5  # 24 and the fixture's
    assert f'href="/schools/{project["school"]["id"]}?page=2"' in first



def test_a_school_shows_its_first_open_responsibilities_and_all_on_request(actions, project):
    store = actions.store()
    for n in range(31):  # and the fixture's: 32 open
        store.create("responsibilities", {"what": f"Oppgave {n:02d}", "owner": project["kari"]["id"], "side": "kommune",
                                          "due": f"2026-01-{n + 1:02d}", "status": "not_started", "meeting": None,
                                          "school": project["school"]["id"]})
    phone = actions.participant_client(project["kari"])
    url = f"/schools/{project['school']['id']}"
    first = phone.get(url).get_data(as_text=True)
    assert len(re.findall(r'href="/responsibilities/[0-9a-f-]{36}"', first)) == 30 and "Oppgave 29" in first
    assert '<span class="count">32</span>' in first and f'href="{url}?open=all">Vis alle 32</a>' in first
    assert len(re.findall(r'href="/responsibilities/[0-9a-f-]{36}"', phone.get(f"{url}?open=all").get_data(as_text=True))) == 32

# --- the text rules (core/text_search.py) -------------------------------------------------------------------

def test_folding_keeps_the_norwegian_letters_and_drops_other_accents():
    assert fold("ÆØÅ Café Über Straße") == "æøå cafe uber strasse"
    assert fold("A\u030Arsplan") == "årsplan"  # å written as a + ring is the same å
    assert query_words(" «Plan», plan  PLAN! møte ") == ["plan", "møte"]


def test_an_excerpt_is_cut_around_the_first_hit_and_marks_every_hit():
    text = "Innledning " * 20 + "Vi lagde en plan for lesing. " + "Avslutning " * 20
    parts = excerpt(text, ["plan", "lesing"])
    assert parts[0] == ("…", False) and parts[-1] == ("…", False)
    assert [piece for piece, hit in parts if hit] == ["plan", "lesing"]
    assert len("".join(piece for piece, _ in parts)) < 200
    assert excerpt("Kort tekst om plan", ["plan"]) == [("Kort tekst om ", False), ("plan", True)]
    # Where folding changes the length (ß is ss), the marks still fall on the original letters.
    assert [p for p, hit in excerpt("Große Straße og plan", ["strasse", "plan"]) if hit] == ["Straße", "plan"]


@pytest.mark.parametrize("laid_out_again_after", [200, 2])
def test_records_written_after_the_index_was_made_take_their_place_newest_first(actions, project, monkeypatch,
                                                                              laid_out_again_after):
    """The index is brought up to date after writes (new records in slots of their own, replaced and removed
    ones dead), or laid out afresh after many: the hits are still in order, counted once, paged without gaps."""
    monkeypatch.setattr(search_index, "REBUILD_MIN", laid_out_again_after)
    store = actions.store()
    school, kari = project["school"], project["kari"]

    def meeting(day: str, notes: str = "Skoledag") -> dict:
        return store.create("meetings", meeting_record(school, kari, notes=notes, day=day))[0]

    laid_out = [meeting(f"2025-0{month}-10") for month in range(1, 10)]
    phone = actions.participant_client(kari)
    assert len(groups(phone.get("/search?q=skoledag&kind=meetings"))["Møter"]) == 9  # the index is made
    added = [meeting(day) for day in ("2025-05-20", "2026-12-01", "2024-01-01", "2025-01-10")]
    store.update("meetings", laid_out[4]["id"], {"notes": "Skoledag med nytt innhold"})  # replaced: a new slot
    everything = sorted(laid_out + added, key=lambda m: (m["date"], m["created_at"]), reverse=True)
    assert groups(phone.get("/search?q=skoledag&kind=meetings")) == {"Møter": [f"/meetings/{m['id']}" for m in everything]}
    store.delete("meetings", laid_out[2]["id"])
    everything.remove(laid_out[2])
    response = phone.get("/search?q=skoledag&kind=meetings")
    assert groups(response) == {"Møter": [f"/meetings/{m['id']}" for m in everything]}
    assert '<span class="count">12</span>' in results(response)
    assert groups(phone.get("/search?q=skoledag")) == {"Møter": [f"/meetings/{m['id']}" for m in everything[:5]]}
    assert groups(phone.get("/search?q=innhold")) == {"Møter": [f"/meetings/{laid_out[4]['id']}"]}
    meeting("2025-02-02", notes="Helt ny tekst")
    assert len(groups(phone.get("/search?q=helt+tekst"))["Møter"]) == 1


def test_after_a_start_the_first_request_has_the_index_made_in_the_background(tmp_path):
    """Not in a test's app (its store closes under it); in a served one, the first request starts it."""
    import time

    from samskaping import create_app
    from samskaping.web.db import close_store
    from tests.conftest import Actions

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": False, "WTF_CSRF_ENABLED": True})
    try:
        actions = Actions(app)
        actions.store().create("meetings", {"date": "2026-11-02", "school": None, "notes": "Forhåndslaget"})
        assert actions.leader_client().get("/leader/").status_code == 200
        deadline = time.monotonic() + 10
        while len(app.extensions.get("samskaping_search_latest", {})) < len(search_index.KINDS):
            assert time.monotonic() < deadline, "the index was not made in the background"
            time.sleep(0.05)
        with app.test_request_context("/"):
            made = app.extensions["samskaping_search_latest"]["meetings"][1]
            assert search_index.kind_index("meetings") is made  # the search uses what was made in advance
    finally:
        close_store(app)
