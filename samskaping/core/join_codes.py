"""Personal join codes (the QR codes): random, checked by hash, kept and carried so every PC shows the same."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .erasure.erase import STAMPS
from .hashed_secrets import hash_secret

# A person's record holds `join_version` and `join_token_hash` (sha256 of the code): a phone's link is checked
# against that, here or on any PC that holds the record. The code itself is kept in one local settings record
# ({hash: code}) so the leader's pages can show and print it again, and it travels in JSON exports and sync
# documents as `"join_codes": [code, ...]` (only codes a person there holds), so a PC that imported or synced
# the people shows the same working codes. No code depends on the local secret_key: losing it, or moving to
# another PC, changes no code.
# Before, a code was HMAC(secret_key, person id and version): such a code keeps working wherever its hash is;
# where the secret_key that made it is still there, it is adopted into the kept codes (tidy), so printed
# sheets stay valid and from then on travel like any other code.
# In a merge, the code in force is that of the newer link (higher join_version, then the later record),
# whatever else won (settle_join). CSV files and the analysts' ZIP hold no codes nor hashes.

CODES_ID = "5a3c1e00-0000-4000-8000-00000000c0de"  # the settings record holding the codes ({hash: code})
JOIN_FIELDS = ("join_version", "join_token_hash")
CODE_TEXT = re.compile(r"[A-Za-z0-9_-]{32}")  # 24 random bytes, URL-safe base64: old and new codes alike
MAX_CODES = 100_000  # far beyond any project: a document with more is not ours
# Around every read-modify-write of the one record: two new links at once must not lose one, and a merge
# must not forget a code between its keeping and the person taking its hash.
_writing = threading.RLock()


def new_code() -> str:
    return secrets.token_urlsafe(24)


def legacy_code(secret_key: str | bytes | None, person: Mapping) -> str | None:
    """The code this person got from an older version of the app on the PC with this secret_key."""
    if not secret_key:
        return None
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    message = f"join:{person['id']}:{person.get('join_version', 0)}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()[:24]).decode()


def kept_codes(store_or_data: Any) -> dict[str, str]:
    """{hash: code} from a Store or from read-only data ({table: {id: record}})."""
    if hasattr(store_or_data, "get") and hasattr(store_or_data, "find"):
        record = store_or_data.get("settings", CODES_ID)
    else:
        record = store_or_data.get("settings", {}).get(CODES_ID)
    codes = (record or {}).get("codes")
    return dict(codes) if isinstance(codes, dict) else {}


def code_for(person: Mapping, codes: Mapping[str, str], secret_key: Any = None) -> str | None:
    """The person's code in force, if this PC knows it (kept, or made here by the older version)."""
    token_hash = person.get("join_token_hash")
    if not token_hash:
        return None
    code = codes.get(token_hash)
    if code and hmac.compare_digest(hash_secret(code), token_hash):
        return code
    legacy = legacy_code(secret_key, person)
    return legacy if legacy and hmac.compare_digest(hash_secret(legacy), token_hash) else None


def keep(store: Any, codes: Iterable[str], *, forget: Iterable[str] = ()) -> None:
    """Add codes (and drop the ones whose hash is in `forget`): one write, only if something changes."""
    with _writing:
        current, dropped = kept_codes(store), set(forget)
        wanted = {**{h: c for h, c in current.items() if h not in dropped},
                  **{hash_secret(code): code for code in codes}}
        if wanted != current:
            store.put("settings", {"id": CODES_ID, "codes": wanted})


def issue(store: Any, person_id: str) -> str:
    """Give a person a new code; the old link and QR code stop working (here at once, elsewhere once synced)."""
    code = new_code()
    with _writing:
        person = store.get("people", person_id)
        keep(store, [code], forget=[person.get("join_token_hash") or ""])  # first: a crash leaves an unused code
        store.update("people", person_id, {"join_version": person.get("join_version", -1) + 1,
                                           "join_token_hash": hash_secret(code)})
    return code


def tidy(store: Any, secret_key: Any) -> int:
    """At start: keep the codes an older version made here (from secret_key), so they travel and outlive
    the key; forget codes nobody holds any more (an erased person's, say). Returns how many were adopted."""
    with _writing:
        codes = kept_codes(store)
        people = store.find("people")
        found = [code for person in people
                 if person.get("join_token_hash") and person["join_token_hash"] not in codes
                 and (code := code_for(person, {}, secret_key))]
        held = {person.get("join_token_hash") for person in people}
        keep(store, found, forget=[h for h in codes if h not in held])
    return len(found)


# ---- In export and sync documents ----------------------------------------------------------------------

def export_part(data: Any, people: Iterable[Mapping], secret_key: Any = None) -> dict:
    """{"join_codes": [...]} with the codes of these people that this PC knows; {} if none."""
    codes = kept_codes(data)
    found = sorted({code for person in people if (code := code_for(person, codes, secret_key))})
    return {"join_codes": found} if found else {}


def sync_part(store: Any) -> dict:
    """{"join_codes": [...]} of everyone here, for every sync document (codes adopted at start included)."""
    return export_part(store, store.find("people"))


def check_part(part: Any) -> bool:
    """Whether a document's `join_codes` has the contract's shape (a list of codes)."""
    return isinstance(part, list) and len(part) <= MAX_CODES and all(
        isinstance(code, str) and CODE_TEXT.fullmatch(code) for code in part)


def learn(store: Any, part: Any) -> None:
    """After a merge: keep the document's codes that a person here now holds; forget codes nobody holds."""
    with _writing:
        held = {p["join_token_hash"] for p in store.find("people") if p.get("join_token_hash")}
        incoming = [code for code in (part or []) if hash_secret(code) in held]
        stale = [h for h in kept_codes(store) if h not in held]
        if incoming or stale:
            keep(store, incoming, forget=stale)


# ---- In merges and on the analysts' files -----------------------------------------------------------------

def join_rank(person: Mapping) -> tuple:
    """Which of two versions holds the newer link: higher version, then the later record (the same on every PC)."""
    version = person.get("join_version")
    return (version if isinstance(version, int) else -1, person.get("updated_at") or "",
            person.get("join_token_hash") or "")


def settle_join(local: dict, incoming: dict) -> tuple[dict, dict]:
    """Both versions of a person, each with the join state of the newer link: a new link made on one PC
    is neither undone by an unrelated edit made later elsewhere nor a conflict for the leader."""
    newest = max(local, incoming, key=join_rank)
    state = {name: newest[name] for name in JOIN_FIELDS if name in newest}
    return ({**without_join_fields(local), **state}, {**without_join_fields(incoming), **state})


def only_stamps_differ(a: Mapping, b: Mapping) -> bool:
    def rest(record: Mapping) -> dict:
        return {k: v for k, v in record.items() if not k.startswith("_") and k not in STAMPS}
    return rest(a) == rest(b)


def without_join_fields(record: Mapping) -> dict:
    return {key: value for key, value in record.items() if key not in JOIN_FIELDS}


def is_internal(field: str) -> bool:
    """A field the leader never reads (the conflicts page): which code is in force is not theirs to pick."""
    return field in JOIN_FIELDS
