"""Registrations per second under load (GET form + POST), against a bare INSERT route.

Usage: .venv/bin/python bench/registration.py [--seconds 20] [--clients 16]
       [--capacity 100] [--database URL] [--redis URL]

Builds a fresh database (SQLite in a temp dir unless --database names a scratch
database, whose eventhub tables are dropped and recreated) with one published event of
large capacity (a Fachtagung with a host, a venue, a contact who is told of each
registration) and one of capacity C for the capacity phase. Starts eventhub under
gunicorn (`-k gthread --workers 2 --threads 4`) and, in the same run, a bare Flask app
under the same gunicorn settings (`create_bare_app` below): it serves a form of the same
size with a CSRF-like hidden field (an HMAC of a session cookie, checked on POST) and
does one durable INSERT per POST -- on SQLite in WAL mode with BEGIN IMMEDIATE and
eventhub's own PRAGMAs (synchronous=NORMAL, busy timeout), on PostgreSQL an INSERT in a
transaction -- then redirects (303) like eventhub.

Eventhub runs with its production configuration except where that would refuse a
single load client: the per-client rate limits (registration POSTs per minute, seats
per client and event) are raised far above the load, not switched off, so the limiter
still counts every POST; bot protection stays on (trap field, signed time stamp) with a
minimum fill time of zero, since the load client sends the form at once. Each
registration has its own email address, so the per-inbox and per-address limits do
not apply either. Mail stays in the outbox (no EVENTHUB_SMTP_URL), as in the embedded
set-up; --worker runs `flask mail send --loop` beside eventhub, delivering to an SMTP
sink on loopback, so the worker's share of the cores is part of the figure.

The load: --clients concurrent clients (threads in a few processes, each with its own
http.client keep-alive connection and cookie), each in a loop: GET the form, take the
CSRF token and the time stamp from it, POST it (not following the redirect). Reported
per server: registrations per second over the measured window (after a warm-up), p50
and p99 of one registration (GET + POST) and of the POST alone, and the ratio
eventhub / bare. Then the capacity phase: an event with capacity C, 3 x C attempts from
the same clients; exactly C must be confirmed in the database, each with its
confirmation in the outbox, the rest refused (409).

Aim (issue 17): at least 0.25x the bare route on SQLite and PostgreSQL, p99 of a
registration under 250 ms with 16 clients.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import multiprocessing
import os
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOAD_SLUG = "fachtagung-last"
CAPACITY_SLUG = "fachtagung-knapp"
PERSON = {
    "first_name": "Jürgen",
    "last_name": "Müller-Lüdenscheidt",
    "organisation": "Bäckerei Größe GmbH",
    "job_title": "Ausbildungsleiter",
    "consent_privacy": "y",
}
_TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
_STAMP = re.compile(rb'name="issued" type="hidden" value="([^"]+)"')


# --- the bare reference -------------------------------------------------------------


def create_bare_app():
    """A bare Flask app: a constant form of BARE_FORM_SIZE bytes with a CSRF-like token
    (HMAC of a cookie), and one durable INSERT per POST into BARE_DATABASE_URL."""
    from flask import Flask, Response, redirect, request

    app = Flask(__name__)
    secret = b"bench"
    size = int(os.environ["BARE_FORM_SIZE"])
    url = os.environ["BARE_DATABASE_URL"]
    local = threading.local()

    def connection():
        if getattr(local, "connection", None) is None:
            if url.startswith("sqlite"):
                conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA synchronous = {os.environ.get('BARE_SYNCHRONOUS', 'FULL')}")
                conn.execute("PRAGMA busy_timeout = 30000")
            else:
                import psycopg

                conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            local.connection = conn
        return local.connection

    def token(session: str) -> str:
        return hmac.new(secret, session.encode(), hashlib.sha256).hexdigest()

    @app.get("/form")
    def form():
        session = request.cookies.get("s") or secrets.token_hex(16)
        field = f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token(session)}">'
        head = f"<!doctype html><html><body><form method=post>{field}"
        body = (head + "x" * max(size - len(head) - 21, 0) + "</form></body></html>").encode()
        response = Response(body, content_type="text/html; charset=utf-8")
        response.set_cookie("s", session, httponly=True, samesite="Lax")
        return response

    @app.post("/form")
    def register():
        session = request.cookies.get("s", "")
        if not hmac.compare_digest(request.form.get("csrf_token", ""), token(session)):
            return "bad token", 400
        values = (
            request.form["first_name"],
            request.form["last_name"],
            request.form["email"],
            request.form["organisation"],
            request.form["job_title"],
        )
        conn = connection()
        if isinstance(conn, sqlite3.Connection):
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "INSERT INTO bare_registrations (first_name, last_name, email, "
                    "organisation, job_title) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    values,
                ).fetchone()
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        else:
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO bare_registrations (first_name, last_name, email, "
                    "organisation, job_title) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    values,
                ).fetchone()
        return redirect(f"/done/{row[0]}", 303)

    return app


def create_bare_table(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bare_registrations"))
        serial = "INTEGER PRIMARY KEY" if url.startswith("sqlite") else "SERIAL PRIMARY KEY"
        conn.execute(
            text(
                f"CREATE TABLE bare_registrations (id {serial}, first_name VARCHAR(100), "
                "last_name VARCHAR(100), email VARCHAR(254) UNIQUE, organisation "
                "VARCHAR(200), job_title VARCHAR(200))"
            )
        )
    engine.dispose()


# --- eventhub's database ------------------------------------------------------------


def event_record(slug: str, capacity: int | None) -> dict:
    return {
        "slug": slug,
        "title": "Integration von Geflüchteten in Arbeit",
        "format": "fachtagung",
        "starts_at": "2030-01-15T10:00:00+01:00",
        "ends_at": "2030-01-15T16:00:00+01:00",
        "status": "published",
        "capacity": capacity,
        "summary": "Fachtagung für Arbeitgeber, Kammern und Beratungsstellen.",
        "venue": {"name": "Lohnhalle", "street": "Knappenstraße 1", "city": "Bottrop"},
        "hosts": [{"name": "G.I.B.", "slug": "gib", "role": "host"}],
        "contact": {"name": "Erika Muster", "email": "erika@example.org"},
        # The organisers are told of each registration (the default is a daily digest).
        "notify_mode": "each",
    }


def build_database(url: str, capacity: int) -> None:
    from eventhub import create_app
    from eventhub.events.records import import_events
    from eventhub.extensions import db

    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        report = import_events(
            [event_record(LOAD_SLUG, 100_000), event_record(CAPACITY_SLUG, capacity)]
        )
        if report.errors:
            raise SystemExit(f"import: {report.errors}")
        db.session.remove()
        db.engine.dispose()
    create_bare_table(url)


def capacity_outcome(url: str) -> tuple[int, int]:
    """Confirmed registrations of the capacity event, and their confirmation mails."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        confirmed = conn.execute(
            text(
                "SELECT count(*) FROM registrations r JOIN events e ON e.id = r.event_id "
                "WHERE e.slug = :slug AND r.status = 'confirmed'"
            ),
            {"slug": CAPACITY_SLUG},
        ).scalar_one()
        mails = conn.execute(
            text(
                "SELECT count(*) FROM outbox_messages o JOIN registrations r "
                "ON r.id = o.registration_id JOIN events e ON e.id = r.event_id "
                "WHERE e.slug = :slug AND o.kind = 'confirmation'"
            ),
            {"slug": CAPACITY_SLUG},
        ).scalar_one()
        sent, written = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FROM outbox_messages"
                if not url.startswith("sqlite")
                else "SELECT sum(status = 'sent'), count(*) FROM outbox_messages"
            )
        ).one()
    engine.dispose()
    print(f"outbox: {written} mails written, {sent or 0} sent by the worker by the end")
    return confirmed, mails


