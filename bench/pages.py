"""Measure how fast the public pages answer with many events and registrations.

Usage: .venv/bin/python bench/pages.py [--events 1000] [--registrations 20000]
       [--directory 500] [--services 300] [--database URL]

Builds a fresh database (SQLite in a temp dir unless --database is given: that
database's eventhub tables are dropped and recreated, so use a scratch one), fills
it through the import and registration services' tables, then times each page
in-process with the Flask test client (no network), reporting the median and
95th percentile over repeated requests, the median CPU time of this process per
request (steadier than wall time on a shared machine) and the SQL statements per
request.

The page cache for anonymous visitors (eventhub/page_cache.py) is off here
(PAGE_CACHE_SECONDS=0): what is timed is a page rendered for a request it does not
serve, e.g. a filter or a page past the first. Fragments kept per event (cards, the
event page's programme) stay on, as in production; --cold clears them before each
request, which times a page nobody asked for since the last event change.

The participant directory (/r/<token>/network) is measured on a second event with
--directory participants, four in five of them listed with a "Wir bieten / Wir suchen"
profile, beside its bare reference: the same participant's private page /r/<token>.

The services directory is measured beside a bare reference: a route of this script
that reads the same first page of entries with one hand-written SELECT and joins the
titles into HTML, so the ratio shows what the directory's filters, eager loads and
templates cost on top of the database work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import before_render_template, template_rendered
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventhub import create_app
from eventhub.events.records import import_events
from eventhub.extensions import db
from eventhub.models import (
    SERVICE_CATEGORIES,
    Event,
    NetworkProfile,
    NetworkTag,
    Registration,
)
from eventhub.network.records import import_services

BERLIN = ZoneInfo("Europe/Berlin")


def records(count: int) -> list[dict]:
    start = dt.datetime.now(BERLIN).replace(hour=10, minute=0, second=0, microsecond=0)
    out = []
    for n in range(count):
        starts = start + dt.timedelta(days=1 + n % 300, hours=n % 5)
        out.append(
            {
                "slug": f"bench-{n}",
                "title": f"Fachkräfte-Workshop {n}",
                "format": ("workshop", "fachtagung", "info", "exchange")[n % 4],
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
                "capacity": 10_000,
                "status": "published",
                "summary": "Workshop für Arbeitgeber zur Gewinnung internationaler Fachkräfte.",
                "description": "**Programm**\n\n- Begrüßung\n- Fachbeitrag\n- Austausch\n",
                "venue": {
                    "name": "Rathaus",
                    "city": ("Essen", "Bottrop", "Leipzig")[n % 3],
                    "region": ("Ruhrgebiet", "Sachsen")[n % 2],
                },
                "hosts": [{"name": f"Kammer {n % 20}", "slug": f"kammer-{n % 20}", "role": "host"}],
                "topics": ["Integration", f"Thema {n % 10}"],
                "agenda": [
                    {
                        "title": "Begrüßung",
                        "kind": "welcome",
                        "speakers": [{"name": "Erika Muster", "affiliation": "IHK"}],
                    }
                ],
            }
        )
    return out


def service_records(count: int) -> list[dict]:
    places = ("Bochum", "Düsseldorf", "Leipzig", "Braunschweig", "Münster", "Hamm")
    categories = ("recognition", "german_courses", "counselling", "recruiting", "housing")
    return [
        {
            "slug": f"bench-service-{n}",
            "organisation": {"slug": f"kammer-{n % 20}", "name": f"Kammer {n % 20}"},
            "title": f"Beratungsangebot {n:04d}",
            "category": categories[n % len(categories)],
            "audiences": ["skilled_workers", "employers"][: 1 + n % 2],
            "languages": ["de", "en", "ar"][: 1 + n % 3],
            "regions": [places[n % len(places)], "Nordrhein-Westfalen"],
            "description": "Beratung für **Fachkräfte** und Betriebe.\n\n- Termine\n- Unterlagen\n",
            "contact": {"opening_hours": "Mo–Fr 9–12 Uhr", "by_appointment": n % 2 == 0},
        }
        for n in range(count)
    ]


def add_bare_services_page(app) -> None:
    """The bare reference: the same first 20 entries, one SELECT, minimal HTML."""

    def bare_services():
        rows = db.session.execute(
            text(
                "SELECT s.slug, s.title, o.name FROM service_entries s "
                "JOIN organisations o ON o.id = s.organisation_id "
                "WHERE s.hidden_at IS NULL AND o.profile_hidden_at IS NULL "
                "ORDER BY s.title, s.id LIMIT 20"
            )
        ).all()
        items = "".join(f'<li><a href="/services/{r[0]}">{r[1]}</a> {r[2]}</li>' for r in rows)
        return f"<!doctype html><title>bare</title><ul>{items}</ul>"

    app.add_url_rule("/bench/bare-services", "bench_bare_services", bare_services)


def fill(app, events: int, registrations: int, services: int = 0) -> str:
    with app.app_context():
        db.drop_all()
        db.create_all()
        import_events(records(events))
        if services:
            import_services(service_records(services))
        first = db.session.scalar(select(Event).where(Event.slug == "bench-0"))
        rows = [
            {
                "event_id": first.id,
                "status": "confirmed",
                "first_name": "Anna",
                "last_name": f"Beispiel {i}",
                "email": f"p{i}@example.org",
                "email_normalised": f"p{i}@example.org",
                "organisation": "Muster GmbH",
                "job_title": "",
                "directory_visibility": "hidden",
                "language": "de",
                "token_hash": f"{i:064x}",
                "sequence": 0,
                "created_at": dt.datetime.now(dt.UTC),
            }
            for i in range(registrations)
        ]
        for chunk in range(0, len(rows), 5000):
            db.session.execute(insert(Registration), rows[chunk : chunk + 5000])
        db.session.execute(
            update(Event).where(Event.id == first.id).values(confirmed_count=registrations)
        )
        db.session.commit()
        return first.slug


VIEWER_LINK = "bench-directory-viewer-token"


def fill_directory(app, people: int) -> str:
    """A second event with `people` confirmed participants, four in five listed with a
    profile; returns the private-link token of one listed participant."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "bench-1"))
        now = dt.datetime.now(dt.UTC)
        db.session.execute(
            insert(Registration),
            [
                {
                    "event_id": event.id,
                    "status": "confirmed",
                    "first_name": ("Anna", "Jürgen", "Özlem", "Marta", "Yusuf")[i % 5],
                    "last_name": f"Netzwerk {i}",
                    "email": f"n{i}@example.org",
                    "email_normalised": f"n{i}@example.org",
                    "organisation": f"Firma {i % 97}",
                    "job_title": "Personalleitung",
                    "directory_visibility": (
                        "participants",
                        "registered",
                        "participants",
                        "registered",
                        "hidden",
                    )[i % 5],
                    "language": "de",
                    "token_hash": hashlib.sha256(
                        (VIEWER_LINK if i == 0 else f"directory-{i}").encode()
                    ).hexdigest(),
                    "sequence": 0,
                    "created_at": now,
                }
                for i in range(people)
            ],
        )
        ids = db.session.scalars(
            select(Registration.id)
            .where(Registration.event_id == event.id, Registration.directory_visibility != "hidden")
            .order_by(Registration.id)
        ).all()
        db.session.execute(
            insert(NetworkProfile),
            [
                {
                    "registration_id": rid,
                    "offers_text": "Wir beraten zur Anerkennung und begleiten den Einstieg.",
                    "seeks_text": "Kontakte zu Betrieben mit Ausbildungsplätzen.",
                }
                for rid in ids
            ],
        )
        profiles = db.session.scalars(
            select(NetworkProfile.id).where(NetworkProfile.registration_id.in_(ids))
        ).all()
        tags = []
        for n, pid in enumerate(profiles):
            for k in range(3):
                tags.append(
                    {
                        "profile_id": pid,
                        "side": ("offers", "seeks")[k % 2],
                        "category": SERVICE_CATEGORIES[(n + 5 * k) % len(SERVICE_CATEGORIES)],
                    }
                )
        db.session.execute(insert(NetworkTag), tags)
        db.session.execute(update(Event).where(Event.id == event.id).values(confirmed_count=people))
        db.session.commit()
    return VIEWER_LINK


