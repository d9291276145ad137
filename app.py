"""Start Samskaping on this laptop: `python app.py` serves it to phones on the local network."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from cheroot.ssl.builtin import BuiltinSSLAdapter
from cheroot.wsgi import Server

from samskaping import create_app
from samskaping.server.lan import server_urls, terminal_qr
from samskaping.server.tls import HTTPS_CONFIG, ServerCertificate, ensure_certificates
from samskaping.store.refusals import StoreRefused, refusal_for
from samskaping.web.command_errors import refusal_text
from samskaping.web.db import close_store, open_store

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Samskaping: kommune + sosial entreprenør, på skolene.")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all, so phones reach it)")
    parser.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    parser.add_argument("--data", default=str(HERE / "instance"), help="data folder (default: instance/)")
    parser.add_argument("--demo", action="store_true", help="fill a new, empty data folder with an example project")
    parser.add_argument("--threads", type=int, default=32, help="worker threads (default: 32)")
    parser.add_argument("--https", action="store_true",
                        help="serve HTTPS with the app's own certificate (phones trust it once; see the README)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        app = create_app({"DATA_DIR": args.data, **(HTTPS_CONFIG if args.https else {})})
        store = open_store(app)
        if args.demo:
            from samskaping.commands.demo import fill_demo
            with app.app_context():
                added = fill_demo(store)
            print("Eksempelprosjekt lagt inn." if added else "Datamappen har data fra før; --demo hoppet over.")
    except (StoreRefused, OSError) as error:
        # A damaged database, a folder in use or read-only, a full disk: said in words, no traceback, and
        # (the store sees to it) no file changed.
        refusal = error if isinstance(error, StoreRefused) else refusal_for(error, args.data)
        print(refusal_text(refusal), file=sys.stderr)
        return 2
    urls = server_urls(args.host, args.port, "https" if args.https else "http")
    app.config["LAN_URLS"] = urls

    # A whole class may submit at once: room for every phone's connection to wait and to stay open
    # (cheroot's defaults, a queue of 5 and 10 kept-alive connections, reset phones in a burst).
    server = Server((args.host, args.port), app, numthreads=args.threads, server_name="samskaping",
                    request_queue_size=128)
    server.keep_alive_conn_limit = 256
    # Stop promptly even when phones hold idle keep-alive connections open (default: wait 5 s).
    server.shutdown_timeout = 1
    # SIGTERM is handled like Ctrl+C: stop the server, then close the store (it compacts its journal and
    # releases the data folder). Once serving, a helper thread stops it: a KeyboardInterrupt raised here
    # is lost when it lands in a finalizer (__del__), as after a plain-HTTP request on the HTTPS port.
    stopper = threading.Thread(target=server.stop, name="stop")
    stopping = threading.Event()

    def request_stop(signum, frame):
        if not server.ready:
            raise KeyboardInterrupt  # still starting: unwind
        # Marked before starting: a second signal can land while start() waits for the thread, and a
        # second start() of the same thread then fails inside the thread ("Exception ignored …").
        if not stopping.is_set():
            stopping.set()
            stopper.start()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        if args.https:
            # Made (or renewed for new addresses) under the data folder's lock: one server at a time.
            certificate = ensure_certificates(args.data, hosts=[args.host])
            server.ssl_adapter = BuiltinSSLAdapter(str(certificate.cert_file), str(certificate.key_file))
            print_certificate_notes(certificate)
        print_banner(args, urls)
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl+C or SIGTERM (impatient user, or a supervisor signalling twice) must not cut
        # the shutdown short: that would leave worker threads running and the store open.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if stopper.ident is not None:
            stopper.join()
        server.stop()
        close_store(app)
    return 0


def print_banner(args: argparse.Namespace, urls: list[str]) -> None:
    scheme = "https" if args.https else "http"
    print(f"Samskaping kjører. Data: {Path(args.data).resolve()}")
    print("Telefoner på samme nett (Wi-Fi eller laptopens hotspot) åpner / Phones on the same network open:")
    for url in urls or [f"{scheme}://localhost:{args.port}/"]:
        print(f"  {url}")
    if urls:
        print(terminal_qr(urls[0]))
    print(f"På denne maskinen / On this laptop: {scheme}://localhost:{args.port}/leader/login")
    print("Stopp med Ctrl+C / Stop with Ctrl+C", flush=True)


def print_certificate_notes(certificate: ServerCertificate) -> None:
    if certificate.new_ca:
        print("Nytt lokalt CA-sertifikat: hver telefon må stole på det én gang (Leder → HTTPS-sertifikat).\n"
              "New local CA: each phone must trust it once (Leader → HTTPS certificate).")
    for address in certificate.left_out:
        print(f"Merk / Note: {address} er ikke et privat nettverk; sertifikatet dekker det ikke / "
              "is not a private network; the certificate does not cover it.")


if __name__ == "__main__":
    sys.exit(main())
