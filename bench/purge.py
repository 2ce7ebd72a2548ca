"""The retention job anonymising an event with 10,000 registrations, as a whole process,
against a bare reference.

Usage: .venv/bin/python bench/purge.py [--people 10000] [--database URL] [--rounds 3]

For each round: an event that ended 400 days ago (every period is over) with `--people`
confirmed registrations inserted in bulk, each with a sensitive answer, a free-text
answer and an ESF choice, a directory profile for every second person and a delivered
confirmation mail (3 kB) each. Then `flask privacy purge` runs as its own process:
sensitive answers, profiles, registrations (in batches of 1,000 under the event's lock),
the event's mails. Reported: wall and CPU time of the process, registrations per second.
In the same run, the bare reference: a process of the same app that does the same writes
as four plain statements in one transaction (blank the registrations, delete the answers
and profiles, empty the mails), with no rules, no batches, no lock. The ratio shows what
the rules and the batching cost on top of the writes and the process start.

SQLite in a temp dir unless --database names a scratch database (tables dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE = """
import sys
from sqlalchemy import delete, select, update
from eventhub import create_app
from eventhub.database import write_transaction
from eventhub.models import Answer, NetworkProfile, OutboxMessage, Registration
app = create_app()
event_id = int(sys.argv[1])
people = select(Registration.id).where(Registration.event_id == event_id)
with app.app_context(), write_transaction() as session:
    session.execute(delete(Answer).where(Answer.registration_id.in_(people)))
    session.execute(delete(NetworkProfile).where(NetworkProfile.registration_id.in_(people)))
    session.execute(
        update(OutboxMessage).where(OutboxMessage.event_id == event_id)
        .values(recipient="", mailbox="", subject="", message=b"")
    )
    session.execute(
        update(Registration).where(Registration.event_id == event_id)
        .values(first_name="", last_name="", email="", organisation="", job_title="",
                search_text="")
    )
"""


def prepare(slug: str, people: int) -> int:
    """A past event with `people` registrations and their data, in bulk; its id."""
    from sqlalchemy import insert, select, update

    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from eventhub.manage.questions import QuestionData, add_esf_questions, add_question
    from eventhub.models import (
        Answer,
        Event,
        EventRetention,
        NetworkProfile,
        OutboxMessage,
        Question,
        Registration,
    )
    from eventhub.models.base import utcnow
    from eventhub.tokens import new_token
    from tests.conftest import event_record

    start = (utcnow() - dt.timedelta(days=400)).replace(microsecond=0)
    upsert_event(EventRecord.model_validate(event_record(slug=slug, starts=start)))
    db.session.commit()
    event_id = db.session.scalar(select(Event.id).where(Event.slug == slug))
    add_esf_questions(event_id)
    add_question(event_id, QuestionData("text", "Ernährung", "Diet", sensitive=True))
    add_question(event_id, QuestionData("text", "Ihre Frage", "Your question"))
    questions = {
        q.purpose or q.label_de: q.id
        for q in db.session.scalars(select(Question).where(Question.event_id == event_id))
    }
    before = start - dt.timedelta(days=10)
    db.session.execute(
        insert(Registration),
        [
            {
                "uid": f"{event_id:08d}{n:024d}",
                "event_id": event_id,
                "status": "confirmed",
                "first_name": "Ayşe",
                "last_name": f"Müller {n}",
                "email": f"p{event_id}-{n}@example.org",
                "email_normalised": f"p{event_id}-{n}@example.org",
                "organisation": "Bäckerei Größe & Söhne",
                "organisation_type": "company",
                "search_text": f"ayşe müller {n} p{event_id}-{n}@example.org",
                "token_hash": new_token()[1],
                "created_at": before,
                "updated_at": before,
            }
            for n in range(people)
        ],
    )
    ids = list(db.session.scalars(select(Registration.id).where(Registration.event_id == event_id)))
    db.session.execute(
        insert(Answer),
        [
            {"registration_id": rid, "question_id": questions[key], "value": value}
            for rid in ids
            for key, value in (
                ("Ernährung", "vegetarisch"),
                ("Ihre Frage", "Wie läuft die Anerkennung?"),
                ("gender", "female"),
            )
        ],
    )
    db.session.execute(
        insert(NetworkProfile),
        [{"registration_id": rid, "offers_text": "Ausbildungsplätze"} for rid in ids[::2]],
    )
    body = b"x" * 3000
    db.session.execute(
        insert(OutboxMessage),
        [
            {
                "kind": "confirmation",
                "recipient": f"p{event_id}-{n}@example.org",
                "mailbox": f"p{event_id}-{n}@example.org",
                "subject": "Anmeldung bestätigt",
                "message": body,
                "message_id": f"<bench-{event_id}-{n}@bench>",
                "status": "sent",
                "sent_at": before,
                "created_at": before,
                "event_id": event_id,
                "registration_id": rid,
            }
            for n, rid in enumerate(ids)
        ],
    )
    db.session.execute(update(Event).where(Event.id == event_id).values(confirmed_count=people))
    assert db.session.get(EventRetention, event_id) is None
    db.session.commit()
    return event_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database")
    args = parser.parse_args()

    from reminders import run  # the same whole-process timing (wall and CPU)
    from sqlalchemy import func, select

    from eventhub import create_app
    from eventhub.extensions import db
    from eventhub.models import Answer, Registration

    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app", "privacy", "purge"]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SERVER_NAME": None})
        with app.app_context():
            db.drop_all()
            db.create_all()
            print(f"database: {db.engine.dialect.name}, {args.people} registrations")
            whole, bare = [], []
            for n in range(args.rounds):
                event_id = prepare(f"bench-purge-{n}", args.people)
                whole.append(run(flask, url))
                named = db.session.scalar(
                    select(func.count())
                    .select_from(Registration)
                    .where(Registration.event_id == event_id, Registration.email != "")
                )
                answers = db.session.scalar(
                    select(func.count())
                    .select_from(Answer)
                    .join(Registration)
                    .where(Registration.event_id == event_id)
                )
                assert named == 0 and answers == args.people, (named, answers)
                db.session.commit()
                bare_event = prepare(f"bench-purge-bare-{n}", args.people)
                bare.append(run([sys.executable, "-c", BARE, str(bare_event)], url))
                db.session.commit()
            w, b = (statistics.median(t for t, _cpu in runs) for runs in (whole, bare))
            wc, bc = (statistics.median(c for _t, c in runs) for runs in (whole, bare))
            print(
                f"purge process: {w:6.2f} s, CPU {wc:6.2f} s ({args.people / w:,.0f} "
                f"registrations/s) | bare statements process: {b:6.2f} s, CPU {bc:5.2f} s "
                f"| ratio {w / b:.1f}, CPU {wc / bc:.1f}"
            )


if __name__ == "__main__":
    main()
