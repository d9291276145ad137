"""The addresses phones can use to reach this laptop, and a QR code of one for the terminal."""
from __future__ import annotations

import ipaddress
import socket

import segno


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine that other devices on the network can reach.

    Two stdlib ways, since each misses some setups: the host name's addresses (Windows, macOS), and the
    address the routing table would use for a private destination. A UDP connect only consults the
    routing table: no packet is sent."""
    found: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                found.append(s.getsockname()[0])
        except OSError:
            pass
    usable = []
    for address in found:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and address not in usable:
            usable.append(address)
    return usable


def server_urls(host: str, port: int, scheme: str = "http") -> list[str]:
    """Every URL phones can open: each LAN address when listening on all interfaces, else the one host."""
    hosts = lan_addresses() if host in ("0.0.0.0", "::", "") else [host]
    return [f"{scheme}://{h}:{port}/" for h in hosts]


def terminal_qr(url: str) -> str:
    """A QR code drawn with block characters, small enough for an ordinary terminal window."""
    import io
    out = io.StringIO()
    segno.make(url, error="l").terminal(out=out, compact=True)
    return out.getvalue()
