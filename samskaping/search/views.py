"""Find things: one search over meetings, responsibilities, follow-ups, feedback and schools, grouped by kind.

Every member may search; what is found is what the reader may open anyway: meetings, responsibilities and
follow-ups are read by every member, feedback only by its recipient, its giver and the leader (index.find).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from ..core.text_search import MAX_QUERY, excerpt, fold, query_words
from ..web.access import access
from ..web.db import get_store
from ..web.lookups import responsibilities_by_id
from ..web.pages import render_page_or_partial
from .index import KINDS, find, warm_up

bp = Blueprint("search", __name__)
PER_KIND = 5     # hits per kind on the first page of a search; the rest behind "Show more"
PAGE_SIZE = 20   # hits per page of one kind
TITLES = {"schools": _l("Schools"), "meetings": _l("Meetings"), "responsibilities": _l("Responsibilities"),
          "followups": _l("Follow-ups"), "feedback": _l("Feedback")}


@bp.before_app_request
def make_the_index_in_advance() -> None:
    warm_up(current_app._get_current_object())  # once per app (index.warm_up)


@bp.get("/search")
@access("member")
def index():
    """The search page; with `q`, its results (an htmx request from the search field gets only those)."""
    query = request.args.get("q")
    kind = request.args.get("kind", "")
    if kind and kind not in KINDS:
        abort(404)
    page = min(max(request.args.get("page", type=int, default=1), 1), 10_000)
    context = {"q": query or "", "kind": kind, "groups": [], "message": None,
               "max_query": MAX_QUERY}
    status = 200
    if query is not None and len(query) > MAX_QUERY:
        context["message"], status = _("Search for at most %(count)d characters.", count=MAX_QUERY), 400
    elif query is not None:
        words = query_words(query)
        if words:
            context["groups"] = groups(words, query, kind, page)
        else:
            context["message"], status = _("Write a word to search for."), 400
    return render_page_or_partial("search/index.html", "search/_results.html", "search-results", **context), status


def groups(words: list[str], query: str, kind: str, page: int) -> list[dict]:
    """The hits of each kind (or of `kind` alone, a page of them), with their count and the way to more."""
    reader = None if g.leader else g.person["id"]
    found = []
    for name in ([kind] if kind else KINDS):
        limit = PAGE_SIZE if kind else PER_KIND
        hits = find(name, words, reader=reader, offset=(page - 1) * PAGE_SIZE if kind else 0, limit=limit)
        if not hits.count:
            continue
        shown = (page - 1) * PAGE_SIZE + len(hits.ids) if kind else len(hits.ids)
        found.append({
            "kind": name, "title": TITLES[name], "count": hits.count, "hits": described(name, hits.ids, words),
            "more_url": None if kind or hits.count <= PER_KIND else url_for("search.index", q=query, kind=name),
            "next_url": url_for("search.index", q=query, kind=name, page=page + 1) if kind and shown < hits.count else None,
            "previous_url": url_for("search.index", q=query, kind=name, page=page - 1) if kind and page > 1 else None,
        })
    return found


def described(kind: str, ids: list[str], words: list[str]) -> list[dict]:
    """Each found record with its link and the excerpt around the hit (plain text parts: the page escapes them)."""
    table, fields, _order = KINDS[kind]
    store = get_store()
    records = [record for record in (store.get(table, record_id) for record_id in ids) if record is not None]
    about = responsibilities_by_id(r.get("responsibility") for r in records) if kind == "followups" else {}
    return [{"record": record, "parts": excerpt(best_text(record, fields, words), words),
             "url": link(kind, record), "about": about.get(record.get("responsibility"))} for record in records]


def best_text(record: dict, fields: tuple[str, ...], words: list[str]) -> str:
    """The first field with a hit (the one the excerpt is cut from); else the first that has text."""
    texts = [value for value in map(record.get, fields) if isinstance(value, str) and value]
    for text in texts:
        folded = fold(text)
        if any(word in folded for word in words):
            return text
    return texts[0] if texts else ""


def link(kind: str, record: dict) -> str:
    if kind == "schools":
        return url_for("schools.detail", school_id=record["id"])
    if kind == "meetings":
        return url_for("meetings.detail", meeting_id=record["id"])
    if kind == "responsibilities":
        return url_for("responsibilities.detail", responsibility_id=record["id"])
    if kind == "followups":  # a follow-up is read in its responsibility's log
        return url_for("responsibilities.detail", responsibility_id=record["responsibility"])
    return url_for("feedback.detail", feedback_id=record["id"])