# --- servers ------------------------------------------------------------------------


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the load client ----------------------------------------------------------------


class Client:
    """One person's browser, reduced to a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"Accept-Language": "de"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = header.partition("=")
            value, *attributes = rest.split(";")
            if any(a.strip().lower() == "max-age=0" for a in attributes):
                self.cookies.pop(name.strip(), None)  # deleted, as a browser does
            else:
                self.cookies[name.strip()] = value
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, content

    def register(self, path: str, email: str) -> tuple[int, float, float]:
        """GET the form and POST it: (status of the POST, registration s, POST s)."""
        started = time.perf_counter()
        status, page = self.request("GET", path)
        if status != 200:
            return status, time.perf_counter() - started, 0.0
        fields = {**PERSON, "email": email, "csrf_token": _TOKEN.search(page).group(1).decode()}
        stamp = _STAMP.search(page)
        if stamp:
            fields["issued"] = stamp.group(1).decode()
        posted = time.perf_counter()
        status, _body = self.request("POST", path, urlencode(fields))
        done = time.perf_counter()
        return status, done - started, done - posted


def run_clients(port, path, prefix, threads, until, tickets, results) -> None:
    """In one process: `threads` clients registering until time.time() passes `until`,
    or, with `tickets` (a shared counter of attempts left), until none are left."""

    def take_ticket() -> bool:
        with tickets.get_lock():
            if tickets.value <= 0:
                return False
            tickets.value -= 1
            return True

    def client_loop(number: int, out: list) -> None:
        client = Client(port)
        n = 0
        while time.time() < until if tickets is None else take_ticket():
            email = f"{prefix}-{number}-{n}@example.org"
            began = time.time()
            status, total, post = client.register(path, email)
            out.append((began, time.time(), status, total, post))
            n += 1

    outs = [[] for _ in range(threads)]
    workers = [threading.Thread(target=client_loop, args=(i, outs[i])) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put([row for out in outs for row in out])


def load(
    port: int,
    path: str,
    prefix: str,
    clients: int,
    processes: int,
    *,
    seconds: float = 0,
    attempts: int | None = None,
) -> list[tuple]:
    """Run the clients in `processes` processes: for `seconds`, or for `attempts` in all.
    Rows: (began, ended, POST status, registration s, POST s)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    tickets = None if attempts is None else context.Value("i", attempts)
    until = time.time() + seconds
    jobs = []
    for index in range(processes):
        threads = clients // processes + (1 if index < clients % processes else 0)
        job = context.Process(
            target=run_clients,
            args=(port, path, f"{prefix}{index}", threads, until, tickets, results),
        )
        job.start()
        jobs.append(job)
    rows = [row for _job in jobs for row in results.get()]
    for job in jobs:
        job.join()
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] if ordered else float("nan")


