"""Error pages in the user's language: a clear message, never a stack trace."""
from __future__ import annotations

import errno

from flask import Flask, jsonify, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..store.refusals import NO_SPACE
from .outbox import is_outbox_delivery

MESSAGES = {
    400: (_l("Something in the request was wrong"), _l("Go back, reload the page and try again.")),
    403: (_l("Not for you"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("The page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This address cannot be used like that.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    500: (_l("Something went wrong"), _l("The error is logged on the laptop. What you sent may not be saved: try again.")),
}
CSRF_MESSAGE = (_l("The form has expired"), _l("Reload the page and send the form again. Nothing was saved."))

# A write the disk refused (full, or read-only: a removed USB stick) stored nothing: 503, so that a phone's
# outbox keeps the entry queued and sends it again by itself, with the reason to show meanwhile.
DISK_FULL = (_l("Not saved: the laptop's disk is full"),
             _l("What you sent was not saved. The project leader must free some space on the laptop; then send "
                "it again."),
             _l("Not saved yet: the laptop's disk is full. It stays on this phone and is sent again by itself."))
DISK_READ_ONLY = (_l("Not saved: the laptop cannot write to its data folder"),
                  _l("What you sent was not saved. The project leader must check the laptop's data folder (a "
                     "write-protected disk, a removed USB stick); then send it again."),
                  _l("Not saved yet: the laptop cannot write to its data folder. It stays on this phone and is "
                     "sent again by itself."))
WRITE_ERRORS = {**dict.fromkeys(NO_SPACE, DISK_FULL), errno.EROFS: DISK_READ_ONLY}

def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, CSRFError):
            title, message = CSRF_MESSAGE
        else:
            title, message = MESSAGES.get(error.code, MESSAGES[400])
        return render_template("errors/error.html", title=title, message=message), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unexpected error")
        title, message = MESSAGES[500]
        return render_template("errors/error.html", title=title, message=message), 500

    @app.errorhandler(OSError)
    def write_refused(error: OSError):
        if error.errno not in WRITE_ERRORS:
            return unexpected_error(error)
        # The store has undone the write in memory and on disk; the server stays up and takes the
        # next write as soon as there is room again.
        app.logger.error("A write was refused by the disk: %s", error)
        title, message, outbox_message = WRITE_ERRORS[error.errno]
        if is_outbox_delivery():
            return jsonify(status="error", message=str(outbox_message)), 503
        return render_template("errors/error.html", title=title, message=message), 503
