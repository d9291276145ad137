"""Personvern: the leader sees everything stored about one person, hands it over, and can erase them without a trace."""
from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path

import pytest

from samskaping.core.erasure.plan import plan_erasure
from samskaping.core.personal_data import Subject, name_matcher, name_pattern, replace_risk

NAME = "Kåre Ødegård"
STATEMENTS = ("5a3c1e00-0000-4000-8000-0000000051a1", "5a3c1e00-0000-4000-8000-0000000051a2")


def form_id(page: str) -> str:
    return re.search(r'name="id" type="hidden" value="([^"]+)"', page).group(1)


def give_feedback(phone, to: dict, worked: str) -> None:
    page = phone.get("/feedback/new").get_data(as_text=True)
    response = phone.post("/feedback/new", data={"csrf_token": csrf_from(page), "id": form_id(page), "to": to["id"],
                                                 "about": "", "worked": worked, "improve": ""})
    assert response.status_code == 303


def record_meeting(phone, school: dict, attendees: list[dict], notes: str, agreed: list[tuple[str, dict]]) -> str:
    page = phone.get("/meetings/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "id": form_id(page), "date": "2026-11-20", "school": school["id"],
            "type": "planning", "attendees": [p["id"] for p in attendees], "guests": "", "agenda": "Plan",
            "notes": notes, "decisions": "", "action": "save"}
    for index, (what, owner) in enumerate(agreed):
        data |= {f"responsibilities-{index}-what": what, f"responsibilities-{index}-owner": owner["id"],
                 f"responsibilities-{index}-due": "2026-12-01"}
    response = phone.post("/meetings/new", data=data)
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def follow_up(phone, responsibility_id: str, comment: str) -> None:
    url = f"/responsibilities/{responsibility_id}"
    page = phone.get(url).get_data(as_text=True)
    response = phone.post(url, data={"csrf_token": csrf_from(page), "id": form_id(page), "status": "in_progress",
                                     "comment": comment})
    assert response.status_code == 303


@pytest.fixture
def world(actions):
    """Kåre, Ola and Per at one school, with one of each kind of record that can be about Kåre,
    made through the app's own forms (the three F's tables directly in the store)."""
    school = actions.school()
    kare = actions.person(NAME, school=school)
    ola = actions.person("Ola Nordmann", side="entreprenor", school=school)
    per = actions.person("Per Tredje", school=school)
    kare_phone, ola_phone, per_phone = (actions.participant_client(p) for p in (kare, ola, per))
    kares_meeting = record_meeting(kare_phone, school, [kare, ola], "Godt møte.",
                                   [("Lage timeplan", kare), ("Forberede økt", ola)])
    olas_meeting = record_meeting(ola_phone, school, [ola, kare, per], f"{NAME} lovet å ringe rektor.", [])
    store = actions.store()
    agreed = {r["what"]: r for r in store.find("responsibilities")}
    follow_up(kare_phone, agreed["Forberede økt"]["id"], "Jeg hjelper Ola med dette")
    give_feedback(kare_phone, ola, "Fra Kåre til Ola: god økt")
    give_feedback(ola_phone, kare, "Fra Ola til Kåre: tydelig plan")
    give_feedback(ola_phone, per, "Fra Ola til Per: hemmelig for andre")
    charter, _ = store.create("charters", {"version": 3, "goal": "Felles mål"})
    store.create("acceptances", {"person": kare["id"], "charter": charter["id"], "version": 3, "side": "kommune"},
                 author=kare["id"])
    store.create("questions", {"person": kare["id"], "charter": charter["id"], "version": 3,
                               "text": "Hva betyr punkt 2?", "answer": "Det betyr samarbeid."}, author=kare["id"])
    s1, s2 = STATEMENTS
    round_, _ = store.create("rounds", {"title": "Høsten 2026", "status": "open", "closes_on": None, "closed_at": None,
                                        "statement_ids": [s1, s2],
                                        "invited": [{"id": kare["id"], "side": "kommune"},
                                                    {"id": ola["id"], "side": "entreprenor"}]})
    store.create("answers", {"round": round_["id"], "person": kare["id"], "side": "kommune",
                             "values": {s1: 4, s2: 2}, "comment": "Kåres barometerkommentar"}, author=kare["id"])
    [device] = store.find("devices", person=kare["id"])
    return {"school": school, "kare": kare, "ola": ola, "per": per, "kare_phone": kare_phone, "ola_phone": ola_phone,
            "kares_meeting": kares_meeting, "olas_meeting": olas_meeting, "agreed": agreed, "round": round_,
            "device": device, "charter": charter}