def summarise(rows: list[tuple], window_start: float, window_end: float) -> dict:
    """Registrations that began in the measured window (after the warm-up)."""
    measured = [r for r in rows if window_start <= r[0] and r[1] <= window_end]
    ok = [r for r in measured if r[2] == 303]
    return {
        "per_second": len(ok) / (window_end - window_start),
        "p50": statistics.median(r[3] for r in ok) * 1000 if ok else float("nan"),
        "p99": percentile([r[3] for r in ok], 0.99) * 1000,
        "post_p50": statistics.median(r[4] for r in ok) * 1000 if ok else float("nan"),
        "post_p99": percentile([r[4] for r in ok], 0.99) * 1000,
        "errors": len(measured) - len(ok),
        "count": len(ok),
    }


# --- the run --------------------------------------------------------------------------


def measure(port: int, path: str, prefix: str, args) -> dict:
    started = time.time()
    rows = load(
        port, path, prefix, args.clients, args.processes, seconds=args.warmup + args.seconds
    )
    return summarise(rows, started + args.warmup, started + args.warmup + args.seconds)


def smtp_sink(port: int) -> subprocess.Popen:
    """An SMTP server on loopback that accepts and drops every mail (aiosmtpd)."""
    code = (
        "import asyncio\n"
        "from aiosmtpd.controller import Controller\n"
        "class Sink:\n"
        "    async def handle_DATA(self, server, session, envelope):\n"
        "        return '250 OK'\n"
        f"Controller(Sink(), hostname='127.0.0.1', port={port}).start()\n"
        "asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())\n"
    )
    return subprocess.Popen([sys.executable, "-c", code])  # noqa: S603


