"""The phones' POSTs and the leader's dashboard, as ratios against the stack floor: python bench/bench_writes.py

Three servers run at once on 127.0.0.1: the stack floor (bench/stack_floor.py), the real app (app.py) on a
school year's data (3 schools, 40 people, 400 meetings, 1,200 responsibilities) and the real app on 50k
records (bench_http's data set). Requests are made one at a time and interleaved between the servers,
round after round, and each server's CPU time is read from /proc around every batch (all its threads),
so a figure is a median over rounds and a ratio against the floor measured in the same minute.

Rows (issue 10): meeting POST CPU / floor POST CPU; feedback POST CPU / floor; the inline check of one
feedback field (ms, wall and CPU); dashboard CPU at 50k / at school-year size; a phone's POST p95 while the
leader's dashboard loads, / without; a phone's POST p95 while the leader downloads JSON exports of all 50k
records, / without (rounds without and with alternate). `--root DIR` runs another checkout's app.py (e.g.
the code before a change, unpacked with `git archive`), on data prepared by this one. `--loads-only`: only
the two rows under load, on the 50k server (quicker).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_http as http_bench  # noqa: E402
from bench_http import HOST, TIMEOUT_S, Phone, Server, free_port, percentile, stamped, text  # noqa: E402

from samskaping import create_app  # noqa: E402
from samskaping.leader.auth import issue_join_token, join_token, set_leader_password  # noqa: E402
from samskaping.store.clock import local_today  # noqa: E402
from samskaping.store.database import DB_NAME  # noqa: E402
from samskaping.web.db import close_store, get_store  # noqa: E402

PASSWORD = "bench-leder-passord"
ROUNDS, QUICK_ROUNDS = 12, 4
BATCH = 20                 # requests per server per round (CPU is read around each batch)
DASHBOARD_BATCH = 3        # dashboard loads per round and size
LOAD_POSTS = 40            # phone POSTs per round with and without a dashboard loading
TARGETS = {"meeting": 1.5, "feedback": 1.5, "inline_ms": 3.0, "dashboard": 2.0, "post_during_dashboard": 1.5,
           "post_during_export": 2.0}
LOADS = {"dashboard": "/leader/dashboard", "export": "/leader/export/download?format=json"}


# --- data ---------------------------------------------------------------------------------------------

def school_year(seed: int = 2) -> tuple[dict, list[dict]]:
    """3 schools, 40 people, 400 meetings over the year, 1,200 responsibilities (a third still open),
    600 follow-ups, 200 feedback, 300 audit lines; stamped in the last ten months, as in a year under way."""
    rng = random.Random(seed)
    tables: dict[str, dict] = {name: {} for name in ("schools", "people", "meetings", "responsibilities",
                                                       "followups", "feedback", "audit")}
    today = local_today()

    def put(table: str, record: dict) -> dict:
        tables[table][record["id"]] = record
        return record

    def moment(day: date) -> str:
        return f"{day.isoformat()}T10:00:00.000000+00:00"

    schools = [put("schools", stamped({"name": f"Skole {n + 1}"}, None, None)) for n in range(3)]
    people = [put("people", stamped({"name": f"Person {n + 1:02d}", "side": "kommune" if n % 2 else "entreprenor",
                                     "role": "Lærer", "school": schools[n % 3]["id"], "active": True}, None, None))
              for n in range(40)]
    meetings = []
    for n in range(400):
        day = today - timedelta(days=300 - n * 300 // 400)
        who = people[rng.randrange(40)]
        meetings.append(put("meetings", stamped({
            "date": day.isoformat(), "school": schools[n % 3]["id"], "type": "planning",
            "attendees": [who["id"], people[(n + 7) % 40]["id"]], "guests": "Rektor",
            "agenda": text(rng, 120), "notes": text(rng, 500), "decisions": text(rng, 120)},
            who["id"], None, moment(day))))
    responsibilities = []
    for n in range(1200):
        meeting = meetings[n // 3]
        owner = people[rng.randrange(40)]
        status = ("done", "in_progress", "not_started", "done", "dropped", "done")[n % 6]
        changed = date.fromisoformat(meeting["date"]) + timedelta(days=rng.randrange(40))
        responsibilities.append(put("responsibilities", stamped({
            "what": text(rng, 60), "owner": owner["id"], "side": owner["side"],
            "due": (date.fromisoformat(meeting["date"]) + timedelta(days=30)).isoformat(), "status": status,
            "meeting": meeting["id"], "school": meeting["school"]}, meeting["author"], None, moment(min(changed, today)))))
    for n in range(600):
        r = responsibilities[(n * 2) % 1200]
        put("followups", stamped({"responsibility": r["id"], "status": r["status"], "previous_status": "not_started",
                                  "comment": text(rng, 80), "meeting": r["meeting"]}, r["author"], None, r["updated_at"]))
    for n in range(200):
        put("feedback", stamped({"to": people[n % 40]["id"], "about": None, "worked": text(rng, 100), "improve": ""},
                                people[(n + 3) % 40]["id"], None, moment(today - timedelta(days=n))))
    for n in range(300):
        put("audit", stamped({"event": "device_bound", "leader": False, "person": people[n % 40]["id"]}, None, None))
    return tables, people


def prepare(folder: Path, tables: dict, people: list[dict], phones: int = 2) -> list[tuple[str, dict]]:
    """Write the snapshot, set the leader's password, and issue join links for the first `phones` people."""
    folder.mkdir(parents=True)
    (folder / DB_NAME).write_text(json.dumps(tables, separators=(",", ":")), encoding="ascii")
    app = create_app({"DATA_DIR": str(folder)})
    try:
        with app.app_context():
            set_leader_password(PASSWORD)
            joins = []
            for person in people[:phones]:
                issue_join_token(person["id"])
                joins.append((f"/join/{join_token(get_store().get('people', person['id']))}", person))
    finally:
        close_store(app)
    return joins


