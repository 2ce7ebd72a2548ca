"""Requests per second of the public pages and feeds under load, against a bare route.

Usage: .venv/bin/python bench/load.py [--events 1000] [--seconds 12] [--connections 8]
                                      [--rounds 3] [--database URL] [--only LABEL ...]

Builds a database with 1,000 published events (SQLite in a temp dir unless --database
names a scratch database, whose eventhub tables are dropped and recreated), starts
eventhub under gunicorn as in production (`-k gthread`, 2 workers x 4 threads) on
loopback, fetches each target once to learn its body size, then starts a bare Flask app
(bench/bare.py) under the same gunicorn settings that answers a constant body of exactly
that size. wrk (Debian package `wrk`) then loads each pair in turn with the same
threads, connections and duration; the ratio eventhub / bare is the share of the bare
route's throughput eventhub keeps.

Aims (issue 17): the event page and the catalogue at least 0.4x, the feed at least 0.5x.
The pages are answered from the page cache (eventhub/page_cache.py) for anonymous
visitors; catalogue-filtered is a filter like any visitor's, kept the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import fill  # noqa: E402
from eventhub import create_app  # noqa: E402

# (label, path, extra wrk headers). The 304 line is what subscribed calendars mostly send.
TARGETS = [
    ("feed", "/calendar.ics", []),
    ("feed-filtered", "/calendar.ics?region=Sachsen&format=workshop", []),
    ("feed-304", "/calendar.ics", ["If-None-Match: {etag}"]),
    ("catalogue", "/events/", []),
    ("catalogue-filtered", "/events/?q=workshop&region=Ruhrgebiet", []),
    ("event-page", "/events/bench-1", []),
]
# The production server settings (deploy/gunicorn.conf.py holds the same).
# The production settings (2 gthread workers x 4 threads, JSON access log) for both sides.
GUNICORN_SETTINGS = ["--config", "deploy/gunicorn.conf.py"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            str(Path(sys.executable).with_name("gunicorn")),
            *GUNICORN_SETTINGS,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stderr=subprocess.DEVNULL,  # the access log: written (same cost both sides), not shown
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn {target} did not start")


def fetch(url: str) -> tuple[bytes, str, str]:
    with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback only
        return (
            response.read(),
            response.headers.get("Content-Type", ""),
            response.headers.get("ETag", ""),
        )


def wrk(url: str, headers: list[str], seconds: float, connections: int) -> tuple[float, float]:
    """Requests per second and median latency (ms) reported by wrk."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(  # noqa: S603 - wrk on a loopback URL we built
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[median.group(2)]
    return rps, float(median.group(1)) * scale


def _combined(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Requests per second over equal slices (their mean) and the median of their p50s."""
    rates = [r[0] for r in runs]
    medians = sorted(r[1] for r in runs)
    return sum(rates) / len(rates), medians[len(medians) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=12, help="per side, over all rounds")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database")
    parser.add_argument("--only", nargs="*", help="labels of the targets to load")
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices per side")
    args = parser.parse_args()
    slice_s, conns = max(1, round(args.seconds / args.rounds)), args.connections
    targets = [t for t in TARGETS if not args.only or t[0] in args.only]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/load.sqlite3"
        fill(create_app({"DATABASE_URL": url, "TESTING": True}), args.events, 0)
        env = {
            "EVENTHUB_DATABASE_URL": url,
            "EVENTHUB_SECRET_KEY": "bench",
            "EVENTHUB_BASE_URL": "http://127.0.0.1",
        }
        app_port, bare_port = free_port(), free_port()
        eventhub = start_gunicorn("app:app", app_port, env)
        try:
            bodies, etags = {}, {}
            for label, path, _headers in TARGETS:
                if label == "feed-304":
                    continue
                body, content_type, etag = fetch(f"http://127.0.0.1:{app_port}{path}")
                bodies[label] = (len(body), content_type)
                etags[label] = etag
            bodies["feed-304"] = (0, bodies["feed"][1])
            bare = start_gunicorn("bench.bare:app", bare_port, {"BARE_BODIES": json.dumps(bodies)})
            try:
                print(
                    f"{args.events} published events, {url.split(':')[0]}, gunicorn "
                    f"{' '.join(GUNICORN_SETTINGS)}, "
                    f"wrk -t2 -c{args.connections}, {args.rounds} alternating slices of "
                    f"{slice_s:g}s per side on loopback"
                )
                print(
                    f"{'target':<20} {'body KiB':>9} {'eventhub req/s':>15} {'p50 ms':>7} "
                    f"{'bare req/s':>11} {'p50 ms':>7} {'ratio':>6}"
                )
                for label, path, headers in targets:
                    headers = [h.format(etag=etags["feed"]) for h in headers]
                    # Alternating slices, so a change in the machine's other load hits
                    # both sides alike (it is shared with other work).
                    slices = [
                        (
                            wrk(f"http://127.0.0.1:{app_port}{path}", headers, slice_s, conns),
                            wrk(f"http://127.0.0.1:{bare_port}/{label}", [], slice_s, conns),
                        )
                        for _ in range(args.rounds)
                    ]
                    real = _combined([s[0] for s in slices])
                    base = _combined([s[1] for s in slices])
                    print(
                        f"{label:<20} {bodies[label][0] / 1024:>9.1f} {real[0]:>15.0f} "
                        f"{real[1]:>7.2f} {base[0]:>11.0f} {base[1]:>7.2f} "
                        f"{real[0] / base[0]:>6.2f}"
                    )
            finally:
                bare.terminate()
                bare.wait()
        finally:
            eventhub.terminate()
            eventhub.wait()


if __name__ == "__main__":
    main()
