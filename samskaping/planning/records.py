"""Planned meetings as the other pages read them: who is invited to what next, the agenda a school's open
responsibilities suggest, a meeting form started from a plan, and a plan marked as met once its minutes exist."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from ..store.clock import local_today
from ..web.db import get_store
from ..web.i18n import format_day
from ..web.lookups import open_responsibilities, people_by_id

# A plan without minutes stays on the invited people's day page this long after its day: the minutes of
# Tuesday's meeting are often written on Thursday.
MINUTES_GRACE_DAYS = 14
DAY_PAGE_PLANS = 5


def _order(plan: dict) -> tuple[str, str]:
    return plan.get("date") or "", plan.get("time") or ""


def awaiting(plan: dict, today: date) -> bool:
    """Ahead, or recent and still without minutes."""
    day = plan.get("date") or ""
    if day >= today.isoformat():
        return True
    return not plan.get("meeting") and day >= (today - timedelta(days=MINUTES_GRACE_DAYS)).isoformat()


def plans_for(person_id: str, limit: int = DAY_PAGE_PLANS) -> list[dict]:
    """The plans she is invited to that are ahead or wait for their minutes, soonest first (the day page)."""
    today = local_today()
    return get_store().select(
        "plans", lambda p: person_id in (p.get("invited") or []) and not p.get("meeting") and awaiting(p, today),
        order_by=_order, limit=limit)


def next_plan(plans: list[dict]) -> dict | None:
    """The first of them on today or later: "Next meeting: Tuesday 14.01, <school>"."""
    today = local_today().isoformat()
    return next((p for p in plans if (p.get("date") or "") >= today), None)


def next_plan_at(school_id: str) -> dict | None:
    """The school's next planned meeting without minutes, from today on (the school's page)."""
    today = local_today().isoformat()
    found = get_store().select("plans", lambda p: p.get("school") == school_id and not p.get("meeting")
                               and (p.get("date") or "") >= today, order_by=_order, limit=1)
    return found[0] if found else None


def upcoming_plans(days: int | None = None) -> list[dict]:
    """Every plan ahead or awaiting minutes (the plans page), or those of the next `days` days (the dashboard)."""
    today = local_today()
    if days is None:
        return get_store().select("plans", lambda p: awaiting(p, today), order_by=_order)
    first, last = today.isoformat(), (today + timedelta(days=days)).isoformat()
    return get_store().select("plans", lambda p: first <= (p.get("date") or "") <= last, order_by=_order)


def suggested_agenda(school_id: str | None) -> str:
    """The seed's "oppfølging av planer": the school's open responsibilities, one line each, by due date
    (the overdue ones first, and marked), for the writer to reorder or trim as she likes."""
    if not school_id:
        return ""
    people = people_by_id()
    today = local_today().isoformat()
    lines = []
    for r in open_responsibilities(school_id):
        owner = people.get(r.get("owner") or "")
        who = owner["name"] if owner else _("Erased person")
        if not r.get("due"):
            lines.append(_("– %(what)s (%(owner)s)", what=r.get("what", ""), owner=who))
        elif r["due"] < today:
            lines.append(_("– %(what)s (%(owner)s, due %(date)s, overdue)", what=r.get("what", ""), owner=who,
                           date=format_day(r["due"])))
        else:
            lines.append(_("– %(what)s (%(owner)s, due %(date)s)", what=r.get("what", ""), owner=who,
                           date=format_day(r["due"])))
    return "\n".join([_("Follow-up of plans:"), *lines]) if lines else ""


def fill_meeting_from_plan(form, plan_id: str | None) -> dict | None:
    """A meeting form started from a plan: its day, school, type, the invited as attendees and its agenda, and
    the plan's id (a hidden field), so the plan is marked once the minutes are saved. The follow-up rows are
    the school's open responsibilities, as for any meeting of that school. An unknown plan leaves the form."""
    plan = get_store().get("plans", plan_id) if plan_id else None
    if plan is None:
        return None
    form.plan.data = plan["id"]
    form.date.data = date.fromisoformat(plan["date"])
    form.school.data = plan.get("school") or form.school.data
    if plan.get("type"):
        form.type.data = plan["type"]
    form.attendees.data = list(plan.get("invited") or [])
    form.agenda.data = plan.get("agenda") or ""
    return plan


def mark_met(plan_id: str | None, meeting: dict, *, author: str | None, device: str | None) -> None:
    """The minutes of a planned meeting are written: the plan points to them (the first minutes only)."""
    if not plan_id:
        return
    store = get_store()
    plan = store.get("plans", plan_id)
    if plan is not None and not plan.get("meeting"):
        store.update("plans", plan_id, {"meeting": meeting["id"]}, author=author, device=device)
