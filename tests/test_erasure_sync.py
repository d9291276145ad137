"""An erased person stays erased: an older export does not bring them back, another laptop that still holds
them erases them at the next sync, and what it wrote about them meanwhile does not travel."""
from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest
from test_imports import confirm, upload
from test_privacy import NAME, closed_rounds, erase, published, world  # noqa: F401  (fixtures)
from test_sync import Browser, Laptop, running_laptops

from samskaping.core.barometer_stats import answer_id
from samskaping.core.erasure.erase import TOMBSTONES_ID, Tombstones, tomb
from samskaping.core.erasure.on_merge import Screen
from samskaping.core.exchange.export import json_chunks, take_snapshot
from samskaping.core.exchange.merge import apply
from samskaping.store.database import Store
from samskaping.web.db import close_store

ESCAPED_NAME = json.dumps(NAME).strip('"')


def exported(store) -> dict:
    """The JSON export, as the export page writes it."""
    with take_snapshot(store) as snapshot:
        return json.loads(b"".join(json_chunks(snapshot)))


def every_file(folder: Path | str) -> bytes:
    """Every file in a data folder and its subfolders (database, journal, kept uploads, keys, whatever
    else is there), as bytes: an erased person must not be in any of them."""
    files = sorted(path for path in Path(folder).rglob("*") if path.is_file())
    assert files, folder
    return b"".join(path.read_bytes() for path in files)


def data_folder(app) -> bytes:
    return every_file(app.config["DATA_DIR"])


def traces_in(raw: bytes, *ids: str) -> list[str]:
    found = [trace for trace in (NAME, ESCAPED_NAME, "Kåre", json.dumps("Kåre").strip('"'), *ids)
             if trace.encode() in raw]
    return found


# ---- One laptop: an export made before the erasure is imported again ---------------------------------

def test_an_older_export_does_not_bring_an_erased_person_back(world, actions, app):
    kare, store = world["kare"], actions.store()
    older = exported(store)
    assert kare["id"] in {p["id"] for p in older["tables"]["people"]} and "erased" not in older
    leader = actions.leader_client()
    assert erase(leader, kare, NAME).status_code == 303
    after = actions.store().get("settings", TOMBSTONES_ID)
    assert tomb(kare["id"]) in after["person"] and tomb(world["device"]["id"]) in after["person"]
    settled = {table: sorted(json.dumps(r, sort_keys=True) for r in store.find(table))
               for table in ("people", "meetings", "responsibilities", "followups", "feedback", "rounds")}

    response = upload(leader, actions, json.dumps(older, ensure_ascii=False).encode(), "eldre-eksport.json")
    assert response.status_code == 303
    preview = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert "som er slettet eller hører til en slettet person" in preview
    done = confirm(leader, actions, response.headers["Location"])
    assert done.status_code == 303
    page = leader.get(done.headers["Location"]).get_data(as_text=True)
    skipped = int(re.search(r"Utelatt: (\d+) poster", page).group(1))
    # Left out: Kåre, the feedback to and from him, his acceptance, question and answer (6), and the older
    # copies of the two meetings, the two responsibilities, the follow-up and the round he was in (6).
    assert skipped == 12

    assert store.get("people", kare["id"]) is None
    assert [f["worked"] for f in store.find("feedback")] == ["Fra Ola til Per: hemmelig for andre"]
    assert store.find("acceptances") == store.find("questions") == store.find("answers") == []
    assert store.find("conflicts") == []  # nothing of the older copies is kept for the leader either
    assert {table: sorted(json.dumps(r, sort_keys=True) for r in store.find(table)) for table in settled} == settled
    raw = data_folder(app)
    assert traces_in(raw, kare["id"], world["device"]["id"]) == []


def test_an_export_carries_the_tombstones_but_nothing_of_the_person(world, actions):
    leader = actions.leader_client()
    assert erase(leader, world["kare"], NAME).status_code == 303
    document = exported(actions.store())
    text = json.dumps(document, ensure_ascii=False)
    assert tomb(world["kare"]["id"]) in document["erased"]["person"]
    assert tomb(world["kare"]["id"]) in document["erased"]["records"]
    assert world["kare"]["id"] not in text and "Kåre" not in text and "touched" not in document["erased"]