# --- clients and CPU ------------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """CPU time of all the process's threads, in seconds (schedstat: nanoseconds; else stat: clock ticks)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as file:
                    total += int(file.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass
        return total / 1e9
    except FileNotFoundError:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exchange(connection: http.client.HTTPConnection, method: str, path: str, body: str | None,
             headers: dict) -> http.client.HTTPResponse:
    """Send and read the answer's head; once more on a fresh connection if the server had closed an idle
    keep-alive one (cheroot does after 10 s, and a 50k dashboard load before the fix took longer)."""
    for attempt in (1, 2):
        try:
            connection.request(method, path, body=body, headers=headers)
            return connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            connection.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class Client:
    """A keep-alive connection with its own cookies (a phone's browser, or the leader's)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, keep_cookies: bool = True,
                headers: dict | None = None) -> tuple[int, str]:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        response = exchange(self.connection, method, path, body, sent)
        if keep_cookies:
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.read().decode()


def leader(port: int) -> Client:
    client = Client(port)
    _, page = client.request("GET", "/leader/login")
    status, _ = client.request("POST", "/leader/login", {"csrf_token": Phone.token(page), "password": PASSWORD})
    if status != 303:
        raise RuntimeError(f"leader login: {status}")
    return client


class AppUnderTest:
    """The real app on one data set: a server, a phone that posts, and the leader."""

    def __init__(self, name: str, tables: dict, people: list[dict], temp: Path, root: Path):
        self.name = name
        joins = prepare(temp / f"data-{name}", tables, people)
        http_bench.ROOT = root  # Server starts app.py from here
        self.server = Server(temp / f"data-{name}", temp / f"server-{name}.log")
        print(f"[{name}] server healthy after {self.server.wait_healthy():.1f} s", flush=True)
        school_ids = sorted(s for s in tables["schools"])
        self.phone = Phone(self.server.port, joins[0][0], joins[0][1], school_ids, 0)
        self.phone.partner = joins[1][1]
        self.other = joins[1][1]
        self.leader = leader(self.server.port)
        self.statuses: dict[str, set] = {}

    def stop(self) -> None:
        self.phone.close()
        self.server.stop()

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def note(self, kind: str, status: int | None) -> None:
        self.statuses.setdefault(kind, set()).add(status)

    def post_meeting(self) -> float:
        _, elapsed, status, _ = self.phone.post_meeting()
        if status is None:  # an idle keep-alive connection the server had closed: once more, fresh
            _, elapsed, status, _ = self.phone.post_meeting()
        self.note("meeting", status)
        return elapsed or float("nan")

    def feedback_form(self) -> dict:
        return {"csrf_token": self.phone.csrf, "id": str(uuid.uuid4()), "to": self.other["id"], "about": "",
                "worked": text(self.phone.rng, 200), "improve": text(self.phone.rng, 100)}

    def post_feedback(self) -> float:
        headers = {**self.phone.headers(), "Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        response = exchange(self.phone.connection, "POST", "/feedback/new", urlencode(self.feedback_form()), headers)
        response.read()
        self.note("feedback", response.status)
        return (time.perf_counter() - started) * 1000

    def check_field(self) -> float:
        headers = {**self.phone.headers(), "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
        started = time.perf_counter()
        response = exchange(self.phone.connection, "POST", "/feedback/new/validate/worked",
                            urlencode(self.feedback_form()), headers)
        response.read()
        self.note("inline", response.status)
        return (time.perf_counter() - started) * 1000

    def dashboard(self) -> float:
        started = time.perf_counter()
        status, _ = self.leader.request("GET", "/leader/dashboard", keep_cookies=False)
        self.note("dashboard", status)
        return (time.perf_counter() - started) * 1000


class Floor:
    """The stack floor; with `store`, the floor that also keeps each meeting and two responsibilities durably in
    samskaping's Store (stack_floor.py --store): what durability itself costs."""

    def __init__(self, temp: Path, store: bool = False):
        self.port = free_port()
        self.store = store
        name = "floor-store" if store else "floor"
        self.log = open(temp / f"{name}.log", "wb")
        extra = ["--store", str(temp / f"{name}-data")] if store else []
        self.process = subprocess.Popen([sys.executable, str(BENCH / "stack_floor.py"), "--port", str(self.port), *extra],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                http_bench.get_json(self.port, "/healthz")
                break
            except (OSError, RuntimeError, http.client.HTTPException):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the floor app did not start")
                time.sleep(0.1)
        self.client = Client(self.port)
        _, page = self.client.request("GET", "/meetings/new")
        self.csrf = Phone.token(page)
        self.rng = random.Random(5)
        self.statuses: set = set()

    @property
    def pid(self) -> int:
        return self.process.pid

    def post(self) -> float:
        form = {"csrf_token": self.csrf, "id": str(uuid.uuid4()), "date": local_today().isoformat(),
                "school": str(uuid.UUID(int=1000)), "type": "planning",
                "attendees": [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))], "guests": "Rektor",
                "agenda": text(self.rng, 100), "notes": text(self.rng, 500), "decisions": text(self.rng, 100)}
        if self.store:  # the two responsibility rows the app's POST carries (the plain floor has none)
            for row, due in ((0, (local_today() + timedelta(days=14)).isoformat()), (1, "")):
                form |= {f"responsibilities-{row}-what": text(self.rng, 60),
                         f"responsibilities-{row}-owner": str(uuid.UUID(int=row + 1)), f"responsibilities-{row}-due": due}
        started = time.perf_counter()
        status, _ = self.client.request("POST", "/meetings/new", form, keep_cookies=False)
        self.statuses.add(status)
        return (time.perf_counter() - started) * 1000

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def batch(pid: int, action, count: int) -> tuple[float, list[float]]:
    """(CPU ms per request, wall ms of each) for `count` requests made one after another."""
    before = cpu_seconds(pid)
    walls = [action() for _ in range(count)]
    return (cpu_seconds(pid) - before) * 1000 / count, walls


