"""Promoting 100 waiting people after a capacity raise, against a bare reference.

Usage: .venv/bin/python bench/waitlist.py [--waiting 100] [--database URL] [--rounds 3]

For each round: an event with every seat taken and `--waiting` people on its waiting
list (rows inserted in bulk), then the organisers raise the capacity by that many seats
through the one event-writing path (upsert_event in a write transaction), which serves the
list: every person is confirmed (mode "auto": confirmation with QR code and calendar
invitation) or offered the seat (mode "offer": a short mail). Reported per mode: the
whole change, the database time inside it (every statement's execute time, summed by
SQLAlchemy cursor events) and the statement count; and, in the same run, a bare reference
doing only the unavoidable database work of the same promotion: one UPDATE of the
registrations and one INSERT per outbox row of the same size. The issue's aim: "well under
a second of database time" for 100 people; the ratio to the bare reference shows what the
rules cost on top of the writes themselves.

SQLite in a temp dir unless --database names a scratch database (tables dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Timer:
    """Sums the execute time of every statement on the engine while active."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.seconds = 0.0
        self.statements = 0
        self.active = False
        self._started: list[float] = []

        @event.listens_for(engine, "before_cursor_execute")
        def before(*_args):
            self._started.append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def after(*_args):
            started = self._started.pop()
            if self.active:
                self.seconds += time.perf_counter() - started
                self.statements += 1

    def __enter__(self):
        self.seconds, self.statements, self.active = 0.0, 0, True
        return self

    def __exit__(self, *_exc):
        self.active = False


def record(slug: str, capacity: int, waitlist: str) -> dict:
    start = dt.datetime.now(ZoneInfo("Europe/Berlin")).replace(microsecond=0)
    start += dt.timedelta(days=30)
    return {
        "slug": slug,
        "title": "Fachtagung Fachkräftesicherung",
        "format": "fachtagung",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=6)).isoformat(),
        "capacity": capacity,
        "status": "published",
        "venue": {"name": "Lohnhalle", "city": "Bottrop", "postcode": "46238"},
        "hosts": [{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}],
        "contact": {"name": "Erika Muster", "email": "erika@ihk.example"},
        "waitlist": waitlist,
    }


def fill(event_id: int, taken: int, waiting: int, tag: str = "p") -> list[int]:
    """Seats taken and a waiting list, inserted in bulk; returns the waiting ids."""
    from sqlalchemy import insert, select, update

    from eventhub.extensions import db
    from eventhub.models import Event, Registration
    from eventhub.tokens import new_token

    rows = []
    for n in range(taken + waiting):
        waits = n >= taken
        rows.append(
            {
                "uid": f"{tag[:4]:>4}{event_id:04d}{n:024d}",
                "event_id": event_id,
                "status": "waiting" if waits else "confirmed",
                "waiting_rank": n - taken + 1 if waits else None,
                "first_name": "Ayşe",
                "last_name": f"Müller {n}",
                "email": f"{tag}{event_id}-{n}@example.org",
                "email_normalised": f"{tag}{event_id}-{n}@example.org",
                "organisation": "Bäckerei Größe & Söhne",
                "token_hash": new_token()[1],
            }
        )
    db.session.execute(insert(Registration), rows)
    db.session.execute(update(Event).where(Event.id == event_id).values(confirmed_count=taken))
    db.session.commit()
    return list(
        db.session.scalars(
            select(Registration.id).where(
                Registration.event_id == event_id,
                Registration.status == "waiting",
                Registration.email_normalised.like(f"{tag}%"),
            )
        )
    )


def promote_round(timer, slug: str, waiting: int, waitlist: str) -> tuple[float, float, int]:
    from sqlalchemy import func, select

    from eventhub.database import write_transaction
    from eventhub.events.records import event_to_dict, upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from eventhub.models import Event, Registration

    upsert_event(EventRecord.model_validate(record(slug, waiting, waitlist)))
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    fill(event.id, waiting, waiting)
    data = {**event_to_dict(event), "capacity": 2 * waiting}
    db.session.rollback()
    started = time.perf_counter()
    with timer, write_transaction():
        upsert_event(EventRecord.model_validate(data))
    whole = time.perf_counter() - started
    served = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id, Registration.status.in_(("confirmed", "offered"))
        )
    )
    assert served == 2 * waiting, served
    return whole, timer.seconds, timer.statements


def bare_round(timer, waiting: int, body_size: int) -> tuple[float, float, int]:
    """The same database work with no rules: one UPDATE, one INSERT per outbox row."""
    from sqlalchemy import insert, select, update

    from eventhub.database import write_transaction
    from eventhub.extensions import db
    from eventhub.models import Event, OutboxMessage, Registration

    event_id = db.session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    ids = fill(event_id, 0, waiting, tag=f"b{time.time_ns() % 10**8}")
    body = b"x" * body_size
    started = time.perf_counter()
    with timer, write_transaction() as session:
        session.execute(
            update(Registration)
            .where(Registration.id.in_(ids))
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        for n in range(waiting):
            session.execute(
                insert(OutboxMessage).values(
                    kind="bare",
                    recipient=f"bare{n}@example.org",
                    subject="bare",
                    message=body,
                    message_id=f"<bare-{event_id}-{n}-{time.time_ns()}@bench>",
                )
            )
    return time.perf_counter() - started, timer.seconds, timer.statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from eventhub import create_app
    from eventhub.extensions import db
    from eventhub.models import OutboxMessage

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        app = create_app(
            {"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": None}
        )
        with app.app_context(), app.test_request_context():
            db.drop_all()
            db.create_all()
            timer = Timer(db.engine)
            print(f"database: {db.engine.dialect.name}, {args.waiting} waiting people")
            for mode in ("auto", "offer"):
                results = [
                    promote_round(timer, f"bench-{mode}-{n}", args.waiting, mode)
                    for n in range(args.rounds)
                ]
                size = int(db.session.scalar(select(func.avg(func.length(OutboxMessage.message)))))
                bare = [bare_round(timer, args.waiting, size) for _ in range(args.rounds)]
                whole, db_time, statements = (
                    statistics.median(r[i] for r in results) for i in range(3)
                )
                bare_whole, bare_db, bare_statements = (
                    statistics.median(r[i] for r in bare) for i in range(3)
                )
                print(
                    f"{mode:>5}: whole {whole * 1000:7.1f} ms, database {db_time * 1000:6.1f} ms "
                    f"in {statements:.0f} statements | bare: database {bare_db * 1000:6.1f} ms "
                    f"in {bare_statements:.0f} statements (whole {bare_whole * 1000:.1f} ms) | "
                    f"database ratio {db_time / bare_db:.2f}"
                )


if __name__ == "__main__":
    main()
