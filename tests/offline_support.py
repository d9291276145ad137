"""Offline test support: a server that can be killed and restarted on its port and data folder, the
participant's day page driven as a teacher would, the outbox deliveries a phone sends, and the soak."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    HOST_NAME,
    PHONE,
    REPO_ROOT,
    SERVER_STOP_SECONDS,
    LiveProject,
    free_port,
    prepare_data,
    wait_for_health,
)
from playwright.sync_api import Error as PlaywrightError, expect

OUTBOX_HEADER = "x-samskaping-outbox"  # as Playwright reports request headers: lower case
ALL_SENT = "Alt er sendt"
WAITING = "venter på å bli sendt"
NEEDS_FIXING = "må rettes"
QUEUED_NOTICE = "Lagret på telefonen. Det sendes av seg selv når prosjektleders PC kan nås."
SCREEN = "[data-screen={}]"
SIGTERM_SECONDS = 10  # cheroot's shutdown_timeout (5 s) for a connection still open, and a margin


# ---- The server: the real app.py, stopped and started again on the same port and data folder ------

@dataclass
class RestartableServer(LiveProject):
    """A LiveProject whose process the test may kill (SIGKILL) or stop (SIGTERM) and start again."""
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        assert not self.running, "the server is already running"
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data_dir)],
                cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.starts += 1
        wait_for_health(self.port, self.process, self.log)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: a crash or a pulled plug, no chance to close the store."""
        self.process.kill()
        self.process.wait(timeout=SERVER_STOP_SECONDS)

    def terminate(self) -> None:
        """SIGTERM, as a service manager or Ctrl+C would: the app must exit cleanly (status 0).

        Not browser_support.stop_server: its 5 s equals cheroot's own shutdown_timeout, and a phone
        with a connection open but idle (Chromium opens spare ones) holds the exit for those 5 s."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=SIGTERM_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=SERVER_STOP_SECONDS)
            pytest.fail(f"the server ignored SIGTERM for {SIGTERM_SECONDS} s:\n{self.log.read_text()}")
        assert self.process.returncode == 0, f"exit status {self.process.returncode} after SIGTERM:\n{self.log.read_text()}"

    def stop(self, how: str = "term") -> None:
        self.kill() if how == "kill" else self.terminate()

    def restart(self, how: str = "kill") -> None:
        self.stop(how)
        self.start()

    def stored(self, table: str) -> list[dict]:
        """Every record of a table, read from the data folder with the app's own Store (server stopped)."""
        from samskaping.store.database import Store
        assert not self.running, "stop the server before reading its data folder"
        with Store(self.data_dir) as store:
            return store.find(table)


def start_server(folder: Path) -> RestartableServer:
    data_dir = folder / "data"
    seed = prepare_data(data_dir)
    server = RestartableServer(port=free_port(), data_dir=data_dir, log=folder / "server.log", **seed)
    server.start()
    return server


# Inline validation (htmx) of a field changed while the laptop cannot be reached fails, and htmx says
# so on the console. Nothing is lost and nothing shows; reported to the lead, tolerated here.
HTMX_OFFLINE_NOISE = ("console error: htmx:sendError", "console error: htmx:afterRequest")


@pytest.fixture
def offline_phones(phones):
    """browser_support's phones, counting `online` events, with htmx's offline console noise dropped."""
    made = []

    def new(**overrides):
        phone = phones(**overrides)
        watch_pages(phone.context)
        made.append(phone)
        return phone

    yield new
    for phone in made:  # runs before `phones` checks the problems
        phone.problems[:] = [p for p in phone.problems if not p.startswith(HTMX_OFFLINE_NOISE)]


@pytest.fixture
def live_server(tmp_path) -> Iterator[RestartableServer]:
    """Stands in for browser_support's live_server (so its `phones` fixture uses it), but restartable."""
    server = start_server(tmp_path)
    try:
        yield server
    finally:
        if server.running:
            server.terminate()


# ---- What the phone sends ---------------------------------------------------------------------------

@dataclass
class Delivery:
    """One outbox POST as the browser sent it."""
    url: str
    body: str

    @property
    def record_id(self) -> str:
        return parse_qs(self.body)["id"][0]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class OutboxTraffic:
    """Every outbox delivery (POST with the outbox header) any page of a browser context sends."""

    def __init__(self, context) -> None:
        self.deliveries: list[Delivery] = []
        context.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.method == "POST" and request.headers.get(OUTBOX_HEADER) == "1":
            self.deliveries.append(Delivery(request.url, request.post_data or ""))

    def clear(self) -> None:
        self.deliveries.clear()

    def per_id(self) -> Counter:
        return Counter(d.record_id for d in self.deliveries)

    def of(self, record_id: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.record_id == record_id]


