"""Start Samskaping on this laptop: `python app.py` serves it to phones on the local network."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from cheroot.wsgi import Server

from samskaping import create_app
from samskaping.db import close_store, open_store
from samskaping.lan import server_urls, terminal_qr
from samskaping.storage import DataFolderInUse

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Samskaping: kommune + sosial entreprenør, på skolene.")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all, so phones reach it)")
    parser.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    parser.add_argument("--data", default=str(HERE / "instance"), help="data folder (default: instance/)")
    parser.add_argument("--demo", action="store_true", help="fill a new, empty data folder with an example project")
    parser.add_argument("--threads", type=int, default=32, help="worker threads (default: 32)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    app = create_app({"DATA_DIR": args.data})
    try:
        store = open_store(app)
    except DataFolderInUse as error:
        print(f"Feil / Error: {error}", file=sys.stderr)
        return 2
    if args.demo:
        from samskaping.demo import fill_demo
        with app.app_context():
            added = fill_demo(store)
        print("Eksempelprosjekt lagt inn." if added else "Datamappen har data fra før; --demo hoppet over.")
    urls = server_urls(args.host, args.port)
    app.config["LAN_URLS"] = urls
    print_banner(args, urls)

    # A whole class may submit at once: room for every phone's connection to wait and to stay open
    # (cheroot's defaults, a queue of 5 and 10 kept-alive connections, reset phones in a burst).
    server = Server((args.host, args.port), app, numthreads=args.threads, server_name="samskaping",
                    request_queue_size=128)
    server.keep_alive_conn_limit = 256
    # SIGTERM is handled like Ctrl+C: unwind out of the serving loop, then stop the server and close
    # the store (it compacts its journal and releases the data folder).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl+C or SIGTERM (impatient user, or a supervisor signalling twice) must not cut
        # the shutdown short: that would leave worker threads running and the store open.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.stop()
        close_store(app)
    return 0


def print_banner(args: argparse.Namespace, urls: list[str]) -> None:
    print(f"Samskaping kjører. Data: {Path(args.data).resolve()}")
    print("Telefoner på samme nett (Wi-Fi eller laptopens hotspot) åpner / Phones on the same network open:")
    for url in urls or [f"http://localhost:{args.port}/"]:
        print(f"  {url}")
    if urls:
        print(terminal_qr(urls[0]))
    print(f"På denne maskinen / On this laptop: http://localhost:{args.port}/leader/login")
    print("Stopp med Ctrl+C / Stop with Ctrl+C", flush=True)


if __name__ == "__main__":
    sys.exit(main())
