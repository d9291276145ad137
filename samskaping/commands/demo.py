"""An example project (Skaun-like: a kommune and a social entrepreneur at three schools) for newcomers."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from ..leader.auth import issue_join_token
from ..store.clock import local_today
from ..store.database import Store

SCHOOLS = ["Fjellby ungdomsskole", "Elvedal barneskole", "Sjøvik skole"]
PEOPLE = [  # name, side, role, school index (None: all schools)
    ("Ingrid Haugen", "kommune", "Rektor", 0),
    ("Lars Bakken", "kommune", "Kontaktlærer 9. trinn", 0),
    ("Sofie Lie", "kommune", "Lærer 6. trinn", 1),
    ("Ahmed Karimi", "kommune", "Sosiallærer", 2),
    ("Marte Solberg", "entreprenor", "Coach", 0),
    ("Jonas Berg", "entreprenor", "Coach", 1),
    ("Nora Dahl", "entreprenor", "Regional koordinator", None),
]


def fill_demo(store: Store, today: date | None = None) -> bool:
    """Add the example project to an empty store; returns False (and changes nothing) if it has data.
    Needs an app context: each person gets a join link made with the app's secret key."""
    if store.counts()["people"] or store.counts()["meetings"]:
        return False
    today = today or local_today()
    schools = [store.create("schools", {"name": name})[0]["id"] for name in SCHOOLS]
    people = {}
    for name, side, role, school in PEOPLE:
        person, _ = store.create("people", {"name": name, "side": side, "role": role,
                                            "school": schools[school] if school is not None else None, "active": True})
        people[name] = person["id"]
        issue_join_token(person["id"])
    add_demo_charter(store, people)
    add_demo_barometer(store, people, today)

    def meeting(days_ago, school, kind, attendees, agenda, notes, decisions, agreed, author):
        record, _ = store.create("meetings", {
            "date": (today - timedelta(days=days_ago)).isoformat(), "school": schools[school], "type": kind,
            "attendees": [people[a] for a in attendees], "guests": "", "agenda": agenda, "notes": notes,
            "decisions": decisions}, author=people[author])
        made = []
        for what, owner, due_in, status in agreed:
            owner_record = store.get("people", people[owner])
            responsibility, _ = store.create("responsibilities", {
                "what": what, "owner": people[owner], "side": owner_record["side"],
                "due": (today - timedelta(days=days_ago) + timedelta(days=due_in)).isoformat(),
                "status": status, "meeting": record["id"], "school": schools[school]}, author=people[author])
            made.append(responsibility)
        return record, made

    _, first = meeting(
        35, 0, "planning", ["Ingrid Haugen", "Lars Bakken", "Marte Solberg", "Nora Dahl"],
        "1. Mål for skoleåret\n2. Roller og ansvar\n3. Rutiner for oppfølging",
        "Vi gikk gjennom programmet og hva hver part bidrar med. Skolen ønsker tett kontakt med coachen.",
        "Coach er på skolen hver tirsdag. Kontaktlærer og coach har kort oppfølging annenhver uke.",
        [("Lage timeplan for coachens økter på 9. trinn", "Lars Bakken", 7, "done"),
         ("Sende ut informasjon til foreldrene", "Ingrid Haugen", 14, "in_progress"),
         ("Forberede første klasseøkt om mot og samhold", "Marte Solberg", 10, "done")],
        "Ingrid Haugen")
    meeting(
        12, 0, "follow_up", ["Lars Bakken", "Marte Solberg"],
        "Status etter fire uker", "Elevene har tatt godt imot øktene. Noen økter kolliderte med prøver.",
        "Prøveplanen deles med coachen i forkant.",
        [("Dele prøveplanen med coachen", "Lars Bakken", 5, "not_started"),
         ("Evaluere de fire første øktene med elevrådet", "Marte Solberg", 21, "not_started")],
        "Marte Solberg")
    meeting(
        20, 1, "collaboration", ["Sofie Lie", "Jonas Berg", "Nora Dahl"],
        "Oppstart på Elvedal", "Avklarte forventninger: hva skolen kan kreve av entreprenøren og omvendt.",
        "Jonas lager et forslag til opplegg for 6. trinn.",
        [("Forslag til opplegg for 6. trinn", "Jonas Berg", 10, "in_progress"),
         ("Finne tid i årsplanen", "Sofie Lie", 3, "not_started")],
        "Sofie Lie")
    store.create("followups", {"responsibility": first[1]["id"], "status": "in_progress",
                               "previous_status": "not_started", "comment": "Utkast er skrevet, sendes fredag.",
                               "meeting": None}, author=people["Ingrid Haugen"])
    store.create("feedback", {"to": people["Marte Solberg"], "about": first[2]["id"],
                              "worked": "Økta var godt forberedt, og elevene var engasjerte hele timen.",
                              "improve": "Send gjerne opplegget til kontaktlærer dagen før."}, author=people["Lars Bakken"])
    store.create("feedback", {"to": people["Lars Bakken"], "about": first[0]["id"],
                              "worked": "Timeplanen kom raskt og var tydelig.", "improve": ""},
                 author=people["Marte Solberg"])
    return True




