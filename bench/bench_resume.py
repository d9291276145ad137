"""Sending resumes when the laptop comes back: python bench/bench_resume.py [--downtime 180] [--runs 2]

The real server (app.py) on 127.0.0.1 with a prepared data folder; headless Chromium as a phone on the LAN
(insecure origin, like tests/test_offline.py), Kari's day page in the foreground. Each run: the server is
killed (SIGKILL; the phone keeps its Wi-Fi), Kari saves a meeting (queued on the phone), the server stays
down for --downtime seconds and is started again on the same port and data folder. Printed per run: the
seconds from the server's return (answering /healthz) to "Alt er sendt" on the phone; how many /healthz
probes the phone sent while the laptop was away; and when the outbox's own back-off alone would have tried
again (its next_try at the moment of return), which is what the phone waited for before probe.js.
Target: everything sent within 10 s of the laptop's return after 3 minutes down. Runs against 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import LAUNCH_ARGS, Phone, find_chromium  # noqa: E402
from offline_support import ALL_SENT, QUEUED_NOTICE, counter, fill_meeting, new_phone, screen, start_server  # noqa: E402

TARGET_SECONDS = 10.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--downtime", type=float, default=180.0, help="seconds the server stays down (default 180)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder and server log")
    return parser.parse_args(argv)


def one_run(server, page, probes: list[float], downtime: float, number: int) -> dict:
    from playwright.sync_api import expect
    server.kill()
    fill_meeting(page, f"Lagret mens PC-en var borte ({number}).")
    screen(page, "meeting").get_by_role("button", name="Lagre møtet").click()
    expect(page.locator("[data-notice]")).to_have_text(QUEUED_NOTICE)
    down_at = time.monotonic()
    probes.clear()
    # Waited in the browser's loop, not time.sleep: the phone's requests are seen (and timed) as they go.
    page.wait_for_timeout(max(0.0, downtime - (time.monotonic() - down_at)) * 1000)
    # When the outbox's back-off alone would try again, as the phone has it now.
    backoff = page.evaluate("""async () => {
        const waiting = (await window.SamskapingOutbox.all()).filter((e) => e.state === "queued");
        return waiting.length ? Math.min(...waiting.map((e) => e.next_try)) - Date.now() : null;
    }""")
    server.start()  # returns once the server answers /healthz: the laptop is back
    back = time.monotonic()
    expect(counter(page)).to_have_text(ALL_SENT, timeout=330_000)
    resumed = time.monotonic() - back
    away = [t for t in probes if down_at <= t < back]
    return {"down": back - down_at, "resumed": resumed, "probes": len(away),
            "longest_gap": max((b - a for a, b in zip(away, away[1:])), default=0.0),
            "backoff": None if backoff is None else backoff / 1000}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    executable = find_chromium()
    if executable is None:
        print("no Chromium found (install Debian's chromium or set SAMSKAPING_CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.sync_api import expect, sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="samskaping-resume-"))
    server = start_server(folder)
    results = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
            context = new_phone(browser, server.base_url)
            probes: list[float] = []
            context.on("request", lambda r: probes.append(time.monotonic()) if r.url.endswith("/healthz") else None)
            page = context.new_page()
            Phone(context=context, page=page, base_url=server.base_url).join(server.join_paths["kari"], "Kari Nordmann")
            expect(counter(page)).to_have_text(ALL_SENT)
            for number in range(1, args.runs + 1):
                result = one_run(server, page, probes, args.downtime, number)
                results.append(result)
                backoff = "n/a" if result["backoff"] is None else f"{max(0.0, result['backoff']):.1f} s"
                print(f"run {number}: server away {result['down']:.0f} s; 'Alt er sendt' {result['resumed']:.1f} s "
                      f"after its return (target <= {TARGET_SECONDS:.0f} s); {result['probes']} probes of /healthz "
                      f"while away (longest gap {result['longest_gap']:.1f} s); the back-off alone would have "
                      f"tried {backoff} after the return", flush=True)
            browser.close()
    finally:
        if server.running:
            server.terminate()
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    worst = max(r["resumed"] for r in results)
    print(f"{'PASS' if worst <= TARGET_SECONDS else 'FAIL'}: worst {worst:.1f} s from the laptop's return to "
          f"'Alt er sendt' after {args.downtime:.0f} s down ({len(results)} runs)")
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
