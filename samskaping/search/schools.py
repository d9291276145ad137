"""One school at a glance, for a principal or a teacher there: its open responsibilities (overdue first), its
meetings (newest first, a page at a time) and its next planned meeting."""
from __future__ import annotations

from operator import itemgetter

from flask import Blueprint, render_template, request

from ..planning.records import next_plan_at
from ..web.access import access
from ..web.db import get_store
from ..web.lookups import open_responsibilities
from ..web.pages import get_or_404

bp = Blueprint("schools", __name__, url_prefix="/schools")
PAGE_SIZE = 20   # meetings per page
OPEN_SHOWN = 30  # open responsibilities shown before "show all"
_meeting_order = itemgetter("date", "created_at")


@bp.get("/<school_id>")
@access("member")
def detail(school_id: str):
    school = get_or_404("schools", school_id)
    page = min(max(request.args.get("page", type=int, default=1), 1), 10_000)
    meetings = get_store().select("meetings", lambda m: m.get("school") == school_id, order_by=_meeting_order,
                                  reverse=True, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    # By due date: the overdue ones (the earliest dates) come first, those without a date last.
    open_ones = open_responsibilities(school_id)
    all_open = request.args.get("open") == "all"
    return render_template("schools/detail.html", school=school, meetings=meetings[:PAGE_SIZE], page=page,
                           more=len(meetings) > PAGE_SIZE, open_ones=open_ones if all_open else open_ones[:OPEN_SHOWN],
                           open_count=len(open_ones), next_plan=next_plan_at(school_id))
