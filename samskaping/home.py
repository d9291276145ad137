"""The start page: a participant's day at a glance, the leader's way in, or the ask-for-a-code page."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for

from .access import access
from .records import my_open_responsibilities, recent_meetings

bp = Blueprint("home", __name__)


@bp.get("/")
@access("public")
def index():
    if g.person:
        return render_template("home/participant.html",
                               mine=my_open_responsibilities(g.person["id"]),
                               meetings=recent_meetings(limit=5))
    if g.leader:
        return redirect(url_for("leader.index"))
    return render_template("auth/ask_for_code.html")
