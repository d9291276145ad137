"""Signing in: the leader's password (with setup and rate limit) and participants joining by link."""
from __future__ import annotations

import secrets
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from ..web.forms import PageForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..core import join_codes
from ..core.hashed_secrets import hash_secret
from ..store.clock import utc_now
from ..web.access import DEVICE_COOKIE, DEVICE_COOKIE_DAYS, access
from ..web.audit import audit
from ..web.db import get_store
from ..web.pages import see_other
from ..web.security import request_is_from_this_machine
from ..web.throttle import throttle

bp = Blueprint("auth", __name__)
LEADER_SETTINGS_ID = "5a3c1e00-0000-4000-8000-000000000001"  # the one settings record holding the leader's hash


class SetPasswordForm(PageForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200, message=_l("Use 10 to 200 characters."))])
    repeat = PasswordField(_l("Repeat the password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))])


class LoginForm(PageForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def leader_password_hash() -> str | None:
    settings = get_store().get("settings", LEADER_SETTINGS_ID)
    return settings.get("password_hash") if settings else None


def set_leader_password(password: str) -> None:
    get_store().put("settings", {"id": LEADER_SETTINGS_ID, "password_hash": generate_password_hash(password)})


@bp.route("/leader/setup", methods=["GET", "POST"])
@access("public")
def setup():
    """First run: the leader chooses a password, from the laptop itself only."""
    if leader_password_hash() is not None or not request_is_from_this_machine():
        abort(404)
    return setup_page()


def setup_page():
    """The setup form, also shown at /leader/login while there is no password (one page less on the first day)."""
    form = SetPasswordForm()
    if form.validate_on_submit():
        set_leader_password(form.password.data)
        start_leader_session()
        audit("leader_password_set")
        return see_other("leader.index")
    return render_template("auth/setup.html", form=form)


@bp.route("/leader/login", methods=["GET", "POST"])
@access("public")
def login():
    if leader_password_hash() is None:
        if request_is_from_this_machine() and request.method == "GET":
            return setup_page()  # the form itself; it posts to /leader/setup
        return render_template("auth/no_password.html", local=request_is_from_this_machine())
    form = LoginForm()
    address = request.remote_addr or "?"
    if request.method == "POST" and throttle("login").blocked(address):
        return render_template("auth/login.html", form=form, error=_("Too many failed attempts. Wait a quarter of an hour and try again.")), 429
    if form.validate_on_submit():
        if check_password_hash(leader_password_hash(), form.password.data):
            throttle("login").succeeded(address)
            start_leader_session()
            audit("leader_login")
            return redirect(safe_next(request.args.get("next")) or url_for("leader.index"), code=303)
        throttle("login").failed(address)
        audit("leader_login_failed")
        return render_template("auth/login.html", form=form, error=_("Wrong password.")), 401
    return render_template("auth/login.html", form=form, error=None)


def start_leader_session() -> None:
    session.clear()
    session.permanent = True
    session["leader_until"] = time.time() + current_app.config["LEADER_SESSION_HOURS"] * 3600
    g.leader = True


def safe_next(target: str | None) -> str | None:
    return target if target and target.startswith("/") and not target.startswith("//") else None


@bp.post("/leader/logout")
@access("public")
def logout():
    session.pop("leader_until", None)
    return see_other("home.index")


def person_for_join_token(token: str) -> dict | None:
    matches = get_store().find("people", join_token_hash=hash_secret(token))
    person = matches[0] if matches else None
    return person if person and person.get("active", True) else None


@bp.route("/join/<token>", methods=["GET", "POST"])
@access("public")
def join(token: str):
    """Open a personal link: confirm, then this phone is bound to that person with a long-lived cookie.

    A confirm step (POST with CSRF) instead of binding on GET, so a link preview or someone else's
    link cannot silently bind a phone to the wrong person."""
    person = person_for_join_token(token)
    if person is None:
        return render_template("auth/join_invalid.html"), 404
    form = PageForm()
    if not form.validate_on_submit():
        return render_template("auth/join.html", person=person, form=form)
    secret = secrets.token_urlsafe(32)
    device, _created = get_store().create("devices", {
        "person": person["id"],
        "secret_hash": hash_secret(secret),
        "label": (request.user_agent.string or "")[:120],
        "revoked_at": None,
        "last_seen": utc_now(),  # noted again at most once an hour (web/access.note_seen)
    }, author=person["id"])
    g.person, g.device = person, device
    session.permanent = True
    audit("device_bound", person=person["id"])
    response = make_response(redirect(url_for("home.index"), code=303))
    response.set_cookie(DEVICE_COOKIE, f"{device['id']}.{secret}", max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
                        httponly=True, samesite="Lax", secure=request.is_secure)
    flash(_("Welcome, %(name)s! This phone is now connected to you.", name=person["name"]))
    return response


def join_token(person: dict) -> str | None:
    """A person's join code as this PC knows it (join_codes.py): the same on every PC that holds the
    project's data, whatever its secret_key; None if the code in force was made elsewhere and never reached
    this PC (the printed code still works here: its hash did)."""
    if "join_codes" not in g:  # read once per request: the print sheet asks for every person's code
        g.join_codes = join_codes.kept_codes(get_store())
    return join_codes.code_for(person, g.join_codes, current_app.secret_key)


def issue_join_token(person_id: str) -> None:
    """Give a person a new join code; the old link and QR code stop working (on other PCs once synced)."""
    join_codes.issue(get_store(), person_id)
    g.pop("join_codes", None)


@bp.before_app_request
def tidy_join_codes() -> None:
    """Once per start: codes an older version derived from this PC's secret_key are kept from now on, so
    they travel to other PCs and outlive the key (printed sheets stay valid); codes nobody holds go."""
    if not current_app.extensions.get("samskaping_join_codes_tidied"):
        current_app.extensions["samskaping_join_codes_tidied"] = True
        join_codes.tidy(get_store(), current_app.secret_key)
