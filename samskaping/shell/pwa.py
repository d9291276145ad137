"""The installable offline app: service worker, web app manifest and icon, served at the site's root."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory, url_for
from flask.blueprints import BlueprintSetupState

from ..web.access import access

bp = Blueprint("pwa", __name__)

VERSION_PLACEHOLDER = "__SAMSKAPING_VERSION__"
FOREVER = "public, max-age=31536000, immutable"  # a versioned file never changes: a phone loads it once
THEME_COLOUR = "#0b5cab"       # --accent in static/app.css (the header bar)
BACKGROUND_COLOUR = "#f6f7f9"  # --bg in static/app.css (the splash screen while the app starts)


@bp.record_once
def set_asset_version(state: BlueprintSetupState) -> None:
    """Fix the app's version once, at start: config ASSET_VERSION, else $SAMSKAPING_ASSET_VERSION,
    else a hash of the static files. A new version is a new service worker with a new cache."""
    app = state.app
    app.config.setdefault("ASSET_VERSION",
                          os.environ.get("SAMSKAPING_ASSET_VERSION") or static_version(Path(app.static_folder)))
    # url_for("static", filename=...) builds the first route: /static/v/<version>/<filename>. The version
    # is a folder, not a query, so the ES modules' relative imports ("./page.js") stay in one version.
    app.add_url_rule("/static/v/<version>/<path:filename>", endpoint="static", view_func=static_file)
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static_file)  # unversioned: no-cache
    app.url_defaults(lambda endpoint, values: values.setdefault("version", app.config["ASSET_VERSION"])
                     if endpoint == "static" else None)


@access("public")
def static_file(filename: str, version: str | None = None) -> Response:
    """A static file; kept for a year when its path names this app's version (another version's page gets
    today's file, which must then not be kept under that name; so is an unversioned path)."""
    response = current_app.send_static_file(filename)
    # Read into memory (the files are small), so flask-compress, which leaves streamed answers alone, compresses it.
    response.direct_passthrough = False
    response.make_sequence()
    if version == current_app.config["ASSET_VERSION"]:
        response.headers["Cache-Control"] = FOREVER
    return response


def static_version(folder: Path) -> str:
    """A short hash of every file under static/ (names and contents): any change gives a new one."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# At the root, not under /static/: a service worker controls only the paths below its own.
@bp.get("/sw.js")
@access("public")
def service_worker():
    script = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    response = Response(script.replace(VERSION_PLACEHOLDER, current_app.config["ASSET_VERSION"]),
                        mimetype="text/javascript")
    # Browsers look for a new worker on every visit; it must never come from an HTTP cache.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
@access("public")
def manifest():
    def icon(name: str, size: int, purpose: str) -> dict:
        return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
                "type": "image/png", "purpose": purpose}

    body = {
        "id": "/",
        "name": "Samskaping",
        "short_name": "Samskaping",
        "lang": "nb",
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [icon("icon-192.png", 192, "any"), icon("icon-512.png", 512, "any"),
                  icon("icon-maskable-512.png", 512, "maskable")],
    }
    response = Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/favicon.ico")
@access("public")
def favicon():
    # Browsers ask for /favicon.ico whatever the page says; a PNG under that name is understood by all.
    return send_from_directory(Path(current_app.static_folder) / "icons", "icon-192.png", mimetype="image/png")
