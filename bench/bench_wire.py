"""The day page's bytes on the wire at school-year size: python bench/bench_wire.py [--asks]

3 schools, 40 people, 400 meetings, 1,200 responsibilities (one in seven open: ~172 follow-up rows, as in
issue 10), written with the store, one participant joined; with --asks also a charter to accept (every
field ~500 characters) and an open barometer round, which the day page then carries as screens. The day
page fetched as a phone does (in-process test client), without and with compression; and the static files
a first visit loads, with their Cache-Control.
"""
from __future__ import annotations

import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samskaping import create_app  # noqa: E402
from samskaping.leader.auth import issue_join_token, join_token  # noqa: E402
from samskaping.store.clock import local_today  # noqa: E402
from samskaping.web.db import close_store, get_store  # noqa: E402


def seed(store) -> str:
    schools = [store.create("schools", {"name": f"Skole {n + 1}"})[0] for n in range(3)]
    people = [store.create("people", {"name": f"Person {n + 1:02d}", "side": "kommune" if n % 2 else "entreprenor",
                                      "role": "Lærer", "school": schools[n % 3]["id"], "active": True})[0]
              for n in range(40)]
    meetings = [{"id": None, "date": (local_today() - timedelta(days=n % 300)).isoformat(), "school": schools[n % 3]["id"],
                 "type": "planning", "attendees": [people[n % 40]["id"]], "guests": "", "agenda": "Agenda " * 10,
                 "notes": "Notater " * 40, "decisions": "Vedtak " * 10} for n in range(400)]
    made = []
    for meeting in meetings:
        made.append(store.create("meetings", {k: v for k, v in meeting.items() if k != "id"})[0])
    for n in range(1200):
        meeting = made[n % 400]
        store.create("responsibilities", {
            "what": f"Oppgave {n} " + "tekst " * 8, "owner": people[n % 40]["id"], "side": people[n % 40]["side"],
            "due": (local_today() + timedelta(days=n % 60 - 20)).isoformat(),
            "status": "not_started" if n % 7 == 0 else "done", "meeting": meeting["id"], "school": meeting["school"]})
    issue_join_token(people[0]["id"])
    return f"/join/{join_token(store.get('people', people[0]['id']))}"


def add_asks(store) -> None:
    """A charter to accept and an open barometer round: the day page then carries both as screens."""
    from samskaping.barometer.views import all_statements
    from samskaping.charter.forms import version_record_id
    from samskaping.core import barometer_stats as stats
    text = "Tekst i avtalen. " * 30
    store.create("charters", {"version": 1, "name": "Samarbeidsavtale", "parties": text, "goal": text,
                              "roles_kommune": text, "roles_entreprenor": text, "kommune_expects": text,
                              "entreprenor_expects": text, "routines": text}, record_id=version_record_id(1))
    asked = [s["id"] for s in stats.in_order(list(all_statements().values())) if s.get("active", True)]
    store.create("rounds", {"title": "Barometer", "status": "open", "closes_on": None, "closed_at": None,
                            "statement_ids": asked, "invited": []})


def main() -> None:
    asks = "--asks" in sys.argv[1:]
    app = create_app({"DATA_DIR": tempfile.mkdtemp(prefix="bench-wire-")})
    try:
        with app.app_context():
            join = seed(get_store())
            if asks:
                add_asks(get_store())
        phone = app.test_client()
        page = phone.get(join).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page)
        assert phone.post(join, data={"csrf_token": token.group(1)}).status_code in (302, 303)
        plain = phone.get("/", headers={"Accept-Encoding": "identity"})
        print(f"day page, uncompressed:   {len(plain.data) / 1024:7.1f} KiB (status {plain.status_code})")
        for encoding in ("gzip", "br"):
            answer = phone.get("/", headers={"Accept-Encoding": encoding})
            print(f"day page, {encoding:4}:            {len(answer.data) / 1024:7.1f} KiB "
                  f"(Content-Encoding {answer.headers.get('Content-Encoding')})  target <= 40 KiB")
        static = sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', plain.get_data(as_text=True))))
        total, kept = 0, True
        for path in static:
            with phone.get(path, headers={"Accept-Encoding": "br"}) as answer:
                total += len(answer.data)
                kept = kept and "immutable" in answer.headers.get("Cache-Control", "")
                print(f"  {path:60} {len(answer.data) / 1024:6.1f} KiB  {answer.headers.get('Cache-Control')}")
        print(f"static files the page names: {total / 1024:.1f} KiB (br accepted) on a first visit; on later "
              f"visits {'none (immutable)' if kept else 'asked again (no-cache)'}")
    finally:
        close_store(app)


if __name__ == "__main__":
    main()
