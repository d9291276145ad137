"""Samskaping: the application factory."""
from __future__ import annotations

import mimetypes
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app around one data folder (the TinyDB store and the secret key live there)."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=None,  # its routes are added by shell/pwa.py: under a versioned path, cached for good
    )
    app.static_folder = str(root / "static")
    app.config.from_mapping(
        DATA_DIR=os.environ.get("SAMSKAPING_DATA") or app.instance_path,
        SESSION_COOKIE_NAME="samskaping_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Phones keep a page open for hours; the session (and the CSRF token bound to it) must outlive that.
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        # Only send the session cookie when it changed: otherwise a concurrent htmx request (inline
        # validation) can answer with an older cookie and overwrite a fresh one (losing a flash message).
        SESSION_REFRESH_EACH_REQUEST=False,
        # The CSRF token is tied to the session cookie, so it is as long-lived as the session;
        # SameSite=Lax cookies plus Flask-WTF's Referer check on HTTPS keep cross-site posts out.
        WTF_CSRF_TIME_LIMIT=None,
        # CSRF is checked in access.py for every write except a phone's outbox delivery (see outbox.py).
        WTF_CSRF_CHECK_DEFAULT=False,
        LEADER_SESSION_HOURS=12,
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_SECONDS=15 * 60,
        BABEL_DEFAULT_LOCALE="nb",
        BABEL_DEFAULT_TIMEZONE="Europe/Oslo",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # Text on the wire compressed (flask-compress): a day page is a tenth of its size on weak Wi-Fi.
        # Not JSON (the outbox's answers are small; sync's pages go laptop to laptop) and never a
        # streamed answer (an export is written as it is made).
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/javascript", "application/javascript",
                            "application/manifest+json", "image/svg+xml"],
        COMPRESS_STREAMS=False,
    )
    app.config.from_pyfile("config.py", silent=True)
    # Windows takes a file's type from its registry, where .js is sometimes text/plain: with nosniff, phones
    # would then refuse the app's scripts (ES modules). Say it once here, for every platform.
    mimetypes.add_type("text/javascript", ".js")
    if test_config is not None:
        app.config.from_mapping(test_config)

    from .web.data_folder import load_or_create_secret_key

    data_dir = Path(app.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(data_dir)
        app.extensions["samskaping_key_from_data"] = True

    from .web import access, db, errors, i18n, lookups as records, menu, outbox, security
    from .web.extensions import compress, csrf, htmx

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    outbox.init_app(app)
    records.init_app(app)
    menu.init_app(app)
    htmx.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)

    from . import commands
    from .barometer import admin as barometer_admin, views as barometer
    from .charter import views as charter
    from .dashboard import status_report, views as dashboard
    from .exchange import export_views, import_views as imports, sync_views as sync
    from .leader import audit_log, auth, backups as backup_views, certificate, people as leader, records as leader_records
    from .participants import corrections, feedback, handover, home, meetings, responsibilities
    from .planning import views as plans
    from .privacy import views as privacy
    from .search import schools, views as search
    from .shell import health, pwa

    for module in (audit_log, auth, backup_views, barometer, barometer_admin, certificate, charter, corrections, dashboard,
                   export_views, feedback, handover, health, home, imports, leader, leader_records, meetings, plans,
                   privacy, pwa, responsibilities, schools, search, status_report, sync):
        app.register_blueprint(module.bp)
    csrf.exempt(health.bp)
    commands.init_app(app)
    return app
