"""Log lines as one JSON object each (python-json-logger), with the id of the request they
belong to.

Every request gets an id: a sane `X-Request-ID` from the proxy (or a client), else a new
one. It is on every log line made while the request runs (`request_id`) and goes back in
the response's `X-Request-ID` header, so a user's report, the proxy's log, gunicorn's
access line and the app's lines meet. The format: EVENTHUB_LOG_FORMAT `json` (the default)
or `text` (the default in debug mode); the level: EVENTHUB_LOG_LEVEL (INFO). Redaction of
addresses and tokens (eventhub.log_redaction) happens before this formatting; the JSON
formatter redacts the traceback it formats itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
from contextvars import ContextVar

import click
from flask import Flask
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

from eventhub.log_redaction import API_KEY, redact

HEADER = "X-Request-ID"
_ENVIRON_HEADER = "HTTP_X_REQUEST_ID"
# What we take from outside: letters, digits and . _ : - (UUIDs, nginx's $request_id, most
# tracing ids), at most 128 characters; nothing that could carry an address, a path or a
# line break into the logs. Anything else: we make our own.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Fields of gunicorn's access lines (eventhub.gunicorn_logging) that go into the JSON.
ACCESS_FIELDS = (
    "remote_addr",
    "method",
    "path",
    "status",
    "bytes",
    "duration_ms",
    "referrer",
    "user_agent",
)

_request_id: ContextVar[str | None] = ContextVar("eventhub_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled in this thread, if any."""
    return _request_id.get()


def request_id_for(given: str | None) -> str:
    """The id a request goes by: the one it brought, if sane, else a new one (32 hex
    digits). The characters allowed leave an API key the only secret the log redaction
    would find in it."""
    if given and SANE_REQUEST_ID.fullmatch(given) and not API_KEY.search(given):
        return given
    return os.urandom(16).hex()


class RequestIds:
    """WSGI middleware: the request's id for its log lines and its response header."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = request_id_for(environ.get(_ENVIRON_HEADER))
        environ["eventhub.request_id"] = request_id
        reset = _request_id.set(request_id)

        def starting(status, headers, exc_info=None):
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, starting)
        finally:
            _request_id.reset(reset)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on a record (`-` outside requests), unless the record
    brings its own (gunicorn's access line, made after the request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or "-"
        return True


class JsonLines(JsonFormatter):
    """`{"time", "level", "logger", "message", "request_id", "exc_info"?, ...}` per line."""

    def add_fields(self, log_data, record: logging.LogRecord, message_dict) -> None:
        log_data["time"] = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        request_id = getattr(record, "request_id", None)
        if request_id and request_id != "-":
            log_data["request_id"] = request_id
        for name in ACCESS_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                log_data[name] = value
        log_data.update(message_dict)  # exc_info, stack_info

    def formatException(self, ei) -> str:
        # The record's traceback text is redacted already; this formatter makes its own.
        return redact(super().formatException(ei))


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonLines()
    return logging.Formatter(TEXT_FORMAT)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (the CLI runner's, pytest's
    capture, the real one), not the stream of the moment it was made."""

    eventhub = True  # marks the one handler eventhub puts on the root logger

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def stderr_handler(kind: str | None = None) -> logging.Handler:
    """The handler for logging configurations (gunicorn's logconfig_dict): format from
    EVENTHUB_LOG_FORMAT (json unless it says text)."""
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())
    chosen = kind or os.environ.get("EVENTHUB_LOG_FORMAT", "json").lower()
    handler.setFormatter(formatter(chosen if chosen in FORMATS else "json"))
    return handler


def log_format(app: Flask) -> str:
    kind = str(app.config.get("LOG_FORMAT") or ("text" if app.debug else "json")).lower()
    if kind not in FORMATS:
        raise ValueError(f"EVENTHUB_LOG_FORMAT must be json or text, not {kind!r}")
    return kind


def _default_level() -> str:
    """INFO for the web server; WARNING inside a `flask` command, which prints its own
    summary (its INFO lines would repeat it; set EVENTHUB_LOG_LEVEL=INFO to have them,
    as the mail worker's unit does)."""
    return "WARNING" if click.get_current_context(silent=True) is not None else "INFO"


def configure_logging(app: Flask) -> None:
    """One handler on the root logger (stderr) in the configured format, the level at
    least as verbose as EVENTHUB_LOG_LEVEL. First thing in create_app: its own warnings
    are lines like all others."""
    kind = log_format(app)
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL") or _default_level()).upper())
    if not isinstance(level, int):
        raise ValueError(f"EVENTHUB_LOG_LEVEL is no log level: {app.config.get('LOG_LEVEL')!r}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "eventhub", False)), None)
    if handler is None:  # gunicorn's logconfig_dict (gunicorn_logging) may have put it there
        handler = stderr_handler(kind)
        root.addHandler(handler)
    handler.setFormatter(formatter(kind))
    handler.setLevel(level)
    if root.getEffectiveLevel() > level and not app.testing:  # (pytest sets it in tests)
        root.setLevel(level)
    # Flask's own handler on app.logger would write its lines a second time.
    app.logger.removeHandler(default_handler)


def init_app(app: Flask) -> None:
    """Every request gets its id (log lines, response header)."""
    app.wsgi_app = RequestIds(app.wsgi_app)
