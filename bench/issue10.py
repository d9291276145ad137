"""Every row of issue 10's table, one command: python bench/issue10.py [--quick]

Runs the benchmarks one after another (each starts its own servers on 127.0.0.1 and measures against its
baseline in the same run: the stack floor bench/stack_floor.py, or a stdlib baseline), prints their
output as it comes, and at the end collects their PASS/FAIL rows into one table. Exit 0 only if every
benchmark ran and every row passed.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# (script, what it covers in issue 10's table, whether it takes --quick)
BENCHMARKS = [
    ("bench_day.py", "30 phones open the day page; day page at 50k vs school year; bytes on the wire", True),
    ("bench_writes.py", "meeting and feedback POST, inline check, dashboard at 50k, POST during dashboard", True),
    ("bench_http.py", "30 simultaneous meeting POSTs at 1k and 50k", True),
    ("bench_sync.py", "first and second sync of 10k records", True),
    ("bench_import.py", "import of a full export; 100k records with bounded memory", True),
    ("bench_export.py", "a phone's POST during an export's snapshot", True),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds in every benchmark")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str]] = []
    failed: list[str] = []
    for script, covers, quick in BENCHMARKS:
        command = [sys.executable, str(BENCH / script)] + (["--quick"] if args.quick and quick else [])
        print(f"\n=== {script}: {covers}\n+ {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.rstrip().endswith(("PASS", "FAIL")) or " PASS " in line or " FAIL " in line:
                rows.append((script, line.rstrip()))
        code = process.wait()
        print(f"=== {script}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(f"{script} (exit {code})")
    print("\n\nIssue 10, every row (ratios against a baseline measured in the same run):")
    for script, line in rows:
        print(f"  {script:<16} {line.strip()}")
    if failed:
        print("\nNot all passed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