def posts_during(app: AppUnderTest, loading: bool, count: int, path: str = LOADS["dashboard"]) -> list[float]:
    """`count` meeting POSTs from the phone, with the leader loading `path` (the dashboard, an export) over and
    over meanwhile (reading each answer to its end)."""
    stop = threading.Event()

    def keep_loading() -> None:
        client = Client(app.server.port)
        client.cookies = dict(app.leader.cookies)
        while not stop.is_set():
            status, _ = client.request("GET", path, keep_cookies=False)
            app.note(f"load {path}", status)
        client.connection.close()

    loader = threading.Thread(target=keep_loading, daemon=True)
    if loading:
        loader.start()
        time.sleep(0.2)
    try:
        return [app.post_meeting() for _ in range(count)]
    finally:
        stop.set()
        if loading:
            loader.join(timeout=TIMEOUT_S)


def measure_load(p95s: dict[str, dict[str, list[float]]], app: AppUnderTest, kind: str, loading: bool) -> None:
    """One window of a phone's POSTs, with or without the leader's `kind` load running: its p95 into p95s."""
    latencies = posts_during(app, loading, LOAD_POSTS, LOADS[kind])
    p95s.setdefault(kind, {"without": [], "with": []})["with" if loading else "without"].append(percentile(latencies, 95))


