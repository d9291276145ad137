"""HTTPS with the app's own certificate: a local CA made once, and a server certificate for this laptop."""
from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .lan import lan_addresses

# What changes in the app when it is served over HTTPS (app.py passes it to create_app):
HTTPS_CONFIG = {
    "SESSION_COOKIE_SECURE": True,
    # Flask-WTF's strict check wants a same-site Referer on every HTTPS post, but the app sends
    # Referrer-Policy: no-referrer (join links carry a secret), so browsers send none. The CSRF token
    # and SameSite=Lax cookies still keep cross-site posts out.
    "WTF_CSRF_SSL_STRICT": False,
}

CA_DAYS = 3650
# Apple accepts at most 825 days and Chrome 398 for a server certificate; stay under both.
SERVER_DAYS = 397
RENEW_BEFORE = timedelta(days=30)
# The CA may only vouch for local names and private addresses: its key, if stolen, cannot be used
# to impersonate a bank or a mail server to the phones that trust it.
LOCAL_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
                  "::1/128", "fc00::/7", "fe80::/10")
LOCAL_DOMAINS = ("localhost", "local", "home.arpa", "internal", "lan")
HOSTNAME_PATTERN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True)
class ServerCertificate:
    """The files the HTTPS server needs, and what ensure_certificates did to get them."""
    cert_file: Path
    key_file: Path
    ca_file: Path
    names: tuple[str, ...]      # addresses and host names the certificate is valid for
    left_out: tuple[str, ...]   # addresses the local CA may not vouch for (not a private network)
    new_ca: bool                # phones must trust the CA (again)
    reissued: bool


def tls_folder(data_dir: str | Path) -> Path:
    return Path(data_dir) / "tls"


def ensure_certificates(data_dir: str | Path, hosts: Iterable[str] = (),
                        addresses: Iterable[str] | None = None) -> ServerCertificate:
    """Make the CA once, and (re)issue the server certificate when this laptop's addresses changed
    or it nears its end. The CA is kept as long as it is valid, so phones that trust it stay trusting."""
    folder = tls_folder(data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_file, ca_key_file = folder / "ca.crt", folder / "ca.key"
    cert_file, key_file = folder / "server.crt", folder / "server.key"
    now = datetime.now(timezone.utc)

    ca, ca_key = load_pair(ca_file, ca_key_file)
    new_ca = ca is None or ca.not_valid_after_utc - now < RENEW_BEFORE
    if new_ca:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = make_ca(ca_key, now)
        write_atomically(ca_key_file, private_pem(ca_key), 0o600)
        write_atomically(ca_file, ca.public_bytes(serialization.Encoding.PEM), 0o644)

    wanted = server_names(hosts, lan_addresses() if addresses is None else addresses)
    constraints = name_constraints(ca)
    names = tuple(n for n in wanted if permitted(n, constraints))
    left_out = tuple(n for n in wanted if n not in names)

    server, server_key = load_pair(cert_file, key_file)
    reissue = (new_ca or server is None or not issued_by(server, ca)
               or server.not_valid_after_utc - now < RENEW_BEFORE or set(names_in(server)) != set(names))
    if reissue:
        server_key = ec.generate_private_key(ec.SECP256R1())
        server = make_server_certificate(server_key, names, ca, ca_key, now)
        write_atomically(key_file, private_pem(server_key), 0o600)
        write_atomically(cert_file, server.public_bytes(serialization.Encoding.PEM), 0o644)
    return ServerCertificate(cert_file, key_file, ca_file, names, left_out, new_ca, reissue)


def server_names(hosts: Iterable[str], addresses: Iterable[str]) -> list[str]:
    """This laptop's LAN addresses, the host it listens on, loopback, and its host name; no duplicates."""
    hostname = socket.gethostname().lower()
    found: list[str] = []
    for name in [*addresses, *hosts, "127.0.0.1", "::1", "localhost", hostname]:
        name = name.strip().lower()
        ip = as_ip(name)
        if ip is not None:
            if ip.is_unspecified:  # 0.0.0.0 / ::: listening everywhere, not an address to name
                continue
            name = str(ip)
        elif not HOSTNAME_PATTERN.match(name):
            continue
        if name not in found:
            found.append(name)
    return found


def make_ca(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    hostname = socket.gethostname()
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Samskaping"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"Samskaping lokal CA – {hostname}"[:64]),
    ])
    domains = list(LOCAL_DOMAINS)
    own = hostname.lower()
    if HOSTNAME_PATTERN.match(own) and not any(own == d or own.endswith("." + d) for d in domains):
        domains.append(own)
    subtrees = [x509.DNSName(d) for d in domains] + [x509.IPAddress(ipaddress.ip_network(n)) for n in LOCAL_NETWORKS]
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.NameConstraints(permitted_subtrees=subtrees, excluded_subtrees=None), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))


def make_server_certificate(key: ec.EllipticCurvePrivateKey, names: Iterable[str], ca: x509.Certificate,
                            ca_key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    alt_names = [x509.IPAddress(ip) if (ip := as_ip(n)) is not None else x509.DNSName(n) for n in names]
    # A phone whose clock is a little behind must not see a certificate "from the future".
    start = now - timedelta(days=1)
    end = min(start + timedelta(days=SERVER_DAYS), ca.not_valid_after_utc)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Samskaping")]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))


def load_pair(cert_file: Path, key_file: Path):
    """(certificate, private key) when both files are there, readable and belong together; else (None, None)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None, None
    if cert.public_key() != key.public_key():
        return None, None
    return cert, key


def load_ca_certificate(data_dir: str | Path) -> x509.Certificate | None:
    """The CA certificate phones install, or None when the app was never started with --https."""
    try:
        return x509.load_pem_x509_certificate((tls_folder(data_dir) / "ca.crt").read_bytes())
    except (OSError, ValueError):
        return None


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate, as phones show it (AB:CD:...)."""
    return ":".join(f"{b:02X}" for b in hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())


def issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def names_in(cert: x509.Certificate) -> list[str]:
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(ip) for ip in alt.get_values_for_type(x509.IPAddress)] + alt.get_values_for_type(x509.DNSName)


def name_constraints(ca: x509.Certificate) -> x509.NameConstraints | None:
    try:
        return ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return None


def permitted(name: str, constraints: x509.NameConstraints | None) -> bool:
    """Whether the CA's name constraints allow this address or host name (no constraint of a kind: allowed)."""
    subtrees = list(constraints.permitted_subtrees or []) if constraints else []
    ip = as_ip(name)
    if ip is not None:
        networks = [s.value for s in subtrees if isinstance(s, x509.IPAddress)]
        return not networks or any(ip in network for network in networks)
    domains = [s.value.lower().lstrip(".") for s in subtrees if isinstance(s, x509.DNSName)]
    return not domains or any(name == d or name.endswith("." + d) for d in domains)


def as_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write to a temporary file with the final permissions, then rename: never half a key, never readable
    by others, not even for a moment."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            os.chmod(temporary, mode)  # whatever the umask said
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
