"""Error pages in the user's language, JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check your input and try again."),
        404: _("This page does not exist. The event may have been moved or removed."),
        405: _("This action is not allowed here."),
        413: _("The request is too large. Please shorten your input."),
        429: _("Too many requests. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, **details):
    """The error page, or under /api/ `{"error": {"status", "message", **details}}`."""
    message = message or _messages().get(status) or _("The request could not be completed.")
    if _wants_json():
        return {"error": {"status": status, "message": message, **details}}, status
    return render_template("errors/error.html", status=status, message=message), status


def abort_with(status: int, message: str):
    """Abort with a message of our own (in the user's language) on the error page."""
    error = default_exceptions[status]()
    error.eventhub_message = message
    raise error


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400,
            _(
                "The form has expired or was sent from elsewhere. Please reload the page "
                "and submit it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        description = getattr(error, "eventhub_message", None)
        response = error_response(error.code, description)
        if error.code == 405 and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return error_response(500)
