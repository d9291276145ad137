"""Guessing slowed down: at most N failures per address per window (wrong leader passwords, wrong sync keys)."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import current_app


class FailureThrottle:
    """At most LOGIN_MAX_FAILURES failures per address per LOGIN_WINDOW_SECONDS; in memory, so a restart forgives."""

    def __init__(self) -> None:
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, address: str) -> deque:
        window = current_app.config["LOGIN_WINDOW_SECONDS"]
        failures = self._failures[address]
        while failures and failures[0] < time.time() - window:
            failures.popleft()
        return failures

    def blocked(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address)) >= current_app.config["LOGIN_MAX_FAILURES"]

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(time.time())

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def throttle(kind: str) -> FailureThrottle:
    """One throttle per app and kind ("login", "sync_key"): separate apps and tests never share counts, and wrong
    sync keys never lock the leader out of signing in."""
    return current_app.extensions.setdefault(f"samskaping_{kind}_throttle", FailureThrottle())
