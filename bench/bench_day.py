"""The participant's day page under a whole staff, as ratios against the stack floor: python bench/bench_day.py

Three servers run at once on 127.0.0.1: the stack floor (bench/stack_floor.py), the real app (app.py) on a
school year's data (bench_writes.school_year: 3 schools, 40 people, 400 meetings, 1,200 responsibilities), the
same school year with earlier years' history up to 50k records ("50k history": the same day page, so the ratio
measures the database's size alone), and bench_http's 50k set ("50k other", context: another project, whose
first participant has 12 open items where the school year's has 5). 30 phones join each app as 30 participants.

Every round, interleaved: a batch of floor POSTs, a batch of day-page GETs from one phone on each app (the
server's CPU read from /proc around each batch, all threads), the floor again, then one burst per app: the
30 phones GET the day page at the same moment (a barrier), asking for `br, gzip` as a phone's browser does.
A figure is a median over rounds; CPU is a ratio against the floor measured in the same minute.

Rows (issue 10): burst p50/p95 at both sizes (target p95 <= 1 s); day-page CPU / floor POST CPU (<= 12 x);
bytes on the wire (<= 40 KiB; asked as a phone on https asks, `br, gzip`, and printed beside it for plain http,
where Chromium asks for `gzip, deflate` only); day-page CPU at 50k history / at school-year size (<= 1.2 x). Exit 0 only if all pass.
`--root DIR` runs another checkout's app.py (the code before a change, unpacked with `git archive`), on data
prepared by this one.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_http as http_bench  # noqa: E402
from bench_http import TIMEOUT_S, Phone, Server, percentile, stamped, text  # noqa: E402
from bench_writes import Client, Floor, batch, exchange, prepare, school_year  # noqa: E402

PHONES = 30
ROUNDS, QUICK_ROUNDS = 8, 3
BATCH = 10                 # day pages per app per round, one after another (CPU read around the batch)
FLOOR_BATCH = 20           # floor POSTs per batch
BARRIER_TIMEOUT_S = 120
REQUEST_TIMEOUT_S = 120
ACCEPT = {"Accept-Encoding": "br, gzip"}
TARGETS = {"p95_ms": 1000.0, "cpu_ratio": 12.0, "kib": 40.0, "size_ratio": 1.2}


def with_history(tables: dict, total: int, seed: int = 3) -> dict:
    """The school year's tables and, before it, earlier years of the same collaboration up to `total` records:
    meetings 1 to 20 years ago, each with three responsibilities closed long since and two follow-ups."""
    rng = random.Random(seed)
    tables = {name: dict(records) for name, records in tables.items()}
    people, schools = list(tables["people"].values()), sorted(tables["schools"])
    first = min(date.fromisoformat(m["date"]) for m in tables["meetings"].values())
    n = 0
    while sum(len(records) for records in tables.values()) < total:
        day = first - timedelta(days=1 + n % 7000)
        moment = f"{day.isoformat()}T10:00:00.000000+00:00"
        who = people[rng.randrange(len(people))]
        meeting = stamped({"date": day.isoformat(), "school": schools[n % len(schools)], "type": "planning",
                           "attendees": [who["id"]], "guests": "", "agenda": text(rng, 60), "notes": text(rng, 200),
                           "decisions": text(rng, 60)}, who["id"], None, moment)
        tables["meetings"][meeting["id"]] = meeting
        for k in range(3):
            owner = people[rng.randrange(len(people))]
            done = stamped({"what": text(rng, 50), "owner": owner["id"], "side": owner["side"],
                            "due": (day + timedelta(days=30)).isoformat(), "status": ("done", "dropped", "done")[k],
                            "meeting": meeting["id"], "school": meeting["school"]}, who["id"], None, moment)
            tables["responsibilities"][done["id"]] = done
            if k < 2:
                followup = stamped({"responsibility": done["id"], "status": done["status"],
                                    "previous_status": "not_started", "comment": text(rng, 40),
                                    "meeting": meeting["id"]}, who["id"], None, moment)
                tables["followups"][followup["id"]] = followup
        n += 1
    return tables


class DayApp:
    """The real app on one data set, with 30 joined phones (each its own keep-alive connection)."""

    def __init__(self, name: str, tables: dict, people: list[dict], temp: Path, root: Path):
        self.name = name
        joins = prepare(temp / f"data-{name}", tables, people, phones=PHONES)
        http_bench.ROOT = root  # Server starts app.py from here
        self.server = Server(temp / f"data-{name}", temp / f"server-{name}.log")
        print(f"[{name}] server healthy after {self.server.wait_healthy():.1f} s", flush=True)
        school_ids = sorted(tables["schools"])
        self.phones: list[Client] = []
        for index, (path, person) in enumerate(joins):
            phone = Phone(self.server.port, path, person, school_ids, index)  # joins, and GETs /meetings/new
            client = Client(self.server.port)
            client.connection.timeout = REQUEST_TIMEOUT_S  # a burst before the fix took longer than 30 s
            client.cookies = dict(phone.cookies)
            phone.close()
            self.phones.append(client)
        status, page = self.phones[0].request("GET", "/", keep_cookies=False)
        if status != 200 or 'data-screen="meeting"' not in page:
            raise RuntimeError(f"[{name}] GET / is not the participant's day page ({status})")
        self.open_items = sum(1 for r in tables["responsibilities"].values()
                              if r["status"] in ("not_started", "in_progress"))
        self.statuses: set = set()
        self.sizes: list[int] = []
        self.encodings: set = set()
        self.gzip_size = 0

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def day_page(self, phone: Client | None = None) -> float:
        """One GET of the day page as a phone asks for it; the wall time to the whole (compressed) answer."""
        phone = phone or self.phones[0]
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in phone.cookies.items()), **ACCEPT}
        started = time.perf_counter()
        try:
            response = exchange(phone.connection, "GET", "/", None, headers)
            body = response.read()
        except (OSError, http.client.HTTPException):
            phone.connection.close()  # the next request opens a fresh one, as a browser would
            raise
        elapsed = (time.perf_counter() - started) * 1000
        self.statuses.add(response.status)
        self.sizes.append(len(body))
        self.encodings.add(response.getheader("Content-Encoding"))
        return elapsed

    def size_as(self, accept_encoding: str) -> int:
        """The day page's bytes when the phone asks with this Accept-Encoding (not measured for time)."""
        phone = self.phones[0]
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in phone.cookies.items()),
                   "Accept-Encoding": accept_encoding}
        return len(exchange(phone.connection, "GET", "/", None, headers).read())

    def burst(self) -> list[float]:
        """The 30 phones GET the day page at the same moment; each one's wall time."""
        start = threading.Barrier(len(self.phones), timeout=BARRIER_TIMEOUT_S)
        times: list[float] = []
        lock = threading.Lock()

        def one(phone: Client) -> None:
            try:
                start.wait()
                elapsed = self.day_page(phone)
            except (threading.BrokenBarrierError, OSError, http.client.HTTPException) as error:
                with lock:
                    self.statuses.add(f"burst: {type(error).__name__}")
                return
            with lock:
                times.append(elapsed)

        threads = [threading.Thread(target=one, args=(phone,), daemon=True) for phone in self.phones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=BARRIER_TIMEOUT_S + TIMEOUT_S)
        if any(thread.is_alive() for thread in threads):
            start.abort()
            self.statuses.add("burst: phones still waiting at the deadline")
        return times

    def stop(self) -> None:
        for phone in self.phones:
            phone.connection.close()
        self.server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds instead of {ROUNDS}")
    parser.add_argument("--root", type=Path, default=BENCH.parent, help="the checkout whose app.py is measured")
    args = parser.parse_args(argv)
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    print(f"app.py from {args.root}; {rounds} rounds; {BATCH} serial day pages per app and round, "
          f"one burst of {PHONES} per app and round; {os.cpu_count()} CPUs\n", flush=True)
    cpu: dict[str, list[float]] = {}
    bursts: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="samskaping-day-bench-", dir="/tmp") as temp_name:
        temp = Path(temp_name)
        floor = Floor(temp)
        apps: list[DayApp] = []
        try:
            tables, people = school_year()
            apps.append(DayApp("school-year", tables, people, temp, args.root))
            apps.append(DayApp("50k history", with_history(tables, 50_000), people, temp, args.root))
            tables, people = http_bench.build_snapshot(50_000)
            apps.append(DayApp("50k other", tables, people, temp, args.root))
            del tables
            for _ in range(2):  # warm-up, unmeasured
                floor.post()
                for app in apps:
                    app.day_page()
            for app in apps:
                app.sizes.clear()
                app.gzip_size = app.size_as("gzip, deflate")
            for number in range(rounds):
                cpu.setdefault("floor", []).append(batch(floor.pid, floor.post, FLOOR_BATCH)[0])
                for app in (apps if number % 2 == 0 else apps[::-1]):
                    cpu.setdefault(app.name, []).append(batch(app.pid, app.day_page, BATCH)[0])
                cpu["floor"].append(batch(floor.pid, floor.post, FLOOR_BATCH)[0])
                for app in apps:
                    times = app.burst()
                    bursts.setdefault(f"{app.name} p50", []).append(percentile(times, 50))
                    bursts.setdefault(f"{app.name} p95", []).append(percentile(times, 95))
                    time.sleep(0.3)
                print(f"  round {number + 1}/{rounds} done", flush=True)
        finally:
            for app in apps:
                app.stop()
            floor.stop()

    med = {key: statistics.median(values) for key, values in {**cpu, **bursts}.items()}
    floor_cpu = med["floor"]
    names = [app.name for app in apps]
    print(f"\nStack floor: {floor_cpu:.2f} ms CPU per POST (median of {len(cpu['floor'])} batches)")
    print(f"Open responsibilities: " + ", ".join(f"{app.name} {app.open_items}" for app in apps))
    print(f"\n{'row':<46} | " + " | ".join(f"{n:>12}" for n in names) + " | target")
    print("-" * 107)
    ok = True

    def row(label: str, values: list[float], target: float, unit: str) -> None:
        nonlocal ok
        passed = all(v <= target for v in values)
        ok &= passed
        cells = " | ".join(f"{v:>10.2f}{unit:>2}" for v in values)
        print(f"{label:<46} | {cells} | <= {target:g}{unit} {'PASS' if passed else 'FAIL'}")

    print(f"{'30 simultaneous day pages, p50 (ms)':<46} | "
          + " | ".join(f"{med[f'{n} p50']:>10.0f}ms" for n in names) + " |")
    row("30 simultaneous day pages, p95 (ms)", [med[f"{n} p95"] for n in names], TARGETS["p95_ms"], "ms")
    row("day page CPU / floor POST CPU", [med[n] / floor_cpu for n in names], TARGETS["cpu_ratio"], "x")
    row("day page on the wire, br/gzip (KiB)", [statistics.median(app.sizes) / 1024 for app in apps],
        TARGETS["kib"], "Ki")
    print(f"{'  the same on plain http, gzip only (KiB)':<46} | "
          + " | ".join(f"{app.gzip_size / 1024:>10.2f}Ki" for app in apps) + " | (Chromium asks for br on https only)")
    ratio = med["50k history"] / med["school-year"]
    passed = ratio <= TARGETS["size_ratio"]
    ok &= passed
    print(f"{'day page CPU at 50k history / at school-year size':<46} | {ratio:>42.2f}x | "
          f"<= {TARGETS['size_ratio']:g}x {'PASS' if passed else 'FAIL'}")
    print("\nContext (medians; CPU is the server's, all threads):")
    for app in apps:
        print(f"  {app.name:>11}: {med[app.name]:.1f} ms CPU per day page; burst p50 {med[f'{app.name} p50']:.0f} ms, "
              f"p95 {med[f'{app.name} p95']:.0f} ms; {statistics.median(app.sizes) / 1024:.1f} KiB "
              f"({', '.join(sorted(str(e) for e in app.encodings))})")
        if app.statuses != {200}:
            ok = False
            print(f"  {app.name}: unexpected statuses {sorted(map(str, app.statuses))}")
    if floor.statuses != {303}:
        ok = False
        print(f"  floor: unexpected statuses {sorted(floor.statuses)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
