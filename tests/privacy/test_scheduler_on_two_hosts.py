"""Two hosts whose mail workers both run the scheduled jobs (`flask mail send --loop`
without --no-scheduled, or a scheduler timer on each host): released at the same moment,
they write each digest, attendee list and reminder once, purge each event's data once,
and neither fails. Each event is worked on under its row lock (PostgreSQL) or the write
lock (SQLite); the controls that show these locks matter are beside the single jobs
(tests/manage/test_reminders.py, tests/manage/test_after_event.py)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import OutboxMessage
from eventhub.privacy.retention import purge
from tests.conftest import in_days, run_together
from tests.privacy.conftest import find_markers

BERLIN = ZoneInfo("Europe/Berlin")
STARTS = dt.datetime(2027, 3, 10, 10, 0, tzinfo=BERLIN)
# The afternoon before: digest (after 7:00), the list for tomorrow, the day-before reminder.
MOMENT = STARTS - dt.timedelta(hours=20)


def both_hosts_run_the_jobs(app, caplog, moment: dt.datetime) -> list:
    """What each host's worker runs between deliveries, on two hosts at once; returns
    their purge reports (asserting neither raised nor logged a failure)."""
    reports = []

    def host():
        run_scheduled()
        reports.append(purge())

    caplog.set_level(logging.ERROR)
    with time_machine.travel(moment, tick=False):
        assert run_together(app, host, count=2) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.failed for r in reports] == [0, 0]
    db.session.rollback()
    return reports


def upcoming_events(make_event) -> None:
    """Three events tomorrow, four people each, organisers mailed a daily digest."""
    with time_machine.travel(STARTS - dt.timedelta(days=20), tick=False):
        events = [
            make_event(starts=STARTS, notify_mode="digest", reminder_offsets=[1440])
            for _ in range(3)
        ]
    with time_machine.travel(STARTS - dt.timedelta(days=10), tick=False):
        for event in events:
            for n in range(4):
                register(event.id, Attendee("Pia", f"Person {n}", f"p{n}.{event.id}@example.org"))
    db.session.commit()


def scheduled_mails() -> Counter:
    """(kind, event, recipient) of each mail the jobs wrote, with how often."""
    db.session.rollback()
    return Counter(
        (row.kind, row.event_id, row.recipient)
        for row in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind != "confirmation")
        )
    )


def test_two_hosts_write_each_scheduled_mail_once(app, make_event, caplog):
    upcoming_events(make_event)
    both_hosts_run_the_jobs(app, caplog, MOMENT)
    written = scheduled_mails()
    kinds = Counter(kind for kind, _event, _to in written)
    assert kinds == {"organiser_digest": 3, "attendee_list": 3, "reminder": 12}, written
    assert set(written.values()) == {1}, written


def test_control_without_the_event_lock_two_hosts_write_a_digest_twice(
    app, make_event, monkeypatch, caplog
):
    """Shows the test above can fail: without the event's row lock (a deferred
    transaction that reads the event without FOR UPDATE) both hosts find the digest not
    yet sent; PostgreSQL then writes it twice, SQLite refuses the second writer (logged
    as a failed event)."""
    import contextlib
    import functools
    import threading

    from eventhub.database import write_transaction
    from eventhub.manage import scheduled
    from eventhub.models import Event

    upcoming_events(make_event)
    monkeypatch.setattr(
        scheduled, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(scheduled, "_locked_event", lambda session, id_: session.get(Event, id_))
    both_read = threading.Barrier(2)
    queue_digest = scheduled.queue_digest

    def after_both_read(*args):  # both decided the digest is due before either writes
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=2)
        return queue_digest(*args)

    monkeypatch.setattr(scheduled, "queue_digest", after_both_read)
    caplog.set_level(logging.ERROR)
    with time_machine.travel(MOMENT, tick=False):
        assert run_together(app, run_scheduled, count=2) == []
    failed = [r for r in caplog.records if "scheduled mail for event" in r.getMessage()]
    digests = [n for (kind, _e, _to), n in scheduled_mails().items() if kind == "organiser_digest"]
    if db.engine.dialect.name == "postgresql":
        assert max(digests) > 1, digests
    else:
        assert failed or max(digests) > 1, digests


def test_two_hosts_purge_each_event_once(app, world, caplog):
    event = world.event
    assert find_markers() != {}
    reports = both_hosts_run_the_jobs(app, caplog, event.ends_at + dt.timedelta(days=366))
    assert sum(r.registrations for r in reports) == 2  # anonymised once, by one of them
    assert sum(r.certificates for r in reports) == 1
    assert find_markers() == {}


@pytest.mark.parametrize("flags, lists", [([], 1), (["--no-scheduled"], 0)])
def test_the_looping_worker_leaves_the_jobs_to_a_scheduler_when_told(
    app, make_event, make_registration, monkeypatch, flags, lists
):
    """`mail send --loop --no-scheduled` only delivers (one pass of its loop here)."""
    from eventhub.mail import delivery

    make_registration(make_event(starts=in_days(1), notify_mode="none"))

    def one_pass(*, loop, between_passes=None, **_):
        assert loop
        if between_passes is not None:
            between_passes()
        return delivery.DeliveryReport()

    monkeypatch.setattr(delivery, "run_worker", one_pass)
    app.config["SMTP_URL"] = "smtp://127.0.0.1:25"
    result = app.test_cli_runner().invoke(args=["mail", "send", "--loop", *flags])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds.count("attendee_list") == lists
