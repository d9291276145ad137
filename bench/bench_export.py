"""Export speed and memory against Python's own writers: python bench/bench_export.py [sizes...]

For each size a temporary data folder gets a realistic mix of records (mostly meetings, responsibilities
and follow-ups). Then, in the same run and on the same open store:
  ours CSV    one snapshot (the store's lock held only to copy each table's dict) + the seven CSV files, as
              the ZIP export makes them
  plain CSV   store.find(table) + csv.writer writing the same columns (no names, no formula guard)
  ours JSON   one snapshot + the export document
  plain JSON  json.dump({"tables": {t: store.find(t)}})
"writer only" variants time the plain writers on rows fetched beforehand (their lower bound).
Time: CPU seconds of this process (the machine may be shared; wall time would measure the neighbours),
best of REPEATS, without tracemalloc. Memory: tracemalloc's peak of what the export allocates
(the loaded store itself is not counted), in a separate pass.
"""
from __future__ import annotations

import csv
import gc
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samskaping.core.exchange.export import TABLES, json_chunks, take_snapshot
from samskaping.core.exchange.export_csv import csv_chunks  # noqa: E402
from samskaping.core.exchange.export_csv import CSV_TABLES, columns  # noqa: E402
from samskaping.store.database import DB_NAME, Store  # noqa: E402

