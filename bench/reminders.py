"""The mail scheduler writing reminders for 10,000 confirmed people, as a whole process,
against a bare reference.

Usage: .venv/bin/python bench/reminders.py [--people 10000] [--database URL] [--rounds 3]

For each round: an event starting in an hour (its two-hour reminder is due) with
`--people` confirmed registrations inserted in bulk, then `flask mail scheduled` runs as
its own process and writes one reminder per person (mail with programme, fresh private
link and calendar invitation, plus its send row). Reported: the whole process's wall time
and CPU time (steadier on a shared machine) and the reminders per second. In the same
run, the bare reference: a process of the same app that inserts the same number of
outbox rows of the same size in one transaction, with no rules and no mail building. The
ratio shows what building the mails and the rules cost on top of the writes and the
process start.

SQLite in a temp dir unless --database names a scratch database (tables dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE = """
import sys, time
from sqlalchemy import insert
from eventhub import create_app
from eventhub.database import write_transaction
from eventhub.models import OutboxMessage
app = create_app()
count, size = int(sys.argv[1]), int(sys.argv[2])
body = b"x" * size
stamp = time.time_ns()
with app.app_context(), write_transaction() as session:
    session.execute(insert(OutboxMessage), [
        {"kind": "bare", "recipient": f"bare{n}@example.org", "subject": "bare",
         "message": body, "message_id": f"<bare-{stamp}-{n}@bench>"}
        for n in range(count)
    ])
"""


def prepare(slug: str, people: int) -> int:
    """An event starting in an hour, its organiser mails already done, and `people`
    confirmed registrations from yesterday, inserted in bulk; returns the event id."""
    from sqlalchemy import insert, select, update
    from waitlist import record

    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from eventhub.models import Event, Registration
    from eventhub.models.base import utcnow
    from eventhub.tokens import new_token

    now = utcnow()
    start = (now + dt.timedelta(hours=1)).replace(microsecond=0)
    data = record(slug, None, "auto")  # the waiting list bench's event, an hour from now
    data["starts_at"] = start.isoformat()
    data["ends_at"] = (start + dt.timedelta(hours=6)).isoformat()
    data["agenda"] = [
        {"starts_at": start.isoformat(), "title": "Begrüßung"},
        {"starts_at": (start + dt.timedelta(hours=1)).isoformat(), "title": "Podium"},
    ]
    upsert_event(EventRecord.model_validate(data))
    db.session.commit()
    event_id = db.session.scalar(select(Event.id).where(Event.slug == slug))
    yesterday = now - dt.timedelta(days=1)
    rows = [
        {
            "uid": f"{event_id:08d}{n:024d}",
            "event_id": event_id,
            "status": "confirmed",
            "first_name": "Ayşe",
            "last_name": f"Müller {n}",
            "email": f"p{event_id}-{n}@example.org",
            "email_normalised": f"p{event_id}-{n}@example.org",
            "organisation": "Bäckerei Größe & Söhne",
            "token_hash": new_token()[1],
            "created_at": yesterday,
            "updated_at": yesterday,
        }
        for n in range(people)
    ]
    db.session.execute(insert(Registration), rows)
    db.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(confirmed_count=people, digest_sent_at=now, attendee_list_sent_at=now)
    )
    db.session.commit()
    return event_id


def run(args: list[str], url: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system, os.wait4) of the process; the CPU time is
    steadier on a shared machine. (Database server time is in neither.)"""
    env = {**os.environ, "EVENTHUB_DATABASE_URL": url, "EVENTHUB_SECRET_KEY": "bench"}
    env["EVENTHUB_BASE_URL"] = "http://eventhub.test"
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - ours
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{args[:3]} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from eventhub import create_app
    from eventhub.extensions import db
    from eventhub.models import OutboxMessage, ReminderSend

    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app", "mail", "scheduled"]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SERVER_NAME": None})
        with app.app_context():
            db.drop_all()
            db.create_all()
            print(f"database: {db.engine.dialect.name}, {args.people} confirmed people")
            whole, bare = [], []
            for n in range(args.rounds):
                event_id = prepare(f"bench-reminders-{n}", args.people)
                db.session.commit()
                whole.append(run(flask, url))
                written = db.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.kind == "reminder", OutboxMessage.event_id == event_id)
                )
                sends = db.session.scalar(select(func.count(ReminderSend.id)))
                assert written == args.people and sends == (n + 1) * args.people, written
                size = int(
                    db.session.scalar(
                        select(func.avg(func.length(OutboxMessage.message))).where(
                            OutboxMessage.event_id == event_id
                        )
                    )
                )
                db.session.commit()
                bare.append(run([sys.executable, "-c", BARE, str(args.people), str(size)], url))
            w, b = (statistics.median(t for t, _cpu in runs) for runs in (whole, bare))
            wc, bc = (statistics.median(c for _t, c in runs) for runs in (whole, bare))
            print(
                f"scheduler process: {w:6.2f} s, CPU {wc:6.2f} s ({args.people / w:,.0f} "
                f"reminders/s, mail {size:,} bytes) | bare inserts process: {b:6.2f} s, "
                f"CPU {bc:5.2f} s | ratio {w / b:.1f}, CPU {wc / bc:.1f}"
            )


if __name__ == "__main__":
    main()
