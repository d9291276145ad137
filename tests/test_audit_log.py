"""The leader's log (/leader/log): every audited event in words, newest first, filtered, paged and downloadable as
CSV; only the leader sees it, nothing changes a line, and an erased person's lines no longer lead to them."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

from samskaping import create_app
from samskaping.core.audit_log import AuditQuery, newest_first, page_of
from samskaping.store.clock import local_day
from samskaping.web.db import close_store
from tests.conftest import Actions, csrf_from

LOG = "/leader/log/"
CSV = "/leader/log/logg.csv"
MOMENT = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d")


def lines(page: str) -> list[tuple[str, str]]:
    """(what, 'when · who[ · address]') of each line on the page, top to bottom."""
    found = re.findall(r'<span class="log-what">(.*?)</span>\s*<span class="meta">(.*?)</span>', page, re.S)
    return [(what.strip(), meta.strip()) for what, meta in found]


def rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as the exports: Excel shows æøå
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def audit_line(actions, event: str, **fields) -> dict:
    """An audit line as web/audit.py and the commands write it: straight into the store's audit table."""
    return actions.store().create("audit", {"event": event, "leader": False, "address": None, **fields})[0]


def add_person(actions, leader, name: str) -> dict:
    """A person added on the leader's page by the leader already signed in (one sign-in a test, not one each)."""
    token = actions.token(leader, "/leader/")
    made = leader.post("/leader/people", data={"csrf_token": token, "name": name, "side": "kommune", "role": "Lærer",
                                               "school": ""})
    assert made.status_code == 303
    return actions.store().get("people", made.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def day_of(record: dict) -> date:
    return local_day(datetime.fromisoformat(record["created_at"]))


def test_only_the_leader_sees_the_log(app, actions):
    kari = actions.person("Kari Nordmann")
    phone = actions.participant_client(kari)
    anonymous = app.test_client()
    for client in (anonymous, phone):
        for path in (LOG, CSV, LOG + "?kind=login"):
            response = client.get(path)
            assert response.status_code in (302, 401, 403)
            assert b"log-what" not in response.data and "Koblet til telefon".encode() not in response.data
    assert anonymous.get(LOG).headers["Location"].startswith("/leader/login")
    assert not actions.store().find("audit", event="audit_export")


def test_each_event_is_a_line_in_words_newest_first(app, actions):
    school = actions.school("Fjellby skole")
    leader = actions.leader_client()  # leader_login
    stranger = app.test_client()
    stranger.post("/leader/login", data={"csrf_token": actions.token(stranger, "/leader/login"), "password": "feil"})
    token = actions.token(leader, "/leader/")
    made = leader.post("/leader/people", data={"csrf_token": token, "name": "Kari Nordmann", "side": "kommune",
                                                 "role": "Lærer", "school": school["id"]})
    kari = actions.store().get("people", made.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    actions.participant_client(kari)  # device_bound, by Kari
    device = actions.store().find("devices", person=kari["id"])[0]
    assert leader.post(f"/leader/devices/{device['id']}/revoke", data={"csrf_token": token}).status_code == 303
    assert leader.post(f"/leader/people/{kari['id']}/revoke", data={"csrf_token": token}).status_code == 303
    export = leader.get(f"/leader/export/download?format=csv&table=meetings&date_from=2026-08-01&date_to=2026-12-31"
                        f"&school={school['id']}")
    assert export.status_code == 200 and export.get_data()

    page = leader.get(LOG).get_data(as_text=True)
    shown = lines(page)
    assert [what for what, _meta in shown] == [
        "Eksporterte CSV (møter, 01.08.2026–31.12.2026, Fjellby skole)",
        "Tok fra en person tilgangen",
        "Koblet fra en telefon",
        "Koblet til telefon",
        "Mislykket innlogging",
        "Logget inn som prosjektleder",
    ]
    whos = [meta.split(" · ")[1] for _what, meta in shown]
    assert whos == ["prosjektleder", "prosjektleder", "prosjektleder", "Kari Nordmann", "ukjent", "prosjektleder"]
    assert all(MOMENT.fullmatch(meta.split(" · ")[0]) for _what, meta in shown)
    assert shown[4][1].endswith(" · 127.0.0.1")  # a failed sign-in says from where
    assert "6 linjer" in page

    english = leader.get(LOG, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert [what for what, _meta in lines(english)][3:5] == ["Connected their phone", "Failed sign-in"]


def test_filters_by_kind_person_and_period(app, actions):
    leader = actions.leader_client()
    kari, ola = add_person(actions, leader, "Kari Nordmann"), add_person(actions, leader, "Ola Berg")
    actions.participant_client(kari)
    joined = actions.store().find("audit", event="device_bound")[0]
    day = day_of(joined)

    def shown(query: str) -> list[str]:
        response = leader.get(LOG + query)
        assert response.status_code == 200, query
        return [what for what, _meta in lines(response.get_data(as_text=True))]

    assert shown("?kind=phones") == ["Koblet til telefon"]
    assert shown("?kind=login") == ["Logget inn som prosjektleder"]
    assert shown("?kind=erasure") == []
    assert shown(f"?person={kari['id']}") == ["Koblet til telefon"]
    assert shown(f"?person={ola['id']}") == []
    today = f"{day:%d.%m.%Y}"
    assert "Koblet til telefon" in shown(f"?date_from={today}&date_to={today}")
    assert shown(f"?date_from={day + timedelta(days=1):%d.%m.%Y}") == []
    assert shown(f"?date_to={day - timedelta(days=1):%d.%m.%Y}") == []
    assert shown(f"?date_from={day.isoformat()}&kind=phones&person={kari['id']}") == ["Koblet til telefon"]
    page = leader.get(f"{LOG}?date_from={day.isoformat()}").get_data(as_text=True)
    assert f'value="{today}"' in page  # shown as dd.mm.yyyy, however it was typed


def test_paging_keeps_the_filters(app, actions):
    leader = actions.leader_client()
    for number in range(120):
        audit_line(actions, "sync_served", records=number)
    audit_line(actions, "backup", via="automatic", file="x.zip", folder="/tmp", bytes=1)

    first = leader.get(LOG + "?kind=sync").get_data(as_text=True)
    assert [what for what, _meta in lines(first)] == [
        f"Sendte endringer til en paret PC ({number} poster)" for number in range(119, 69, -1)]
    assert "120 linjer" in first and "side 1 av 3" in first and "Nyere" not in first
    older = re.search(r'href="([^"]+)">Eldre', first).group(1).replace("&amp;", "&")
    assert "kind=sync" in older and "page=2" in older
    second = leader.get(older).get_data(as_text=True)
    assert [what for what, _meta in lines(second)][0] == "Sendte endringer til en paret PC (69 poster)"
    third = leader.get(LOG + "?kind=sync&page=3").get_data(as_text=True)
    assert len(lines(third)) == 20 and "Eldre" not in third
    newer = re.search(r'href="([^"]+)">← Nyere', third).group(1).replace("&amp;", "&")
    assert "kind=sync" in newer and "page=2" in newer
    beyond = leader.get(LOG + "?kind=sync&page=9")
    assert beyond.status_code == 200 and "Ingen linjer på denne siden" in beyond.get_data(as_text=True)
    whole = leader.get(LOG).get_data(as_text=True)
    assert lines(whole)[0] == ("Tok sikkerhetskopi", lines(whole)[0][1]) and " · appen (automatisk)" in lines(whole)[0][1]


def test_the_csv_holds_the_filtered_lines_defused_and_its_download_is_logged(app, actions):
    leader = actions.leader_client()
    hostile = add_person(actions, leader, "=HYPERLINK(\"http://x\")")
    actions.participant_client(hostile)
    audit_line(actions, "-2+3 from a newer version")

    response = leader.get(CSV)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="samskaping-logg-')
    table = rows(response)
    assert table[0] == ["Tid (Oslo)", "Hvem", "Hva", "Type", "Hendelse", "Nettverksadresse"]
    by_event = {row[4]: row for row in table[1:]}
    assert by_event["device_bound"][1:4] == ["'=HYPERLINK(\"http://x\")", "Koblet til telefon", "Telefoner"]
    assert by_event["'-2+3 from a newer version"][2:4] == ["Hendelse: -2+3 from a newer version", "Annet"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[0]) for row in table[1:])  # ISO, as the exports
    [logged] = actions.store().find("audit", event="audit_export")
    assert logged["lines"] == len(table) - 1 and logged["leader"] is True

    only_phones = rows(leader.get(CSV + "?kind=phones"))
    assert [row[4] for row in only_phones[1:]] == ["device_bound"]
    assert [what for what, _meta in lines(leader.get(LOG).get_data(as_text=True))][:2] == [
        "Eksporterte loggen som CSV (1 linjer)", f"Eksporterte loggen som CSV ({len(table) - 1} linjer)"]


def test_an_erased_persons_lines_no_longer_lead_to_them(app, actions):
    leader = actions.leader_client()
    kari = add_person(actions, leader, "Kari Nordmann")
    actions.participant_client(kari)
    url = f"/leader/privacy/{kari['id']}/erase"
    erased = leader.post(url, data={"csrf_token": csrf_from(leader.get(url).data), "name": "Kari Nordmann",
                                    "replace_mentions": "y"})
    assert erased.status_code == 303

    page = leader.get(LOG).get_data(as_text=True)
    shown = dict(lines(page))
    assert shown["Koblet til telefon"].endswith(" · slettet person")  # her phone's address is gone too
    assert shown["Slettet en person"].endswith(" · prosjektleder · 127.0.0.1")
    assert "Kari" not in page and kari["id"] not in page
    assert "Kari" not in leader.get(CSV).get_data(as_text=True)


def test_nothing_in_the_app_changes_or_deletes_an_audit_line(app, actions):
    log_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(LOG)]
    assert {rule.endpoint for rule in log_rules} == {"audit_log.index", "audit_log.download"}
    assert all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in log_rules)
    leader = actions.leader_client()
    before = actions.store().find("audit")
    token = actions.token(leader, "/leader/")
    for path in (LOG, CSV):
        for method in (leader.post, leader.put, leader.delete):
            assert method(path, data={"csrf_token": token}).status_code == 405
    page = leader.get(LOG).get_data(as_text=True)
    assert 'method="post"' not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert sorted(map(str, actions.store().find("audit")), key=str) == sorted(map(str, before), key=str)


