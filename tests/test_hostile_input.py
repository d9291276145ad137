"""Hostile input in every field and on every route, from a stranger, a participant and the leader: never a 500;
every refusal a page or a JSON answer in Norwegian; a refused request changes nothing; the files stay whole."""
from __future__ import annotations

import html
import itertools
import re
import shutil
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from werkzeug import exceptions
from werkzeug.http import HTTP_STATUS_CODES
from wtforms.i18n import messages_path

from conftest import OUTBOX
from samskaping.commands.demo import fill_demo
from samskaping.store.clock import local_today
from samskaping.store.database import Store
from test_access import every_route

TABLE_OF = {"responsibility_id": "responsibilities", "person_id": "people", "feedback_id": "feedback"} | {
    f"{n}_id": f"{n}s" for n in "meeting plan school round statement question device conflict peer".split()}
PATH_VALUES = ["../../etc/passwd", "%00", "' OR 1=1 --", "<script>alert(1)</script>", "x" * 5000, "ÆØÅ😀"]
QUERY_VALUES = ["-1", "99999999999999999999", "abc", "2026-02-30", "31.13.2026", "0000-01-01", "9999-12-31", "\x00"]
QUERY_NAMES = ["page", "school", "next", "to", "since", "side", "q", "plan", "open", "kind", "change", "asker", "after",
               "about", "old", "new", "person", "date_from", "date_to", "format", "table"]
CONTROLS = "a\x00b\x1bc\u202ed\x7f"  # sent in every field (as is whitespace only): none of it may be stored
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # but tab and line breaks
FIELD_VALUES = ["", "x" * 100_000, "ÆØÅ😀", "=cmd|' /C calc'!A0", "not-a-uuid",
                "-1", "99999999999999999999", "0000-01-01", "2026-02-30", "9999-12-31"]
# The forms no page shows the sweep (a one-time digest, another laptop's JSON, a form shown only at times), and
# the names guessed for their fields.
UNSEEN_FORMS = {"imports.cancel", "imports.confirm", "sync.receive", "handover.hand_over", "auth.setup",
                "barometer_admin.edit_statement", "barometer_admin.open_new_round"}
GUESSED_FIELDS = ("id", "text", "title", "to")
# A refused request may add lines to the log (a failed sign-in is one), never change one. Throttling and sessions
# are not in the store (memory and cookies): no other table is excused.
BOOKKEEPING = {"audit"}
# Sign in or out, bind a phone, pick a language: sent from a copy of the client, so the visitors stay who they are.
IDENTITY = {"auth.join", "auth.logout", "auth.login", "auth.setup", "i18n.switch_language"}
AUDIENCES = {"stranger": {"public"}, "phone": {"public", "participant", "member"},
             "leader": {"public", "member", "leader"}}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def english_texts() -> list[str]:
    """Text that must not reach a Norwegian reader: our msgids whose bokmål differs (the words around their
    placeholders), WTForms' messages, and Werkzeug's error pages and status names."""
    with (Path(__file__).parents[1] / "samskaping/translations/nb/LC_MESSAGES/messages.po").open("rb") as po:
        ours = {m.id for m in read_po(po) if isinstance(m.id, str) and m.string and m.string != m.id}
    theirs = {k for k in Translations.load(messages_path(), ["nb"], domain="wtforms")._catalog if isinstance(k, str)}
    pages = {e.description for e in vars(exceptions).values() if isinstance(getattr(e, "description", None), str)}
    pieces = {p.strip() for t in ours | theirs | pages for p in PLACEHOLDER.split(t)}
    names = {n for code, n in HTTP_STATUS_CODES.items() if code >= 400 and len(n) >= 9}  # "Bad Request", "Not Found"
    return sorted({p for p in pieces if len(p) >= 20 and p[0].isalnum()} | names)


ENGLISH_BY_START: dict[str, list[str]] = {}  # those starting with a capital, by their first 8 characters
ENGLISH_OTHERS: list[str] = []
for _text in english_texts():
    (ENGLISH_BY_START.setdefault(_text[:8], []) if _text[0].isupper() else ENGLISH_OTHERS).append(_text)