def post_as_phone(url: str, body: bytes, headers: dict[str, str], port: int) -> tuple[int, bytes]:
    """POST to the server on 127.0.0.1 as if to `url` on samskaping.test (Host header and all).
    Playwright's own fetchers (route.fetch, context.request) resolve samskaping.test outside
    Chromium's host mapping and cannot reach it."""
    import urllib.error
    import urllib.request
    headers = {**{k: v for k, v in headers.items() if not k.startswith(":")}, "host": urlsplit(url).netloc}
    forward = urllib.request.Request(f"http://127.0.0.1:{port}{urlsplit(url).path}", data=body,
                                     headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(forward, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def pass_on(request, port: int) -> int:
    """Send an intercepted browser request to the server ourselves, exactly as the browser would have;
    the route then decides what the page gets (e.g. a connection reset: an answer lost on the way)."""
    return post_as_phone(request.url, request.post_data_buffer, request.all_headers(), port)[0]


REPLAY = """async ([path, body]) => {
  const response = await fetch(path, {method: "POST", body: new URLSearchParams(body), credentials: "same-origin",
                                      headers: {"X-Samskaping-Outbox": "1", Accept: "application/json"}});
  return {status: response.status, answer: await response.json().catch(() => ({}))};
}"""


def replay(page, delivery: Delivery) -> dict:
    """Send a captured delivery again from the page, byte for byte, as a retry would."""
    return page.evaluate(REPLAY, [delivery.path, delivery.body])


# ---- The day page, driven as a teacher would ------------------------------------------------------

def counter(page):
    return page.locator("[data-outbox-counter]")


def screen(page, name: str):
    return page.locator(SCREEN.format(name))


def go_to(page, name: str) -> None:
    """Show a screen of the day page through its link, as a tap would."""
    links = {"meeting": "Skriv møtereferat", "feedback": "Gi tilbakemelding"}
    if name == "outbox":
        counter(page).click()
    else:
        if not screen(page, "home").is_visible():
            page.locator("[data-screen]:not([hidden]) a[data-to-screen=home]").click()
        if name != "home":
            screen(page, "home").get_by_role("link", name=links[name]).click()
    expect(screen(page, name)).to_be_visible()


def record_id(page, name: str) -> str:
    """The id the phone made for the record the form on this screen will save."""
    return screen(page, name).locator("form > input[name=id]").input_value()


def fill_meeting(page, notes: str, responsibility: tuple[str, str] | None = None) -> str:
    """Open the meeting screen and write notes (and one agreed responsibility: what, owner's name)."""
    go_to(page, "meeting")
    form = screen(page, "meeting").locator("form")
    form.locator("#notes").fill(notes)
    if responsibility:
        form.locator("#responsibilities-0-what").fill(responsibility[0])
        form.locator("#responsibilities-0-owner").select_option(label=responsibility[1])
    return record_id(page, "meeting")


def save(page, name: str) -> None:
    """Tap the form's save button and wait until the phone is done with it: the form emptied for the
    next record (sent or queued: a new id), or the entry refused by the server."""
    form = screen(page, name).locator("form")
    before = record_id(page, name)
    button = {"meeting": "Lagre møtet", "feedback": "Send tilbakemelding"}[name]
    form.get_by_role("button", name=button).click()
    page.wait_for_function(
        """([selector, before]) => {
          const field = document.querySelector(selector);
          return (field && field.value !== before) || (window.__outboxStates || {})[before] === "refused";
        }""", arg=[f"{SCREEN.format(name)} form > input[name=id]", before], polling=50, timeout=30_000)


def submit_meeting(page, notes: str, responsibility: tuple[str, str] | None = None) -> str:
    record = fill_meeting(page, notes, responsibility)
    save(page, "meeting")
    return record


def submit_feedback(page, to: str, worked: str) -> str:
    go_to(page, "feedback")
    form = screen(page, "feedback").locator("form")
    form.get_by_label("Til", exact=True).select_option(label=to)
    form.get_by_label("Hva fungerte godt").fill(worked)
    record = record_id(page, "feedback")
    save(page, "feedback")
    return record


# What the tests watch in every page: how many `online` events it got, and the last state the outbox
# announced for each entry (outbox.js dispatches `outbox:changed` with {id, state}).
WATCH = """
window.__onlineEvents = 0;
addEventListener("online", () => window.__onlineEvents++);
window.__outboxStates = {};
addEventListener("outbox:changed", (event) => { window.__outboxStates[event.detail.id] = event.detail.state; });
"""


def watch_pages(context) -> None:
    context.add_init_script(WATCH)


def go_online(context, pages) -> None:
    """Give the network back; every page must notice (Chromium fires `online`; if not, we do)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    before = [page.evaluate("() => window.__onlineEvents ?? 0") for page in pages]
    context.set_offline(False)
    for page, count in zip(pages, before):
        try:
            page.wait_for_function("count => navigator.onLine && (window.__onlineEvents ?? 0) > count",
                                   arg=count, polling=50, timeout=2000)
        except PlaywrightTimeout:
            # Not seen in our runs; kept so a Chromium that stays silent does not hang the test.
            ONLINE_DISPATCHED.append(page.url)
            page.evaluate("() => dispatchEvent(new Event('online'))")


ONLINE_DISPATCHED: list[str] = []  # pages that needed our `online` event (expected: none)


def send_now(page) -> None:
    """The outbox screen's "Send nå": deliver everything queued now, whatever its back-off says."""
    go_to(page, "outbox")
    page.locator("[data-outbox-send]").click()


# ---- The soak: random steps, then everything submitted must be stored exactly once ----------------

def new_phone(browser, base_url: str):
    """A phone context outside the `phones` fixture (for bench/soak.py): only the test server reachable."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)

    def only_the_test_server(route):
        route.continue_() if urlsplit(route.request.url).hostname == HOST_NAME else route.abort()

    context.route("**/*", only_the_test_server)
    watch_pages(context)
    return context


@dataclass
class SoakResult:
    """What the soak submitted (each submission's id and its unique text) and what the server stored."""
    seed: int
    steps: int = 0
    submitted: dict[str, dict[str, str]] = field(default_factory=lambda: {"meetings": {}, "feedback": {}})  # text -> id
    stored: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # table -> text -> ids
    actions: Counter = field(default_factory=Counter)
    replies: Counter = field(default_factory=Counter)   # replayed deliveries: the server's answer
    faults: Counter = field(default_factory=Counter)    # steps the page did not complete (carry_on)
    seconds: float = 0.0
    drain_seconds: float = 0.0                          # from the last step until the outbox was empty
    error: str = ""

    def add(self, table: str, text: str, record_id: str) -> None:
        self.submitted[table][text] = record_id

    def _each(self):
        for table, texts in self.submitted.items():
            for text, record_id in texts.items():
                yield table, text, record_id, self.stored.get(table, {}).get(text, [])

    @property
    def submitted_count(self) -> int:
        return sum(len(texts) for texts in self.submitted.values())

    @property
    def stored_count(self) -> int:
        """Submissions found on the server exactly as sent: their text, under their id."""
        return sum(1 for _, _, record_id, ids in self._each() if record_id in ids)

    @property
    def lost(self) -> list[str]:
        """Submissions whose text is not stored (never arrived, or overwritten by another one)."""
        return [f"{table} {record_id} {text!r}" for table, text, record_id, ids in self._each() if not ids]

    @property
    def doubled(self) -> list[str]:
        """Submissions stored more than once (the same text under several ids)."""
        return [f"{table} {text!r}: {ids}" for table, text, _, ids in self._each() if len(ids) > 1]

    @property
    def reused_ids(self) -> list[str]:
        """Ids the page used for more than one submission: the later one replaces the earlier."""
        return [f"{table} {record_id}" for table, texts in self.submitted.items()
                for record_id, n in Counter(texts.values()).items() if n > 1]

    @property
    def ok(self) -> bool:
        return not (self.error or self.lost or self.doubled or self.reused_ids)

    def summary(self) -> str:
        lines = [f"seed {self.seed}: steps run {self.steps}, submitted {self.submitted_count}, "
                 f"stored {self.stored_count}, lost {len(self.lost)}, doubled {len(self.doubled)}, "
                 f"ids reused {len(self.reused_ids)}, time {self.seconds:.1f} s (final drain {self.drain_seconds:.1f} s)",
                 f"  actions {dict(sorted(self.actions.items()))}; replayed deliveries answered {dict(self.replies)}"]
        lines += [f"  UI fault: {item}" for item in list(self.faults)[:10]]
        lines += [f"  lost: {item}" for item in self.lost[:10]]
        lines += [f"  doubled: {item}" for item in self.doubled[:10]]
        lines += [f"  id reused: {item}" for item in self.reused_ids[:10]]
        if self.error:
            lines.append(f"  stopped by: {self.error}")
        return "\n".join(lines)


class Soak:
    """One phone on the day page and a server that comes and goes; `run` takes random steps."""
    WEIGHTS = {"submit": 8, "offline": 2, "online": 2, "restart": 2, "replay": 2, "reload": 1}

    def __init__(self, server: RestartableServer, context, seed: int, progress=None,
                 carry_on: bool = False) -> None:
        """carry_on: a step the page did not complete (a UI fault) is counted, the page reloaded, and the
        soak goes on (bench/soak.py: it is after the data); else the first such step ends the soak."""
        self.server, self.context, self.progress, self.carry_on = server, context, progress, carry_on
        self.rng = random.Random(seed)               # the steps: the same for a seed, whatever the timing
        self.pick = random.Random(seed + 1)          # which captured delivery to replay (their number varies)
        self.result = SoakResult(seed=seed)
        self.cut_off = False
        self.traffic = OutboxTraffic(context)
        self.page = context.pages[0] if context.pages else context.new_page()

    def run(self, steps: int) -> SoakResult:
        started = time.monotonic()
        try:
            for number in range(steps):
                action = self.rng.choices(list(self.WEIGHTS), weights=list(self.WEIGHTS.values()))[0]
                self.result.actions[action] += 1
                try:
                    getattr(self, f"step_{action}")(number)
                except (AssertionError, PlaywrightError) as fault:  # the page did not do what it should
                    if not self.carry_on:
                        raise
                    self.result.faults[f"step {number} {action}: {str(fault).splitlines()[0]}"] += 1
                    self.recover()
                if self.progress:
                    self.progress(number, action)
                self.result.steps = number + 1
            drain_started = time.monotonic()
            self.drain()
            self.result.drain_seconds = time.monotonic() - drain_started
        except Exception:
            self.result.error = traceback.format_exc(limit=6)
            raise
        finally:
            self.result.seconds = time.monotonic() - started
        return self.result

    def recover(self) -> None:
        """After a UI fault: a fresh day page (the outbox and drafts are kept by the browser)."""
        if not self.server.running:
            self.server.start()
        self.context.set_offline(False)
        self.page.goto(self.server.base_url + "/")
        expect(self.page.get_by_role("heading", level=1).first).to_have_text("Hei, Kari Nordmann")
        self.context.set_offline(self.cut_off)

    def finish(self) -> SoakResult:
        """Stop the server and count what its data folder holds."""
        if self.server.running:
            self.server.terminate()
        for table, text_field in (("meetings", "notes"), ("feedback", "worked")):
            stored: dict[str, list[str]] = {}
            for record in self.server.stored(table):
                stored.setdefault(record.get(text_field) or "", []).append(record["id"])
            self.result.stored[table] = stored
        return self.result

    # -- the steps --

    def step_submit(self, number: int) -> None:
        text = f"soak {self.result.seed} step {number}"
        if self.rng.random() < 0.6:
            self.result.add("meetings", text, submit_meeting(self.page, text))
        else:
            self.result.add("feedback", text, submit_feedback(self.page, "Ola Hansen", text))

    def step_offline(self, number: int) -> None:
        self.context.set_offline(True)
        self.cut_off = True

    def step_online(self, number: int) -> None:
        if self.cut_off:
            go_online(self.context, [self.page])
            self.cut_off = False

    def step_restart(self, number: int) -> None:
        """Crash or stop the server; sometimes the teacher saves something while it is down."""
        self.server.stop(self.rng.choice(["kill", "term"]))
        if self.rng.random() < 0.5:
            self.step_submit(number)
        self.server.start()

    def step_replay(self, number: int) -> None:
        """A delivery arrives twice (a retry after a lost answer): the server must store it once."""
        if self.cut_off or not self.traffic.deliveries:
            return self.step_submit(number)
        delivery = self.pick.choice(self.traffic.deliveries)
        answer = replay(self.page, delivery)
        # 409 is right for an older version of a record changed since; the final count says if that was wrong.
        self.result.replies[f'{answer["status"]} {answer["answer"].get("status", "")}'.strip()] += 1

    def step_reload(self, number: int) -> None:
        if self.cut_off:  # an insecure origin has no service worker: the page cannot load offline
            return self.step_submit(number)
        self.page.reload()
        expect(self.page.get_by_role("heading", level=1).first).to_have_text("Hei, Kari Nordmann")

    def drain(self, seconds: float = 60) -> None:
        """Back online with the server up: everything must leave the phone within a bounded time."""
        if self.cut_off:
            self.step_online(-1)
        if not self.server.running:
            self.server.start()
        send_now(self.page)
        expect(counter(self.page)).to_have_text(ALL_SENT, timeout=seconds * 1000)
