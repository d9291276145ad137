"""Secrets kept only as hashes: a phone's device secret and a person's join code."""
from __future__ import annotations

import hashlib


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