HOSTILE = [
    ("date_from=02.01.2026&date_to=01.01.2026", "Sluttdatoen er før startdatoen."),
    ("date_from=31.02.2026", "Ikke en gyldig datoverdi"),
    ("date_to=2026-13-01", "Ikke en gyldig datoverdi"),
    ("date_from=<script>alert(1)</script>", "Ikke en gyldig datoverdi"),
    ("date_from=%00%ff", "Ikke en gyldig datoverdi"),
    ("kind=<script>alert(1)</script>", "Ikke et gyldig valg"),
    ("kind=device_bound", "Ikke et gyldig valg"),
    ("person=../../etc/passwd", "Ikke et gyldig valg"),
    ("person=" + "x" * 5000, "Ikke et gyldig valg"),
    ("page=abc", None), ("page=-3", None), ("page=" + "9" * 5000, None), ("kind=login&kind=phones", None),
]


def test_hostile_filter_values_give_a_translated_error_never_a_crash(app, actions):
    leader = actions.leader_client()
    for query, error in HOSTILE:
        for path in (LOG, CSV):
            exported = len(actions.store().find("audit", event="audit_export"))
            response = leader.get(f"{path}?{query}")
            body = response.get_data(as_text=True)
            assert response.status_code == (400 if error else 200), (path, query)
            assert "<script>alert" not in body
            if error:
                assert error in body and "Sjekk valgene som er merket nedenfor." in body, (path, query)
            # Only a file handed out is logged as one.
            made = len(actions.store().find("audit", event="audit_export")) - exported
            assert made == (1 if path == CSV and error is None else 0), (path, query)


