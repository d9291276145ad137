"""Import of a full export (ZIP) against a stdlib baseline in the same run: python bench/bench_import.py [--records N]

The export: bench_http's school data (~1.4 KB a record, mostly meetings) exported by the app itself as the
ZIP a leader downloads (export.json, the CSV files, LESMEG.txt). Each round, interleaved:
  baseline  zipfile opens export.json, json.load reads it, and every record is written to a file as JSON
            with one fsync (the irreducible work: unpack, parse, write durably; no checks, no merge);
  import    what `flask --app app import FILE` does once the app is up: read and check the file
            (import_file), then merge it into an empty data folder (merge.apply), durable when it returns.
A third row, "baseline + the import's checks", adds import_file.check_export to the baseline (not the target).
Printed: seconds per round, medians, the import as a ratio of the baseline (per round and of the medians),
and PASS/FAIL against the target (<= 2 x). Wall time on a shared machine: the ratio is what counts.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_http import build_snapshot  # noqa: E402

from samskaping import create_app  # noqa: E402
from samskaping.core.exchange.export import take_snapshot  # noqa: E402
from samskaping.core.exchange.export_zip import zip_export  # noqa: E402
from samskaping.store.database import Store  # noqa: E402

TARGET = 2.0


def make_export(path: Path, size: int) -> int:
    """The app's own ZIP export of about `size` records (the audit log is never exported); returns the count."""
    tables, _people = build_snapshot(size)
    tables.pop("audit", None)
    count = sum(map(len, tables.values()))
    with take_snapshot(tables) as snapshot, open(path, "wb") as out:
        for chunk in zip_export(snapshot):
            out.write(chunk)
    return count


def baseline(path: Path, folder: Path) -> float:
    started = time.perf_counter()
    write_durably(read_export(path), folder)
    return time.perf_counter() - started


def read_export(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive, archive.open("export.json") as member:
        return json.load(member)


def write_durably(document: dict, folder: Path) -> None:
    with open(folder / "baseline.json", "wb") as out:
        for table, records in document["tables"].items():
            out.write(json.dumps({table: records}).encode() + b"\n")
        out.flush()
        os.fsync(out.fileno())


def checked_baseline(app, path: Path, folder: Path) -> float:
    """The baseline plus the import's own checks of every record (import_file.check_export): what the stdlib
    floor costs once the file is checked as the import must check it (not the target; printed beside it)."""
    from samskaping.core.exchange.import_file import check_export
    with app.test_request_context("/leader/import/"):
        started = time.perf_counter()
        document = read_export(path)
        check_export(document)
        write_durably(document, folder)
        return time.perf_counter() - started


def import_file(app, path: Path, folder: Path) -> tuple[float, int]:
    from samskaping.exchange.import_views import run_import, source_of
    try:
        from samskaping.commands.import_command import read_export
    except ImportError:  # before the streamed reader: the command read the whole file (to measure the code before)
        from samskaping.core.exchange.merge import parse_document

        def read_export(path: Path) -> dict:
            return parse_document(path.read_bytes(), path.name)
    store = Store(folder / "data")
    try:
        with app.test_request_context("/leader/import/"):
            started = time.perf_counter()
            document = read_export(path)
            report = run_import(document, source_of(path.name), store=store)
            seconds = time.perf_counter() - started
        return seconds, report.total("added")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        path = work / "samskaping.zip"
        app = create_app({"DATA_DIR": str(work / "app")})
        with app.test_request_context("/leader/export/"):
            count = make_export(path, args.records)
        with zipfile.ZipFile(path) as archive:
            unpacked = archive.getinfo("export.json").file_size
        print(f"export: {count:,} records, ZIP {path.stat().st_size / 2**20:.1f} MiB, export.json {unpacked / 2**20:.1f} MiB")
        rows: dict[str, list[float]] = {"baseline": [], "checked": [], "import": []}
        for number in range(args.rounds):
            folder = work / f"round{number}"
            folder.mkdir()
            rows["baseline"].append(baseline(path, folder))
            rows["checked"].append(checked_baseline(app, path, folder))
            seconds, added = import_file(app, path, folder)
            rows["import"].append(seconds)
            assert added == count, (added, count)
            shutil.rmtree(folder)
            print(f"round {number + 1}: baseline {rows['baseline'][-1]:.2f} s, import {seconds:.2f} s "
                  f"({seconds / rows['baseline'][-1]:.1f} x)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base, ours = statistics.median(rows["baseline"]), statistics.median(rows["import"])
    checked = statistics.median(rows["checked"])
    ratios = sorted(o / b for o, b in zip(rows["import"], rows["baseline"]))
    print(f"\n{count:,} records, {args.rounds} rounds (medians)")
    print(f"stdlib baseline (zipfile + json + one fsync)  {base:6.2f} s")
    print(f"baseline + the import's checks                {checked:6.2f} s = {checked / base:4.1f} x baseline")
    print(f"import (read, check, merge)                   {ours:6.2f} s = {ours / base:4.1f} x baseline "
          f"(per round {ratios[0]:.1f}-{ratios[-1]:.1f})")
    print(f"  {'PASS' if ours / base <= TARGET else 'FAIL'}  import <= {TARGET:g} x the baseline "
          f"(and {ours / checked:.1f} x the baseline with the checks)")


if __name__ == "__main__":
    main()
