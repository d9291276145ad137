"""Sync between two laptops: pairing with a sync key, pulling and pushing changes."""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from ..core.exchange.export import FORMAT as EXPORT_FORMAT, installation_id
from ..core.exchange.sync_client import add_up, cursor_now, is_time, pull, push, send_erased, served_page, summary_of
from ..core.exchange.sync_http import SYNC_SECONDS, PeerError, call_json
from ..store.clock import utc_now
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.extensions import csrf
from ..web.forms import AppForm
from ..web.pages import get_or_404, see_other
from ..web.throttle import throttle
from ..web.validators import clean_text, max_length

bp = Blueprint("sync", __name__, url_prefix="/sync")
SYNC_SETTINGS_ID = "5a3c1e00-0000-4000-8000-000000000004"  # the settings record holding this laptop's sync key
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # base32: no 0/1/8/9 to confuse with O/I/B
KEY_GROUPS, GROUP_LENGTH = 4, 5  # 20 characters, 100 bits: far beyond guessing over a network
LOOKALIKES = str.maketrans("018", "OIB")


# --- This laptop's sync key -------------------------------------------------------------------------

def normal_key(text: str | None) -> str:
    """A typed key in its canonical form (upper case, grouped with dashes), or "" if it cannot be one."""
    chars = "".join((text or "").upper().translate(LOOKALIKES).split()).replace("-", "")
    if len(chars) != KEY_GROUPS * GROUP_LENGTH or any(c not in KEY_ALPHABET for c in chars):
        return ""
    return "-".join(chars[i:i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def renew_key() -> str:
    """Make a new sync key; the old one stops working at once."""
    key = normal_key("".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_GROUPS * GROUP_LENGTH)))
    get_store().put("settings", {"id": SYNC_SETTINGS_ID, "key": key})
    return key


def sync_key() -> str:
    settings = get_store().get("settings", SYNC_SETTINGS_ID)
    return settings["key"] if settings and settings.get("key") else renew_key()


def key_matches(given: str) -> bool:
    # Compare digests, so the comparison takes the same time whatever was sent and however long it is.
    settings = get_store().get("settings", SYNC_SETTINGS_ID) or {}
    stored = settings.get("key") or ""
    given = normal_key(given)
    return bool(stored and given) and hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                                                          hashlib.sha256(stored.encode()).digest())


def requires_sync_key(view):
    """A view the other laptop calls: it must send this laptop's key as `Authorization: Bearer <key>`."""
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        address = request.remote_addr or "?"
        if throttle("sync_key").blocked(address):  # even the right key: a guesser must not learn when it hits
            return jsonify(status="throttled", message=_("Too many wrong sync keys from this address. Wait a "
                                                         "quarter of an hour and try again.")), 429
        scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key_matches(given.strip()):
            throttle("sync_key").failed(address)
            return (jsonify(status="unauthorized", message=_("Wrong or missing sync key.")), 401,
                    {"WWW-Authenticate": 'Bearer realm="samskaping-sync"'})
        throttle("sync_key").succeeded(address)
        return view(*args, **kwargs)
    return guarded


def installation_name() -> str:
    """How the other laptop names this one: its schools (what a leader recognises)."""
    names = sorted(school.get("name", "") for school in get_store().find("schools"))
    label = ", ".join(name for name in names if name)
    return label if len(label) <= 120 else label[:117] + "…"


# --- The leader's page: key, addresses, pairing, sync now -----------------------------------------

def peer_address(text: str | None) -> str:
    """What the leader typed, as scheme://host:port (http:// if no scheme was typed)."""
    text = (text or "").strip()
    if text and "://" not in text:
        text = f"http://{text}"
    return text.rstrip("/")


def valid_peer_address(form, field) -> None:
    parts = urlsplit(field.data or "")
    try:
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.path.strip("/") or parts.query or parts.fragment):
        raise ValidationError(_l("Write the address shown on the other laptop's sync page, "
                                 "for example http://192.168.1.20:5000"))
    field.data = f"{parts.scheme}://{parts.netloc}"