def main() -> None:
    # Here, not at the top: the bare app's server imports this module and must stay bare.
    from bench.load import free_port, start_gunicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--processes", type=int, default=2, help="load client processes")
    parser.add_argument("--capacity", type=int, default=100, help="C of the capacity phase")
    parser.add_argument("--database", help="a scratch database (its tables are dropped)")
    parser.add_argument("--redis", help="EVENTHUB_REDIS_URL for eventhub (limits, mail wake-up)")
    parser.add_argument(
        "--worker", action="store_true", help="run the mail worker, delivering to an SMTP sink"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/registration.sqlite3"
        build_database(url, args.capacity)
        env = {
            "EVENTHUB_DATABASE_URL": url,
            "EVENTHUB_SECRET_KEY": "bench",
            "EVENTHUB_BASE_URL": "http://127.0.0.1",
            # One load client from one address: per-client limits far above the load.
            "EVENTHUB_REGISTRATION_RATELIMIT": "1000000 per minute",
            "EVENTHUB_SEAT_RATELIMIT": "1000000 per hour",
            # The client sends the form at once: no minimum fill time (trap still checked).
            "EVENTHUB_BOT_MIN_FILL_SECONDS": "0",
        }
        if args.redis:
            env["EVENTHUB_REDIS_URL"] = args.redis
        helpers = []
        if args.worker:
            smtp_port = free_port()
            helpers.append(smtp_sink(smtp_port))
            env["EVENTHUB_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        app_port, bare_port = free_port(), free_port()
        eventhub = start_gunicorn("app:app", app_port, env)
        try:
            if args.worker:
                helpers.append(
                    subprocess.Popen(  # noqa: S603 - our own CLI
                        [
                            str(Path(sys.executable).with_name("flask")),
                            "--app",
                            "app",
                            "mail",
                            "send",
                            "--loop",
                        ],
                        cwd=ROOT,
                        env={**os.environ, **env},
                    )
                )
            form_path = f"/events/{LOAD_SLUG}/register"
            status, page = Client(app_port).request("GET", form_path)
            if status != 200:
                raise SystemExit(f"eventhub form: {status}")
            load_before = os.getloadavg()
            results = {"eventhub": measure(app_port, form_path, "load", args)}
            # SQLite: the durable INSERT (synchronous=FULL: each commit on disk) the issue
            # names, and one as durable as eventhub's own setting (NORMAL: WAL synced at
            # checkpoints; a power cut may lose the last commits, never corrupt).
            bares = {"bare INSERT": "FULL"}
            if url.startswith("sqlite"):
                bares = {"bare FULL": "FULL", "bare NORMAL": "NORMAL"}
            for name, synchronous in bares.items():
                bare = start_gunicorn(
                    "bench.registration:create_bare_app()",
                    bare_port,
                    {
                        "BARE_FORM_SIZE": str(len(page)),
                        "BARE_DATABASE_URL": url,
                        "BARE_SYNCHRONOUS": synchronous,
                    },
                )
                try:
                    results[name] = measure(bare_port, "/form", name.replace(" ", "-"), args)
                finally:
                    stop(bare)
            capacity_rows = load(
                app_port,
                f"/events/{CAPACITY_SLUG}/register",
                "cap",
                args.clients,
                args.processes,
                attempts=3 * args.capacity,
            )
            load_after = os.getloadavg()
        finally:
            stop(eventhub)
            for helper in reversed(helpers):
                stop(helper)
        confirmed, mails = capacity_outcome(url)
    report(args, url, len(page), results, capacity_rows, confirmed, mails, load_before, load_after)


def report(args, url, size, results, capacity_rows, confirmed, mails, before, after) -> None:
    from bench import load

    print(
        f"registration (GET form {size / 1024:.1f} KiB + POST), {args.clients} clients, "
        f"{args.seconds:g} s after {args.warmup:g} s warm-up, {url.split(':')[0]}, "
        f"gunicorn {' '.join(load.GUNICORN_SETTINGS)}, {os.cpu_count()} cores"
        + (", Redis" if args.redis else "")
        + (", mail worker delivering" if args.worker else "")
    )
    print(
        f"{'server':<12} {'reg/s':>7} {'reg p50':>8} {'reg p99':>8} {'POST p50':>9} "
        f"{'POST p99':>9} {'errors':>7}"
    )
    for name, r in results.items():
        print(
            f"{name:<12} {r['per_second']:>7.1f} {r['p50']:>8.0f} {r['p99']:>8.0f} "
            f"{r['post_p50']:>9.0f} {r['post_p99']:>9.0f} {r['errors']:>7}"
        )
    for name, r in results.items():
        if name != "eventhub":
            ratio = results["eventhub"]["per_second"] / r["per_second"]
            print(f"ratio eventhub / {name}: {ratio:.2f}x")
    print("(latencies in ms; aim: at least 0.25x the durable bare INSERT, reg p99 < 250 ms)")
    statuses: dict[int, int] = {}
    for row in capacity_rows:
        statuses[row[2]] = statuses.get(row[2], 0) + 1
    exact = confirmed == args.capacity and mails == confirmed and statuses.get(303) == confirmed
    print(
        f"capacity {args.capacity}, {len(capacity_rows)} attempts: {statuses.get(303, 0)} "
        f"registered (303), {statuses.get(409, 0)} refused (409), other "
        f"{sum(n for s, n in statuses.items() if s not in (303, 409))}; confirmed in the "
        f"database {confirmed}, confirmations in the outbox {mails}: "
        + ("exact" if exact else "WRONG")
    )
    print(
        "load average before / after: "
        + " / ".join(", ".join(f"{x:.2f}" for x in avg) for avg in (before, after))
    )
    if not exact or any(r["errors"] for r in results.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