def test_a_laptop_that_still_holds_the_person_erases_them_when_it_imports_a_newer_export(world, actions, tmp_path):
    """Laptop B got everything from an export made before the erasure; A's next export erases them on B."""
    from conftest import Actions

    from samskaping import create_app
    older = exported(actions.store())
    leader = actions.leader_client()
    assert erase(leader, world["kare"], NAME).status_code == 303
    newer = exported(actions.store())

    other = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "b")})
    try:
        b = Actions(other)
        b_leader = b.leader_client()
        for name, document in (("eldre.json", older), ("nyere.json", newer)):
            response = upload(b_leader, b, json.dumps(document, ensure_ascii=False).encode(), name)
            assert response.status_code == 303, re.sub(r'<[^>]+>', ' ', response.get_data(as_text=True))[-1500:]
            assert confirm(b_leader, b, response.headers["Location"]).status_code == 303
            result = b_leader.get(response.headers["Location"].replace("preview", "done"))
        assert "1 person ble slettet på en annen PC og er slettet her også" in result.get_data(as_text=True)
        store = b.store()
        assert store.get("people", world["kare"]["id"]) is None
        assert [f["worked"] for f in store.find("feedback")] == ["Fra Ola til Per: hemmelig for andre"]
        meeting = store.get("meetings", world["olas_meeting"])
        assert meeting["notes"] == "(slettet person) lovet å ringe rektor."
        assert world["kare"]["id"] not in meeting["attendees"]
        [entry] = store.find("audit", event="person_erased")
        assert entry["leader"] is False and "Kåre" not in json.dumps(entry, ensure_ascii=False)
        raw = data_folder(other)
        assert traces_in(raw, world["kare"]["id"]) == []
        # The two erasures give the same records, and no conflicts: B's anonymised versions are A's.
        assert store.find("conflicts") == []
    finally:
        close_store(other)


# ---- Merge level: what a document's records become when someone was erased ----------------------------

def test_records_pointing_to_an_erased_person_are_left_out_or_cut():
    erased, other, device = (str(uuid.uuid4()) for _ in range(3))
    tombs = Tombstones(person=frozenset({tomb(erased), tomb(device)}), records=frozenset({tomb(erased)}))
    screen = Screen(tombs, names=["Kari Nordmann"], replacement="(slettet person)")
    assert screen("people", {"id": erased, "name": "Kari Nordmann"}) == (None, True)
    assert screen("feedback", {"id": str(uuid.uuid4()), "to": erased, "author": other}) == (None, True)
    assert screen("answers", {"id": str(uuid.uuid4()), "person": erased, "author": erased}) == (None, True)
    meeting = {"id": str(uuid.uuid4()), "attendees": [erased, other], "author": erased, "device": device,
               "notes": "Kari Nordmann kommer."}
    assert screen("meetings", meeting) == ({**meeting, "attendees": [other], "author": None, "device": None,
                                            "notes": "(slettet person) kommer."}, True)
    untouched = {"id": str(uuid.uuid4()), "owner": other, "what": "Ringe"}
    assert screen("responsibilities", untouched) == (untouched, False)


def test_a_learned_erasure_replaces_only_a_full_name_and_never_anyone_elses(tmp_path):
    """Another laptop erased Per (a first name alone) and Kari Nordmann: here, where Per Hansen, Kari
    Nordmann Berg and Per Olsens skole are still in the project, only "Kari Nordmann" meant as her is
    replaced; "Per" (it may be anyone, or "per uke") is left for the leader."""
    stamps = {"created_at": "2026-11-01T08:00:00+00:00", "updated_at": "2026-11-01T08:00:00+00:00",
              "author": None, "device": None}
    per, kari, hansen, berg, school, here, there = (str(uuid.uuid4()) for _ in range(7))
    notes = "Per kom. Per Hansen og Kari Nordmann Berg kom. Kari Nordmann kom. To ganger per uke."

    def person(pid: str, name: str) -> dict:
        return {"id": pid, "name": name, "side": "kommune", "role": "", "school": school, "active": True, **stamps}

    def meeting(mid: str) -> dict:
        return {"id": mid, "date": "2026-11-01", "school": school, "type": "planning", "attendees": [],
                "guests": "", "agenda": "", "notes": notes, "decisions": "", **stamps}

    with Store(tmp_path) as store:
        store.put("schools", {"id": school, "name": "Per Olsens skole", **stamps})
        for pid, name in ((per, "Per"), (kari, "Kari Nordmann"), (hansen, "Per Hansen"), (berg, "Kari Nordmann Berg")):
            store.put("people", person(pid, name))
        store.put("meetings", meeting(here))
        # An older export from a third laptop: it still holds Per and Kari, and a meeting naming them.
        document = {"format": "samskaping-export", "schema_version": 1, "exported_at": "2026-11-02T08:00:00+00:00",
                    "installation": str(uuid.uuid4()), "filters": {},
                    "erased": {"person": sorted({tomb(per), tomb(kari)}), "records": sorted({tomb(per), tomb(kari)})},
                    "tables": {"people": [person(per, "Per"), person(kari, "Kari Nordmann")],
                               "meetings": [meeting(there)]}}
        apply(store, document, source="x")
        expected = "Per kom. Per Hansen og Kari Nordmann Berg kom. (erased person) kom. To ganger per uke."
        assert store.get("meetings", here)["notes"] == expected
        assert store.get("meetings", there)["notes"] == expected
        assert {p["name"] for p in store.find("people")} == {"Per Hansen", "Kari Nordmann Berg"}
        assert store.get("schools", school)["name"] == "Per Olsens skole"