def test_events_the_page_does_not_know_and_the_status_report_have_a_line(app, actions):
    leader = actions.leader_client()
    school = actions.school("Fjellby skole")
    # Two reports made as the leader makes them: the page for one school, the file for all.
    assert leader.get(f"/leader/report?date_from=2026-08-01&date_to=2026-12-31&school={school['id']}").status_code == 200
    assert leader.get("/leader/report/statusrapport.html?date_from=2026-08-01&date_to=2026-12-31").status_code == 200
    audit_line(actions, "restore", via="command line", made_at="2026-11-02T08:15:00+00:00", file="x.json.gz")
    audit_line(actions, "teleported")
    audit_line(actions, ["not", "a", "key"])
    audit_line(actions, "export", leader=True, format="xlsx", filters="garbled", counts=None)
    response = leader.get(LOG)
    assert response.status_code == 200
    shown = [what for what, _meta in lines(response.get_data(as_text=True))]
    assert shown[:6] == ["Eksporterte XLSX (alt)", "Hendelse: [&#39;not&#39;, &#39;a&#39;, &#39;key&#39;]",
                         "Hendelse: teleported", "La tilbake en sikkerhetskopi tatt 02.11.2026 09:15", "Statusrapport laget (01.08.2026–31.12.2026, alle skoler, som nettside)",
                         "Statusrapport laget (01.08.2026–31.12.2026, Fjellby skole, for utskrift)"]
    reports = [what for what, _meta in lines(leader.get(LOG + "?kind=reports").get_data(as_text=True))]
    assert len(reports) == 2
    other = [what for what, _meta in lines(leader.get(LOG + "?kind=other").get_data(as_text=True))]
    assert other == ["Hendelse: [&#39;not&#39;, &#39;a&#39;, &#39;key&#39;]", "Hendelse: teleported"]


