"""What travels between two paired laptops: pages of changed records, and the asking side's HTTP calls.

Clock skew between the laptops does not matter here: a cursor is always a time on the clock of the
laptop that answered the question "what changed since T?", and it is only ever compared with that same
laptop's own clock (`updated_at` written there, or `_received_at` stamped there when a merge stored a
record). A record another laptop stamped in the future is merely sent again on later syncs until the
clocks pass it: harmless, since merging the same content twice changes nothing.
"""
from __future__ import annotations

import errno
import functools
import http.client
import json
import logging
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

from flask_babel import gettext as _

from .storage import Store

# The exported tables (contract order: schools and people first; export.TABLES, checked by a test); settings,
# devices, audit, conflicts and peers stay on their own laptop and are never served or accepted.
EXCHANGED_TABLES = ("schools", "people", "meetings", "responsibilities", "followups", "feedback", "charters",
                    "acceptances", "questions", "statements", "rounds", "answers")
PAGE_RECORDS = 2_000
PAGE_BYTES = 1_500_000  # below the app's 2 MB request limit, so the peer accepts every pushed page
MAX_PAGES = 1_000  # a bound on the paging loops: 2 million records
TIMEOUT_SECONDS = 10  # for connecting and for each read
CALL_SECONDS = 60  # one call in all (connect, send, answer): a slow peer cannot hold the sync for long
SYNC_SECONDS = 15 * 60  # one sync in all (the leader's request waits, and holds the sync lock)
MAX_ANSWER_BYTES = 8 * 1024 * 1024
# A merge stamps `_received_at` under the store's lock as it writes (Store.put_many); starting the next
# "since" a little earlier still costs little and covers clocks that step (resending is harmless).
CURSOR_OVERLAP = timedelta(seconds=2)
USER_AGENT = "samskaping-sync/1"
log = logging.getLogger(__name__)


class PeerError(Exception):
    """A call to the other laptop failed; str(error) is a translated message for the leader."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the sync key to wherever it points: treat it as an error instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Watchdog:
    """Cuts the connection of one call when its time is up, whatever it is waiting for (a peer that
    answers a byte at a time would otherwise pass every per-read timeout)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self.sock: socket.socket | None = None
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _watching.dog = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        _watching.dog = None

    def watch(self, sock: socket.socket) -> None:
        self.sock = sock
        if self.expired:
            self._cut()

    def _expire(self) -> None:
        self.expired = True
        self._cut()

    def _cut(self) -> None:
        try:
            if self.sock is not None:
                self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


_watching = threading.local()


@functools.lru_cache(maxsize=None)
def _watched(http_class: type) -> type:
    """The connection class, telling the current call's watchdog its socket once connected."""
    class Watched(http_class):
        def connect(self) -> None:
            super().connect()
            dog = getattr(_watching, "dog", None)
            if dog is not None:
                dog.watch(self.sock)
    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def do_open(self, http_class, req, **kwargs):
        return super().do_open(_watched(http_class), req, **kwargs)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def do_open(self, http_class, req, **kwargs):
        return super().do_open(_watched(http_class), req, **kwargs)


# ProxyHandler({}): the laptops talk directly on the local network, whatever the environment's proxy says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects(), _HTTPHandler(),
                                      _HTTPSHandler())


class _Overdue(Exception):
    pass


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def cursor_now() -> str:
    """The `until` of a changes query starting now, on this laptop's clock."""
    return (datetime.now(timezone.utc) - CURSOR_OVERLAP).isoformat(timespec="microseconds")


def changed_at(record: dict) -> str:
    """When a record last changed on this laptop: edited here, or written here by a merge."""
    return max(record.get("updated_at") or "", record.get("_received_at") or "")


def page_key(table: str, record: dict) -> str:
    # Tables are numbered so that the key sorts in the contract's table order within one moment.
    return f"{changed_at(record)}|{EXCHANGED_TABLES.index(table):02d}|{record['id']}"


def changes_page(store: Store, since: str, after: str = "") -> tuple[dict[str, list[dict]], str | None]:
    """Records changed after `since`, ordered by (time, table, id), the first page after the key `after`.

    Returns (records by table, the key to ask for the next page, or None when this was the last page).
    Each table yields at most one page of its own, so a page never copies the whole store."""
    candidates = []
    for table in EXCHANGED_TABLES:
        def wanted(record: dict, table=table) -> bool:
            return changed_at(record) > since and page_key(table, record) > after
        for record in store.select(table, wanted, order_by=lambda r, table=table: page_key(table, r),
                                   limit=PAGE_RECORDS):
            candidates.append((page_key(table, record), table, record))
    candidates.sort(key=lambda item: item[0])
    tables: dict[str, list[dict]] = {table: [] for table in EXCHANGED_TABLES}
    size, taken = 0, 0
    for key, table, record in candidates:
        record = {k: v for k, v in record.items() if not k.startswith("_")}
        size += len(json.dumps(record, ensure_ascii=False).encode())
        if taken and (taken >= PAGE_RECORDS or size > PAGE_BYTES):
            return tables, last_key
        tables[table].append(record)
        taken, last_key = taken + 1, key
    # A full page may have cut a table short: ask once more (an empty last page at worst).
    return tables, (last_key if taken >= PAGE_RECORDS else None)


