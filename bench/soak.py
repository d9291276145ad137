"""Offline soak: one phone, random steps, nothing lost or doubled: python bench/soak.py [--steps 1000] [--seed N]

The real server (app.py) runs on 127.0.0.1 with a prepared data folder; headless Chromium is a phone on
the LAN (insecure origin, like tests/test_offline.py). Each step is one of: save a meeting or a feedback
on the day page, cut or restore the network, crash (SIGKILL) or stop (SIGTERM) and restart the server
on the same port and folder, deliver a captured outbox POST again, reload the page. At the end the
network and server come back, the outbox must drain, and the data folder is read with the app's Store:
every id the page submitted must be stored exactly once.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import LAUNCH_ARGS, Phone, find_chromium  # noqa: E402
from offline_support import Soak, new_phone, start_server  # noqa: E402

DRAIN_SECONDS = 120  # the final drain may wait out a stale sending lease (45 s) and then some


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None, help="default: a new random seed (printed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder and server log")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    executable = find_chromium()
    if executable is None:
        print("no Chromium found (install Debian's chromium or set SAMSKAPING_CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="samskaping-soak-"))
    server = start_server(folder)
    problems: list[str] = []
    result = None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
            context = new_phone(browser, server.base_url)
            page = context.new_page()
            page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
            Phone(context=context, page=page, base_url=server.base_url).join(server.join_paths["kari"], "Kari Nordmann")
            soak = Soak(server, context, seed, carry_on=True, progress=lambda number, action: (number + 1) % 100 or print(
                f"  {number + 1} steps, {soak.result.submitted_count} submitted", flush=True))
            soak.drain = lambda seconds=DRAIN_SECONDS, drain=soak.drain: drain(seconds)
            try:
                soak.run(args.steps)
            except Exception as error:  # report what was reached, then count what is stored
                print(f"soak stopped at step {soak.result.steps}: {type(error).__name__}: {error}".splitlines()[0])
            browser.close()
        result = soak.finish()
    finally:
        if server.running:
            server.kill()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"data folder and server log kept in {folder}")

    print(f"steps run:  {result.steps} of {args.steps} (seed {seed})")
    print(f"submitted:  {result.submitted_count} ({len(result.submitted['meetings'])} meetings, "
          f"{len(result.submitted['feedback'])} feedback)")
    print(f"stored:     {result.stored_count} (its text under its id)")
    print(f"lost:       {len(result.lost)}")
    print(f"doubled:    {len(result.doubled)}")
    print(f"ids reused: {len(result.reused_ids)} (one id for two submissions: the later replaces the earlier)")
    print(f"time:       {result.seconds:.1f} s (final drain {result.drain_seconds:.1f} s; "
          f"server started {server.starts} times)")
    print(f"actions:    {dict(sorted(result.actions.items()))}")
    print(f"replays:    {dict(result.replies)}")
    print(f"UI faults:  {sum(result.faults.values())} (steps the page did not complete; the soak reloaded and went on)")
    for line in result.summary().splitlines()[2:]:
        print(line)
    if problems:
        print(f"browser problems: {len(problems)}; first: {problems[0]}")
    ok = result.ok and not problems and not result.faults
    if not ok:
        print(f"FAILED; rerun with --seed {seed}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
