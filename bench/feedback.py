"""Feedback after an event, in one process: the scheduler writing the invitations, the
survey storing one answer per person, and the report's reads.

Usage: .venv/bin/python bench/feedback.py [--people 1000] [--database URL]

An event that ended two hours ago with feedback on for everyone confirmed and `--people`
confirmed registrations inserted in bulk; then `run_scheduled` writes one invitation per
person (mail and invite row), every person answers once through `submit_feedback` (its
own write transaction each, the conditional update and the insert), and
`feedback_summary` / `feedback_details` read the result. Reported: wall times.

SQLite in a temp dir unless --database names a scratch database (tables dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import sqlalchemy as sa

    from eventhub import create_app
    from eventhub.events.feedback import (
        SurveyAnswer,
        feedback_details,
        feedback_summary,
        submit_feedback,
    )
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from eventhub.manage.scheduled import run_scheduled
    from eventhub.models import Event, FeedbackInvite, Registration
    from tests.conftest import event_record

    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "BASE_URL": "http://x.test"}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        starts = dt.datetime.now(ZoneInfo("Europe/Berlin")) - dt.timedelta(hours=6)
        record = event_record(
            slug="bench",
            starts=starts,
            capacity=None,
            feedback={"enabled": True, "audience": "confirmed"},
        )
        upsert_event(EventRecord.model_validate(record))
        db.session.commit()
        event = db.session.scalar(sa.select(Event))
        db.session.execute(
            sa.insert(Registration),
            [
                {
                    "uid": secrets.token_hex(16),
                    "event_id": event.id,
                    "status": "confirmed",
                    "first_name": "Anna",
                    "last_name": f"Person {n}",
                    "email": f"p{n}@example.org",
                    "email_normalised": f"p{n}@example.org",
                    "token_hash": secrets.token_hex(32),
                }
                for n in range(args.people)
            ],
        )
        db.session.commit()
        began = time.perf_counter()
        report = run_scheduled(event.ends_at + dt.timedelta(hours=2))
        took = time.perf_counter() - began
        print(f"{db.engine.dialect.name}: {report.feedback_invites} invitations in {took:.1f} s")
        ids = db.session.scalars(sa.select(FeedbackInvite.id)).all()
        moment = event.ends_at + dt.timedelta(days=1)
        began = time.perf_counter()
        for n, invite_id in enumerate(ids):
            answer = SurveyAnswer(1 + n % 5, ["talks", "contacts"][: n % 3], "Gut. " * 10, [])
            submit_feedback(invite_id, answer, moment)
        took = time.perf_counter() - began
        print(f"{len(ids)} answers in {took:.1f} s ({took / len(ids) * 1000:.1f} ms each)")
        for read in (feedback_summary, feedback_details):
            began = time.perf_counter()
            with app.test_request_context():  # the details carry translated labels
                read(event)
            print(f"{read.__name__}: {(time.perf_counter() - began) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