def document(installation: str, tables: dict[str, list[dict]], **extra) -> dict:
    """An export document (the exchange contract) holding just these records, plus sync fields."""
    return {"format": "samskaping-export", "schema_version": 1, "exported_at": now(), "installation": installation,
            "filters": {"from": None, "to": None, "school": None, "side": None}, "tables": tables, **extra}


def call(base_url: str, key: str, path: str, *, params: dict | None = None, payload: dict | None = None,
         deadline: float | None = None) -> bytes:
    """GET (or POST a JSON payload to) the other laptop with the sync key; the answer's raw bytes.
    The whole call takes at most CALL_SECONDS, and ends by `deadline` (time.monotonic()) if given."""
    url = base_url.rstrip("/") + path + (f"?{urlencode(params)}" if params else "")
    body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST", headers={
        "Authorization": f"Bearer {key}", "Accept": "application/json", "Content-Type": "application/json",
        "User-Agent": USER_AGENT})
    seconds = CALL_SECONDS if deadline is None else min(CALL_SECONDS, deadline - time.monotonic())
    if seconds <= 0:
        raise PeerError(overdue_message(whole_sync=True))
    try:
        with _Watchdog(seconds) as dog:
            try:
                with _opener.open(request, timeout=min(TIMEOUT_SECONDS, seconds)) as response:
                    raw = _read_answer(response, dog)
            except urllib.error.HTTPError as error:
                if dog.expired:
                    raise _Overdue() from None
                raise PeerError(refusal_message(error)) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
                if dog.expired:
                    raise _Overdue() from None
                log.warning("Sync: the call to %s failed: %r", url, error)  # the system's own words: for the log
                raise PeerError(_("Could not reach the other laptop at %(url)s (%(reason)s). Check the address, "
                                  "that the app runs there, and that both laptops are on the same network.",
                                  url=base_url, reason=reason_text(error, base_url))) from None
    except _Overdue:
        log.warning("Sync: the call to %s took longer than %.0f seconds and was cut", url, seconds)
        raise PeerError(overdue_message(whole_sync=seconds < CALL_SECONDS)) from None
    if len(raw) > MAX_ANSWER_BYTES:
        raise PeerError(_("The other laptop sent more than this laptop accepts at once."))
    return raw


def _read_answer(response, dog: _Watchdog) -> bytes:
    """The body, a piece at a time, up to one byte past MAX_ANSWER_BYTES; _Overdue once time is up."""
    chunks, size = [], 0
    while size <= MAX_ANSWER_BYTES:
        if dog.expired:
            raise _Overdue()
        chunk = response.read1(64 * 1024)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if dog.expired:  # the watchdog's cut looks like the end of the answer: it is not
        raise _Overdue()
    return b"".join(chunks)


def overdue_message(whole_sync: bool) -> str:
    if whole_sync:
        return _("The sync took longer than %(minutes)d minutes and was stopped. What was fetched is kept; sync "
                 "again to go on.", minutes=SYNC_SECONDS // 60)
    return _("The other laptop did not finish answering within %(seconds)d seconds. It may be very busy, or the "
             "network very slow. Try again later.", seconds=CALL_SECONDS)


def reason_text(error: BaseException, base_url: str) -> str:
    """Why a call failed, in words for the leader (the system's own message, in English, goes to the log)."""
    reason = getattr(error, "reason", None)
    reason = reason if isinstance(reason, BaseException) else error
    if isinstance(reason, ssl.SSLCertVerificationError):
        return _("this laptop does not trust its certificate (HTTPS); use its address that starts with http://")
    if isinstance(reason, ssl.SSLError):
        return _("the secure connection (HTTPS) failed")
    if isinstance(reason, ConnectionRefusedError):
        return _("nothing answers on that address and port; is the app running there?")
    if isinstance(reason, TimeoutError):
        return _("no answer within %(seconds)d seconds", seconds=TIMEOUT_SECONDS)
    if isinstance(reason, socket.gaierror):
        return _("the name %(host)s is not known on this network", host=urlsplit(base_url).hostname or base_url)
    if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                           http.client.RemoteDisconnected, http.client.IncompleteRead)):
        return _("the connection was broken off")
    if isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN,
                                                        errno.EHOSTDOWN):
        return _("this laptop finds no way to it on the network")
    return _("the connection failed")


def call_json(base_url: str, key: str, path: str, **kwargs) -> tuple[dict, bytes]:
    raw = call(base_url, key, path, **kwargs)
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON; or a number thousands of digits long, nested too deeply
        answer = None
    if not isinstance(answer, dict):
        raise PeerError(_("The address %(url)s does not answer like a Samskaping laptop.", url=base_url))
    return answer, raw