def valid_key(form, field) -> None:
    # Read forgivingly (case, spaces, 0 for O); a key that cannot be one stays as typed, to be corrected.
    field.data = normal_key(field.data) or field.data
    if not normal_key(field.data):
        raise ValidationError(_l("A sync key has 20 letters and digits in four groups, like ABCDE-FGHIJ-KLMNO-PQRST."))


class PairForm(AppForm):
    url = StringField(_l("The other laptop's address"), filters=[peer_address],
                      validators=[DataRequired(), max_length(200), valid_peer_address],
                      description=_l("As shown on its sync page, for example http://192.168.1.20:5000"))
    key = StringField(_l("The other laptop's sync key"), filters=[clean_text], validators=[max_length(40), valid_key])


def addresses() -> list[str]:
    """Where the other laptop can reach this one: the LAN addresses the server printed, else this page's."""
    urls = current_app.config.get("LAN_URLS") or [request.host_url]
    return [url.rstrip("/") for url in urls]


def sync_page(pair_form: PairForm | None = None, pair_error: str | None = None, status: int = 200):
    peers = sorted(get_store().find("peers"), key=lambda p: (p.get("name") or p["url"]).lower())
    return render_template("sync/index.html", key=sync_key(), addresses=addresses(), peers=peers,
                           pair_form=pair_form or PairForm(formdata=None), pair_error=pair_error), status


@bp.get("/")
@access("leader")
def index():
    return sync_page()


@bp.post("/key")
@access("leader")
def new_key():
    renew_key()
    audit("sync_key_renewed")
    flash(_("New sync key made. Laptops paired with the old key must pair again."))
    return see_other("sync.index")


@bp.post("/peers")
@access("leader")
def pair():
    """Check the other laptop's address and key by calling it, then remember it as a peer."""
    form = PairForm()
    if not form.validate_on_submit():
        return sync_page(pair_form=form, status=422)
    try:
        hello, _raw = call_json(form.url.data, form.key.data, "/sync/hello")
    except PeerError as error:
        return sync_page(pair_form=form, pair_error=str(error), status=422)
    installation = str(hello.get("installation") or "")
    if not is_uuid(installation):
        return sync_page(pair_form=form, status=422, pair_error=_(
            "The address %(url)s does not answer like a Samskaping laptop.", url=form.url.data))
    if installation == installation_id(get_store()):
        return sync_page(pair_form=form, status=422, pair_error=_("That is this laptop's own address and key."))
    store = get_store()
    fields = {"url": form.url.data, "key": form.key.data, "installation": installation,
              "name": str(hello.get("name") or "")[:120]}
    existing = store.find("peers", installation=installation)
    if existing:  # paired before (new address or new key): keep the cursors, no need to start over
        peer = store.update("peers", existing[0]["id"], fields)
    else:
        peer, _created = store.create("peers", {**fields, "last_pulled": None, "last_pushed": None,
                                                "last_sync": None, "last_result": None})
    audit("sync_paired", peer=installation)
    flash(_("Paired with %(name)s. Press Sync now to exchange the data.", name=peer["name"] or peer["url"]))
    return see_other("sync.index")


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


