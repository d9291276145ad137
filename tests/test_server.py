"""`python app.py` as the leader runs it: prints how phones connect, guards its folder, stops cleanly."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

from browser_support import REPO_ROOT, free_port, wait_for_health

from samskaping.store.database import Store


def start(data_dir, port, log, *extra):
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port),
                                 "--data", str(data_dir), *extra],
                                cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def test_server_prints_url_and_qr_refuses_a_second_server_and_survives_double_sigterm(tmp_path):
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "server.log"
    server = start(data_dir, port, log, "--demo")
    try:
        wait_for_health(port, server, log)
        printed = log.read_text()
        assert f"http://127.0.0.1:{port}/" in printed and "█" in printed
        assert (data_dir / "secret_key").exists()

        second_log = tmp_path / "second.log"
        second = start(data_dir, free_port(), second_log)
        assert second.wait(timeout=30) == 2
        assert "in use by process" in second_log.read_text()

        # Again and again, quickly: an impatient Ctrl+C, or a supervisor and `timeout` both passing it on, must
        # neither hang the stop nor print a traceback.
        server.send_signal(signal.SIGTERM)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert "Traceback" not in log.read_text() and "Exception ignored" not in log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert (data_dir / "samskaping.json.journal").stat().st_size == 0  # folded into the snapshot on stop
    with Store(data_dir) as store:
        assert store.counts()["meetings"] == 3 and store.counts()["people"] == 7
