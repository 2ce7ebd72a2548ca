"""Error pages in the user's language, JSON errors under /api/."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check your input and try again."),
        404: _("This page does not exist. It may have been moved or removed."),
        405: _("This action is not allowed here."),
        413: _("The request is too large. Please shorten your input."),
        429: _("Too many requests. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is temporarily unavailable. Please try again in a minute."),
    }


log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
# The database cannot be reached or answer (SQLAlchemy wraps psycopg's and sqlite3's
# connection errors in these), or every pooled connection is busy.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def error_response(status: int, message: str | None = None, **details):
    """The error page, or under /api/ `{"error": {"status", "message", **details}}`."""
    message = message or _messages().get(status) or _("The request could not be completed.")
    if _wants_json():
        return {"error": {"status": status, "message": message, **details}}, status
    # Nothing of the request (URL, input) is shown: it may hold a token or an address.
    return render_template(
        "errors/error.html", status=status, message=message, error_page=True
    ), status


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

    def database_unavailable(error: Exception):
        """503 with Retry-After instead of a 500 while the database is away; the
        transaction is rolled back, so nothing is half-written."""
        from eventhub.extensions import db

        log.warning("database unavailable: %s", error)
        with contextlib.suppress(Exception):  # the connection is gone: nothing to undo
            db.session.rollback()
        if "_login_user" not in g:
            g._login_user = AnonymousUserMixin()  # the page must not load the account
        body, status = error_response(503)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return error_response(500)
