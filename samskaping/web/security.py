"""Security headers on every response and small request checks."""
from __future__ import annotations

import ipaddress

from flask import Flask, request

# No inline scripts or styles, nothing from elsewhere, never inside a frame.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Join links carry a secret token in the path: never leak it in a Referer.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def request_is_from_this_machine() -> bool:
    """True when the request comes from the laptop itself (loopback), not from a phone on the LAN."""
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
