"""What metrics and request ids cost a request, and what a JSON access line costs.

Usage: .venv/bin/python bench/observability.py [--requests 20000] [--rounds 5]

In-process, no network: a bare Flask app with one route returning a constant body is
called through WSGI directly, once as it is and once wrapped the way create_app wraps
eventhub (eventhub.metrics.RequestMetrics: counter and latency histogram by endpoint;
eventhub.request_log.RequestIds: the id, its contextvar and response header). The same in
prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, values in mmap'ed files),
in a child process. Then gunicorn's access line: its default logger against
eventhub.gunicorn_logging.JsonAccessLogger (redacted fields, one JSON object), both
written to /dev/null. Reports the best round's microseconds per request and the difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_of(variants: dict, call, requests: int, rounds: int) -> dict[str, float]:
    """CPU microseconds per call, the best round of each variant; rounds interleaved, so
    the other processes on the machine weigh on all variants alike."""
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(rounds):
        for name, subject in variants.items():
            started = time.process_time()
            for _ in range(requests):
                call(subject)
            best[name] = min(best[name], (time.process_time() - started) / requests * 1e6)
    return best


def wsgi_figures(requests: int, rounds: int) -> dict[str, float]:
    from flask import Flask
    from werkzeug.test import EnvironBuilder

    from eventhub.metrics import RequestMetrics
    from eventhub.request_log import RequestIds

    app = Flask(__name__)

    @app.get("/events/<slug>")
    def page(slug):
        return b"x" * 6700

    environ = EnvironBuilder(path="/events/fachtag", headers={"Host": "localhost"}).get_environ()
    with app.test_request_context("/events/fachtag"):
        from flask import request

        matched = request._get_current_object()

    def constant(environ, start_response):
        """The least a WSGI app can do, with the request Flask would have matched."""
        environ["werkzeug.request"] = matched
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"x"]

    def start_response(status, headers, exc_info=None):
        return None

    def call(wsgi_app):
        body = wsgi_app(dict(environ), start_response)
        getattr(body, "close", lambda: None)()

    variants = {
        "flask": app.wsgi_app,
        "bare": constant,
        "observed": RequestIds(RequestMetrics(constant)),
    }
    call(variants["observed"])  # the label children are made once
    return best_of(variants, call, requests, rounds)


def access_line_figures(requests: int, rounds: int) -> dict[str, float]:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from eventhub.gunicorn_logging import JsonAccessLogger, logconfig_dict

    class Response:
        status = "200 OK"
        headers = [("Content-Type", "text/html"), ("X-Request-ID", "0123456789abcdef" * 2)]
        sent = 6700

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/events/fachtag-bottrop-2027?lang=de",
        "PATH_INFO": "/events/fachtag-bottrop-2027",
        "QUERY_STRING": "lang=de",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": "https://eventhub.example/events/",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    }

    class Request:
        headers = [("HOST", "eventhub.example"), ("USER-AGENT", environ["HTTP_USER_AGENT"])]

    took = dt.timedelta(microseconds=12345)
    # As in production, every record is redacted when made (the app's URL map says how).
    from eventhub import create_app

    create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": "sqlite://"})
    loggers = {}
    with open(os.devnull, "w") as devnull:
        streams = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = devnull  # gunicorn's handler takes stdout when made
        try:
            for name, logger_class, logconfig in (
                ("plain", Logger, None),
                ("json", JsonAccessLogger, logconfig_dict()),
            ):
                cfg = Config()
                cfg.set("accesslog", "-")
                if logconfig:
                    cfg.set("logconfig_dict", logconfig)
                loggers[name] = logger_class(cfg)
            # The JSON one configured gunicorn.access anew: the plain one gets a logger of
            # its own, as gunicorn would have set it up.
            plain = logging.getLogger("bench.plain_access")
            plain.propagate = False
            plain.setLevel(logging.INFO)
            plain.addHandler(logging.StreamHandler(devnull))
            loggers["plain"].access_log = plain
            return best_of(
                loggers,
                lambda logger: logger.access(Response, Request, environ, took),
                requests,
                rounds,
            )
        finally:
            sys.stdout, sys.stderr = streams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print this process's figures")
    args = parser.parse_args()
    if args.json:  # the child: the WSGI figures in this process's mode
        print(json.dumps(wsgi_figures(args.requests, args.rounds)))
        return
    here = wsgi_figures(args.requests, args.rounds)
    with tempfile.TemporaryDirectory() as directory:
        child = subprocess.run(  # noqa: S603 - this script, with its own arguments
            [sys.executable, __file__, "--json", f"--requests={args.requests}"]
            + [f"--rounds={args.rounds}"],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory},
            capture_output=True,
            text=True,
            check=True,
        )
    multi = json.loads(child.stdout)
    access = access_line_figures(args.requests, args.rounds)
    print(f"load average: {os.getloadavg()[0]:.2f}; CPU µs per request, best of {args.rounds}")
    for label, figures in (("one process", here), ("multiprocess mode", multi)):
        added = figures["observed"] - figures["bare"]
        print(
            f"{label:18} metrics + request id add {added:5.1f} µs "
            f"({figures['bare']:.1f} -> {figures['observed']:.1f} around a constant WSGI app); "
            f"a bare Flask route takes {figures['flask']:.1f} µs"
        )
    added = access["json"] - access["plain"]
    print(
        f"gunicorn access line: plain {access['plain']:.1f} µs, JSON {access['json']:.1f} µs "
        f"(+{added:.1f} µs)"
    )


if __name__ == "__main__":
    main()