def refusal_message(error: urllib.error.HTTPError) -> str:
    if error.code == 401:
        return _("The other laptop refused the sync key. Check the key on its sync page (it may have been "
                 "renewed) and pair again.")
    try:
        message = json.loads(error.read(64 * 1024)).get("message")
    except (ValueError, AttributeError, OSError, RecursionError):
        message = None
    if message:
        return _("The other laptop refused: %(message)s", message=str(message)[:500])
    if error.code in (301, 302, 303, 307, 308, 404, 405):
        return _("The address %(url)s does not answer like a Samskaping laptop.", url=error.url.split("/sync/")[0])
    return _("The other laptop answered with an error (HTTP %(status)s). Try again later.", status=error.code)


def zero_counts() -> dict[str, int]:
    # skipped: records left out because they belong to an erased person; erased: records erased here
    # because the other laptop erased their person (see erasure.py).
    return {"added": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "skipped": 0, "erased": 0}


def summary_of(report) -> dict[str, int]:
    """A merge report's counts over all tables: added, updated, unchanged, conflicts, skipped, erased."""
    totals = zero_counts()
    for counts in report.counts.values():
        for what in totals:
            totals[what] += int(counts.get(what, 0))
    return totals


def add_up(totals: dict[str, int], counts: object) -> None:
    for what in totals:
        value = counts.get(what, 0) if isinstance(counts, dict) else 0
        totals[what] += value if isinstance(value, int) else 0


def pull(store: Store, peer: dict, deadline: float | None = None) -> tuple[dict[str, int], str]:
    """Merge the peer's changes since our cursor for it; returns (counts, the peer's new cursor).

    The cursor is the `until` of the first page (the peer's clock): anything changed on the peer while
    we were paging has a later time, so it comes again next time even if this run saw it too."""
    from .merge import ImportProblem, apply, parse_document
    totals = zero_counts()
    since, after, until = peer.get("last_pulled") or "", "", None
    for _page in range(MAX_PAGES):
        answer, raw = call_json(peer["url"], peer["key"], "/sync/changes", params={"since": since, "after": after},
                                deadline=deadline)
        if answer.get("installation") != peer["installation"]:
            raise PeerError(_("Another laptop answers at %(url)s now, not the one paired here. Pair again if "
                              "that is right.", url=peer["url"]))
        until = until or answer.get("until")
        if not isinstance(until, str) or not is_time(until):
            raise PeerError(_("The address %(url)s does not answer like a Samskaping laptop.", url=peer["url"]))
        try:
            add_up(totals, summary_of(apply(store, parse_document(raw, "sync.json"),
                                            source=f"sync:{peer['installation']}")))
        except ImportProblem as problem:
            raise PeerError(_("The other laptop sent something this laptop cannot merge: %(problem)s",
                              problem=str(problem))) from None
        after = answer.get("next")
        if not answer.get("more") or not isinstance(after, str):
            return totals, until
    raise PeerError(_("The other laptop sent more than this laptop accepts at once."))


def push(store: Store, peer: dict, installation: str, deadline: float | None = None) -> tuple[dict[str, int], str]:
    """Send our changes since the last push, page by page; returns (the peer's counts, our new cursor)."""
    totals = zero_counts()
    since, after, until = peer.get("last_pushed") or "", "", cursor_now()
    for _page in range(MAX_PAGES):
        tables, after = changes_page(store, since, after or "")
        if any(tables.values()):
            answer, _raw = call_json(peer["url"], peer["key"], "/sync/receive",
                                     payload=document(installation, tables, **erased_part(store)), deadline=deadline)
            if answer.get("status") != "ok":
                raise PeerError(_("The other laptop did not take the changes. Try again later."))
            add_up(totals, answer.get("counts"))
        if after is None:
            return totals, until
    raise PeerError(_("There is more to send than this laptop sends at once."))


def erased_part(store: Store) -> dict:
    """{"erased": tombstones} for a document, always the full list (it is small); {} if nobody was erased."""
    from .erasure import export_part
    erased = export_part(store)
    return {"erased": erased} if erased else {}


def send_erased(store: Store, peer: dict, installation: str, deadline: float | None = None) -> dict[str, int]:
    """Before anything else, our tombstones: the peer erases anyone erased here before it answers our
    pull, so what it sends back is already anonymised (and its names in texts replaced)."""
    totals = zero_counts()
    part = erased_part(store)
    if part:
        answer, _raw = call_json(peer["url"], peer["key"], "/sync/receive",
                                 payload=document(installation, {}, **part), deadline=deadline)
        if answer.get("status") != "ok":
            raise PeerError(_("The other laptop did not take the changes. Try again later."))
        add_up(totals, answer.get("counts"))
    return totals


def is_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False