@bp.post("/peers/<peer_id>/sync")
@access("leader")
def sync_now(peer_id: str):
    """Pull the peer's changes, then push ours; each cursor moves only after its half succeeded."""
    peer = get_or_404("peers", peer_id)
    store = get_store()
    # One sync at a time (a double tap, a second tab): it would only send the same records twice.
    running = current_app.extensions.setdefault("samskaping_sync_lock", threading.Lock())
    if not running.acquire(blocking=False):
        flash(_("A sync is already running. Wait until it has finished."))
        return see_other("sync.index")
    result = {"ok": False, "pulled": None, "pushed": None, "message": None}
    deadline = time.monotonic() + SYNC_SECONDS  # a slow peer cannot hold this request (and the lock) for long
    try:
        # Tombstones first: the peer erases whoever was erased here before it sends us its records.
        erased_there = send_erased(store, peer, installation_id(get_store()), deadline)
        result["pulled"], cursor = pull(store, peer, installation_id(store), deadline)
        peer = store.update("peers", peer_id, {"last_pulled": cursor})
        result["pushed"], cursor = push(store, peer, installation_id(get_store()), deadline)
        add_up(result["pushed"], erased_there)
        store.update("peers", peer_id, {"last_pushed": cursor})
        result["ok"] = True
    except PeerError as error:
        result["message"] = str(error)
    finally:
        running.release()
    store.update("peers", peer_id, {"last_sync": utc_now(), "last_result": result})
    counts = {f"{direction}_{what}": (result[direction] or {}).get(what, 0)
              for direction in ("pulled", "pushed") for what in ("added", "updated", "conflicts")}
    audit("sync", peer=peer["installation"], ok=result["ok"], **counts)
    if result["ok"]:
        flash(_("Sync finished with %(name)s.", name=peer["name"] or peer["url"]))
    return see_other("sync.index", _anchor=f"peer-{peer_id}")


@bp.post("/peers/<peer_id>/forget")
@access("leader")
def forget(peer_id: str):
    peer = get_or_404("peers", peer_id)
    get_store().delete("peers", peer_id)
    audit("sync_forgotten", peer=peer["installation"])
    flash(_("The other laptop is forgotten here. Pair again to sync with it."))
    return see_other("sync.index")


# --- What the other laptop calls (no cookies, no CSRF token: the sync key is the credential) --------

@bp.get("/hello")
@access("public")
@csrf.exempt
@requires_sync_key
def hello():
    return jsonify(format="samskaping-sync", version=1, installation=installation_id(get_store()), name=installation_name())


@bp.get("/changes")
@access("public")
@csrf.exempt
@requires_sync_key
def changes():
    """One page of the records changed here since `since` (this laptop's clock), after the key `after`."""
    since, after = request.args.get("since", ""), request.args.get("after", "")
    asker = request.args.get("asker") or None  # the calling laptop: what it sent here is not sent back
    if since and not is_time(since):
        return jsonify(status="refused", message=_("The cursor is not a time.")), 400
    if asker is not None and not is_uuid(asker):
        return jsonify(status="refused", message=_("The asking laptop is not named by an installation id.")), 400
    until = cursor_now()  # before reading, so nothing written meanwhile falls between two cursors
    answer, records = served_page(get_store(), installation_id(get_store()), since, after, asker=asker, until=until)
    audit("sync_served", records=records)
    return current_app.response_class(answer, mimetype="application/json")


@bp.post("/receive")
@access("public")
@csrf.exempt
@requires_sync_key
def receive():
    """Merge a page of the other laptop's changes (an export document) and answer with the counts."""
    from ..core.exchange.merge import ImportProblem, apply, parse_document
    body = request.get_data(cache=False)
    try:
        if not body.lstrip()[:1] == b"{":  # JSON only: parse_document would also unpack a ZIP
            raise ImportProblem(_("The changes must be sent as a JSON export document."))
        received = parse_document(body, "sync.json", decoded=True)  # at most the app's request limit
        if received.get("format") != EXPORT_FORMAT:
            raise ImportProblem(_("Only an export document can be synced."))
        sender = str(received.get("installation") or "")
        if sender == installation_id(get_store()):
            raise ImportProblem(_("These changes come from this laptop itself."))
        # Marked as the sender's (origin): its next pull does not fetch back what it just pushed.
        counts = summary_of(apply(get_store(), received, source=f"sync:{sender}",
                                  origin=sender if is_uuid(sender) else None, checked=True))
    except ImportProblem as problem:
        return jsonify(status="refused", message=str(problem)), 400
    audit("sync_received", peer=sender, **counts)
    return jsonify(status="ok", installation=installation_id(get_store()), counts=counts)
