"""Work that runs after the response has been sent (when the server closes it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import after_this_request, current_app

log = logging.getLogger(__name__)


def after_response(func: Callable[..., object], *args, **kwargs) -> None:
    """Run func(*args, **kwargs) in an app context once this request's response is sent.

    For work whose duration must not show in the response time (whether an account
    exists must not be told by how long the answer takes). Errors are logged, never
    raised: the answer is gone by then.
    """
    app = current_app._get_current_object()

    @after_this_request
    def attach(response):
        def run() -> None:
            with app.app_context():
                try:
                    func(*args, **kwargs)
                except Exception:
                    log.exception("deferred %s failed", getattr(func, "__name__", func))

        response.call_on_close(run)
        return response
