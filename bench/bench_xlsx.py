"""XLSX export against the CSV export, in the same run: python bench/bench_xlsx.py [sizes...] [--repeats N]

For each size (default 50k records) a temporary data folder gets bench_export.py's realistic mix. Then, on the
same open store, interleaved and repeated (CSV, XLSX, XLSX, CSV, CSV, XLSX...: neither always runs first):
  CSV         one snapshot + the seven CSV files, as the ZIP export makes them (English keys, the page's default)
  CSV nb      the same with Norwegian headings and values (the same translating work as the workbook)
  XLSX        one snapshot + the workbook with its seven sheets and "Om eksporten" (Norwegian, the default),
              spooled and read back in chunks as the download streams it
Time: CPU seconds of this process (the machine may be shared; wall time would measure the neighbours) and wall
seconds beside it. The ratio is XLSX / CSV per round (each pair taken side by side), then the median and the
worst of the rounds; issue 13 asks ≤ 2. Memory: tracemalloc's peak of what each export allocates (the loaded store
not counted), in a separate pass: flat from 10k to 50k records means the workbook is not held in memory.
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import peak, write_data_folder  # noqa: E402

from samskaping import create_app  # noqa: E402
from samskaping.core.exchange.export import take_snapshot  # noqa: E402
from samskaping.core.exchange.export_csv import CSV_TABLES, csv_chunks  # noqa: E402
from samskaping.core.exchange.export_xlsx import xlsx_chunks  # noqa: E402
from samskaping.store.database import Store  # noqa: E402


def csv_export(store: Store, out, labels: str | None = None) -> None:
    with take_snapshot(store, tables=CSV_TABLES) as snapshot:
        for table in CSV_TABLES:
            for chunk in csv_chunks(snapshot, table, labels=labels):
                out.write(chunk)


def csv_nb_export(store: Store, out) -> None:
    csv_export(store, out, "nb")


def xlsx_export(store: Store, out) -> None:
    with take_snapshot(store, tables=CSV_TABLES) as snapshot:
        for chunk in xlsx_chunks(snapshot):
            out.write(chunk)


def timed(function, store: Store) -> tuple[float, float]:
    with open(os.devnull, "wb") as out:
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        function(store, out)
        return time.process_time() - cpu, time.perf_counter() - wall


def main(sizes: tuple[int, ...], repeats: int) -> None:
    exports = {"CSV": csv_export, "CSV nb": csv_nb_export, "XLSX": xlsx_export}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
            count = write_data_folder(folder, size)
            app = create_app({"TESTING": True, "DATA_DIR": str(Path(folder, "unused"))})
            with Store(folder) as store, app.test_request_context():
                times: dict[str, list[tuple[float, float]]] = {name: [] for name in exports}
                order = list(exports)
                for round_number in range(repeats):
                    for name in (order if round_number % 2 == 0 else order[::-1]):
                        times[name].append(timed(exports[name], store))
                memory = {name: peak(function, store) for name, function in exports.items()}
            print(f"{count} records, {repeats} interleaved rounds (CPU s; wall s in brackets)")
            for name, runs in times.items():
                cpu = [run[0] for run in runs]
                wall = [run[1] for run in runs]
                print(f"  {name:<7} median {statistics.median(cpu):6.3f} ({statistics.median(wall):6.3f})  "
                      f"best {min(cpu):6.3f}  worst {max(cpu):6.3f}  peak {memory[name]:6.1f} MiB")
            for base in ("CSV", "CSV nb"):
                ratios = [x[0] / c[0] for x, c in zip(times["XLSX"], times[base])]
                walls = [x[1] / c[1] for x, c in zip(times["XLSX"], times[base])]
                print(f"  XLSX / {base:<6} CPU ratio median {statistics.median(ratios):.2f}, worst {max(ratios):.2f}; "
                      f"wall ratio median {statistics.median(walls):.2f}  (issue 13: ≤ 2)")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    repeats = 5
    if "--repeats" in arguments:
        at = arguments.index("--repeats")
        repeats = int(arguments[at + 1])
        del arguments[at:at + 2]
    main(tuple(int(arg) for arg in arguments) or (50_000,), repeats)
