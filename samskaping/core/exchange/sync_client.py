"""What travels between two paired laptops: pages of changed records, pulled and pushed (calls: sync_http).

Clock skew between the laptops does not matter here: a cursor is always a time on the clock of the
laptop that answered the question "what changed since T?", and it is only ever compared with that same
laptop's own clock (`updated_at` written there, or `_received_at` stamped there when a merge stored a
record). A record another laptop stamped in the future is merely sent again on later syncs until the
clocks pass it: harmless, since merging the same content twice changes nothing.
"""
from __future__ import annotations

import heapq
import json
from datetime import datetime, timedelta

from flask_babel import gettext as _

from ...store.clock import utc_now
from ...store.database import Store
from ..join_codes import sync_part as join_codes_part
from .export import FORMAT, SCHEMA_VERSION, TABLES, Filters
from .sync_http import PeerError, call, call_json

# The exported tables (contract order: schools and people first); settings, devices, audit, conflicts and
# peers stay on their own laptop and are never served or accepted.
EXCHANGED_TABLES = TABLES
PAGE_RECORDS = 2_000
PAGE_BYTES = 1_500_000  # below the app's 2 MB request limit, so the peer accepts every pushed page
# A page the peer pulls may be larger: the asker takes answers up to sync_http.MAX_ANSWER_BYTES (8 MiB); the rest
# of that is left for the page's tombstones and QR codes. Fewer pages: fewer requests, each reading every table.
SERVED_PAGE_BYTES, SERVED_PAGE_RECORDS = 6_000_000, 5_000
MAX_PAGES = 1_000  # a bound on the paging loops: 2 million records
# A merge stamps `_received_at` under the store's lock as it writes (Store.put_many); starting the next
# "since" a little earlier still costs little and covers clocks that step (resending is harmless).
CURSOR_OVERLAP = timedelta(seconds=2)


def cursor_now() -> str:
    """The `until` of a changes query starting now, on this laptop's clock."""
    return (datetime.fromisoformat(utc_now()) - CURSOR_OVERLAP).isoformat(timespec="microseconds")


def changed_at(record: dict) -> str:
    """When a record last changed on this laptop: edited here, or written here by a merge."""
    return max(record.get("updated_at") or "", record.get("_received_at") or "")


TABLE_NUMBERS = {table: f"{number:02d}" for number, table in enumerate(EXCHANGED_TABLES)}
as_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every record a page measures


def page_key(table: str, record: dict) -> str:
    # Tables are numbered so that the key sorts in the contract's table order within one moment.
    return f"{changed_at(record)}|{TABLE_NUMBERS[table]}|{record['id']}"


def seen_by(record: dict, asker: str | None) -> bool:
    """The record is, unchanged since, what `asker` sent here (merge.py marks it `_from`): it has it already."""
    return asker is not None and record.get("_from") == [asker, record.get("updated_at")]


def changes_page(store: Store, since: str, after: str = "", *,
                 asker: str | None = None) -> tuple[dict[str, list[dict]], str | None]:
    """Records changed after `since`, ordered by (time, table, id), the first page after the key `after`;
    with `asker` (an installation id), not those that laptop sent here itself and nobody changed since.

    Returns (records by table, the key to ask for the next page, or None when this was the last page)."""
    texts, next_key = changes_texts(store, since, after, asker=asker)
    return {table: [json.loads(text) for text in records] for table, records in texts.items()}, next_key


def changes_texts(store: Store, since: str, after: str = "", *, asker: str | None = None, max_bytes: int = PAGE_BYTES,
                  max_records: int | None = None) -> tuple[dict[str, list[str]], str | None]:
    """changes_page with each record as its JSON text: encoded once, to measure the page and to send it
    (document_bytes); at most `max_bytes` of them and `max_records` (else PAGE_RECORDS) records. Each table
    is read once, a slice at a time (Store.summarise: a writer waits for one slice, not for the page), and
    only the records that make the page are encoded."""
    limit = max_records or PAGE_RECORDS
    found: list[tuple[str, str, dict]] = []
    for table in EXCHANGED_TABLES:
        number = TABLE_NUMBERS[table]

        def first(records, table=table, number=number) -> list[tuple[str, str, dict]]:
            keyed = []
            for record in records:
                changed = max(record.get("updated_at") or "", record.get("_received_at") or "")
                if changed <= since:
                    continue
                key = f"{changed}|{number}|{record['id']}"
                if (not after or key > after) and not seen_by(record, asker):
                    keyed.append((key, table, record))
            # Keys are unique (table number and id), so the records themselves are never compared.
            return heapq.nsmallest(limit, keyed)
        found.extend(store.summarise(table, first))
    tables: dict[str, list[str]] = {table: [] for table in EXCHANGED_TABLES}
    size, taken, last_key = 0, 0, ""
    for key, table, record in heapq.nsmallest(limit, found):
        # The shallow copy's lists and dicts are the stored ones: only read here, by the encoder.
        text = as_json({k: v for k, v in record.items() if not k.startswith("_")})
        size += len(text.encode())
        if taken and size > max_bytes:
            return tables, last_key
        tables[table].append(text)
        taken, last_key = taken + 1, key
    # A full page may have cut a table short: ask once more (an empty last page at worst).
    return tables, (last_key if taken >= limit else None)