# --- the run ------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds instead of {ROUNDS}")
    parser.add_argument("--root", type=Path, default=BENCH.parent, help="the checkout whose app.py is measured")
    parser.add_argument("--loads-only", action="store_true", help="only the POST p95 rows under load, at 50k")
    parser.add_argument("--against", type=Path, action="append", default=[],
                        help="with --loads-only: another checkout's app.py measured in the same rounds, interleaved")
    args = parser.parse_args(argv)
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    if args.loads_only:
        return loads_only([args.root, *args.against], rounds)
    print(f"app.py from {args.root}; {rounds} rounds of {BATCH} requests per kind; {os.cpu_count()} CPUs\n", flush=True)
    cpu: dict[str, list[float]] = {}
    wall: dict[str, list[float]] = {}

    def record(key: str, pid: int, action, count: int) -> None:
        per_request, walls = batch(pid, action, count)
        cpu.setdefault(key, []).append(per_request)
        wall.setdefault(key, []).extend(walls)

    with tempfile.TemporaryDirectory(prefix="samskaping-writes-bench-", dir="/tmp") as temp_name:
        temp = Path(temp_name)
        floor = Floor(temp)
        durable_floor = Floor(temp, store=True)
        apps: list[AppUnderTest] = []
        try:
            tables, people = school_year()
            apps.append(AppUnderTest("school-year", tables, people, temp, args.root))
            tables, people = http_bench.build_snapshot(50_000)
            apps.append(AppUnderTest("50k", tables, people, temp, args.root))
            del tables
            for _ in range(2):  # warm-up: every path once, unmeasured
                floor.post(), durable_floor.post()
                for app in apps:
                    app.post_meeting(), app.post_feedback(), app.check_field(), app.dashboard()
            load_p95: dict[str, dict[str, list[float]]] = {}
            for number in range(rounds):
                record("floor", floor.pid, floor.post, BATCH)
                record("floor+store", durable_floor.pid, durable_floor.post, BATCH)
                for app in apps:
                    record(f"meeting {app.name}", app.pid, app.post_meeting, BATCH)
                    record(f"feedback {app.name}", app.pid, app.post_feedback, BATCH)
                    record(f"inline {app.name}", app.pid, app.check_field, BATCH)
                    record(f"dashboard {app.name}", app.pid, app.dashboard, DASHBOARD_BATCH)
                record("floor", floor.pid, floor.post, BATCH)
                if number < max(2, rounds // 3):  # under load: alternate, without first
                    for kind in LOADS:
                        for loading in (False, True):
                            measure_load(load_p95, apps[-1], kind, loading)
                print(f"  round {number + 1}/{rounds} done", flush=True)
        finally:
            for app in apps:
                app.stop()
            floor.stop()
            durable_floor.stop()

    med = {key: statistics.median(values) for key, values in cpu.items()}
    floor_cpu = med["floor"]
    print(f"\nStack floor: {floor_cpu:.2f} ms CPU per POST (median of {len(cpu['floor'])} batches); "
          f"statuses {sorted(floor.statuses)}")
    print(f"\n{'row':<44} | {'school-year':>12} | {'50k':>12} | target")
    print("-" * 86)
    ok = True

    def row(label: str, values: list[float], target: float, unit: str = "x") -> None:
        nonlocal ok
        passed = all(v <= target for v in values)
        ok &= passed
        cells = " | ".join(f"{v:>11.2f}{unit}" for v in values)
        print(f"{label:<44} | {cells} | <= {target:g}{unit} {'PASS' if passed else 'FAIL'}")

    names = [app.name for app in apps]
    row("meeting POST CPU / floor POST CPU", [med[f"meeting {n}"] / floor_cpu for n in names], TARGETS["meeting"])
    row("feedback POST CPU / floor POST CPU", [med[f"feedback {n}"] / floor_cpu for n in names], TARGETS["feedback"])
    row("inline check of one field, wall p50 (ms)",
        [statistics.median(wall[f"inline {n}"]) for n in names], TARGETS["inline_ms"], " ms")
    dashboard_ratio = med["dashboard 50k"] / med["dashboard school-year"]
    passed = dashboard_ratio <= TARGETS["dashboard"]
    ok &= passed
    print(f"{'dashboard CPU at 50k / at school-year size':<44} | {dashboard_ratio:>26.2f}x | "
          f"<= {TARGETS['dashboard']:g}x {'PASS' if passed else 'FAIL'}")
    ok &= load_rows(load_p95)
    print("\nContext (medians; CPU is the server's, all threads):")
    for name in names:
        print(f"  {name:>11}: meeting POST {med[f'meeting {name}']:.2f} ms CPU, p50 "
              f"{statistics.median(wall[f'meeting {name}']):.1f} ms; feedback POST {med[f'feedback {name}']:.2f} ms CPU; "
              f"inline check {med[f'inline {name}']:.2f} ms CPU; dashboard {med[f'dashboard {name}']:.1f} ms CPU, "
              f"p50 {statistics.median(wall[f'dashboard {name}']):.0f} ms")
    load_context(load_p95)
    print(f"  the floor with the store's durable write of the meeting and two responsibilities (stack_floor.py --store): "
          f"{med['floor+store']:.2f} ms CPU = {med['floor+store'] / floor_cpu:.2f}x the floor; the app's meeting POST is "
          + ", ".join(f"{med[f'meeting {n}'] / med['floor+store']:.2f}x it ({n})" for n in names))
    for app in apps:
        ok &= statuses_ok(app)
    for base in (floor, durable_floor):
        if base.statuses != {303}:
            ok = False
            print(f"  {'floor+store' if base.store else 'floor'}: unexpected statuses {sorted(base.statuses)}")
    return 0 if ok else 1


def load_rows(load_p95: dict[str, dict[str, list[float]]]) -> bool:
    ok = True
    for kind, p95 in load_p95.items():
        ratio = statistics.median(p95["with"]) / statistics.median(p95["without"])
        passed = ratio <= TARGETS[f"post_during_{kind}"]
        ok &= passed
        label = {"dashboard": "50k: POST p95 during dashboard loads / without",
                 "export": "50k: POST p95 during JSON exports / without"}[kind]
        print(f"{label:<44} | {ratio:>26.2f}x | <= {TARGETS[f'post_during_{kind}']:g}x {'PASS' if passed else 'FAIL'}")
    return ok


def load_context(load_p95: dict[str, dict[str, list[float]]]) -> None:
    for kind, p95 in load_p95.items():
        print(f"  50k POST p95 without {kind} loads {statistics.median(p95['without']):.1f} ms, during "
              f"{statistics.median(p95['with']):.1f} ms ({len(p95['with'])} rounds of {LOAD_POSTS}; each round's p95: "
              f"without {' '.join(f'{v:.0f}' for v in p95['without'])}, with {' '.join(f'{v:.0f}' for v in p95['with'])})")


def statuses_ok(app: AppUnderTest) -> bool:
    expected = {"meeting": {303}, "feedback": {303}, "inline": {200}, "dashboard": {200}}
    bad = {kind: sorted(s) for kind, s in app.statuses.items() if not s <= expected.get(kind, {200})}
    if bad:
        print(f"  {app.name}: unexpected statuses {bad}")
    return not bad


def loads_only(roots: list[Path], rounds: int) -> int:
    """The rows under load alone, on a 50k server per checkout: rounds of (without, with) for each load, the
    checkouts' servers taking turns within each round, so a neighbour's load on the machine hits them alike."""
    load_p95: dict[Path, dict[str, dict[str, list[float]]]] = {root: {} for root in roots}
    apps: list[AppUnderTest] = []
    with tempfile.TemporaryDirectory(prefix="samskaping-writes-bench-", dir="/tmp") as temp_name:
        tables, people = http_bench.build_snapshot(50_000)
        try:
            for number, root in enumerate(roots):
                apps.append(AppUnderTest(f"50k-{number}", tables, people, Path(temp_name), root))
            del tables
            for app in apps:
                for path in LOADS.values():  # warm-up
                    app.post_meeting(), app.leader.request("GET", path, keep_cookies=False)
            for number in range(rounds):
                for kind in LOADS:
                    for loading in (False, True):
                        for root, app in zip(roots, apps):
                            measure_load(load_p95[root], app, kind, loading)
                print(f"  round {number + 1}/{rounds} done", flush=True)
        finally:
            for app in apps:
                app.stop()
    ok = True
    for root, app in zip(roots, apps):
        print(f"\napp.py from {root}:")
        ok &= load_rows(load_p95[root]) & statuses_ok(app)
        load_context(load_p95[root])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