def test_a_merge_without_tombstones_is_unchanged_and_malformed_tombstones_are_refused(tmp_path):
    from samskaping.core.exchange.merge import ImportProblem
    school = {"id": str(uuid.uuid4()), "name": "Fjellby", "created_at": "2026-11-01T08:00:00+00:00",
              "updated_at": "2026-11-01T08:00:00+00:00", "author": None, "device": None}
    document = {"format": "samskaping-export", "schema_version": 1, "exported_at": "2026-11-02T08:00:00+00:00",
                "installation": str(uuid.uuid4()), "filters": {}, "tables": {"schools": [school]}}
    with Store(tmp_path) as store:
        with pytest.raises(ImportProblem):
            apply(store, {**document, "erased": {"person": [school["id"]]}}, source="x")
        report = apply(store, {**document, "erased": {"person": [], "records": [tomb(school["id"])]}}, source="y")
        assert report.counts == {"schools": {"added": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "skipped": 1}}
        assert report.learned == 1 and report.changed and store.get("schools", school["id"]) is None
        again = apply(store, document, source="z")  # remembered: the same school alone does not come back
        assert again.total("skipped") == 1 and not again.changed and store.find("schools") == []


# ---- Two real laptops --------------------------------------------------------------------------------

class NorwegianBrowser(Browser):
    """The leader's browser in bokmål (the other laptop, answering a sync, writes bokmål too)."""

    def request(self, path, data=None, headers=None):
        return super().request(path, data, {"Accept-Language": "nb", **(headers or {})})


KARE = "5a3c1e00-0000-4000-8000-000000000a4e"
SHARED_MEETING = "5a3c1e00-0000-4000-8000-0000000005e1"
B_FEEDBACK = "5a3c1e00-0000-4000-8000-0000000005f1"
B_DEVICE = "5a3c1e00-0000-4000-8000-0000000005d1"
EARLIER = "2026-01-05T08:00:00.000000+00:00"


def seed_kare(a: Laptop, b: Laptop) -> None:
    """Kåre and a meeting that names him on both laptops (as after an earlier sync); on B also his
    phone and a feedback to him written there after that sync."""
    stamps = {"created_at": EARLIER, "updated_at": EARLIER, "author": None, "device": None}
    kare = {"id": KARE, "name": NAME, "side": "kommune", "role": "Lærer", "school": None, "active": True, **stamps}
    school = a.seed["school"]["id"]
    for laptop in (a, b):
        with Store(laptop.data_dir) as store:
            store.put("people", kare)
            store.put("meetings", {"id": SHARED_MEETING, "date": "2026-01-05", "school": school, "type": "planning",
                                   "attendees": [KARE], "guests": "", "agenda": "", "decisions": "",
                                   "notes": f"{NAME} lovet å ringe rektor.", **stamps})
    with Store(b.data_dir) as store:
        store.put("devices", {"id": B_DEVICE, "person": KARE, "secret_hash": "x", **stamps})
        store.create("feedback", {"to": KARE, "about": None, "worked": "Fra B til Kåre", "improve": ""},
                     author=b.seed["people"]["ola"]["id"], record_id=B_FEEDBACK)


def raw_files(laptop: Laptop) -> bytes:
    return every_file(laptop.data_dir)


