"""Error pages in the user's language: a clear message, never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (_l("Something in the request was wrong"), _l("Go back, reload the page and try again.")),
    403: (_l("Not for you"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("The page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This address cannot be used like that.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    500: (_l("Something went wrong"), _l("The error is logged on the laptop. What you sent may not be saved: try again.")),
}
CSRF_MESSAGE = (_l("The form has expired"), _l("Reload the page and send the form again. Nothing was saved."))


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