def english_in(text: str) -> set[str]:
    """The English texts in `text` (looked up where a capital letter stands: a search for each took 10 ms a page)."""
    return {t for m in re.finditer("[A-Z]", text) for t in ENGLISH_BY_START.get(text[m.start():m.start() + 8], ())
            if text.startswith(t, m.start())} | {t for t in ENGLISH_OTHERS if t in text}


class Forms(HTMLParser):
    """A page's POST forms as {url: {field: the value the page gave it}} (a checked box or radio, else the first;
    the last submit button; the selected option, else the first not blank; where it left a text or a date empty,
    a plausible one), each inline check's URL with its form's. Rows of a <template> (__INDEX__) are never sent."""
    FILL = {"text": "Tekst", "textarea": "Tekst", "number": "1", "date": str(local_today() + timedelta(days=7))}
    dates: set[str] = set()  # the names of date fields, on every page

    def __init__(self):
        super().__init__()
        self.found, self.form, self.first, self.textarea, self.select, self.picked = {}, None, {}, None, None, set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name, value = a.get("name"), a.get("value") or ""
        if tag == "form":
            self.form = self.found.setdefault(a.get("action") or "", {}) if a.get("method") == "post" else None
        if self.form is None:
            return
        if a.get("data-hx-post"):
            self.found[a["data-hx-post"]] = self.form
        if tag == "option" and ("selected" in a or not self.form.get(self.select) and self.select not in self.picked):
            self.form[self.select] = value
            self.picked.update([self.select] if "selected" in a else [])
        elif not name or "__INDEX__" in name:
            return
        elif tag == "button" or (tag == "input" and "checked" in a):
            self.form[name] = value
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            self.first.setdefault(name, value)
            self.form.setdefault(name, None)
        elif tag in ("input", "textarea"):
            kind = a.get("type", "text") if tag == "input" else tag
            self.form.setdefault(name, value or self.FILL.get(kind, ""))
            self.dates.update([name] if kind == "date" else [])
        elif tag == "select":
            self.form.setdefault(name, None)
        self.textarea, self.select = (name if tag == "textarea" else None), (name if tag == "select" else self.select)

    def handle_data(self, data):
        if self.textarea and self.form is not None and data.strip():
            self.form[self.textarea] = data.lstrip("\r\n")

    def handle_endtag(self, tag):
        self.form, self.textarea = (None if tag == "form" else self.form), None

    def forms(self) -> dict:
        return {url: {k: self.first.get(k, "") if v is None else v for k, v in f.items()}
                for url, f in self.found.items()}


@pytest.fixture
def world(app, actions):
    """The demo project with an open round, a plan, a question, a peer, a conflict and a meeting by Lars; Lars's
    phone; a second person, Sofie, whose person and device the leader's forms may change."""
    store = actions.store()
    with app.app_context():
        fill_demo(store)
    people = {p["name"]: p for p in store.find("people")}
    lars, sofie, school = people["Lars Bakken"], people["Sofie Lie"], people["Lars Bakken"]["school"]
    store.create("rounds", {"title": "Høst", "status": "open", "closes_on": None, "closed_at": None,
                            "statement_ids": [s["id"] for s in store.find("statements")],
                            "invited": [{"id": lars["id"], "side": "kommune"}]})
    store.create("plans", {"date": "2026-12-01", "time": None, "school": school, "type": "planning",
                           "invited": [lars["id"]], "agenda": "", "meeting": None}, author=lars["id"])
    store.create("meetings", {"date": "2026-11-02", "school": school, "type": "planning", "attendees": [lars["id"]],
                              "guests": "", "agenda": "", "notes": "Notater", "decisions": ""}, author=lars["id"])
    store.create("questions", {"person": lars["id"], "charter": store.find("charters")[0]["id"], "version": 1,
                               "text": "Hva?", "answer": ""}, author=lars["id"])
    store.create("peers", {"url": "http://127.0.0.1:9", "key": "x", "installation": str(uuid.uuid4()), "name": "B"})
    kept = store.get("schools", school)
    store.create("conflicts", {"table": "schools", "record_id": school, "kept": kept, "lost": {**kept, "name": "Annen"},
                               "source": "fil.json", "resolved": False})
    world = {"leader": actions.leader_client(), "phone": actions.participant_client(lars),
             "stranger": app.test_client(), "sofie": actions.participant_client(sofie)}
    for argument, table in TABLE_OF.items():  # Lars's own record where there is one; Sofie's person and device
        records = sorted(store.find(table), key=lambda r: lars["id"] not in (r.get("author"), r.get("person")))
        if table in ("people", "devices"):
            records = [r for r in records if sofie["id"] in (r.get("person"), r["id"])]
        world[argument] = records[0]["id"]
    return {**world, "token": actions.join_path(sofie).rsplit("/", 1)[1], "field": "date", "action": "restore",
            "code": "nb", "number": "1", "digest": "0" * 64}


