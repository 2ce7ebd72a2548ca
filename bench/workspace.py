"""Workspace downloads and the registrations page for an event with 10,000 registrations.

Usage: .venv/bin/python bench/workspace.py [--registrations 10000] [--database URL]

Builds the event once (SQLite in a temp dir unless --database names a scratch database,
whose tables are dropped and recreated), then requests each page in a fresh Python process
through the real app (login, access check, query, export, streaming): the registrations
page, attendees.csv, attendees.xlsx and attendees.pdf. For each it reports the whole
process (interpreter start, imports, app start, login and the request), the request alone,
and the child's peak resident memory (os.wait4). Aims: CSV under 1 s, XLSX under 5 s,
peak under 200 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-passwort-123"  # noqa: S105 - a throwaway bench account
TARGETS = {
    "page": "/manage/events/bench-fachtagung",
    "page-search": "/manage/events/bench-fachtagung?q=m%C3%BCller&sort=organisation",
    "csv": "/manage/events/bench-fachtagung/attendees.csv",
    "xlsx": "/manage/events/bench-fachtagung/attendees.xlsx",
    "pdf": "/manage/events/bench-fachtagung/attendees.pdf",
}
AIMS = {"csv": 1.0, "xlsx": 5.0}
PEAK_AIM_MB = 200
FIRST = ["Jürgen", "Anna", "Mohammad", "François", "Ayşe", "Olena", "محمد", "Björn"]
LAST = ["Müller-Lüdenscheidt", "Öztürk", "Weiß", "Hélène", "Kowalczyk", "الكيلاني", "Schröder"]
ORGS = ["Bäckerei Größe & Söhne", "Stadtwerke Bottrop", "Welcome Center der Region", "IHK NRW"]


def config(url: str) -> dict:
    return {
        "DATABASE_URL": url,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "bench",
    }


def build(url: str, count: int) -> None:
    from sqlalchemy import insert, select, update

    from eventhub import create_app
    from eventhub.events.records import import_events
    from eventhub.extensions import db
    from eventhub.manage.accounts import create_user
    from eventhub.models import Event, Registration

    app = create_app(config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        create_user(email="bench@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
        start = dt.datetime.now(ZoneInfo("Europe/Berlin")).replace(microsecond=0)
        start += dt.timedelta(days=30)
        import_events(
            [
                {
                    "slug": "bench-fachtagung",
                    "title": "Integration von Geflüchteten in Arbeit",
                    "format": "fachtagung",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + dt.timedelta(hours=6)).isoformat(),
                    "capacity": None,
                    "status": "published",
                    "funding_note": "Gefördert aus Mitteln des ESF.",
                    "venue": {"name": "Lohnhalle", "city": "Bottrop"},
                    "hosts": [{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}],
                }
            ]
        )
        event_id = db.session.scalar(select(Event.id))
        now = dt.datetime.now(dt.UTC)
        rows = []
        for i in range(count):
            first, last = FIRST[i % len(FIRST)], f"{LAST[i % len(LAST)]} {i}"
            email = f"person{i}@example.org"
            organisation = ORGS[i % len(ORGS)]
            rows.append(
                {
                    "event_id": event_id,
                    "status": "confirmed" if i % 20 else "cancelled",
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "email_normalised": email,
                    "organisation": organisation,
                    "organisation_type": ("company", "chamber", "public_authority", "")[i % 4],
                    "search_text": f"{first} {last} {email} {organisation}".casefold(),
                    "job_title": "Personalleitung",
                    "show_in_directory": False,
                    "language": "de",
                    "token_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                    "sequence": 0,
                    "source": "web",
                    "created_at": now - dt.timedelta(minutes=i),
                    "updated_at": now,
                    "checked_in_at": now if i % 3 == 0 else None,
                }
            )
        for chunk in range(0, len(rows), 2000):
            db.session.execute(insert(Registration), rows[chunk : chunk + 2000])
        db.session.execute(
            update(Event).values(confirmed_count=sum(1 for r in rows if r["status"] == "confirmed"))
        )
        db.session.commit()
        db.engine.dispose()


def child(url: str, target: str) -> None:
    from eventhub import create_app

    app = create_app(config(url))
    client = app.test_client()
    login = client.post("/manage/login", data={"email": "bench@ihk.example", "password": PASSWORD})
    assert login.status_code == 303, login.status_code
    started = time.perf_counter()
    response = client.get(TARGETS[target], buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    print(json.dumps({"request_s": elapsed, "bytes": size}))


def measure(url: str, target: str) -> dict:
    command = [sys.executable, __file__, "--child", target, "--database", url]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)  # noqa: S603 - our own script
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{target} failed")
    result = json.loads(output)
    result.update(wall_s=wall, peak_mb=usage.ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--database")
    parser.add_argument("--child", choices=TARGETS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database, args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        build(url, args.registrations)
        print(f"{args.registrations:,} registrations, {url.split(':')[0]}, 2 cores")
        print(f"{'target':<12} {'process s':>9} {'request s':>9} {'peak MB':>8} {'size':>10}  aims")
        for target in TARGETS:
            r = measure(url, target)
            notes = []
            if target in AIMS:
                notes.append("ok" if r["wall_s"] < AIMS[target] else f"OVER {AIMS[target]} s")
            notes.append("ok" if r["peak_mb"] < PEAK_AIM_MB else f"OVER {PEAK_AIM_MB} MB")
            print(
                f"{target:<12} {r['wall_s']:>9.2f} {r['request_s']:>9.2f} "
                f"{r['peak_mb']:>8.1f} {r['bytes'] / 1e6:>8.2f} MB  {', '.join(notes)}"
            )


if __name__ == "__main__":
    main()
