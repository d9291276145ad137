"""Real-browser test support: the real server in a subprocess, Chromium as a phone on the LAN, helpers."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from samskaping.store.clock import local_today

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST_NAME = "samskaping.test"  # mapped to 127.0.0.1 inside Chromium: a LAN-like, insecure origin
PHONE_WIDTH, PHONE_HEIGHT = 360, 740
LEADER_PASSWORD = "riktig-hest-batteri"
SERVER_START_SECONDS = 15
SERVER_STOP_SECONDS = 5

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    f"--host-resolver-rules=MAP {HOST_NAME} 127.0.0.1",
    # Never go through a proxy from the environment: the only server we talk to is on this machine.
    "--no-proxy-server",
]
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "nb-NO",
    "timezone_id": "Europe/Oslo",  # a Norwegian phone's calendar, whatever the test machine's zone
    "user_agent": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/131.0.0.0 Mobile Safari/537.36"),
}

# Direct to loopback, whatever http_proxy says.
_loopback = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def find_chromium() -> str | None:
    """SAMSKAPING_CHROMIUM, else Debian's chromium, else whatever Chromium-like browser is on PATH."""
    chosen = os.environ.get("SAMSKAPING_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The browser to drive; in CI a missing browser is a failure, elsewhere a loud skip."""
    path = find_chromium()
    if path is not None:
        return path
    message = ("no Chromium found: install Debian's chromium (apt-get install chromium) "
               "or point SAMSKAPING_CHROMIUM at a Chromium binary")
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(f"BROWSER TESTS NOT RUN: {message}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveProject:
    """A running server and what was put in its data folder before it started."""
    port: int
    data_dir: Path
    log: Path
    school: dict
    people: dict[str, dict]          # short key ("kari", "ola", "nora") -> person record
    join_paths: dict[str, str]       # short key -> /join/<token>
    seeded: dict                     # an open responsibility of Kari's from an earlier meeting
    leader_password: str = LEADER_PASSWORD

    @property
    def base_url(self) -> str:
        """What a phone on the LAN opens."""
        return f"http://{HOST_NAME}:{self.port}"

    def counts(self) -> dict[str, int]:
        """Stored record counts, read from the running server's /healthz."""
        with _loopback.open(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
            return json.load(response)["counts"]


def prepare_data(folder: Path) -> dict:
    """One school, three people with join links, a leader password, and one open responsibility
    from an earlier meeting; written with the app's own functions, then the folder is released."""
    from samskaping import create_app
    from samskaping.leader.auth import issue_join_token, join_token, set_leader_password
    from samskaping.web.db import close_store, get_store

    app = create_app({"DATA_DIR": str(folder)})
    try:
        with app.app_context():
            store = get_store()
            set_leader_password(LEADER_PASSWORD)
            school, _ = store.create("schools", {"name": "Fjellby skole"})
            people, join_paths = {}, {}
            for key, name, side in [("kari", "Kari Nordmann", "kommune"), ("ola", "Ola Hansen", "entreprenor"),
                                    ("nora", "Nora Berg", "kommune")]:
                person, _ = store.create("people", {"name": name, "side": side, "role": "Lærer",
                                                    "school": school["id"], "active": True})
                issue_join_token(person["id"])
                people[key] = store.get("people", person["id"])
                join_paths[key] = f"/join/{join_token(people[key])}"
            earlier = (local_today() - timedelta(days=14)).isoformat()
            meeting, _ = store.create("meetings", {
                "date": earlier, "school": school["id"], "type": "planning",
                "attendees": [people["kari"]["id"], people["ola"]["id"]], "guests": "", "agenda": "",
                "notes": "", "decisions": ""}, author=people["ola"]["id"])
            seeded, _ = store.create("responsibilities", {
                "what": "Bestille buss til skoleturen", "owner": people["kari"]["id"], "side": "kommune",
                "due": (local_today() + timedelta(days=21)).isoformat(), "status": "not_started",
                "meeting": meeting["id"], "school": school["id"]}, author=people["ola"]["id"])
    finally:
        close_store(app)
    return {"school": school, "people": people, "join_paths": join_paths, "seeded": seeded}


def wait_for_health(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} before answering:\n{log.read_text()}")
        try:
            with _loopback.open(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within {SERVER_START_SECONDS} s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen, log: Path) -> None:
    """SIGTERM, as a service manager would; the app promises to close its store and exit cleanly."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=SERVER_STOP_SECONDS)
        pytest.fail(f"the server ignored SIGTERM for {SERVER_STOP_SECONDS} s and was killed:\n{log.read_text()}")
    assert process.returncode == 0, f"the server exited with {process.returncode} after SIGTERM:\n{log.read_text()}"


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveProject]:
    """The real `python app.py` on 127.0.0.1 with a prepared data folder."""
    data_dir = tmp_path / "data"
    seed = prepare_data(data_dir)
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--data", str(data_dir)],
            cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_for_health(port, process, log)
        yield LiveProject(port=port, data_dir=data_dir, log=log, **seed)
    finally:
        if process.poll() is None:
            stop_server(process, log)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (contexts keep the tests apart)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def save_screenshot(page, name: str) -> None:
    """A full-page screenshot into $SAMSKAPING_SCREENSHOTS, when that is set."""
    folder = os.environ.get("SAMSKAPING_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@dataclass
class Phone:
    """One phone (a browser context with its own cookies) and the page it shows."""
    context: object
    page: object
    base_url: str
    width: int = PHONE_WIDTH
    problems: list[str] = field(default_factory=list)  # JS errors and requests to anywhere else

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str):
        response = self.page.goto(self.url(path))
        self.assert_fits()
        return response

    def assert_fits(self) -> None:
        """No sideways scrolling: the page is no wider than the screen (360 px on a phone)."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.width, f"{self.page.url} is {width} px wide on a {self.width} px screen"

    def screenshot(self, name: str) -> None:
        save_screenshot(self.page, name)

    def join(self, join_path: str, name: str) -> None:
        """Open a personal link and confirm, as a participant does once per phone."""
        from playwright.sync_api import expect
        self.open(join_path)
        self.page.get_by_role("button", name="Koble til denne telefonen").click()
        expect(self.page.get_by_role("status")).to_contain_text(f"Velkommen, {name}!")
        self.assert_fits()


@pytest.fixture
def phones(chromium, live_server) -> Iterator[Callable[..., Phone]]:
    """Make phones on the LAN (pass context options to make a laptop instead); each may only reach
    the test server, and JS errors, console errors and requests elsewhere fail the test."""
    made: list[Phone] = []

    def new_phone(**overrides) -> Phone:
        options = {**PHONE, **overrides}
        context = chromium.new_context(**options)
        context.set_default_timeout(5000)
        phone = Phone(context=context, page=None, base_url=live_server.base_url, width=options["viewport"]["width"])

        def only_the_test_server(route):
            address = urlsplit(route.request.url)
            # The test server by its LAN-like name, or on the laptop itself (its loopback address).
            if address.hostname == HOST_NAME or (address.hostname == "127.0.0.1" and address.port == live_server.port):
                route.continue_()
            else:
                phone.problems.append(f"blocked request to {route.request.url}")
                route.abort()

        context.route("**/*", only_the_test_server)
        phone.page = context.new_page()
        phone.page.on("pageerror", lambda error: phone.problems.append(f"JS error: {error}"))
        phone.page.on("console", lambda message: phone.problems.append(f"console {message.type}: {message.text}")
                      if message.type == "error" and "Failed to load resource" not in message.text else None)
        made.append(phone)
        return phone

    yield new_phone
    problems = [problem for phone in made for problem in phone.problems]
    for phone in made:
        phone.context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
