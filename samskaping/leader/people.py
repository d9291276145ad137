"""The leader's pages: schools and people, personal join links and QR codes, revoking access."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import segno
from flask import Blueprint, abort, current_app, flash, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from ..web.forms import PageForm
from markupsafe import Markup
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from ..core.vocabulary import SIDES
from ..store.clock import utc_now
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.forms import choices, options
from ..web.lookups import people_by_id, schools, schools_by_id
from ..web.pages import get_or_404, see_other
from ..web.validators import clean_text, max_length
from .auth import issue_join_token, join_token
from .versions import person_versions

bp = Blueprint("leader", __name__, url_prefix="/leader")


class SchoolForm(PageForm):
    name = StringField(_l("Name of the school"), filters=[clean_text], validators=[DataRequired(), max_length(120)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name.id = "school-name"  # the person form beside it has its own "name": ids unique on the page


class PersonForm(PageForm):
    name = StringField(_l("Name"), filters=[clean_text], validators=[DataRequired(), max_length(120)])
    side = SelectField(_l("Organisation"), choices=options(SIDES), validators=[DataRequired()])
    role = StringField(_l("Role"), filters=[clean_text], validators=[max_length(120)], description=_l("For example teacher, principal, course leader."))
    school = SelectField(_l("School"), validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = choices(schools(), blank=_l("(none / several)"))


def join_url(person: dict) -> str | None:
    """The link a phone can open: on the laptop itself (localhost) use the LAN address instead.
    None if this PC does not know the person's code (see auth.join_token)."""
    code = join_token(person)
    if code is None:
        return None
    path = url_for("auth.join", token=code)
    base = request.host_url.rstrip("/")
    host = urlsplit(base).hostname or ""
    lan_urls = current_app.config.get("LAN_URLS") or []
    if lan_urls and (host == "localhost" or is_loopback(host)):
        base = lan_urls[0].rstrip("/")
    return base + path


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code (no script, no external image: fine under the CSP and on paper)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff", title=url, omitsize=True)
    return Markup(svg)


@bp.get("/")
@access("leader")
def index():
    return leader_page()


def leader_page(person_form: PersonForm | None = None, school_form: SchoolForm | None = None):
    """The overview; re-rendered with a refused form's errors (422) so nothing typed is lost."""
    people = sorted(people_by_id().values(), key=lambda p: p["name"].lower())
    page = render_template("leader/index.html", people=people, schools=schools(), school_names=schools_by_id(),
                           phones=connected_phones(),
                           person_form=person_form or PersonForm(formdata=None),
                           school_form=school_form or SchoolForm(formdata=None), sides=SIDES)
    return page, 422 if (person_form or school_form) else 200


def connected_phones() -> dict[str, dict]:
    """Per person with a phone still connected: how many, and when one was last used (its last_seen, noted
    at most once an hour by web/access.note_seen; a device from before that stamp counts from its joining)."""
    phones: dict[str, dict] = {}
    for device in get_store().find("devices"):
        if device.get("revoked_at"):
            continue
        seen = device.get("last_seen") or device.get("created_at") or ""
        entry = phones.setdefault(device["person"], {"count": 0, "last_seen": ""})
        entry["count"] += 1
        entry["last_seen"] = max(entry["last_seen"], seen)
    return phones


@bp.post("/schools")
@access("leader")
def add_school():
    form = SchoolForm()
    if not form.validate_on_submit():
        return leader_page(school_form=form)
    get_store().create("schools", {"name": form.name.data})
    flash(_("School added."))
    return see_other("leader.index")


@bp.post("/people")
@access("leader")
def add_person():
    form = PersonForm()
    if not form.validate_on_submit():
        return leader_page(person_form=form)
    person, _created = get_store().create("people", {
        "name": form.name.data, "side": form.side.data, "role": form.role.data,
        "school": form.school.data or None, "active": True,
    })
    issue_join_token(person["id"])
    session["just_added"] = person["id"]  # their page offers "Add another" once
    flash(_("%(name)s added. Give them the QR code below.", name=person["name"]))
    return see_other("leader.person", person_id=person["id"])


