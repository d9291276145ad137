"""The app's own CA certificate for phones: how to trust it (leader page) and the file itself."""
from __future__ import annotations

from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from ..server.tls import fingerprint, load_ca_certificate
from ..web.access import access
from .people import is_loopback, qr_svg

bp = Blueprint("certificate", __name__, url_prefix="/leader/certificate")
FILE_NAME = "samskaping-ca.crt"


@bp.get("/")
@access("leader")
def index():
    ca = load_ca_certificate(current_app.config["DATA_DIR"])
    if ca is None:
        return render_template("leader/certificate.html", ca=None)
    url = phone_url(url_for("certificate.download"))
    names = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return render_template("leader/certificate.html", ca=ca, name=names[0].value if names else "",
                           valid_until=ca.not_valid_after_utc.date(), fingerprint=fingerprint(ca),
                           download_url=url, qr=qr_svg(url), https=request.is_secure)


# Public: a phone fetches it before it trusts anything, and it holds nothing secret (the key stays on the laptop).
@bp.get(f"/{FILE_NAME}")
@access("public")
def download():
    ca = load_ca_certificate(current_app.config["DATA_DIR"])
    if ca is None:
        abort(404)
    # iPhones (and computers) offer to install a certificate served as a CA certificate. Chrome on Android
    # hands that type to the system installer, which since Android 11 refuses CA certificates from apps
    # and keeps no file; as a plain download the file lands in Downloads, where Settings can install it.
    android = "Android" in request.headers.get("User-Agent", "")
    return Response(ca.public_bytes(Encoding.PEM),
                    mimetype="application/octet-stream" if android else "application/x-x509-ca-cert",
                    headers={"Content-Disposition": f"attachment; filename={FILE_NAME}"})


def phone_url(path: str) -> str:
    """The address a phone can open: on the laptop itself (localhost) use the LAN address instead."""
    base = request.host_url.rstrip("/")
    lan_urls = current_app.config.get("LAN_URLS") or []
    host = urlsplit(base).hostname or ""
    if lan_urls and (host == "localhost" or is_loopback(host)):
        base = lan_urls[0].rstrip("/")
    return base + path