def card_of(page: str, peer_id: str) -> str:
    card = re.search(rf'<li class="sync-peer" id="peer-{peer_id}">(.*?)</li>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


def erase_kare(browser: NorwegianBrowser) -> None:
    status, _headers, text = browser.post(f"/leader/privacy/{KARE}/erase", f"/leader/privacy/{KARE}/erase",
                                          name=NAME, replace_mentions="y")
    assert status == 303, text


def sync_key(browser: NorwegianBrowser) -> str:
    return re.search(r'class="sync-key">([A-Z2-7-]{23})<', browser.get("/sync/")).group(1)


@pytest.fixture
def two_laptops(tmp_path):
    yield from running_laptops(tmp_path, seed_kare)


def test_an_erasure_travels_to_the_other_laptop_and_stays(two_laptops):
    a, b = two_laptops
    on_a, on_b = NorwegianBrowser(a.url).sign_in(), NorwegianBrowser(b.url).sign_in()
    erase_kare(on_a)
    b_key = sync_key(on_b)
    status, _headers, text = on_a.post("/sync/peers", "/sync/", url=b.url, key=b_key)
    assert status == 303, text
    peer_id = re.search(r'id="peer-([0-9a-f-]{36})"', on_a.get("/sync/")).group(1)

    status, _headers, _text = on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    card = card_of(on_a.get("/sync/"), peer_id)
    assert status == 303 and "ble ikke ferdig" not in card, card
    # Kåre, his phone on B and B's feedback to him: erased on B (the meeting is kept, anonymised).
    assert "Noen som er slettet her, er slettet på den andre PC-en også: 3 poster slettet der." in card, card
    # Synced again, and once more from B's side: he does not come back, and nothing is in conflict.
    on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    a_key = re.search(r'class="sync-key">([A-Z2-7-]{23})<', on_a.get("/sync/")).group(1)
    assert on_b.post("/sync/peers", "/sync/", url=a.url, key=a_key)[0] == 303
    b_peer = re.search(r'id="peer-([0-9a-f-]{36})"', on_b.get("/sync/")).group(1)
    on_b.post(f"/sync/peers/{b_peer}/sync", "/sync/")
    assert "ble ikke ferdig" not in card_of(on_b.get("/sync/"), b_peer)

    a.stop()
    b.stop()
    on_a_records, on_b_records = a.records(), b.records()
    assert on_a_records == on_b_records
    assert KARE not in on_a_records["people"] and B_FEEDBACK not in on_a_records["feedback"]
    meeting = on_a_records["meetings"][SHARED_MEETING]
    assert meeting["attendees"] == [] and meeting["notes"] == "(slettet person) lovet å ringe rektor."
    assert b.table("devices") == [] and a.table("conflicts") == b.table("conflicts") == []
    for laptop in (a, b):
        assert traces_in(raw_files(laptop), KARE, B_DEVICE, B_FEEDBACK) == [], laptop.data_dir
    [tombstones] = [s for s in b.table("settings") if s["id"] == TOMBSTONES_ID]
    assert tomb(B_FEEDBACK) in tombstones["records"]
    assert {tomb(B_FEEDBACK), tomb(B_DEVICE)} <= set(next(s for s in a.table("settings")
                                                         if s["id"] == TOMBSTONES_ID)["records"])


A_DEVICE = "5a3c1e00-0000-4000-8000-0000000005d2"
SHARED_FEEDBACK = "5a3c1e00-0000-4000-8000-0000000005f2"
A_FEEDBACK = "5a3c1e00-0000-4000-8000-0000000005f3"


def seed_kare_on_both(a: Laptop, b: Laptop) -> None:
    """Kåre on both laptops as after an earlier sync: his record, a meeting naming him and a feedback to
    him; on each laptop his own phone (devices never travel); on A also a feedback he wrote there since."""
    stamps = {"created_at": EARLIER, "updated_at": EARLIER, "author": None, "device": None}
    ola = a.seed["people"]["ola"]["id"]
    for laptop, device in ((a, A_DEVICE), (b, B_DEVICE)):
        with Store(laptop.data_dir) as store:
            store.put("people", {"id": KARE, "name": NAME, "side": "kommune", "role": "Lærer", "school": None,
                                 "active": True, **stamps})
            store.put("meetings", {"id": SHARED_MEETING, "date": "2026-01-05", "school": a.seed["school"]["id"],
                                   "type": "planning", "attendees": [KARE], "guests": "", "agenda": "",
                                   "decisions": "", "notes": f"{NAME} lovet å ringe rektor.", **stamps})
            store.put("feedback", {"id": SHARED_FEEDBACK, "to": KARE, "about": None, "worked": "Fra Ola til Kåre",
                                   "improve": "", **stamps, "author": ola})
            store.put("devices", {"id": device, "person": KARE, "secret_hash": "x", **stamps})
    with Store(a.data_dir) as store:
        store.create("feedback", {"to": ola, "about": None, "worked": "Fra Kåre til Ola, skrevet på A",
                                  "improve": ""}, author=KARE, device=A_DEVICE, record_id=A_FEEDBACK)


def pull_answers(laptop: Laptop, key: str) -> list[str]:
    """Every page of what the laptop answers to "what changed since the beginning?", as sent."""
    pages, after = [], ""
    for _page in range(20):
        status, _headers, text = Browser(laptop.url).request(
            "/sync/changes?" + urllib.parse.urlencode({"since": "", "after": after}),
            headers={"Authorization": f"Bearer {key}"})
        assert status == 200, text[:500]
        pages.append(text)
        answer = json.loads(text)
        if not answer["more"]:
            return pages
        after = answer["next"]
    raise AssertionError("more than 20 pages")


@pytest.fixture
def kare_on_both(tmp_path):
    yield from running_laptops(tmp_path, seed_kare_on_both)


def test_an_erasure_on_the_other_laptop_reaches_this_one_when_this_one_starts_the_sync(kare_on_both):
    """The leader erases Kåre on B; A starts the sync, so only B's answers to A's pull can carry it."""
    a, b = kare_on_both
    on_a, on_b = NorwegianBrowser(a.url).sign_in(), NorwegianBrowser(b.url).sign_in()
    erase_kare(on_b)
    b_key = sync_key(on_b)

    # What B answers a pull: the tombstones on every page, and nothing of Kåre himself.
    for text in pull_answers(b, b_key):
        answer = json.loads(text)
        erased = answer.get("erased") or {}
        assert tomb(KARE) in erased.get("person", []) and tomb(SHARED_FEEDBACK) in erased.get("records", []), erased
        assert traces_in(text.encode(), KARE, B_DEVICE, SHARED_FEEDBACK) == [], text
        assert SHARED_MEETING in {m["id"] for m in answer["tables"]["meetings"]}  # anonymised, it travels

    assert "Kåre" in on_a.get("/leader/")  # A has not heard of it yet
    assert on_a.request(f"/leader/people/{KARE}")[0] == on_a.request(f"/feedback/{A_FEEDBACK}")[0] == 200
    status, _headers, text = on_a.post("/sync/peers", "/sync/", url=b.url, key=b_key)
    assert status == 303, text
    peer_id = re.search(r'id="peer-([0-9a-f-]{36})"', on_a.get("/sync/")).group(1)
    status, _headers, _text = on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    card = card_of(on_a.get("/sync/"), peer_id)
    assert status == 303 and "ble ikke ferdig" not in card, card
    # Kåre, both feedbacks and his phone on A: erased here as they were on B.
    assert "Noen som er slettet på den andre PC-en, er slettet her også: 4 poster slettet." in card, card
    leader_page = on_a.get("/leader/")
    assert "Ola Hansen" in leader_page and "Kåre" not in leader_page
    assert on_a.request(f"/leader/people/{KARE}")[0] == on_a.request(f"/feedback/{A_FEEDBACK}")[0] == 404
    # Synced again from A: nothing comes back, nothing more to erase.
    on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    card = card_of(on_a.get("/sync/"), peer_id)
    assert "ble ikke ferdig" not in card and "slettet" not in card, card

    a.stop()
    on_a_records = a.records()
    assert KARE not in on_a_records["people"]
    assert SHARED_FEEDBACK not in on_a_records["feedback"] and A_FEEDBACK not in on_a_records["feedback"]
    meeting = on_a_records["meetings"][SHARED_MEETING]
    assert meeting["attendees"] == [] and meeting["notes"] == "(slettet person) lovet å ringe rektor."
    assert [d for d in a.table("devices") if d["id"] in (A_DEVICE, B_DEVICE) or d.get("person") == KARE] == []
    assert traces_in(raw_files(a), KARE, A_DEVICE, B_DEVICE, SHARED_FEEDBACK, A_FEEDBACK) == []

    # Synced once more from each side: on neither laptop does anything of him come back.
    a.start()
    on_a = NorwegianBrowser(a.url).sign_in()
    on_a.post(f"/sync/peers/{peer_id}/sync", "/sync/")
    assert "ble ikke ferdig" not in card_of(on_a.get("/sync/"), peer_id)
    a_key = re.search(r'class="sync-key">([A-Z2-7-]{23})<', on_a.get("/sync/")).group(1)
    assert on_b.post("/sync/peers", "/sync/", url=a.url, key=a_key)[0] == 303
    b_peer = re.search(r'id="peer-([0-9a-f-]{36})"', on_b.get("/sync/")).group(1)
    on_b.post(f"/sync/peers/{b_peer}/sync", "/sync/")
    card = card_of(on_b.get("/sync/"), b_peer)
    assert "ble ikke ferdig" not in card and "slettet" not in card, card

    a.stop()
    b.stop()
    on_a_records, on_b_records = a.records(), b.records()
    assert on_a_records == on_b_records
    assert KARE not in on_a_records["people"] and not {SHARED_FEEDBACK, A_FEEDBACK} & set(on_a_records["feedback"])
    assert a.table("conflicts") == b.table("conflicts") == []
    for laptop in (a, b):
        assert [d for d in laptop.table("devices") if d.get("person") == KARE] == []
        assert traces_in(raw_files(laptop), KARE, A_DEVICE, B_DEVICE, SHARED_FEEDBACK, A_FEEDBACK) == [], laptop
    [tombstones] = [s for s in a.table("settings") if s["id"] == TOMBSTONES_ID]
    assert tomb(KARE) in tombstones["person"] and tomb(A_FEEDBACK) in tombstones["records"]


# ---- Closed barometer rounds: the unlinked answer stays one answer, the linked one never comes back ---------

def closed_answers(store, round_id: str) -> list[tuple]:
    return sorted((a["side"], json.dumps(a["values"], sort_keys=True), a["person"] is None)
                  for a in store.find("answers", round=round_id))


def test_an_older_export_does_not_bring_back_the_linked_answer_to_a_closed_round(world, closed_rounds, actions, app):
    store, kare = actions.store(), world["kare"]
    spring = closed_rounds["spring"]
    older = exported(store)
    leader = actions.leader_client()
    assert erase(leader, kare, NAME).status_code == 303
    before = published(store, spring["id"])
    response = upload(leader, actions, json.dumps(older, ensure_ascii=False).encode(), "eldre-eksport.json")
    assert confirm(leader, actions, response.headers["Location"]).status_code == 303
    assert published(store, spring["id"]) == before
    assert len(store.find("answers", round=spring["id"])) == 6
    assert traces_in(data_folder(app), kare["id"], answer_id(spring["id"], kare["id"])) == []


def test_two_laptops_that_erase_the_same_person_keep_one_unlinked_answer_between_them(world, closed_rounds, actions,
                                                                                        tmp_path):
    """B got everything before the erasure; A's newer export erases Kåre on B too. B's unlinked answer is A's
    (the same id), so after exporting both ways each closed round still holds six answers, with no conflicts."""
    from conftest import Actions

    from samskaping import create_app
    older = exported(actions.store())
    assert erase(actions.leader_client(), world["kare"], NAME).status_code == 303
    newer = exported(actions.store())
    other = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "b")})
    try:
        b = Actions(other)
        b_leader = b.leader_client()
        for name, document in (("eldre.json", older), ("nyere.json", newer)):
            response = upload(b_leader, b, json.dumps(document, ensure_ascii=False).encode(), name)
            assert confirm(b_leader, b, response.headers["Location"]).status_code == 303
        b_store, a_store = b.store(), actions.store()
        back = apply(a_store, exported(b_store), source="b")
        assert not back.total("added") and not back.total("late")
        for round_ in (closed_rounds["spring"], closed_rounds["autumn"]):
            assert closed_answers(b_store, round_["id"]) == closed_answers(a_store, round_["id"])
            assert len(b_store.find("answers", round=round_["id"])) == 6
            assert published(b_store, round_["id"]) == published(a_store, round_["id"])
        assert b_store.find("conflicts") == a_store.find("conflicts") == []
        assert traces_in(data_folder(other), world["kare"]["id"]) == []
    finally:
        close_store(other)
