"""What comes from outside nests at most 32 levels deep, and a deeper value already stored can still be erased."""
from __future__ import annotations

import json
from pathlib import Path

from test_imports import database_files, export_with, good_school, outbox_file, outbox_item, upload
from test_privacy import erase
from test_sync import key_of

from samskaping.core.exchange.import_rules import MAX_DEPTH


def nested(depth: int, leaf: object = "x") -> object:
    """A value `depth` lists deep around the leaf."""
    value = leaf
    for _level in range(depth):
        value = [value]
    return value


def meeting(school: dict, **fields) -> dict:
    return {**good_school(), "date": "2026-11-20", "school": school["id"], "type": "planning", "attendees": [],
            **fields}


def refused_upload(actions, app, data: bytes) -> str:
    leader = actions.leader_client()
    before = database_files(app)
    response = upload(leader, actions, data, "dyp.json")
    assert response.status_code == 422
    assert database_files(app) == before
    assert not list((Path(app.config["DATA_DIR"]) / "imports").glob("*.bin"))
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")


def test_an_import_with_a_value_nested_deeper_than_the_limit_is_refused_naming_the_record(actions, app):
    school = actions.school()
    data = export_with(good_school(), meetings=[meeting(school), meeting(school, extra={"a": nested(700)})])
    page = refused_upload(actions, app, data)
    assert "meetings, post 2" in page and "feltet extra er nøstet mer enn 32 nivåer dypt" in page
    assert "Ingenting ble endret." in page


def test_a_value_nested_to_the_limit_is_taken(actions, app):
    school = actions.school()
    over = meeting(school, extra=nested(MAX_DEPTH + 1))
    assert "nøstet mer enn 32" in refused_upload(actions, app, export_with(meetings=[over]))
    at_limit = meeting(school, extra=nested(MAX_DEPTH))
    response = upload(actions.leader_client(), actions, export_with(meetings=[at_limit]), "grense.json")
    assert response.status_code == 303


def test_an_outbox_file_with_a_deeply_nested_item_is_refused_naming_the_item(actions, app):
    kari = actions.person("Kari Nordmann", school=actions.school())
    items = [outbox_item("feedback", "/feedback/new", [["worked", "Fin økt"]]) for _ in range(3)]
    items[2]["draft"] = nested(700)
    page = refused_upload(actions, app, outbox_file(kari, items))
    assert f"Element 3 i utboksen (id {items[2]['id']}) er nøstet mer enn 32 nivåer dypt" in page


def test_a_deeply_nested_part_besides_the_records_is_refused_too(actions, app):
    document = json.loads(export_with(good_school()))
    document["filters"] = {"school": nested(100)}
    page = refused_upload(actions, app, json.dumps(document).encode())
    assert "Filens del filters er nøstet mer enn 32 nivåer dypt" in page


def test_the_import_command_refuses_a_deeply_nested_value_with_a_message_not_a_traceback(actions, app, tmp_path):
    school = actions.school()
    path = tmp_path / "dyp.json"
    path.write_bytes(export_with(meetings=[meeting(school, extra=nested(700))]))
    before = database_files(app)
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert "meetings, post 1" in result.output and "nøstet mer enn 32 nivåer dypt" in result.output
    assert "Traceback" not in result.output
    assert database_files(app) == before


def test_a_sync_page_with_a_deeply_nested_record_is_refused_and_nothing_is_stored(actions, app, client):
    school = actions.school()
    key = key_of(actions)
    before = database_files(app)
    body = export_with(meetings=[meeting(school, notes="", extra={"deep": nested(700)})])
    response = client.post("/sync/receive", data=body, headers={"Authorization": f"Bearer {key}",
                                                               "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "meetings, post 1" in response.get_json()["message"] and "nøstet" in response.get_json()["message"]
    assert database_files(app) == before


def test_a_value_nested_hundreds_deep_already_stored_can_be_seen_and_erased(actions, app):
    """An older version took any depth: the innsyn, the erasure and a merge must still work over such a value."""
    school = actions.school()
    kari = actions.person("Kari Nordmann", school=school)
    ola = actions.person("Ola Hansen", school=school)
    store = actions.store()
    deep = nested(900, {"who": kari["id"], "said": "Kari Nordmann ringer rektor", "others": [kari["id"], ola["id"]]})
    stored, _created = store.create("meetings", meeting(school, extra=deep, attendees=[kari["id"], ola["id"]]))
    leader = actions.leader_client()
    assert leader.get(f"/leader/privacy/{kari['id']}").status_code == 200
    assert leader.get(f"/leader/privacy/{kari['id']}.json").status_code == 200
    assert leader.get(f"/leader/privacy/{kari['id']}/erase").status_code == 200
    assert erase(leader, kari, "Kari Nordmann").status_code == 303
    after = actions.store().get("meetings", stored["id"])
    assert after["attendees"] == [ola["id"]]
    innermost = after["extra"]
    for _level in range(900):
        [innermost] = innermost
    assert innermost == {"who": None, "said": "(slettet person) ringer rektor", "others": [ola["id"]]}
    assert kari["id"] not in json.dumps(after)