@bp.get("/people/<person_id>")
@access("leader")
def person(person_id: str):
    person = get_or_404("people", person_id)
    devices = sorted(get_store().find("devices", person=person_id), key=lambda d: d["created_at"], reverse=True)
    url = join_url(person)
    return render_template("leader/person.html", person=person, devices=devices, join_url=url,
                           qr=qr_svg(url) if url else None,
                           school=schools_by_id().get(person.get("school")), sides=SIDES, form=PageForm(),
                           versions=person_versions(person), just_added=session.pop("just_added", None) == person_id)


@bp.post("/people/<person_id>/<action>")
@access("leader")
def change_person(person_id: str, action: str):
    """Revoke or restore a person's access, or give them a new link (voiding the old QR code)."""
    get_or_404("people", person_id)
    if not PageForm().validate_on_submit():
        abort(400)
    if action == "revoke":
        get_store().update("people", person_id, {"active": False, "revoked_at": utc_now()})
        flash(_("Access revoked. Their phones can no longer open the app."))
    elif action == "restore":
        get_store().update("people", person_id, {"active": True, "revoked_at": None})
        flash(_("Access restored."))
    elif action == "new-link":
        issue_join_token(person_id)
        flash(_("New link made. The old link and QR code no longer work."))
    else:
        abort(404)
    audit(f"person_{action}", person=person_id)
    return see_other("leader.person", person_id=person_id)


@bp.post("/devices/<device_id>/revoke")
@access("leader")
def revoke_device(device_id: str):
    device = get_or_404("devices", device_id)
    if not PageForm().validate_on_submit():
        abort(400)
    get_store().update("devices", device_id, {"revoked_at": utc_now()})
    audit("device_revoke", person=device["person"], device_revoked=device_id)
    flash(_("The device is disconnected."))
    return see_other("leader.person", person_id=device["person"])


@bp.get("/codes")
@access("leader")
def codes():
    """A printable sheet: one card per active person (name, role, school, QR code, the link written out),
    grouped by school, a school to a page; ?school=<id> prints one school's sheet."""
    names = schools_by_id()
    wanted = request.args.get("school")
    if wanted and wanted not in names:
        abort(404)
    people = [p for p in sorted(people_by_id().values(), key=lambda p: p["name"].lower()) if p.get("active", True)
              and (not wanted or p.get("school") == wanted)]
    groups: dict[str | None, list[dict]] = {}
    for person in people:
        url = join_url(person)
        school = person.get("school") if person.get("school") in names else None
        groups.setdefault(school, []).append({"person": person, "url": url, "qr": qr_svg(url) if url else None,
                                              "school": names.get(school)})
    sheets = [{"school": names[sid], "cards": groups[sid]} for sid in sorted(
        (sid for sid in groups if sid), key=lambda sid: names[sid]["name"].lower())]
    if None in groups:
        sheets.append({"school": None, "cards": groups[None]})
    return render_template("leader/codes.html", sheets=sheets, sides=SIDES, schools=schools(),
                           chosen=names.get(wanted))


# What a device is called on the person's page: its system and browser, read from the user agent it
# joined with (the whole string is long, technical and says little to a project leader).
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "Mac"), ("CrOS", "Chromebook"), ("Linux", "Linux"))
_BROWSERS = (("EdgA/", "Edge"), ("Edg/", "Edge"), ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"),
             ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))


@bp.app_template_filter("device_name")
def device_name(user_agent: str | None) -> str:
    system = next((name for mark, name in _SYSTEMS if mark in (user_agent or "")), None)
    browser = next((name for mark, name in _BROWSERS if mark in (user_agent or "")), None)
    return " · ".join(part for part in (system, browser) if part) or _("Unknown device")