def twin(app, client):
    """A second client with the same cookies (a copy that may sign out or rebind without changing the first)."""
    other = app.test_client()
    for name in (app.config["SESSION_COOKIE_NAME"], "samskaping_device"):
        if cookie := client.get_cookie(name):
            other.set_cookie(name, cookie.value)
    return other


def allowed(app, endpoint, who):
    return app.view_functions[endpoint].access in AUDIENCES[who]


class Sweep:
    """Sends requests as one visitor and checks every answer (the assertions of the whole module)."""

    def __init__(self, app, store, who, client):
        self.app, self.store, self.who, self.client, self.sent = app, store, who, client, 0

    def unchanged(self, before) -> bool:
        after = self.store.snapshot()  # records are never changed in place (copy-on-write): `is` tells a change
        kept = all(after[t].get(i) is r for t in BOOKKEEPING for i, r in before[t].items())
        return kept and all(after[t] == docs for t, docs in before.items() if t not in BOOKKEEPING)

    def send(self, endpoint, method, url, hostile=None, **kwargs):
        before = self.store.snapshot()
        client = twin(self.app, self.client) if endpoint in IDENTITY else self.client
        with client.open(url, method=method, **kwargs) as response:  # closed: a file's answer holds the file open
            body = response.get_data().decode(errors="replace")
        self.sent += 1
        what = (self.who, method, url[:120], kwargs.get("headers"), str(hostile)[:60], response.status_code)
        assert response.status_code < 500, what
        if response.status_code >= 400 or endpoint.endswith(".validate"):  # an inline check never writes either
            assert self.unchanged(before), ("a refusal changed the store", what)
        if response.status_code >= 400:
            text = str(response.json) if response.is_json else html.unescape(body)
            assert (response.json.get("message") or response.json.get("errors")) if response.is_json else (
                '<html lang="nb">' in text), what
            assert english_in(text) == set(), what
        return response


def assert_files_hold(app, store, tmp_path):
    """The data folder, copied as it is and opened afresh, holds what the running app holds: nothing half-written."""
    live = store.snapshot()
    shutil.copytree(app.config["DATA_DIR"], tmp_path / "copy", ignore=shutil.ignore_patterns("*.lock"))
    with Store(tmp_path / "copy") as reopened:
        assert reopened.snapshot() == live


def test_hostile_paths_and_queries_on_every_route(app, world, actions, tmp_path):
    """Each visitor sends every hostile path argument and query to the routes it may open, and one of each to
    the others (refused before they are read)."""
    routes = list(every_route(app, world))
    arguments = {a for rule in app.url_map.iter_rules() if rule.endpoint != "static" for a in rule.arguments}
    queries = [dict.fromkeys(QUERY_NAMES, v) for v in QUERY_VALUES]
    queries += [{"page": ["1", "2"], "school": ["a", world["school_id"]]}, {"zzz": "1", "page[]": "1"}]
    for who in AUDIENCES:
        sweep = Sweep(app, actions.store(), who, world[who])
        for argument in sorted(arguments):
            other_kind, upper = world["meeting_id" if argument != "meeting_id" else "person_id"], world[argument].upper()
            for number, value in enumerate([*PATH_VALUES, upper, "{%s}" % upper, other_kind]):
                hostile = every_route(app, {**world, argument: quote(value, safe="%")})
                for (endpoint, method, url), (_e, _m, plain) in zip(hostile, routes):
                    if url != plain and (number == 0 or allowed(app, endpoint, who)):
                        sweep.send(endpoint, method, url)
        for endpoint, method, url in routes:
            for query in queries if allowed(app, endpoint, who) else queries[:1]:
                sweep.send(endpoint, method, url, query_string=query)
        assert sweep.sent > 300
    assert_files_hold(app, actions.store(), tmp_path)


