"""Peak memory of the command-line import of a large ZIP export: python bench/bench_import_command_memory.py [sizes...]

For each size (default 50,000 and 100,000 records of bench_http's school data, ~1.4 KB each) the app exports
the ZIP a leader downloads; then, each in a fresh subprocess, peak RSS (resource.getrusage's ru_maxrss) of:
  app only    the app created, its empty data folder opened: what any command costs;
  holds data  the app created and the imported data folder opened: what the app needs to hold that data at
              all (the store keeps every record in memory by design: TinyDB);
  import      `flask --app app import FILE` (the real command, through Flask's CLI runner) into an empty
              data folder, the store closed at the end (its journal folded into the snapshot) as at exit;
              "before close": its peak up to the end of the command, before that fold (the store's own work).
The import's own cost is its peak above what holding the data costs ("resident once opened": the app's RSS
with the data folder open, after its load); it should grow far less than the file does.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

CHILD = r"""
import json, resource, sys
sys.path.insert(0, {root!r})
from samskaping import create_app
from samskaping.web.db import close_store, open_store
mode, folder, path = sys.argv[1:4]
app = create_app({{"DATA_DIR": folder}})
if mode.startswith("export"):
    sys.path.insert(0, {root!r} + "/bench")
    from bench_import import make_export
    with app.test_request_context("/leader/export/"):
        print(json.dumps({{"records": make_export(__import__("pathlib").Path(path), int(mode[6:]))}}))
    raise SystemExit
if mode == "import":
    result = app.test_cli_runner().invoke(args=["import", path])
    assert result.exit_code == 0, result.output
    added = sum(int(n) for line in result.output.splitlines()[1:] if ":" in line
                for n in [line.split(":")[1].split(",")[0]] if n.strip().isdigit())
else:
    added = sum(open_store(app).counts().values())
import gc
gc.collect()
before_close = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
resident = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024  # now, not the peak
close_store(app)
hwm = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({{"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "records": added,
                  "before_close_mib": before_close, "hwm_mib": hwm, "resident_mib": resident}}))
"""


def child(mode: str, folder: Path, path: Path) -> dict:
    answer = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(folder), str(path)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    if answer.returncode:
        raise RuntimeError(answer.stderr[-3000:])
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    # This process stays small and makes the export in a child too: on Linux a child's ru_maxrss starts from
    # its parent's size at the fork (the kernel keeps the larger of the two across exec).
    sizes = [int(arg) for arg in sys.argv[1:]] or [50_000, 100_000]
    work = Path(tempfile.mkdtemp(prefix="bench-import-memory-"))
    try:
        print(f"{'records':>8} {'ZIP':>8} {'export.json':>12} {'app only':>9} {'holds data':>11} "
              f"{'import':>8} {'(before close)':>15} {'import - holds data':>20}")
        for size in sizes:
            path = work / f"export-{size}.zip"
            count = child(f"export{size}", work / "app", path)["records"]
            with zipfile.ZipFile(path) as archive:
                unpacked = archive.getinfo("export.json").file_size / 2**20
            empty_run = child("open", work / f"empty-{size}", path)
            empty, empty_hwm = empty_run["peak_mib"], empty_run["hwm_mib"]
            imported = child("import", work / f"data-{size}", path)
            holds = child("open", work / f"data-{size}", path)
            assert holds["records"] >= count, (holds, count)  # every record, plus the import's audit entry
            print(f"{count:>8,} {path.stat().st_size / 2**20:>6.1f} M {unpacked:>10.1f} M {empty:>7.0f} M "
                  f"{holds['peak_mib']:>9.0f} M {imported['peak_mib']:>6.0f} M {imported['before_close_mib']:>13.0f} M "
                  f"{imported['peak_mib'] - holds['peak_mib']:>18.0f} M   (VmHWM: app only {empty_hwm:.0f} M, "
                  f"holds data {holds['hwm_mib']:.0f} M, import {imported['hwm_mib']:.0f} M; resident once "
                  f"opened {holds['resident_mib']:.0f} M: the import's peak before close is "
                  f"{imported['before_close_mib'] - holds['resident_mib']:.0f} M above it)", flush=True)
            shutil.rmtree(work / f"data-{size}")
            path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
