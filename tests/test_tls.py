"""`python app.py --https`: the app's own CA, made once; a server certificate that follows the laptop's
addresses; phones fetch the CA and learn how to trust it from the leader page."""
from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from browser_support import REPO_ROOT, SERVER_START_SECONDS, free_port, stop_server
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from samskaping import create_app
from samskaping.leader.auth import set_leader_password
from samskaping.server import tls
from samskaping.web.db import close_store
from tests.conftest import LEADER_PASSWORD, csrf_from


def read_cert(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def alt_names(cert: x509.Certificate) -> set[str]:
    return set(tls.names_in(cert))


def test_first_https_start_makes_a_local_ca_and_a_certificate_for_this_laptop(tmp_path):
    made = tls.ensure_certificates(tmp_path, addresses=["192.168.1.23"])
    ca, server = read_cert(made.ca_file), read_cert(made.cert_file)

    assert made.new_ca and made.reissued and made.left_out == ()
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert ca.extensions.get_extension_for_class(x509.NameConstraints).critical
    assert ca.subject.rfc4514_string().startswith("CN=Samskaping lokal CA – ")
    assert ca.not_valid_after_utc - ca.not_valid_before_utc >= timedelta(days=3650)

    expected = {"192.168.1.23", "127.0.0.1", "::1", "localhost"}
    hostname = socket.gethostname().lower()
    if tls.HOSTNAME_PATTERN.match(hostname):
        expected.add(hostname)
    assert expected <= alt_names(server)
    server.verify_directly_issued_by(ca)
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ExtendedKeyUsageOID.SERVER_AUTH in server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert server.not_valid_after_utc - server.not_valid_before_utc <= timedelta(days=397)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_private_keys_are_readable_by_this_user_only_and_no_temporary_file_is_left(tmp_path):
    tls.ensure_certificates(tmp_path, addresses=[])
    folder = tls.tls_folder(tmp_path)
    for key in ("ca.key", "server.key"):
        assert (folder / key).stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["ca.crt", "ca.key", "server.crt", "server.key"]


def test_a_restart_on_the_same_network_keeps_both_certificates(tmp_path):
    first = tls.ensure_certificates(tmp_path, addresses=["10.0.0.5"])
    before = first.cert_file.read_bytes(), first.ca_file.read_bytes()
    again = tls.ensure_certificates(tmp_path, addresses=["10.0.0.5"])
    assert not again.new_ca and not again.reissued
    assert (again.cert_file.read_bytes(), again.ca_file.read_bytes()) == before


def test_a_new_address_gets_a_new_server_certificate_from_the_same_ca(tmp_path):
    first = tls.ensure_certificates(tmp_path, addresses=["192.168.1.23"])
    ca_before = first.ca_file.read_bytes()
    moved = tls.ensure_certificates(tmp_path, addresses=["192.168.137.1"])
    assert moved.reissued and not moved.new_ca
    assert moved.ca_file.read_bytes() == ca_before  # phones that trust the CA keep trusting
    server = read_cert(moved.cert_file)
    assert "192.168.137.1" in alt_names(server) and "192.168.1.23" not in alt_names(server)
    server.verify_directly_issued_by(read_cert(moved.ca_file))


def test_a_certificate_near_its_end_is_renewed(tmp_path, monkeypatch):
    monkeypatch.setattr(tls, "SERVER_DAYS", 20)  # ends within the 30 days of warning
    first = tls.ensure_certificates(tmp_path, addresses=[])
    monkeypatch.undo()
    renewed = tls.ensure_certificates(tmp_path, addresses=[])
    assert renewed.reissued and not renewed.new_ca
    end = read_cert(renewed.cert_file).not_valid_after_utc
    assert end - datetime.now(timezone.utc) > timedelta(days=300)
    assert first.ca_file == renewed.ca_file


def test_a_damaged_server_key_is_replaced_and_the_ca_kept(tmp_path):
    first = tls.ensure_certificates(tmp_path, addresses=[])
    ca_before = first.ca_file.read_bytes()
    first.key_file.write_text("not a key")
    again = tls.ensure_certificates(tmp_path, addresses=[])
    assert again.reissued and not again.new_ca and again.ca_file.read_bytes() == ca_before


def test_the_ca_vouches_only_for_local_addresses(tmp_path):
    made = tls.ensure_certificates(tmp_path, addresses=["192.0.2.7", "172.20.10.2"])
    assert made.left_out == ("192.0.2.7",)
    names = alt_names(read_cert(made.cert_file))
    assert "172.20.10.2" in names and "192.0.2.7" not in names
    constraints = tls.name_constraints(read_cert(made.ca_file))
    assert not tls.permitted("8.8.8.8", constraints) and not tls.permitted("nrk.no", constraints)
    assert tls.permitted("10.1.2.3", constraints) and tls.permitted("laptop.local", constraints)


# The leader page and the certificate file, through the app.

def test_leader_page_says_how_to_start_with_https_when_there_is_no_certificate_yet(client, actions):
    leader = actions.leader_client()
    page = leader.get("/leader/certificate/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ingen sertifikat ennå" in text and "python app.py --https" in text
    assert client.get("/leader/certificate/samskaping-ca.crt").status_code == 404
    assert 'href="/leader/certificate/"' in leader.get("/leader/").get_data(as_text=True)


def test_leader_page_shows_the_steps_and_the_fingerprint_to_compare(app, actions):
    made = tls.ensure_certificates(app.config["DATA_DIR"], addresses=[])
    leader = actions.leader_client()
    text = leader.get("/leader/certificate/").get_data(as_text=True)
    assert tls.fingerprint(read_cert(made.ca_file)) in text
    assert "Kryptering og legitimasjon" in text and "Innstillinger for sertifikatklarering" in text
    assert "<svg" in text and "/leader/certificate/samskaping-ca.crt" in text
    # Like every page: nothing from elsewhere, no inline event handlers.
    assert not re.search(r'(src|href|action)="(https?:)?//', text) and not re.search(r"\son\w+=", text)
    assert app.test_client().get("/leader/certificate/").status_code in (302, 303)


def test_any_phone_can_download_the_ca_certificate_before_it_trusts_anything(app):
    made = tls.ensure_certificates(app.config["DATA_DIR"], addresses=[])
    phone = app.test_client()
    response = phone.get("/leader/certificate/samskaping-ca.crt")
    assert response.status_code == 200
    assert response.mimetype == "application/x-x509-ca-cert"
    assert response.headers["Content-Disposition"] == "attachment; filename=samskaping-ca.crt"
    assert response.data == made.ca_file.read_bytes() and b"PRIVATE KEY" not in response.data
    # Chrome on Android saves a plain download to Downloads, where Settings can install it.
    android = phone.get("/leader/certificate/samskaping-ca.crt", headers={
        "User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/131.0.0.0 Mobile Safari/537.36"})
    assert android.mimetype == "application/octet-stream" and android.data == response.data


# The real server.

def get(url: str, context: ssl.SSLContext | None = None, timeout: float = 5):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    return opener.open(url, timeout=timeout)


def wait_for_https(port: int, process: subprocess.Popen, log, ca_file) -> ssl.SSLContext:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} before answering:\n{log.read_text()}")
        if ca_file.exists():
            context = ssl.create_default_context(cafile=str(ca_file))
            try:
                with get(f"https://127.0.0.1:{port}/healthz", context, timeout=1):
                    return context
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer over HTTPS within {SERVER_START_SECONDS} s:\n{log.read_text()}")


def test_https_server_is_trusted_through_its_ca_and_sends_secure_cookies(tmp_path):
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "server.log"
    app = create_app({"DATA_DIR": str(data_dir)})
    with app.app_context():
        set_leader_password(LEADER_PASSWORD)
    close_store(app)
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "app.py", "--https", "--host", "127.0.0.1", "--port", str(port),
                                   "--data", str(data_dir)], cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        trusting = wait_for_https(port, server, log, tls.tls_folder(data_dir) / "ca.crt")
        printed = log.read_text()
        assert f"https://127.0.0.1:{port}/" in printed and "█" in printed
        assert f"http://127.0.0.1:{port}/" not in printed

        # Host name checking is on: the certificate names 127.0.0.1, signed by the app's CA.
        with get(f"https://127.0.0.1:{port}/healthz", trusting) as response:
            assert response.status == 200
        # A phone that has not trusted the CA yet is warned (here: refused).
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            get(f"https://127.0.0.1:{port}/healthz", ssl.create_default_context())
        # Plain HTTP on the HTTPS port gets no data.
        with pytest.raises((urllib.error.URLError, ConnectionError)) as refused:
            get(f"http://127.0.0.1:{port}/healthz")
        assert getattr(refused.value, "code", 400) == 400

        # The leader signs in over HTTPS: cookies are Secure, and the post needs no Referer
        # (the app sends Referrer-Policy: no-referrer, so browsers send none).
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=5)
        connection.request("GET", "/leader/login")
        page = connection.getresponse()
        body = page.read().decode()
        session_cookie = page.getheader("Set-Cookie")
        assert page.status == 200 and "Secure" in session_cookie
        token = csrf_from(body)
        form = urllib.parse.urlencode({"csrf_token": token, "password": LEADER_PASSWORD})
        connection.request("POST", "/leader/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": session_cookie.split(";", 1)[0]})
        signed_in = connection.getresponse()
        signed_in.read()
        assert signed_in.status == 303, signed_in.status
        assert "Secure" in signed_in.getheader("Set-Cookie") and "HttpOnly" in signed_in.getheader("Set-Cookie")
        connection.close()

        stop_server(server, log)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    # A second start on the same network keeps the certificate phones already trust.
    ca_before = (tls.tls_folder(data_dir) / "ca.crt").read_bytes()
    assert not tls.ensure_certificates(data_dir, hosts=["127.0.0.1"]).new_ca
    assert (tls.tls_folder(data_dir) / "ca.crt").read_bytes() == ca_before