def harvest(app, world):
    """{POST endpoint: {field: valid value}} from every page the stranger, the phone and the leader can open."""
    fields, adapter = {}, app.url_map.bind("localhost")
    for who, (endpoint, method, url) in itertools.product(AUDIENCES, every_route(app, world)):
        if method == "GET" and allowed(app, endpoint, who):
            page, parser = twin(app, world[who]).get(url), Forms()
            parser.feed(page.get_data(as_text=True) if page.mimetype == "text/html" else "")
            page.close()
            for action, form in parser.forms().items():
                try:
                    target, _args = adapter.match(urlsplit(action or url).path, method="POST")
                except exceptions.HTTPException:
                    continue
                for name, value in form.items():
                    fields.setdefault(target, {}).setdefault(name, value)
    return fields


def texts(value) -> list[str]:
    """Every text in a record, however deep."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [value] if isinstance(value, str) else [t for v in items for t in texts(v)]


def test_hostile_values_in_every_field_of_every_form(app, world, actions, tmp_path):
    """Each field of each form in turn, as a form with and without its CSRF token and as a phone's late delivery;
    afterwards every page still opens with whatever was taken, and no control character was stored."""
    fields, store = harvest(app, world), actions.store()
    values = itertools.cycle([*FIELD_VALUES, world["meeting_id"], world["person_id"], ["a", "b"]])
    tokens = {"stranger": actions.token(world["stranger"], "/leader/login"),
              "phone": actions.token(world["phone"], "/"), "leader": actions.token(world["leader"], "/leader/")}
    routes = list(every_route(app, world))
    posts, before = [(endpoint, url) for endpoint, method, url in routes if method == "POST"], store.snapshot()
    for (endpoint, url), who in itertools.product(posts, AUDIENCES):
        if not allowed(app, endpoint, who) or (endpoint.startswith("sync.") and allowed(app, endpoint, "stranger")
                                               and who != "stranger"):  # another laptop's calls: no cookies
            continue
        form = fields.get(endpoint) or {"csrf_token": "", **dict.fromkeys(GUESSED_FIELDS, str(uuid.uuid4()))}
        sweep, plain = Sweep(app, store, who, world[who]), {k: v for k, v in form.items() if k != "csrf_token"}
        if endpoint != "sync.receive":  # another laptop's delivery: its sync key, no CSRF token
            assert sweep.send(endpoint, "POST", url, data=plain).status_code == 400, (who, url)
        outbox = who == "phone" and getattr(app.view_functions[endpoint], "accepts_outbox", False)
        if not outbox:  # only a phone delivers late, and only where a view takes it
            assert sweep.send(endpoint, "POST", url, data=plain, headers=OUTBOX).status_code in (401, 403)
        for name in form:
            # An inline check of one field goes to its own URL (…/validate/<field>).
            target = url.rsplit("/", 1)[0] + "/" + name if endpoint.endswith(".validate") else url
            dates = ["9999-12-31", "1900-01-01"] if name in Forms.dates else []
            for value in [CONTROLS, "   ", *itertools.islice(values, 3), *dates]:
                data = {**plain, name: value}
                sweep.send(endpoint, "POST", target, (name, value), data={"csrf_token": tokens[who], **data})
                if outbox and name != "csrf_token":
                    sweep.send(endpoint, "POST", target, (name, value), data=data, headers=OUTBOX)
    assert [e for e, _u in posts if e not in fields and e not in UNSEEN_FORMS] == []
    after = store.snapshot()
    pages = [(e, u) for e, m, u in routes if m == "GET"]  # every page, and each page of a record the sweep wrote
    for argument, table in TABLE_OF.items():
        for record_id in [i for i, r in after[table].items() if before[table].get(i) is not r]:
            hostile = every_route(app, {**world, argument: record_id})
            pages += [(e, u) for (e, m, u), (_e, _m, plain) in zip(hostile, routes) if m == "GET" and u != plain]
    for who, (endpoint, url) in itertools.product(("phone", "leader"), pages):
        if allowed(app, endpoint, who):
            Sweep(app, store, who, world[who]).send(endpoint, "GET", url)
    assert [(t, x) for t, docs in after.items() for r in docs.values() for x in texts(r) if CONTROL.search(x)] == []
    assert_files_hold(app, store, tmp_path)
