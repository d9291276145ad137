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
# (script, what it covers in issue 10's table, its arguments, its arguments with --quick)
BENCHMARKS = [
    ("bench_day.py", "30 phones open the day page; day page at 50k vs school year; bytes on the wire", [], ["--quick"]),
    ("bench_wire.py", "the day page's bytes at the issue's school year (172 open items), gzip and br", [], []),
    ("bench_writes.py", "meeting and feedback POST, inline check, dashboard at 50k, POST during a dashboard load "
     "and during an export's snapshot", [], ["--quick"]),
    ("bench_http.py", "30 simultaneous meeting POSTs at 1k and 50k", [], ["--quick"]),
    ("bench_sync.py", "first and second sync of 10k records", [], ["--quick"]),
    ("bench_import.py", "import of a full export (ZIP) against a stdlib baseline", [], ["--rounds", "3"]),
    ("bench_import_command_memory.py", "an export of 100k records imported with bounded memory",
     ["50000", "100000"], ["100000"]),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds in every benchmark")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str]] = []
    failed: list[str] = []
    for script, covers, full, quick in BENCHMARKS:
        command = [sys.executable, str(BENCH / script)] + (quick if args.quick else full)
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
