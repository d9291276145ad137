"""Talking HTTP to the other laptop: one call with the sync key, its time limits, and failures told in words."""
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
from urllib.parse import urlencode, urlsplit

from flask_babel import gettext as _

TIMEOUT_SECONDS = 10  # for connecting and for each read
CALL_SECONDS = 60  # one call in all (connect, send, answer): a slow peer cannot hold the sync for long
SYNC_SECONDS = 15 * 60  # one sync in all (the leader's request waits, and holds the sync lock)
MAX_ANSWER_BYTES = 8 * 1024 * 1024
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


def call(base_url: str, key: str, path: str, *, params: dict | None = None, payload: dict | None = None,
         body: bytes | None = None, deadline: float | None = None) -> bytes:
    """GET (or POST a JSON payload, or a `body` already in JSON, to) the other laptop with the sync key;
    the answer's raw bytes.
    The whole call takes at most CALL_SECONDS, and ends by `deadline` (time.monotonic()) if given."""
    url = base_url.rstrip("/") + path + (f"?{urlencode(params)}" if params else "")
    if payload is not None:
        body = json.dumps(payload, ensure_ascii=False).encode()
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