def add_demo_charter(store: Store, people: dict[str, str]) -> None:
    """The charter as version 1, accepted by three of the seven so far (forankring is work in progress)."""
    from ..charter.forms import DEMO_CHARTER, acceptance_record_id, version_record_id
    charter, _ = store.create("charters", {"version": 1, **DEMO_CHARTER}, record_id=version_record_id(1))
    for name in ("Ingrid Haugen", "Marte Solberg", "Nora Dahl"):
        side = store.get("people", people[name])["side"]
        store.create("acceptances", {"person": people[name], "charter": charter["id"], "version": 1, "side": side},
                     author=people[name], record_id=acceptance_record_id(charter["id"], people[name]))


# Two closed barometer rounds a month apart. The kommune side answers higher on forståelse than the
# entrepreneur's staff (the gap the dashboard is there to show), and the gap narrows in the second round.
DEMO_ANSWERS = {  # F: (kommune's answers, entrepreneur's answers) per round
    "forstaelse": ((4, 4, 5, 4), (3, 2, 3)), "forankring": ((4, 3, 4, 4), (4, 3, 3)),
    "forpliktelse": ((3, 4, 3, 4), (4, 4, 3)),
}
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
          "desember")
DEMO_COMMENTS = ("Vi trenger tydeligere rollefordeling på 6. trinn.", "Gode møter, men for lite tid til oppfølging.",
                 "Savner tilbakemelding fra kommunen på øktene.")


def add_demo_barometer(store: Store, people: dict[str, str], today: date) -> None:
    from ..core.barometer_stats import answer_id, default_statements
    statements = default_statements()
    for statement in statements:
        store.create("statements", {k: v for k, v in statement.items() if k != "id"}, record_id=statement["id"])
    sides = {pid: store.get("people", pid)["side"] for pid in people.values()}
    for months_ago, lift in ((2, 0), (1, 1)):
        opened = (today - timedelta(days=30 * months_ago)).isoformat() + "T08:00:00.000000+00:00"
        closed = (today - timedelta(days=30 * months_ago - 14)).isoformat() + "T15:00:00.000000+00:00"
        round_id = str(uuid.uuid5(uuid.UUID(int=0), f"demo-round-{months_ago}"))
        store.put("rounds", {
            "id": round_id, "title": f"Barometer {MONTHS[(today - timedelta(days=30 * months_ago)).month - 1]}",
            "status": "closed", "closes_on": None, "closed_at": closed,
            "statement_ids": [s["id"] for s in statements],
            "invited": [{"id": pid, "side": side} for pid, side in sides.items()],
            "created_at": opened, "updated_at": closed, "author": None, "device": None})
        by_side = {"kommune": [], "entreprenor": []}
        for pid, side in sides.items():
            by_side[side].append(pid)
        for side_index, side in enumerate(("kommune", "entreprenor")):
            for n, pid in enumerate(by_side[side]):
                values = {}
                for statement in statements:
                    value = DEMO_ANSWERS[statement["f"]][side_index][n % len(DEMO_ANSWERS[statement["f"]][side_index])]
                    # The entrepreneur's side understands more of the shared picture a month later.
                    values[statement["id"]] = min(5, value + (lift if side == "entreprenor" else 0))
                store.put("answers", {
                    "id": answer_id(round_id, pid), "round": round_id, "person": pid, "side": side, "values": values,
                    "comment": DEMO_COMMENTS[n] if n < len(DEMO_COMMENTS) and months_ago == 1 else "",
                    "created_at": opened, "updated_at": opened, "author": pid, "device": None})
