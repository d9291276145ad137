"""Language and date formatting: Norwegian bokmål first, English available."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Flask, has_request_context, redirect, request, url_for
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext as _

from ..store.clock import local_day
from .access import access

LANGUAGES = ("nb", "en")
LANG_COOKIE = "samskaping_lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The language switch wins; then the browser's languages (no/nn count as bokmål); then bokmål
    (also outside a request: the command line speaks bokmål)."""
    if not has_request_context():
        return "nb"
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["nb", "no", "nn", "en"], default="nb")
    return "en" if best == "en" else "nb"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "moment")
    app.register_blueprint(bp)

    @app.context_processor
    def language_context():
        return {"current_language": str(get_locale()), "languages": LANGUAGES, "client_text": client_text}


def format_day(value: str | date | None) -> str:
    """dd.mm.yyyy in Norwegian, e.g. 28 Nov 2026 in English; ISO strings from the store are accepted."""
    if not value:
        return ""
    if isinstance(value, str):
        # A stored timestamp (UTC) is shown as its Norwegian day, like format_moment; a plain day as it is.
        value = local_day(datetime.fromisoformat(value)) if len(value) > 10 else date.fromisoformat(value)
    return format_date(value, "dd.MM.yyyy" if str(get_locale()) == "nb" else "d MMM yyyy")


def format_moment(value: str | datetime | None, clock_word: bool = True) -> str:
    """A stored timestamp as local date and time ("07.12.2026 kl. 13:15"; without "kl." in a list's column)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    pattern = ("dd.MM.yyyy 'kl.' HH:mm" if clock_word else "dd.MM.yyyy HH:mm") if str(get_locale()) == "nb" \
        else "d MMM yyyy, HH:mm"
    return format_datetime(value, pattern)


@bp.get("/language/<code>")
@access("public")
def switch_language(code: str):
    """Remember the chosen language for a year and go back to where the user was."""
    back = request.args.get("next", "")
    # Only a local path: never an open redirect.
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("home.index")
    response = redirect(back, code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response





def client_text() -> dict[str, str]:
    """The words the phone's own script shows (outbox, drafts), in the page's language."""
    return {
        "queued": _("Saved on this phone. It will be sent by itself when the laptop can be reached."),
        "sending": _("Sending…"),
        "sent": _("Sent."),
        "refused": _("Not accepted by the server: see the messages below, correct and send again."),
        "nothingQueued": _("Everything is sent"),
        "waiting": _("%(count)s waiting to be sent"),
        "needsAttention": _("%(count)s need your attention"),
        "offline": _("No connection"),
        "kind.meeting": _("Meeting notes"),
        "kind.feedback": _("Feedback"),
        "kind.followup": _("Follow-up"),
        "kind.charter_acceptance": _("Acceptance of the charter"),
        "kind.charter_question": _("Question about the charter"),
        "kind.barometer": _("3F check"),
        "kind.plan": _("Planned meeting"),
        "state.queued": _("Waiting to be sent"),
        "state.refused": _("Not accepted"),
        "savedAt": _("Saved on the phone %(when)s"),
        "lastTry": _("last attempt %(when)s"),
        "correct": _("Correct and send again"),
        "delete": _("Delete"),
        "confirmDelete": _("Delete this for good? It has not been sent, and it cannot be undone."),
        "draftRestored": _("Your unfinished text was restored."),
        "required": _("Fill this in."),
        "fixThis": _("Some fields need fixing: fix what is marked, then save. Nothing is saved yet."),
        "state.fix": _("Needs fixing"),
        "kind.meeting_correction": _("Correction of meeting notes"),
        "kind.feedback_correction": _("Correction of feedback"),
        "needsLaptop": _("This needs a connection to the project leader's laptop. Without one you can still record "
                         "meetings, give feedback and follow up your tasks on the home page."),
        "allArrived": _("Sent. Everything you saved on this phone has reached the laptop."),
        "noConnection": _("No connection: the phone has no network now. What waits is sent by itself when the "
                          "laptop can be reached."),
        "laptopNotAnswering": _("The laptop does not answer. What waits is sent by itself as soon as it does."),
    }