def measure(client, path: str, repeat: int, cold: bool = False) -> tuple[float, float, int]:
    statements = []

    def count(*_args):
        statements.append(1)

    with client.application.app_context():
        engine = db.engine
    client.get(path)  # warm caches and the connection pool
    sa_event.listen(engine, "before_cursor_execute", count)
    timings, cpu, renders = [], [], []
    started = []

    def render_started(*_args, **_kw):
        started.append(time.perf_counter())

    def render_done(*_args, **_kw):
        renders.append((time.perf_counter() - started.pop()) * 1000)

    before_render_template.connect(render_started, client.application)
    template_rendered.connect(render_done, client.application)
    fragments = client.application.extensions.get("eventhub_fragments")
    for _ in range(repeat):
        if cold and fragments is not None:
            fragments.items.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    sa_event.remove(engine, "before_cursor_execute", count)
    before_render_template.disconnect(render_started, client.application)
    template_rendered.disconnect(render_done, client.application)
    RENDER_MEDIANS[path] = statistics.median(renders) if renders else 0.0
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    CPU_MEDIANS[path] = statistics.median(cpu)
    return statistics.median(timings), p95, len(statements) // repeat


CPU_MEDIANS: dict[str, float] = {}
RENDER_MEDIANS: dict[str, float] = {}  # the template's share: render_template's own time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--directory", type=int, default=500)
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database")
    parser.add_argument("--cold", action="store_true", help="no kept fragments either")
    parser.add_argument("--only-events", action="store_true", help="the event pages only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "DATABASE_URL": url,
                "TESTING": True,
                "RATELIMIT_ENABLED": False,
                "PAGE_CACHE_SECONDS": 0,
            }
        )
        add_bare_services_page(app)
        slug = fill(app, args.events, args.registrations, args.services)
        token = fill_directory(app, args.directory)
        client = app.test_client()
        print(
            f"{args.events} events, {args.registrations} registrations on {slug}, "
            f"{args.services} service entries, "
            f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
        )
        print(
            f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
            f"{'CPU ms':>7} {'render ms':>9}"
        )
        for path in (
            "/events/",
            "/events/?q=workshop&region=Ruhrgebiet",
            "/events/?topic=integration&page=5",
            f"/events/{slug}",
            f"/events/{slug}/register",
            f"/events/{slug}.ics",
            "/api/v1/events",
            f"/api/v1/events/{slug}",
        ):
            median, p95, queries = measure(client, path, args.repeat, args.cold)
            cpu, render = CPU_MEDIANS[path], RENDER_MEDIANS[path]
            print(f"{path:<40} {median:>10.1f} {p95:>8.1f} {queries:>8} {cpu:>7.1f} {render:>9.1f}")
        if args.only_events:
            return
        reference = measure(client, f"/r/{token}", args.repeat)
        directory = measure(client, f"/r/{token}/network", args.repeat)
        for label, (median, p95, queries) in (
            ("/r/<token> (reference)", reference),
            (f"/r/<token>/network ({args.directory} people)", directory),
        ):
            print(f"{label:<40} {median:>10.1f} {p95:>8.1f} {queries:>8}")
        print(f"directory / reference (median): {directory[0] / reference[0]:.1f}x")
        medians = {}
        for path in (
            "/bench/bare-services",
            "/services",
            "/services?category=recognition&region=leipzig&language=Englisch",
            "/services/bench-service-7",
            "/api/v1/services?limit=50",
        ):
            median, p95, queries = measure(client, path, args.repeat)
            medians[path] = median
            print(f"{path:<40} {median:>10.1f} {p95:>8.1f} {queries:>8}")
        ratio = medians["/services"] / medians["/bench/bare-services"]
        print(f"/services vs its bare reference: {ratio:.1f}x")
        if not args.database:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
