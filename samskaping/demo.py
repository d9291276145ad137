"""An example project (Skaun-like: a kommune and a social entrepreneur at three schools) for newcomers."""
from __future__ import annotations

from datetime import date, timedelta

from .auth import issue_join_token
from .storage import Store

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
    today = today or date.today()
    schools = [store.create("schools", {"name": name})[0]["id"] for name in SCHOOLS]
    people = {}
    for name, side, role, school in PEOPLE:
        person, _ = store.create("people", {"name": name, "side": side, "role": role,
                                            "school": schools[school] if school is not None else None, "active": True})
        people[name] = person["id"]
        issue_join_token(person["id"])
    add_demo_charter(store, people)

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
    from .charter import DEMO_CHARTER
    from .charter_forms import acceptance_record_id, version_record_id
    charter, _ = store.create("charters", {"version": 1, **DEMO_CHARTER}, record_id=version_record_id(1))
    for name in ("Ingrid Haugen", "Marte Solberg", "Nora Dahl"):
        side = store.get("people", people[name])["side"]
        store.create("acceptances", {"person": people[name], "charter": charter["id"], "version": 1, "side": side},
                     author=people[name], record_id=acceptance_record_id(charter["id"], people[name]))
