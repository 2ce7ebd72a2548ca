"""What five questions on the form cost a registration POST, against the same form without.

Usage: .venv/bin/python bench/questions.py [--posts 400] [--database URL]

Builds a fresh database (SQLite in a temp dir unless --database names a scratch
database, whose eventhub tables are dropped and recreated) with two published events
alike but for the questions: one asks none, the other five (single choice, multiple
choice, yes/no, number, long text; the kinds that cost most to validate and store).
Then POSTs the public registration form /events/<slug>/register in-process with the
Flask test client, alternating between the two events so that both see the same
database growth and machine noise, and reports per variant the median and 95th
percentile wall time of one POST, the median CPU time of this process (steadier on a
busy machine) (the whole request: form, validation, the registration
transaction with confirmation mail composed into the outbox, the redirect) and the
SQL statements per POST, then the ratio of the medians.

Aim (issue 14): with five questions the POST stays within 10 % of the plain one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event as sa_event  # noqa: E402

from eventhub import create_app  # noqa: E402
from eventhub.events.records import import_events  # noqa: E402
from eventhub.extensions import db  # noqa: E402
from eventhub.manage.questions import QuestionData, add_question  # noqa: E402
from eventhub.models import Event  # noqa: E402

PERSON = {
    "first_name": "Jürgen",
    "last_name": "Müller-Lüdenscheidt",
    "organisation": "Bäckerei Größe GmbH",
    "job_title": "Ausbildungsleiter",
    "consent_privacy": "y",
}
SLUGS = {"plain": "event-plain", "five-questions": "event-asked"}
QUESTIONS = [
    QuestionData(
        "choice",
        "Essenswunsch",
        "Diet",
        required=True,
        sensitive=True,
        options=[
            {"key": "veg", "de": "vegetarisch", "en": "vegetarian"},
            {"key": "vegan", "de": "vegan", "en": "vegan"},
            {"key": "all", "de": "alles", "en": "anything"},
        ],
    ),
    QuestionData(
        "multiple",
        "Themen",
        "Topics",
        options=[
            {"key": "anerkennung", "de": "Anerkennung", "en": "Recognition"},
            {"key": "visa", "de": "Visa", "en": "Visas"},
            {"key": "wohnen", "de": "Wohnen", "en": "Housing"},
        ],
    ),
    QuestionData("boolean", "Parkplatz benötigt?", "Need a parking space?"),
    QuestionData("number", "Anzahl Beschäftigte", "Number of employees"),
    QuestionData("textarea", "Anmerkungen", "Remarks", help_de="Was sollen wir wissen?"),
]


def event_record(slug: str) -> dict:
    return {
        "slug": slug,
        "title": "Integration von Geflüchteten in Arbeit",
        "format": "fachtagung",
        "starts_at": "2030-01-15T10:00:00+01:00",
        "ends_at": "2030-01-15T16:00:00+01:00",
        "status": "published",
        "capacity": None,
        "venue": {"name": "Lohnhalle", "city": "Bottrop"},
        "hosts": [{"name": "G.I.B.", "slug": "gib", "role": "host"}],
        "contact": {"name": "Erika Muster", "email": "erika@example.org"},
    }


def answers_for(question_ids: list[int]) -> dict[str, object]:
    diet, topics, parking, staff, remarks = question_ids
    return {
        f"question-{diet}": "veg",
        f"question-{topics}": ["anerkennung", "visa"],
        f"question-{parking}": "yes",
        f"question-{staff}": "25",
        f"question-{remarks}-long_answer": "Wir kommen mit zwei Auszubildenden.\nDanke!",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400, help="POSTs per variant")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "BOT_PROTECTION": False,
                "WTF_CSRF_ENABLED": False,
                # Many registrations from one address are what this measures.
                "REGISTRATIONS_PER_ADDRESS_PER_DAY": 10**9,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            import_events([event_record(SLUGS["plain"]), event_record(SLUGS["five-questions"])])
            asked = db.session.scalar(
                db.select(Event.id).where(Event.slug == SLUGS["five-questions"])
            )
            question_ids = [add_question(asked, q).id for q in QUESTIONS]
            db.session.remove()
            engine = db.engine
        client = app.test_client()
        variants = {"plain": {}, "five-questions": answers_for(question_ids)}
        statements = {name: 0 for name in variants}
        current = [""]

        def count(*_args) -> None:
            statements[current[0]] += 1

        sa_event.listen(engine, "before_cursor_execute", count)
        timings: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for n in range(args.warmup + args.posts):
            for name, answers in variants.items():
                current[0] = name
                # Slugs and addresses of equal length: both go into the confirmation's
                # headers and QR code, whose size would otherwise differ by variant.
                data = {**PERSON, "email": f"p{n}-{name[0]}@example.org", **answers}
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.post(f"/events/{SLUGS[name]}/register", data=data)
                elapsed = time.perf_counter() - started
                elapsed_cpu = time.process_time() - started_cpu
                if response.status_code != 303:
                    raise SystemExit(f"{name}: {response.status_code}")
                if n >= args.warmup:
                    timings[name].append(elapsed * 1000)
                    cpu[name].append(elapsed_cpu * 1000)
                elif n == args.warmup - 1:
                    statements[name] = 0
        sa_event.remove(engine, "before_cursor_execute", count)
        print(f"{args.posts} registration POSTs per variant, {url.split(':')[0]}, in-process")
        print(f"{'variant':<16} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8} {'queries/POST':>13}")
        medians, cpu_medians = {}, {}
        for name, times in timings.items():
            times.sort()
            medians[name] = statistics.median(times)
            cpu_medians[name] = statistics.median(cpu[name])
            p95 = times[int(len(times) * 0.95) - 1]
            per_post = statements[name] / args.posts
            print(
                f"{name:<16} {medians[name]:>10.2f} {p95:>8.2f} {cpu_medians[name]:>8.2f} "
                f"{per_post:>13.1f}"
            )
        ratio = medians["five-questions"] / medians["plain"]
        cpu_ratio = cpu_medians["five-questions"] / cpu_medians["plain"]
        print(
            f"five questions / plain (median): {ratio:.3f} wall, {cpu_ratio:.3f} CPU "
            "(aim: at most 1.10)"
        )
        if not args.database:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
