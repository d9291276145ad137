"""Wrong sync keys are throttled per address like wrong leader passwords: guessing the key over the network stops."""
from __future__ import annotations

from test_sync import key_of

WRONG = "AAAAA-AAAAA-AAAAA-AAAAA"


def hello(client, key: str, address: str = "127.0.0.1"):
    return client.get("/sync/hello", headers={"Authorization": f"Bearer {key}"},
                      environ_base={"REMOTE_ADDR": address})


def test_after_a_few_wrong_sync_keys_that_address_is_refused_even_with_the_right_key(actions, app, client):
    key = key_of(actions)
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        assert hello(client, WRONG).status_code == 401
    blocked = hello(client, key)
    assert blocked.status_code == 429
    assert blocked.get_json()["message"] == ("For mange feil synkroniseringsnøkler fra denne adressen. "
                                             "Vent et kvarter og prøv igjen.")
    assert b"installation" not in blocked.data
    receive = client.post("/sync/receive", data=b"{}", headers={"Authorization": f"Bearer {key}"})
    assert receive.status_code == 429
    # Another laptop on the network is not held up; and when the window has passed, this one is let in again.
    assert hello(client, key, address="192.168.1.30").status_code == 200
    app.config["LOGIN_WINDOW_SECONDS"] = 0
    assert hello(client, key).status_code == 200


def test_the_right_key_forgives_earlier_slips_and_wrong_passwords_are_counted_apart(actions, app, client):
    key = key_of(actions)
    for _round in range(3):
        for _attempt in range(app.config["LOGIN_MAX_FAILURES"] - 1):
            assert hello(client, WRONG).status_code == 401
        assert hello(client, key).status_code == 200
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        assert hello(client, WRONG).status_code == 401
    assert hello(client, key).status_code == 429
    # The leader's own login is not blocked by the sync key's count.
    login = actions.token(client, "/leader/login")
    assert client.post("/leader/login", data={"csrf_token": login, "password": "feil"}).status_code == 401
