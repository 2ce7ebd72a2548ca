"""The fixed cost of a request in-process: microseconds per request of a few answers whose
own work is small (a kept event page, /healthz, a feed's 304, the registration form),
next to a bare Flask route with a body of the same size.

Usage: .venv/bin/python bench/per_request.py [--requests 3000] [--runs 5] [--profile LABEL]

Calls the WSGI app directly with a prepared environ (werkzeug's EnvironBuilder), so the
test client's own work is not in the figures; the app is configured as under gunicorn
(not TESTING, SQLite in a temp dir, 50 published events). Reports the median over runs
of the mean CPU microseconds per request (process time: steadier than wall time on a
shared machine). --profile LABEL runs pyinstrument over that target instead.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask, Response
from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pages import fill
from eventhub import create_app

BASE = "http://127.0.0.1:8000"
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    "Accept": "text/html,application/xhtml+xml",
    "Accept-Language": "de-DE,de;q=0.9,en;q=0.5",
    "Accept-Encoding": "gzip, deflate",
}


def environ_for(path: str, headers: dict[str, str]) -> dict:
    return EnvironBuilder(path=path, base_url=BASE, headers={**BROWSER, **headers}).get_environ()


def call(app, environ: dict) -> tuple[str, list, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return lambda data: None

    body_iter = app(dict(environ), start_response)
    try:
        body = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    return answer["status"], answer["headers"], body


def per_request_us(app, environ: dict, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        call(app, environ)
    return (time.process_time() - started) / requests * 1e6


def bare_app(sizes: dict[str, int]) -> Flask:
    bare = Flask("bare")
    bodies = {name: b"x" * size for name, size in sizes.items()}

    @bare.get("/<name>")
    def constant(name: str):
        return Response(bodies[name], content_type="text/html; charset=utf-8")

    return bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="labels of the targets to time")
    parser.add_argument("--profile")
    parser.add_argument("--cprofile", help="cProfile the target, print the top by own time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/per_request.sqlite3"
        fill(create_app({"DATABASE_URL": url, "TESTING": True}), 50, 0)
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "BASE_URL": "http://127.0.0.1"}
        )
        logging.getLogger().setLevel(logging.WARNING)
        page = environ_for("/events/bench-1", {})
        status, headers, _ = call(app, page)
        feed = environ_for("/calendar.ics", {})
        status, headers, feed_body = call(app, feed)
        etag = dict(headers)["ETag"]
        targets = {
            "event-page": page,
            "healthz": environ_for("/healthz", {}),
            "feed-304": environ_for("/calendar.ics", {"If-None-Match": etag}),
            "register-form": environ_for("/events/bench-1/register", {}),
        }
        sizes = {}
        for label, environ in targets.items():
            status, _headers, body = call(app, environ)
            assert status[:3] in ("200", "304"), (label, status)
            sizes[label] = len(body)
        bare = bare_app(sizes)
        if args.cprofile:
            import cProfile
            import pstats

            environ = targets[args.cprofile]
            with cProfile.Profile() as profiler:
                for _ in range(args.requests):
                    call(app, environ)
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(70)
            return
        if args.profile:
            from pyinstrument import Profiler

            environ = targets[args.profile]
            with Profiler(interval=0.0001) as profiler:
                for _ in range(args.requests):
                    call(app, environ)
            profiler.print(show_all=True)
            return
        print(f"{'target':<15} {'bytes':>7} {'eventhub us':>12} {'min':>7} {'bare us':>8}")
        for label, environ in targets.items():
            if args.only and label not in args.only:
                continue
            bare_environ = environ_for(f"/{label}", {})
            ours = [per_request_us(app, environ, args.requests) for _ in range(args.runs)]
            base = [per_request_us(bare, bare_environ, args.requests) for _ in range(args.runs)]
            print(
                f"{label:<15} {sizes[label]:>7} {statistics.median(ours):>12.1f} {min(ours):>7.1f} "
                f"{statistics.median(base):>8.1f}"
            )


if __name__ == "__main__":
    main()
