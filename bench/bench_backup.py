"""Backups at 50k records: their cost, and that phones' writes keep flowing during one: python bench/bench_backup.py

1. In process, on a store of SIZE records (the mix of bench_http.py), best of REPEATS:
     copy (lock held)  copy_tables: the time writers wait for a backup
     backup            copy + encode + gzip + fsync + rename (+ rotation), wall and CPU seconds
     plain dump        json.dump of the same tables to a file, for scale (what compaction writes)
     restore check     read_backup + opening the file as a Store in a temporary folder
2. Against the real server (app.py on 127.0.0.1): PHONES phones post meetings back to back; ROUNDS times,
   in alternating order, a quiet window and a window in which the leader presses "Ta sikkerhetskopi nå"
   (the backup runs in the server while the phones post). POSTs are grouped by the window they started in;
   target: p95 during a backup <= TARGET_RATIO x p95 without.
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_http import HOST, TIMEOUT_S, Phone, Server, build_snapshot, percentile, prepare_folder  # noqa: E402

from samskaping import create_app  # noqa: E402
from samskaping.leader.auth import set_leader_password  # noqa: E402
from samskaping.store.backup_file import copy_tables, list_backups, read_backup, write_backup  # noqa: E402
from samskaping.store.database import DB_NAME, Store  # noqa: E402
from samskaping.web.db import close_store  # noqa: E402

SIZE = 50_000
REPEATS = 3
PHONES = 3
ROUNDS, QUICK_ROUNDS = 6, 2
THINK_S = 0.05           # between one phone's posts: a steady stream, not a flood
QUIET_S = 3.0            # a quiet window, about as long as a backup at 50k
TARGET_RATIO = 2.0
PASSWORD = "bench-leder-passord"
START_BACKUP_TIMEOUT_S = 120


def in_process(size: int, temp: Path) -> None:
    folder = temp / "store"
    folder.mkdir()
    tables, _people = build_snapshot(size)
    (folder / DB_NAME).write_text(json.dumps(tables, separators=(",", ":")), encoding="ascii")
    del tables
    out = temp / "backups"
    out.mkdir()
    rows: dict[str, list[tuple[float, float]]] = {"copy (lock held)": [], "backup": [], "plain dump": [],
                                                  "restore check": []}
    with Store(folder) as store:
        count = sum(store.counts().values())
        for repeat in range(REPEATS):
            rows["copy (lock held)"].append(timed(lambda: copy_tables(store)))
            made_at = datetime(2026, 3, 1 + repeat, 12, tzinfo=timezone.utc)  # distinct days: none rotated away
            rows["backup"].append(timed(lambda: write_backup(copy_tables(store), out, made_at=made_at)))
            rows["plain dump"].append(timed(lambda: plain_dump(store, temp / "plain.json")))
    newest = list_backups(out)[0]
    for _ in range(REPEATS):
        rows["restore check"].append(timed(lambda: restore_check(newest.path, temp)))
    print(f"{count:,} records; backup file {newest.size / 1e6:.1f} MB, plain JSON {(temp / 'plain.json').stat().st_size / 1e6:.1f} MB")
    print(f"{'step':<18} {'wall s':>7} {'cpu s':>7}   (best of {REPEATS})")
    for name, values in rows.items():
        print(f"{name:<18} {min(v[0] for v in values):>7.3f} {min(v[1] for v in values):>7.3f}")


def timed(function) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def plain_dump(store: Store, path: Path) -> None:
    with store.frozen() as live, open(path, "w", encoding="ascii") as out:
        json.dump(live, out, separators=(",", ":"))


def restore_check(path: Path, temp: Path) -> None:
    _header, tables = read_backup(path)
    folder = Path(tempfile.mkdtemp(dir=temp))
    (folder / DB_NAME).write_bytes(json.dumps(tables, separators=(",", ":")).encode("ascii"))
    with Store(folder) as trial:
        trial.counts()
    shutil.rmtree(folder)


class Leader:
    """The leader in a browser on the laptop: signed in, pressing "Ta sikkerhetskopi nå"."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        page = self.request("GET", "/leader/login")
        self.request("POST", "/leader/login", {"csrf_token": Phone.token(page), "password": PASSWORD})
        self.token = Phone.token(self.request("GET", "/leader/backups/"))

    def request(self, method: str, path: str, form: dict | None = None) -> str:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT_S * 10)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None if form is None else urlencode(form)
            if form is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            self.status = response.status
            return response.read().decode()
        finally:
            connection.close()

    def back_up_now(self) -> float:
        started = time.perf_counter()
        self.request("POST", "/leader/backups/now", {"csrf_token": self.token})
        if self.status != 303:
            raise RuntimeError(f"backup: {self.status}")
        return time.perf_counter() - started