SIZES = (10_000, 50_000)
REPEATS = 3
MIX = {"meetings": 0.28, "responsibilities": 0.36, "followups": 0.26, "feedback": 0.07, "answers": 0.03}
WORDS = ("elevene samarbeid plan økt coach kontaktlærer oppfølging trinn foreldre mål ansvar skolen møte "
         "tiltak evaluering tilbakemelding rektor årsplan prøveplan samhold æøå").split()


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def build(total: int, seed: int = 7) -> dict[str, dict[str, dict]]:
    """A snapshot dict {table: {id: record}} of about `total` records."""
    rng = random.Random(seed)
    stamp = "2026-10-%02dT%02d:%02d:12.123456+00:00"
    data: dict[str, dict[str, dict]] = {table: {} for table in TABLES}

    def add(table: str, fields: dict) -> dict:
        record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        moment = stamp % (rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
        record = {**fields, "id": record_id, "created_at": moment, "updated_at": moment,
                  "author": rng.choice(people) if people else None, "device": None}
        data[table][record_id] = record
        return record

    people: list[str] = []
    schools = [add("schools", {"name": f"Skole {n} æøå"})["id"] for n in range(8)]
    people.extend(add("people", {"name": f"Person {n} Østby", "side": ("kommune", "entreprenor")[n % 2], "role": "Lærer",
                                 "school": rng.choice(schools), "active": True})["id"] for n in range(60))
    statements = [add("statements", {"f": f, "text": text(rng, 10), "position": n, "active": True})["id"]
                  for f in ("forstaelse", "forankring", "forpliktelse") for n in range(4)]
    rounds = [add("rounds", {"title": f"Runde {n}", "status": "closed", "statement_ids": statements, "invited": []})["id"]
              for n in range(6)]
    meetings, responsibilities = [], []
    for table, share in MIX.items():
        for n in range(int(total * share)):
            if table == "meetings":
                meetings.append(add("meetings", {
                    "date": f"2026-{rng.randint(8, 12):02d}-{rng.randint(1, 28):02d}", "school": rng.choice(schools),
                    "type": "follow_up", "attendees": rng.sample(people, 4), "guests": "",
                    "agenda": "1. " + text(rng, 6) + "\n2. " + text(rng, 6), "notes": text(rng, 60),
                    "decisions": text(rng, 15)}))
            elif table == "responsibilities":
                meeting = rng.choice(meetings)
                owner = rng.choice(people)
                responsibilities.append(add("responsibilities", {
                    "what": text(rng, 8), "owner": owner, "side": data["people"][owner]["side"],
                    "due": meeting["date"], "status": "in_progress", "meeting": meeting["id"], "school": meeting["school"]}))
            elif table == "followups":
                add("followups", {"responsibility": rng.choice(responsibilities)["id"], "status": "in_progress",
                                  "previous_status": "not_started", "comment": text(rng, 12), "meeting": None})
            elif table == "feedback":
                add("feedback", {"to": rng.choice(people), "about": rng.choice(responsibilities)["id"],
                                 "worked": text(rng, 20), "improve": text(rng, 10)})
            else:
                add("answers", {"round": rng.choice(rounds), "person": rng.choice(people), "side": rng.choice(("kommune", "entreprenor")),
                                "values": {s: rng.randint(1, 5) for s in statements}, "comment": ""})
    return data


def ours_csv(store: Store, out) -> None:
    with take_snapshot(store) as snapshot:
        for table in CSV_TABLES:
            for chunk in csv_chunks(snapshot, table):
                out.write(chunk)


def plain_csv(store: Store, out, fetched: dict | None = None) -> None:
    for table in CSV_TABLES:
        if table == "answers":  # the plain way: one row per answer and statement
            records = fetched[table] if fetched else store.find(table)
            rows = ([a["round"], a["side"], s, v] for a in records for s, v in a["values"].items())
        else:
            keys = [column[0].removesuffix("_id") for column in columns(table, {})]
            records = fetched[table] if fetched else store.find(table)
            rows = ([record.get(key) for key in keys] for record in records)
        text = open(out.fileno(), "w", encoding="utf-8-sig", newline="", closefd=False)
        csv.writer(text, delimiter=";").writerows(rows)
        text.flush()


def ours_json(store: Store, out) -> None:
    with take_snapshot(store) as snapshot:
        for chunk in json_chunks(snapshot):
            out.write(chunk)


def plain_json(store: Store, out, fetched: dict | None = None) -> None:
    text = open(out.fileno(), "w", encoding="utf-8", closefd=False)
    json.dump({"tables": {table: fetched[table] if fetched else store.find(table) for table in TABLES}}, text)
    text.flush()


def timed(function, *args) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        with open(os.devnull, "wb") as out:
            gc.collect()
            start = time.process_time()
            function(*args, out)
            best = min(best, time.process_time() - start)
    return best


def write_data_folder(folder: str, size: int) -> int:
    """build(size) written as the store's file in folder; returns how many records."""
    data = build(size)
    Path(folder, DB_NAME).write_text(json.dumps(data, separators=(",", ":")), encoding="ascii")
    return sum(map(len, data.values()))


def peak(function, *args) -> float:
    with open(os.devnull, "wb") as out:
        gc.collect()
        tracemalloc.start()
        function(*args, out)
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result / 2**20


def main(sizes=SIZES) -> None:
    print(f"{'records':>8} {'export':<22} {'time s':>7} {'× plain':>8} {'peak MiB':>9}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
            count = write_data_folder(folder, size)
            with Store(folder) as store:
                fetched = {table: store.find(table) for table in TABLES}
                lock_held = timed(lambda s, o: take_snapshot(s).close(), store)
                results = {
                    "plain CSV (find+write)": (timed(plain_csv, store), peak(plain_csv, store)),
                    "plain CSV writer only": (timed(lambda s, o, f=fetched: plain_csv(s, o, f), store), None),
                    "ours CSV (7 files)": (timed(ours_csv, store), peak(ours_csv, store)),
                    "plain JSON (find+dump)": (timed(plain_json, store), peak(plain_json, store)),
                    "plain json.dump only": (timed(lambda s, o, f=fetched: plain_json(s, o, f), store), None),
                    "ours JSON": (timed(ours_json, store), peak(ours_json, store)),
                }
                del fetched
            for name, (seconds, memory) in results.items():
                base = results["plain CSV (find+write)" if "CSV" in name else "plain JSON (find+dump)"][0]
                print(f"{count:>8} {name:<22} {seconds:>7.3f} {seconds / base:>8.2f} "
                      f"{'' if memory is None else f'{memory:.1f}':>9}")
            print(f"{count:>8} snapshot (spooled)     {lock_held:>7.3f}")


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
