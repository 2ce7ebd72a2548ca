"""gunicorn's own lines in the app's format: for gunicorn.conf.py,
`logconfig_dict = eventhub.gunicorn_logging.logconfig_dict()` and
`logger_class = "eventhub.gunicorn_logging.JsonAccessLogger"` give one JSON object per
access line (method, redacted path, status, bytes, duration, request id ...) and per error
line, on stderr, like the app's (eventhub.request_log)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from eventhub.log_redaction import redact
from eventhub.request_log import HEADER


def logconfig_dict() -> dict:
    """One handler (eventhub.request_log.stderr_handler) for the root logger and
    gunicorn's error and access loggers; the app keeps it when it starts (create_app)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["eventhub"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["eventhub"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["eventhub"], "propagate": False},
        },
        "handlers": {"eventhub": {"()": "eventhub.request_log.stderr_handler"}},
        "formatters": {},
    }


class JsonAccessLogger(Logger):
    """gunicorn's logger with access lines as fields instead of one formatted string;
    path, referrer and user agent redacted (eventhub.log_redaction)."""

    def access(self, resp, req, environ, request_time) -> None:
        if not getattr(self, "access_log_enabled", True):
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        request_id = next(
            (value for name, value in resp.headers if name.lower() == HEADER.lower()), None
        )
        method = environ.get("REQUEST_METHOD", "-")
        path = redact(environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
        fields = {
            "remote_addr": environ.get("REMOTE_ADDR", "-"),
            "method": method,
            "path": path,
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "referrer": redact(environ.get("HTTP_REFERER", "")) or None,
            "user_agent": redact(environ.get("HTTP_USER_AGENT", "")) or None,
            "request_id": request_id,
        }
        try:
            self.access_log.info("%s %s %s", method, path, status, extra=fields)
        except Exception:
            self.exception("could not write an access line")