def against_server(size: int, rounds: int, temp: Path) -> None:
    folder = temp / "server-data"
    folder.mkdir()
    join_paths, people, _ = prepare_folder(folder, size)
    app = create_app({"DATA_DIR": str(folder)})
    with app.app_context():
        set_leader_password(PASSWORD)
    close_store(app)
    server = Server(folder, temp / "server.log")
    stop = threading.Event()
    posts: list[tuple[float, float | None, int | None]] = []  # (started, ms, status)
    try:
        server.wait_healthy()
        school_ids = sorted({p["school"] for p in people})
        phones = [Phone(server.port, path, person, school_ids, n) for n, (path, person) in
                  enumerate(zip(join_paths[:PHONES], people[:PHONES]))]
        for n, phone in enumerate(phones):
            phone.partner = people[(n + 1) % len(people)]
        leader = Leader(server.port)
        wait_for_start_backup(folder / "backups")

        def phone_loop(phone: Phone) -> None:
            while not stop.is_set():
                started = time.perf_counter()
                _id, elapsed, status, _detail = phone.post_meeting()
                posts.append((started, elapsed, status))
                time.sleep(THINK_S)

        threads = [threading.Thread(target=phone_loop, args=(p,), daemon=True) for p in phones]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # let the stream settle
        quiet, busy, durations = [], [], []
        for round_ in range(rounds):
            order = ("quiet", "backup") if round_ % 2 == 0 else ("backup", "quiet")
            for kind in order:
                start = time.perf_counter()
                if kind == "quiet":
                    time.sleep(QUIET_S)
                else:
                    durations.append(leader.back_up_now())
                (quiet if kind == "quiet" else busy).append((start, time.perf_counter()))
                time.sleep(0.3)  # a gap, so no POST straddles two windows' classification
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT_S)
    finally:
        stop.set()
        server.stop()

    def within(windows):
        return [ms for started, ms, status in posts if ms is not None and status == 303
                and any(a <= started < b for a, b in windows)]

    errors = sum(1 for _s, ms, status in posts if ms is None or status != 303)
    q, b = within(quiet), within(busy)
    ratio = percentile(b, 95) / percentile(q, 95)
    print(f"server, {size:,} records, {PHONES} phones posting meetings, {rounds} rounds (interleaved):")
    print(f"  backup by the leader page: median {statistics.median(durations):.2f} s, max {max(durations):.2f} s")
    print(f"  POST /meetings/new without a backup: n={len(q)} p50 {percentile(q, 50):.1f} ms p95 {percentile(q, 95):.1f} ms")
    print(f"  POST /meetings/new during a backup:  n={len(b)} p50 {percentile(b, 50):.1f} ms p95 {percentile(b, 95):.1f} ms "
          f"max {max(b):.1f} ms")
    print(f"  p95 ratio {ratio:.2f} (target <= {TARGET_RATIO}): {'OK' if ratio <= TARGET_RATIO else 'MISSED'}; "
          f"failed POSTs: {errors}")


def wait_for_start_backup(folder: Path) -> None:
    """The server makes a backup on its first request; the measurement starts after it."""
    deadline = time.monotonic() + START_BACKUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if folder.is_dir() and list_backups(folder) and not list(folder.glob(".*.tmp")):
            time.sleep(0.5)
            return
        time.sleep(0.2)
    raise RuntimeError("the start backup did not appear")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds instead of {ROUNDS}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as temp:
        in_process(args.size, Path(temp))
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as temp:
        against_server(args.size, QUICK_ROUNDS if args.quick else ROUNDS, Path(temp))


if __name__ == "__main__":
    main()
