"""One organiser's message to every confirmed person of a large event: how long the send
takes, and how long it holds the event's write lock.

Usage: .venv/bin/python bench/attendee_messages.py [--people 1000] [--database URL]

An event with `--people` confirmed registrations inserted in bulk (half German, half
English), then eventhub.manage.attendee_messages.send_message writes the message, one
mail per person (frame, Markdown text, fresh private link) and the recipient rows.
Reported: the whole send and the part spent inside the write transaction (the event's row
lock; on SQLite the database's write lock, which every registration waits for).

SQLite in a temp dir unless --database names a scratch database (tables dropped).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

    from sqlalchemy import insert, select

    from eventhub import create_app
    from eventhub.database import write_transaction
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from eventhub.manage import attendee_messages
    from eventhub.models import Event, Registration
    from eventhub.models.base import utcnow
    from tests.conftest import event_record

    held: list[float] = []

    @contextmanager
    def timed_transaction():
        started = time.perf_counter()
        with write_transaction() as session:
            yield session
        held.append(time.perf_counter() - started)

    attendee_messages.write_transaction = timed_transaction
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "BASE_URL": "http://e.test"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        upsert_event(EventRecord.model_validate(event_record(slug="bench", capacity=None)))
        db.session.commit()
        event = db.session.scalar(select(Event))
        now = utcnow()
        db.session.execute(
            insert(Registration),
            [
                {
                    "uid": uuid.uuid4().hex,
                    "event_id": event.id,
                    "status": "confirmed",
                    "first_name": "Bench",
                    "last_name": f"Person {n}",
                    "email": f"bench{n}@example.org",
                    "email_normalised": f"bench{n}@example.org",
                    "language": "de" if n % 2 else "en",
                    "token_hash": hashlib.sha256(f"bench-{n}".encode()).hexdigest(),
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(args.people)
            ],
        )
        db.session.commit()
        started = time.perf_counter()
        sent = attendee_messages.send_message(
            event.id,
            author_id=None,
            group="confirmed",
            subject="Raumänderung",
            body="Wir treffen uns in **Saal 2**.\n\n- Einlass ab 9:30 Uhr",
            nonce="bench-message-nonce",
        )
        total = time.perf_counter() - started
        print(
            f"{sent.message.recipient_count} recipients on {url.split(':')[0]}: "
            f"send {total:.2f} s ({total / args.people * 1000:.1f} ms a person), "
            f"write lock held {held[0]:.2f} s"
        )


if __name__ == "__main__":
    main()
