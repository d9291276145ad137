"""How insert latency and start-up time grow with the database: python bench/bench_storage.py"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import tinydb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samskaping.store.database import DB_NAME, Store  # noqa: E402
from samskaping.store.journal import journal_line  # noqa: E402

SIZES = (1_000, 10_000, 50_000, 100_000)
INSERTS = 200
PEOPLE = [str(uuid.uuid4()) for _ in range(60)]
SCHOOLS = [str(uuid.uuid4()) for _ in range(8)]


def meeting_fields(n: int) -> dict:
    """What a phone sends for a meeting: about 1 KB once stored, with nested lists."""
    return {
        "school": SCHOOLS[n % len(SCHOOLS)],
        "date": "2025-03-04",
        "kind": "oppfolging",
        "title": f"Oppfolgingsmote {n} ved skolen",
        "attendees": [PEOPLE[(n + i) % len(PEOPLE)] for i in range(5)],
        "agenda": [
            {"item": "Status pa tiltak", "notes": "Gjennomgang av apne tiltak fra forrige mote.", "owner": PEOPLE[i]}
            for i in range(3)
        ],
        "decisions": "Vi ble enige om a fortsette som avtalt og moetes igjen om to uker.",
        "status": "held",
    }


def stored_meeting(n: int) -> dict:
    now = "2025-03-04T10:11:12.123456+00:00"
    return {**meeting_fields(n), "id": str(uuid.uuid4()), "created_at": now, "updated_at": now,
            "author": PEOPLE[n % len(PEOPLE)], "device": str(uuid.uuid4())}


def prefill(folder: Path, records: list[dict], journal_lines: int = 0) -> None:
    """Write the snapshot directly, and the last `journal_lines` records as journal lines, as Store would."""
    in_snapshot = records[: len(records) - journal_lines]
    snapshot = {"meetings": {record["id"]: record for record in in_snapshot}}
    (folder / DB_NAME).write_text(json.dumps(snapshot, separators=(",", ":")), encoding="ascii")
    with open(folder / (DB_NAME + ".journal"), "wb") as journal:
        for record in records[len(in_snapshot):]:
            journal.write(journal_line("meetings", {record["id"]: record}, []))


def latencies(insert, count: int) -> list[float]:
    times = []
    for n in range(count):
        started = time.perf_counter()
        insert(n)
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def store_inserts(folder: Path, records: list[dict]) -> tuple[float, float, float]:
    prefill(folder, records)
    with Store(folder) as store:
        times = latencies(lambda n: store.create("meetings", meeting_fields(n)), INSERTS)
    return (*summary(times), (folder / DB_NAME).stat().st_size / 1e6)


def plain_tinydb_inserts(folder: Path, records: list[dict], count: int) -> tuple[float, float]:
    (folder / "plain.json").write_text(json.dumps({"meetings": {str(n + 1): r for n, r in enumerate(records)}}))
    with tinydb.TinyDB(folder / "plain.json") as db:
        table = db.table("meetings")
        times = latencies(lambda n: table.insert(stored_meeting(n)), count)
    return summary(times)


def timed_open(folder: Path) -> tuple[float, float]:
    started = time.perf_counter()
    store = Store(folder)
    opened = time.perf_counter()
    store.close()
    return opened - started, time.perf_counter() - opened


def group_commit(folder: Path, records: list[dict], threads: int = 30, each: int = 20) -> tuple[float, int]:
    prefill(folder, records)
    with Store(folder) as store:
        syncs_before = store._storage.syncs

        def write() -> None:
            for n in range(each):
                store.create("meetings", meeting_fields(n))

        workers = [threading.Thread(target=write) for _ in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        return threads * each / elapsed, store._storage.syncs - syncs_before


def main() -> None:
    records = [stored_meeting(n) for n in range(max(SIZES))]
    print(f"Record size: {len(json.dumps(records[0]))} bytes of JSON; {INSERTS} inserts per row, each fdatasync'd.\n")
    with tempfile.TemporaryDirectory(prefix="samskaping-bench-", dir="/tmp") as temp:
        temp_path = Path(temp)
        print(f"{'storage':<22}{'records':>9}{'median ms':>11}{'p95 ms':>9}{'file MB':>9}")
        results = {}
        for size in SIZES:
            folder = temp_path / f"store-{size}"
            folder.mkdir()
            results[size] = store_inserts(folder, records[:size])
            print(f"{'Store (journal)':<22}{size:>9,}{results[size][0]:>11.2f}{results[size][1]:>9.2f}{results[size][2]:>9.1f}")
        for size, count in ((1_000, INSERTS), (10_000, 50)):
            median, p95 = plain_tinydb_inserts(temp_path, records[:size], count)
            label = "TinyDB JSONStorage" + ("" if count == INSERTS else f" *{count}")
            print(f"{label:<22}{size:>9,}{median:>11.2f}{p95:>9.2f}")

        largest = temp_path / f"store-{max(SIZES)}"
        clean_open, _ = timed_open(largest)
        replayed = temp_path / "replay"
        replayed.mkdir()
        prefill(replayed, records, journal_lines=10_000)
        replay_open, replay_close = timed_open(replayed)
        print(f"\nStart-up at {max(SIZES):,} records: snapshot only {clean_open:.2f} s; "
              f"with a 10,000-line journal {replay_open:.2f} s (the close after it compacts: {replay_close:.2f} s)")

        per_second, syncs = group_commit(temp_path / "store-10000", records[:10_000])
        print(f"Group commit at 10,000 records: 30 threads x 20 inserts -> {per_second:,.0f} inserts/s, "
              f"{syncs} fdatasyncs for 600 writes")

    median_ratio, p95_ratio = (results[max(SIZES)][i] / results[min(SIZES)][i] for i in (0, 1))
    print(f"\nTargets: insert at {max(SIZES):,} vs {min(SIZES):,}: median x{median_ratio:.2f}, p95 x{p95_ratio:.2f} "
          f"(<= 2: {'met' if max(median_ratio, p95_ratio) <= 2 else 'MISSED'}); "
          f"start-up <= 1 s: {'met' if max(clean_open, replay_open) <= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