def test_a_command_line_export_made_while_the_server_ran_shows_at_its_own_time(app, actions, tmp_path, monkeypatch):
    leader = actions.leader_client()  # the server: its store holds the data folder
    actions.school("Fjellby skole")
    beside = create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"]})
    monkeypatch.setattr("samskaping.commands.cli.utc_now", lambda: "2026-11-02T08:15:00.000000+00:00")
    result = beside.test_cli_runner().invoke(args=["export", "--format", "csv", "--table", "schools",
                                                   "--out", str(tmp_path / "skoler.csv")])
    assert result.exit_code == 0 and "Serveren kjører" in result.output, result.output
    assert not actions.store().find("audit", event="export")  # pending until the next start
    assert leader.get(LOG).status_code == 200
    close_store(app)

    restarted = create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"]})
    try:
        leader = Actions(restarted).leader_client()
        page = leader.get(LOG).get_data(as_text=True)
        shown = lines(page)
        assert shown[-1] == ("Eksporterte CSV (skoler)", "02.11.2026 09:15 · kommandolinjen")  # Oslo time, oldest
        only = lines(leader.get(LOG + "?date_from=02.11.2026&date_to=02.11.2026").get_data(as_text=True))
        assert only == [("Eksporterte CSV (skoler)", "02.11.2026 09:15 · kommandolinjen")]
    finally:
        close_store(restarted)


def test_a_period_holds_the_lines_of_its_norwegian_days_in_order_also_lines_stored_late():
    """The rule behind the page's order and period (core/audit_log.py), over lines 37 minutes apart across
    the switch to summer time, with commands' lines (`at`) stored after later ones."""
    start = datetime(2026, 3, 27, 0, 30, tzinfo=timezone.utc)

    def stamp(minutes: int) -> str:
        return (start + timedelta(minutes=minutes)).isoformat(timespec="microseconds")

    stored = [{"id": f"{n:04d}", "event": "sync_served", "created_at": stamp(37 * n)} for n in range(300)]
    stored += [{"id": f"at{n}", "event": "export", "created_at": stamp(37 * 300), "at": stamp(37 * n + 5)}
               for n in (0, 40, 150, 299)]
    ordered = newest_first(stored)
    moment = {record["id"]: record.get("at") or record["created_at"] for record in stored}
    assert [record["id"] for record in ordered] == sorted(moment, key=lambda key: (moment[key], key), reverse=True)
    day = {key: local_day(datetime.fromisoformat(value)) for key, value in moment.items()}
    days = sorted(set(day.values()))
    for first in [None, *days]:
        for last in [None, *days]:
            total, page = page_of(ordered, AuditQuery(date_from=first, date_to=last), 0, 1000)
            wanted = [record["id"] for record in ordered
                      if (first is None or day[record["id"]] >= first) and (last is None or day[record["id"]] <= last)]
            assert ([record["id"] for record in page], total) == (wanted, len(wanted)), (first, last)
    total, page = page_of(ordered, AuditQuery(kind="exchange", date_from=days[1]), 1, 2)
    assert total == 3 and [record["id"] for record in page] == ["at150", "at40"]