def data_files(app) -> dict[str, bytes]:
    """Every file in the data folder (the database, its journal, uploads waiting for import...)."""
    folder = Path(app.config["DATA_DIR"])
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def erase(leader, person: dict, typed: str, replace_mentions: bool = True):
    url = f"/leader/privacy/{person['id']}/erase"
    page = leader.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": typed}
    if replace_mentions:
        data["replace_mentions"] = "y"
    return leader.post(url, data=data)


def test_innsyn_lists_every_kind_of_record_about_the_person_and_not_other_peoples(world, actions):
    response = actions.leader_client().get(f"/leader/privacy/{world['kare']['id']}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Alt som er lagret om Kåre Ødegård" in page
    # Feedback to and from them, in full; someone else's feedback is not there.
    assert "Fra Ola til Kåre: tydelig plan" in page and "Fra Kåre til Ola: god økt" in page
    assert "hemmelig for andre" not in page
    for text in ("Lage timeplan", "Jeg hjelper Ola med dette", "Hva betyr punkt 2?", "Det betyr samarbeid.",
                 "Godtatt versjon 3", "Koblet til en telefon"):
        assert text in page, text
    # Both meetings: the one they wrote and the one they only attended.
    assert f"/meetings/{world['kares_meeting']}" in page and f"/meetings/{world['olas_meeting']}" in page
    # The responsibility they own is listed; Ola's (which they only followed up) under follow-ups.
    owned = page[page.index('id="responsibilities"'):page.index('id="followups"')]
    assert "Lage timeplan" in owned and "Forberede økt" not in owned
    # Their phone, with when it was connected; never its secret.
    devices = page[page.index('id="devices"'):page.index('id="meetings"')]
    assert "koblet til" in devices and world["device"]["secret_hash"] not in page
    # Their name in Ola's meeting notes, where the leader can correct it.
    mentions = page[page.index('id="mentions"'):]
    assert "<mark>Kåre Ødegård</mark> lovet å ringe rektor." in mentions


def test_innsyn_shows_that_they_answered_the_barometer_but_not_what(world, actions):
    """The barometer promises the leader never sees one person's answers: the page says which round they
    answered, and when; the values and the comment are only in the file made for the person."""
    leader = actions.leader_client()
    page = leader.get(f"/leader/privacy/{world['kare']['id']}").get_data(as_text=True)
    answers = page[page.index('id="answers"'):page.index('id="audit"')]
    assert "Svarte på barometerrunden «Høsten 2026»" in answers
    assert re.search(r"\d\d\.\d\d\.\d{4}", answers)
    assert "Kåres barometerkommentar" not in page and STATEMENTS[0] not in page
    assert "ligger i filen til personen" in answers
    document = leader.get(f"/leader/privacy/{world['kare']['id']}.json").get_json()
    [answer] = document["answers"]
    assert answer["comment"] == "Kåres barometerkommentar" and answer["values"] == {STATEMENTS[0]: 4, STATEMENTS[1]: 2}


def test_a_barometer_comment_naming_them_is_not_shown_on_the_page(world, actions):
    store = actions.store()
    ola = world["ola"]
    store.create("answers", {"round": world["round"]["id"], "person": ola["id"], "side": "entreprenor",
                             "values": {STATEMENTS[0]: 5}, "comment": f"{NAME} gjør en god jobb"}, author=ola["id"])
    page = actions.leader_client().get(f"/leader/privacy/{world['kare']['id']}").get_data(as_text=True)
    assert "gjør en god jobb" not in page
    assert "En kommentar i barometeret nevner dem" in page[page.index('id="mentions"'):]


def test_someone_elses_innsyn_does_not_show_their_feedback(world, actions):
    page = actions.leader_client().get(f"/leader/privacy/{world['per']['id']}").get_data(as_text=True)
    assert "hemmelig for andre" in page
    assert "tydelig plan" not in page and "god økt" not in page and "Kåres barometerkommentar" not in page


def test_innsyn_as_a_json_file_to_hand_over(world, actions):
    leader = actions.leader_client()
    response = leader.get(f"/leader/privacy/{world['kare']['id']}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "innsyn-kare-odegard.json" in response.headers["Content-Disposition"]
    document = response.get_json()
    assert document["format"] == "samskaping-innsyn" and document["person"]["name"] == NAME
    assert [f["worked"] for f in document["feedback_received"]] == ["Fra Ola til Kåre: tydelig plan"]
    assert [f["worked"] for f in document["feedback_given"]] == ["Fra Kåre til Ola: god økt"]
    assert [r["what"] for r in document["responsibilities"]] == ["Lage timeplan"]
    assert {m["id"] for m in document["meetings"]} == {world["kares_meeting"], world["olas_meeting"]}
    assert [d["id"] for d in document["devices"]] == [world["device"]["id"]]
    assert [m["fields"] for m in document["mentions"]] == [["notes"]]
    assert document["names"][world["ola"]["id"]] == "Ola Nordmann"
    raw = response.get_data(as_text=True)
    assert "secret_hash" not in raw and "join_token_hash" not in raw and "hemmelig for andre" not in raw
    # Handing out personal data is logged (who and when).
    assert actions.store().find("audit", event="privacy_download")


def test_erasure_leaves_no_trace_in_the_database_files(world, actions, app):
    leader = actions.leader_client()
    kare, store = world["kare"], actions.store()
    # An export uploaded for import and never confirmed waits in the data folder: it holds Kåre too.
    with app.test_request_context():
        from samskaping.core.exchange.export import installation_id, json_chunks, take_snapshot
        with take_snapshot(store, installation=installation_id(store)) as snapshot:
            exported = b"".join(json_chunks(snapshot))
    token = actions.token(leader, "/leader/import/")
    waiting = leader.post("/leader/import/", data={"csrf_token": token, "file": (io.BytesIO(exported), "eldre.json")},
                          content_type="multipart/form-data")
    assert waiting.status_code == 303 and kare["id"].encode() in b"".join(data_files(app).values())
    response = erase(leader, kare, "  kåre  ødegård ")  # case and spacing do not matter
    assert response.status_code == 303 and response.headers["Location"] == "/leader/"
    raw = b"".join(data_files(app).values())
    for trace in (NAME.encode(), json.dumps(NAME).strip('"').encode(), kare["id"].encode(),
                  world["device"]["id"].encode(), "Kåre".encode(), json.dumps("Kåre").strip('"').encode()):
        assert trace not in raw, trace
    assert data_files(app)["samskaping.json.journal"] == b""  # compacted: no old versions left
    assert store.get("people", kare["id"]) is None


def test_erasure_deletes_their_own_records_and_anonymises_the_shared_ones(world, actions):
    leader = actions.leader_client()
    kare, store = world["kare"], actions.store()
    assert erase(leader, kare, NAME).status_code == 303
    assert [f["worked"] for f in store.find("feedback")] == ["Fra Ola til Per: hemmelig for andre"]
    assert store.find("acceptances") == store.find("questions") == store.find("answers") == []
    assert store.find("devices", person=kare["id"]) == []
    # The meeting they wrote is kept, without its author or their device; they no longer attended.
    meeting = store.get("meetings", world["kares_meeting"])
    assert meeting["notes"] == "Godt møte." and meeting["author"] is None and meeting["device"] is None
    assert meeting["attendees"] == [world["ola"]["id"]]
    # The responsibility they owned is kept, with no owner; their follow-up is kept, anonymous.
    owned = store.get("responsibilities", world["agreed"]["Lage timeplan"]["id"])
    assert owned["what"] == "Lage timeplan" and owned["owner"] is None and owned["author"] is None
    [followup] = store.find("followups")
    assert followup["comment"] == "Jeg hjelper Ola med dette" and followup["author"] is None
    assert followup["device"] is None
    assert store.get("responsibilities", world["agreed"]["Forberede økt"]["id"])["owner"] == world["ola"]["id"]
    assert store.get("rounds", world["round"]["id"])["invited"] == [{"id": world["ola"]["id"], "side": "entreprenor"}]
    # The name written in Ola's notes is replaced, the rest of the text kept.
    assert store.get("meetings", world["olas_meeting"])["notes"] == "(slettet person) lovet å ringe rektor."
    # Nobody else is touched.
    assert store.get("people", world["ola"]["id"])["name"] == "Ola Nordmann"
    assert store.get("meetings", world["olas_meeting"])["author"] == world["ola"]["id"]


def test_erasure_is_logged_once_without_saying_who(world, actions):
    leader = actions.leader_client()
    assert erase(leader, world["kare"], NAME).status_code == 303
    [entry] = actions.store().find("audit", event="person_erased")
    assert entry["leader"] is True and entry["author"] is None
    assert world["kare"]["id"] not in json.dumps(entry) and "Kåre" not in json.dumps(entry, ensure_ascii=False)


def test_their_phone_is_refused_after_erasure_and_a_second_erasure_finds_nobody(world, actions):
    leader = actions.leader_client()
    phone = world["kare_phone"]
    assert phone.get("/meetings/new").status_code == 200
    url = f"/leader/privacy/{world['kare']['id']}/erase"
    token = csrf_from(leader.get(url).get_data(as_text=True))
    assert leader.post(url, data={"csrf_token": token, "name": NAME}).status_code == 303
    assert phone.get("/meetings/new").status_code == 401
    assert phone.get("/feedback/").status_code == 401
    assert leader.post(url, data={"csrf_token": token, "name": NAME}).status_code == 404
    assert leader.get(f"/leader/privacy/{world['kare']['id']}").status_code == 404


def test_shared_pages_still_open_after_erasure(world, actions):
    leader = actions.leader_client()
    assert erase(leader, world["kare"], NAME).status_code == 303
    for url in (f"/meetings/{world['kares_meeting']}", f"/responsibilities/{world['agreed']['Lage timeplan']['id']}",
                "/responsibilities/", "/feedback/", "/leader/"):
        response = leader.get(url)
        assert response.status_code == 200, url
        assert "Kåre" not in response.get_data(as_text=True), url


def test_a_wrong_name_changes_nothing(world, actions, app):
    leader = actions.leader_client()
    before = data_files(app)
    response = erase(leader, world["kare"], "Kåre Ødegaard")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Det er ikke navnet på personen. Ingenting er slettet." in page
    assert data_files(app) == before
    assert world["kare_phone"].get("/meetings/new").status_code == 200


def test_without_replacing_mentions_the_texts_are_left_for_the_leader(world, actions):
    leader = actions.leader_client()
    assert erase(leader, world["kare"], NAME, replace_mentions=False).status_code == 303
    assert actions.store().get("meetings", world["olas_meeting"])["notes"] == f"{NAME} lovet å ringe rektor."


def test_a_leader_whose_browser_is_also_the_persons_phone_is_not_named_in_the_log(world, actions):
    leader = actions.leader_client()
    path = actions.join_path(world["kare"])
    assert leader.post(path, data={"csrf_token": actions.token(leader, path)}).status_code == 303
    assert erase(leader, world["kare"], NAME).status_code == 303
    [entry] = actions.store().find("audit", event="person_erased")
    assert entry["author"] is None and entry["device"] is None


def test_the_confirm_page_says_what_will_happen(world, actions):
    page = actions.leader_client().get(f"/leader/privacy/{world['kare']['id']}/erase").get_data(as_text=True)
    assert "Slett Kåre Ødegård" in page and "Dette kan ikke angres." in page
    assert "lovet å ringe rektor" in page and 'name="replace_mentions"' in page


@pytest.mark.parametrize("method, suffix", [("GET", ""), ("GET", ".json"), ("GET", "/erase"), ("POST", "/erase")])
def test_participants_and_anonymous_visitors_are_refused(world, actions, app, method, suffix):
    url = f"/leader/privacy/{world['kare']['id']}{suffix}"
    data = {"name": NAME} if method == "POST" else None
    as_participant = world["ola_phone"].open(url, method=method, data=data)
    assert as_participant.status_code == 403
    anonymous = app.test_client().open(url, method=method, data=data)
    assert anonymous.status_code in (302, 303) and "/leader/login" in anonymous.headers["Location"]
    assert "Kåre" not in as_participant.get_data(as_text=True) + anonymous.get_data(as_text=True)
    assert actions.store().get("people", world["kare"]["id"]) is not None


def test_the_name_is_matched_as_whole_words_also_in_the_genitive():
    pattern = name_pattern("Kari  Nordmann")
    assert pattern.search("Møte med Kari Nordmann i dag") and pattern.search("Kari Nordmanns plan")
    assert pattern.search("Kari\nNordmann")
    assert not pattern.search("Kari Nordmannsen") and not pattern.search("Skari Nordmann")
    # The same capital letters: "per uke" is not Per.
    assert not pattern.search("Møte med kari nordmann i dag")
    assert not name_pattern("Per").search("to ganger per uke") and name_pattern("Per").search("Per kom")


def test_the_name_is_not_found_inside_someone_elses_full_name():
    matcher = name_matcher("Per", ["Per Hansen", "Per Olsens skole", "Kari Nordmann"])
    text = "Per Hansen og Per møttes ved Per Olsens skole, to ganger per uke. Pers plan."
    assert [m.start() for m in matcher.finditer(text)] == [text.index("Per møttes"), text.index("Pers plan")]
    assert matcher.sub("(slettet person)", text) == ("Per Hansen og (slettet person) møttes ved Per Olsens skole, "
                                                     "to ganger per uke. (slettet person)s plan.")
    assert replace_risk("Per", []) == "one_word"
    assert replace_risk("Kari Nordmann", ["Kari  Nordmann"]) == "shared"
    assert replace_risk("Kari Nordmann", ["Kari Nordmann Berg"]) is None


def test_an_erasure_plan_never_renames_people_schools_or_the_project():
    person, other, school = (str(uuid.uuid4()) for _ in range(3))
    subject = Subject(person, "Kari Nordmann", other_names=frozenset({"Kari Nordmann Berg", "Kari Nordmanns skole"}))
    records = {
        "people": [{"id": person, "name": "Kari Nordmann"}, {"id": other, "name": "Kari Nordmann Berg",
                                                             "role": "Kari Nordmann sin vikar"}],
        "schools": [{"id": school, "name": "Kari Nordmanns skole"}],
        "charters": [{"id": str(uuid.uuid4()), "name": "Kari Nordmann-prosjektet", "goal": "Kari Nordmann leder."}],
        "meetings": [{"id": "m", "notes": "Kari Nordmann Berg og Kari Nordmann kom til Kari Nordmanns skole."}],
    }
    puts = dict(plan_erasure(subject, records, "(slettet person)", now="2026-11-28T00:00:00+00:00").puts)
    assert puts["meetings"]["notes"] == "Kari Nordmann Berg og (slettet person) kom til Kari Nordmanns skole."
    assert puts["people"] == {"id": other, "name": "Kari Nordmann Berg", "role": "(slettet person) sin vikar",
                              "updated_at": "2026-11-28T00:00:00+00:00", "updated_by": None, "updated_device": None}
    assert "schools" not in puts
    assert puts["charters"]["name"] == "Kari Nordmann-prosjektet" and puts["charters"]["goal"] == "(slettet person) leder."


@pytest.fixture
def per_world(actions):
    """Per (a first name alone), Per Hansen (someone else) and a school named after a Per."""
    school = actions.school("Per Olsens skole")
    per = actions.person("Per", school=school)
    hansen = actions.person("Per Hansen", school=school)
    store = actions.store()
    meeting, _ = store.create("meetings", {
        "date": "2026-11-20", "school": school["id"], "type": "planning", "attendees": [per["id"], hansen["id"]],
        "guests": "", "agenda": "", "decisions": "",
        "notes": "Vi møtes to ganger per uke. Per Hansen leder møtet. Per kom for sent."})
    return {"school": school, "per": per, "hansen": hansen, "meeting": meeting}


def test_a_one_word_name_is_listed_but_not_replaced_unless_the_leader_ticks_the_box(per_world, actions):
    leader, store = actions.leader_client(), actions.store()
    page = leader.get(f"/leader/privacy/{per_world['per']['id']}/erase").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="replace_mentions"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "Navnet er ett enkelt ord" in page
    # Listed: Per where he is meant; not "per uke", not Per Hansen.
    assert "<mark>Per</mark> kom for sent" in page and "<mark>per</mark>" not in page
    assert "<mark>Per</mark> Hansen" not in page
    assert erase(leader, per_world["per"], "Per", replace_mentions=False).status_code == 303
    assert store.get("meetings", per_world["meeting"]["id"])["notes"] == (
        "Vi møtes to ganger per uke. Per Hansen leder møtet. Per kom for sent.")
    assert store.get("schools", per_world["school"]["id"])["name"] == "Per Olsens skole"
    assert store.get("people", per_world["hansen"]["id"])["name"] == "Per Hansen"


def test_a_ticked_one_word_name_is_replaced_only_where_it_is_the_person(per_world, actions):
    store = actions.store()
    assert erase(actions.leader_client(), per_world["per"], "Per", replace_mentions=True).status_code == 303
    assert store.get("meetings", per_world["meeting"]["id"])["notes"] == (
        "Vi møtes to ganger per uke. Per Hansen leder møtet. (slettet person) kom for sent.")
    assert store.get("schools", per_world["school"]["id"])["name"] == "Per Olsens skole"
    assert store.get("people", per_world["hansen"]["id"])["name"] == "Per Hansen"


def test_a_full_name_is_replaced_by_default_but_not_in_someone_elses_longer_name(actions):
    leader, store = actions.leader_client(), actions.store()
    school = actions.school()
    kare = actions.person(NAME, school=school)
    actions.person(f"{NAME} Berg", school=school)
    meeting, _ = store.create("meetings", {
        "date": "2026-11-20", "school": school["id"], "type": "planning", "attendees": [], "guests": "",
        "agenda": "", "decisions": "", "notes": f"{NAME} Berg hilste på {NAME}."})
    page = leader.get(f"/leader/privacy/{kare['id']}/erase").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="replace_mentions"[^>]*>', page).group(0)
    assert erase(leader, kare, NAME).status_code == 303
    assert store.get("meetings", meeting["id"])["notes"] == f"{NAME} Berg hilste på (slettet person)."


def test_an_erasure_plan_cuts_every_pointer_and_keeps_the_rest():
    person, device, other = (str(uuid.uuid4()) for _ in range(3))
    subject = Subject(person, "Kari Nordmann", frozenset({device}))
    records = {
        "people": [{"id": person, "name": "Kari Nordmann"}],
        "meetings": [{"id": "m", "attendees": [person, other], "author": other, "device": device, "notes": "x"}],
        "rounds": [{"id": "r", "invited": [{"id": person, "side": "kommune"}, {"id": other, "side": "kommune"}]}],
        "feedback": [{"id": "f", "to": other, "author": person, "worked": "Bra"}],
        "conflicts": [{"id": "c", "table": "feedback", "record_id": "f", "kept": {}, "lost": {}}],
    }
    plan = plan_erasure(subject, records, now="2026-11-28T00:00:00+00:00")
    assert plan.deletes == [("feedback", "f"), ("conflicts", "c"), ("people", person)]
    puts = dict(plan.puts)
    assert puts["meetings"] == {"id": "m", "attendees": [other], "author": other, "device": None, "notes": "x",
                                "updated_at": "2026-11-28T00:00:00+00:00", "updated_by": None,
                                "updated_device": None}
    assert puts["rounds"]["invited"] == [{"id": other, "side": "kommune"}]


# ---- Closed barometer rounds: their published results never move, not even when someone is erased ------

from datetime import datetime, timezone  # noqa: E402

from samskaping.core.barometer_stats import answer_id, round_result  # noqa: E402
from samskaping.core.erasure.erase import TOMBSTONES_ID, tomb  # noqa: E402
from samskaping.core.erasure.plan import unlinked_answer_id  # noqa: E402
from tests.conftest import csrf_from

F_STATEMENTS = {"5a3c1e00-0000-4000-8000-0000000052a1": "forstaelse", "5a3c1e00-0000-4000-8000-0000000052a2": "forankring",
                "5a3c1e00-0000-4000-8000-0000000052a3": "forpliktelse"}
CLOSED_AT = "2026-10-01T12:00:00.000000+00:00"


def closed_round(store, title: str, answers: list[tuple[dict, dict, str]]) -> dict:
    """A round closed by the leader, with one answer per (person, values by F, comment), stored under the
    id the barometer gives it (barometer_stats.answer_id: derived from the person id)."""
    invited = [{"id": person["id"], "side": person["side"]} for person, _values, _comment in answers]
    round_, _ = store.create("rounds", {"title": title, "status": "closed", "closes_on": None, "closed_at": CLOSED_AT,
                                        "statement_ids": list(F_STATEMENTS), "invited": invited})
    for person, values, comment in answers:
        by_id = {sid: values[f] for sid, f in F_STATEMENTS.items()}
        store.create("answers", {"round": round_["id"], "person": person["id"], "side": person["side"],
                                 "values": by_id, "comment": comment, "client_updated_at": "2026-09-30T10:11:12.131415+00:00"},
                     author=person["id"], record_id=answer_id(round_["id"], person["id"]))
    return round_


@pytest.fixture
def closed_rounds(world, actions):
    """Two closed rounds, each answered by three people on each side (so both sides' numbers are shown),
    Kåre among them; in the second his comment names him."""
    store = actions.store()
    for sid, f in F_STATEMENTS.items():
        store.create("statements", {"f": f, "text": f"Påstand om {f}", "position": 1, "active": True}, record_id=sid)
    others = [store.create("people", {"name": name, "side": side, "role": "Lærer", "school": None, "active": True})[0]
              for name, side in (("Siri Lund", "kommune"), ("Ali Berg", "entreprenor"), ("Eva Dahl", "entreprenor"))]
    siri, ali, eva = others
    people = [world["kare"], world["per"], siri, world["ola"], ali, eva]
    values = [{"forstaelse": 5, "forankring": 1, "forpliktelse": 2}, {"forstaelse": 3, "forankring": 4, "forpliktelse": 4},
              {"forstaelse": 2, "forankring": 2, "forpliktelse": 5}, {"forstaelse": 4, "forankring": 4, "forpliktelse": 1},
              {"forstaelse": 1, "forankring": 5, "forpliktelse": 3}, {"forstaelse": 2, "forankring": 3, "forpliktelse": 3}]
    spring = closed_round(store, "Våren 2026", [(p, v, f"Kommentar {n}") for n, (p, v) in enumerate(zip(people, values))])
    autumn = closed_round(store, "Sommeren 2026", [(p, v, "") for p, v in zip(people, values)])
    store.update("answers", answer_id(autumn["id"], world["kare"]["id"]), {"comment": f"Hilsen {NAME}: mer tid, takk"})
    return {"spring": spring, "autumn": autumn, "people": people, "values": values}


def published(store, round_id: str) -> dict:
    """What the results page may show of a round: means per F and side, gaps, counts, rate and comments."""
    statements = {s["id"]: s for s in store.find("statements")}
    result = round_result(store.get("rounds", round_id), store.find("answers"), statements, datetime.now(timezone.utc))
    return {key: value for key, value in result.items() if key != "round"}


def test_erasing_someone_who_answered_a_closed_round_leaves_its_results_as_they_were(world, closed_rounds, actions, app):
    store, kare = actions.store(), world["kare"]
    spring, autumn = closed_rounds["spring"], closed_rounds["autumn"]
    before = {r["id"]: published(store, r["id"]) for r in (spring, autumn)}
    assert before[spring["id"]]["shown"] == {"kommune": True, "entreprenor": True}
    assert before[spring["id"]]["by_f"][0]["means"]["kommune"] == pytest.approx(10 / 3)
    old_ids = [answer_id(r["id"], kare["id"]) for r in (spring, autumn)]
    old = store.get("answers", old_ids[0])

    assert erase(actions.leader_client(), kare, NAME).status_code == 303

    assert published(store, spring["id"]) == before[spring["id"]]
    after = published(store, autumn["id"])
    assert after["by_f"] == before[autumn["id"]]["by_f"] and after["answered"] == before[autumn["id"]]["answered"]
    assert after["rate"] == before[autumn["id"]]["rate"]
    # Kept under a new id, with nothing that leads to him; the old id (derived from his) is tombstoned.
    [kept] = [a for a in store.find("answers", round=spring["id"]) if a["person"] is None]
    assert kept["values"] == old["values"] and kept["side"] == "kommune" and kept["comment"] == "Kommentar 0"
    assert kept["id"] == unlinked_answer_id(old) and kept["id"] not in old_ids
    assert kept["author"] is kept["device"] is kept["updated_by"] is kept["updated_device"] is None
    assert kept["created_at"] == spring["created_at"] and "client_updated_at" not in kept
    assert all(store.get("answers", old_id) is None for old_id in old_ids)
    tombstones = store.get("settings", TOMBSTONES_ID)
    assert {tomb(old_id) for old_id in old_ids} <= set(tombstones["records"])
    # His comment that names him is taken out; the others' comments stay.
    [kept_autumn] = [a for a in store.find("answers", round=autumn["id"]) if a["person"] is None]
    assert kept_autumn["comment"] == ""
    # The open round's answer is deleted: its results are not shown yet, so nothing published moves.
    assert store.find("answers", round=world["round"]["id"]) == []
    raw = b"".join(data_files(app).values())
    for trace in (kare["id"], world["device"]["id"], *old_ids, NAME, json.dumps(NAME).strip('"'), "Kåre",
                  json.dumps("Kåre").strip('"')):
        assert trace.encode() not in raw, trace


def test_the_erase_page_says_that_answers_to_closed_rounds_are_kept_without_a_link(world, closed_rounds, actions):
    page = actions.leader_client().get(f"/leader/privacy/{world['kare']['id']}/erase").get_data(as_text=True)
    assert "2 barometersvar til runder som er avsluttet" in page


def test_erasing_two_people_of_one_side_keeps_that_side_shown(world, closed_rounds, actions):
    store = actions.store()
    spring = closed_rounds["spring"]
    before = published(store, spring["id"])
    leader = actions.leader_client()
    assert erase(leader, world["kare"], NAME).status_code == 303
    assert erase(leader, world["per"], "Per Tredje").status_code == 303
    assert published(store, spring["id"]) == before


def test_an_erasure_plan_unlinks_closed_rounds_answers_and_deletes_open_rounds_answers():
    person, other = str(uuid.uuid4()), str(uuid.uuid4())
    subject = Subject(person, "Kari Nordmann")
    answer = {"id": "a1", "round": "closed", "person": person, "side": "kommune", "values": {"s": 4},
              "comment": "Kari Nordmann mener dette", "created_at": "2026-09-30T10:00:00.123456+00:00",
              "updated_at": "2026-09-30T10:00:00.123456+00:00", "author": person, "device": other}
    records = {"answers": [answer, {**answer, "id": "a2", "round": "open"}]}
    rounds = {"closed": {"id": "closed", "created_at": "2026-09-01T08:00:00.000000+00:00"}}
    plan = plan_erasure(subject, records, now="2026-11-28T00:00:00+00:00", closed_rounds=rounds)
    assert plan.deletes == [("answers", "a1"), ("answers", "a2")] and plan.unlinked == 1
    assert plan.deleted == 1 and plan.kept == 0
    [(table, kept)] = plan.puts
    assert table == "answers" and kept == {
        "id": unlinked_answer_id(answer), "round": "closed", "person": None, "side": "kommune", "values": {"s": 4},
        "comment": "", "created_at": "2026-09-01T08:00:00.000000+00:00", "updated_at": "2026-11-28T00:00:00+00:00",
        "author": None, "device": None, "updated_by": None, "updated_device": None}
    # The same old record gives the same new id on every laptop; any other record another one.
    assert unlinked_answer_id(dict(answer)) == kept["id"]
    assert unlinked_answer_id({**answer, "created_at": "2026-09-30T10:00:00.123457+00:00"}) != kept["id"]
    # Without closed rounds (or for an open one), the answer is simply deleted.
    assert plan_erasure(subject, records).puts == []