def document_bytes(installation: str, texts: dict[str, list[str]], **extra) -> bytes:
    """document() as UTF-8 JSON, its records spliced in as the JSON texts changes_texts made (not encoded again)."""
    head = json.dumps({key: value for key, value in document(installation, {}, **extra).items() if key != "tables"},
                      ensure_ascii=False)
    body = ",".join(f'"{table}":[{",".join(records)}]' for table, records in texts.items())
    return f'{head[:-1]},"tables":{{{body}}}}}'.encode()


def served_page(store: Store, installation: str, since: str, after: str, *, asker: str | None,
                until: str) -> tuple[bytes, int]:
    """The answer to the other laptop's "what changed since" (sync_views.changes): one page, as large as the
    asker takes (SERVED_PAGE_*), in the contract's table order, with the tombstones (so the asker never brings
    an erased person back) and the QR codes (so both PCs show the same working ones); and its record count."""
    tables, next_key = changes_texts(store, since, after, asker=asker, max_bytes=SERVED_PAGE_BYTES,
                                     max_records=SERVED_PAGE_RECORDS)
    answer = document_bytes(installation, tables, until=until, more=next_key is not None, next=next_key,
                            **erased_part(store), **join_codes_part(store))
    return answer, sum(map(len, tables.values()))


def document(installation: str, tables: dict[str, list[dict]], **extra) -> dict:
    """An export document (the exchange contract) holding just these records, plus sync fields."""
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "exported_at": utc_now(), "installation": installation,
            "filters": Filters().document(), "tables": tables, **extra}


def zero_counts() -> dict[str, int]:
    # skipped: records left out because they belong to an erased person; erased: records erased here
    # because the other laptop erased their person (see erasure.py); late: barometer answers not taken
    # because their round is already closed here (its published results must not change).
    return {"added": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "skipped": 0, "erased": 0, "late": 0}


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


def pull(store: Store, peer: dict, installation: str, deadline: float | None = None) -> tuple[dict[str, int], str]:
    """Merge the peer's changes since our cursor for it; returns (counts, the peer's new cursor).

    The cursor is the `until` of the first page (the peer's clock): anything changed on the peer while
    we were paging has a later time, so it comes again next time even if this run saw it too. The peer
    leaves out what this laptop (`installation`) sent it; what is merged here is marked as the peer's,
    so the push that follows does not send it back."""
    from .merge import ImportProblem, apply, parse_document
    totals = zero_counts()
    since, after, until = peer.get("last_pulled") or "", "", None
    for _page in range(MAX_PAGES):
        raw = call(peer["url"], peer["key"], "/sync/changes", deadline=deadline,
                   params={"since": since, "after": after, "asker": installation})
        try:
            answer = parse_document(raw, "sync.json", decoded=True)  # read and checked once, then merged as it is
        except ImportProblem as problem:
            not_an_answer = PeerError(_("The address %(url)s does not answer like a Samskaping laptop.", url=peer["url"]))
            try:
                if not isinstance(json.loads(raw), dict):
                    raise not_an_answer from None
            except (ValueError, RecursionError):
                raise not_an_answer from None
            raise PeerError(_("The other laptop sent something this laptop cannot merge: %(problem)s",
                              problem=str(problem))) from None
        if answer.get("installation") != peer["installation"]:
            raise PeerError(_("Another laptop answers at %(url)s now, not the one paired here. Pair again if "
                              "that is right.", url=peer["url"]))
        until = until or answer.get("until")
        if answer.get("format") != FORMAT or not isinstance(until, str) or not is_time(until):
            raise PeerError(_("The address %(url)s does not answer like a Samskaping laptop.", url=peer["url"]))
        try:
            add_up(totals, summary_of(apply(store, answer, source=f"sync:{peer['installation']}",
                                            origin=peer["installation"], checked=True)))
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
        texts, after = changes_texts(store, since, after or "", asker=peer["installation"])
        if any(texts.values()):
            answer, _raw = call_json(peer["url"], peer["key"], "/sync/receive",
                                     body=document_bytes(installation, texts, **erased_part(store),
                                                         **join_codes_part(store)),
                                     deadline=deadline)
            if answer.get("status") != "ok":
                raise PeerError(_("The other laptop did not take the changes. Try again later."))
            add_up(totals, answer.get("counts"))
        if after is None:
            return totals, until
    raise PeerError(_("There is more to send than this laptop sends at once."))


def erased_part(store: Store) -> dict:
    """{"erased": tombstones} for a document, always the full list (it is small); {} if nobody was erased."""
    from ..erasure.erase import export_part
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
