"""Reminders before an event (issue 15): written by the mail scheduler at the right local
time across summer and winter time, each once per person even with two schedulers at
once, only to confirmed people registered before the reminder's moment, in their
language with the programme, a private link and the calendar invitation again."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from eventhub.events.registration import Attendee, cancel_registration, register
from eventhub.extensions import db
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import Event, OutboxMessage, Registration, ReminderSend
from tests.conftest import run_together
from tests.ical import parse_ics, vevents
from tests.manage.conftest import hosted_by
from tests.manage.test_events import event_form, org_id

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
# Monday after the clocks go back (25 Oct 2026) and after they go forward (28 Mar 2027).
AFTER_WINTER = dt.datetime(2026, 10, 26, 10, 0, tzinfo=BERLIN)
AFTER_SUMMER = dt.datetime(2027, 3, 29, 10, 0, tzinfo=BERLIN)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def person(tag: str, language: str = "de", **extra) -> Attendee:
    return Attendee("Dana", tag, f"{tag}@example.org", language=language, **extra)


def schedule(runner) -> str:
    result = runner.invoke(args=["mail", "scheduled"])
    assert result.exit_code == 0, result.output
    return result.output


def reminded(outbox) -> Counter:
    return Counter(row.recipient for row in outbox(kind="reminder"))


def build(make_event, starts: dt.datetime, **overrides) -> Event:
    with at(starts - dt.timedelta(days=20)):
        return make_event(starts=starts, **overrides)


@pytest.mark.parametrize("starts", [AFTER_WINTER, AFTER_SUMMER], ids=["winter", "summer"])
def test_reminders_come_at_the_local_time_across_a_clock_change(make_event, runner, outbox, starts):
    event = build(make_event, starts)
    with at(starts - dt.timedelta(days=10)):
        register(event.id, person("anna"))
    # Two days before a Monday 10:00 start is Saturday 10:00 on the clock there, though
    # the clocks change on the Sunday in between.
    saturday_ten = dt.datetime(starts.year, starts.month, starts.day - 2, 10, 0, tzinfo=BERLIN)
    with at(saturday_ten - dt.timedelta(minutes=1)):
        schedule(runner)
    assert reminded(outbox) == Counter()
    with at(saturday_ten):
        assert "1 reminders written." in schedule(runner)
    with at(saturday_ten + dt.timedelta(hours=3)):
        schedule(runner)
    assert reminded(outbox) == Counter({"anna@example.org": 1})
    # Two hours before: 8:00 on the Monday.
    with at(starts - dt.timedelta(hours=2, minutes=1)):
        schedule(runner)
    assert reminded(outbox) == Counter({"anna@example.org": 1})
    with at(starts.replace(hour=8)):
        schedule(runner)
        schedule(runner)
    assert reminded(outbox) == Counter({"anna@example.org": 2})
    with at(starts + dt.timedelta(minutes=1)):  # started: nothing more
        schedule(runner)
    assert reminded(outbox) == Counter({"anna@example.org": 2})


def test_only_confirmed_people_get_reminders(make_event, runner, outbox):
    starts = AFTER_WINTER
    event = build(make_event, starts, capacity=2, reminder_offsets=[120])
    with at(starts - dt.timedelta(days=10)):
        register(event.id, person("kept"))
        gone, _ = register(event.id, person("gone"))
        register(event.id, person("movedup"), if_full="wait")
        register(event.id, person("waits"), if_full="wait")
        cancel_registration(gone.id)  # "movedup" gets the seat, "waits" still waits
    with at(starts - dt.timedelta(hours=1)):
        schedule(runner)
    db.session.rollback()
    statuses = dict(db.session.execute(select(Registration.last_name, Registration.status)).all())
    assert statuses == {
        "kept": "confirmed",
        "gone": "cancelled",
        "movedup": "confirmed",
        "waits": "waiting",
    }
    assert reminded(outbox) == Counter({"kept@example.org": 1, "movedup@example.org": 1})


def test_a_late_registration_gets_no_stale_reminder(make_event, runner, outbox):
    starts = AFTER_WINTER
    event = build(make_event, starts, capacity=None)
    with at(starts - dt.timedelta(days=10)):
        register(event.id, person("early"))
    with at(starts - dt.timedelta(days=1)):  # after the two-day reminder's moment
        register(event.id, person("late"))
        schedule(runner)
    assert reminded(outbox) == Counter({"early@example.org": 1})
    with at(starts - dt.timedelta(minutes=90)):  # after the two-hour one's
        register(event.id, person("later"))
        schedule(runner)
    assert reminded(outbox) == Counter({"early@example.org": 2, "late@example.org": 1})


def test_offsets_off_means_no_reminders(make_event, runner, outbox):
    event = build(make_event, AFTER_WINTER, reminder_offsets=[])
    with at(AFTER_WINTER - dt.timedelta(days=10)):
        register(event.id, person("anna"))
    for hours in (49, 47, 3, 1):
        with at(AFTER_WINTER - dt.timedelta(hours=hours)):
            schedule(runner)
    assert reminded(outbox) == Counter()


WORDS = {
    "de": ("Erinnerung: ", "Programm", "Begrüßung", "Anmeldung ändern oder stornieren", "Online"),
    "en": ("Reminder: ", "Programme", "Begrüßung", "Change or cancel", "Online"),
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_mail_in_the_persons_language(make_event, runner, outbox, client, language):
    starts = AFTER_WINTER
    item_at = (starts + dt.timedelta(hours=1)).isoformat()
    agenda = [{"starts_at": item_at, "title": "Begrüßung", "kind": "talk"}]
    event = build(
        make_event,
        starts,
        agenda=agenda,
        hybrid=True,
        online_url="https://meet.example.org/room",
        reminder_offsets=[120],
    )
    with at(starts - dt.timedelta(days=10)):
        confirmation_sequence = event.sequence
        register(event.id, person("online", language, attendance="online"))
        register(event.id, person("onsite", language))
    with at(starts - dt.timedelta(hours=2)):
        schedule(runner)
    subject, programme, item, manage, online = WORDS[language]
    for tag in ("online", "onsite"):
        (row,) = outbox(kind="reminder", recipient=f"{tag}@example.org")
        message = outbox.parse(row)
        assert message["Subject"].startswith(subject)
        text = outbox.text(row)
        assert programme in text and item in text and manage in text
        assert "11:00" in text  # the programme item on the local clock (10:00 UTC)
        assert ("meet.example.org" in text) == (tag == "online")
        assert ("Lohnhalle" in text) == (tag == "onsite")
        (link,) = re.findall(r"http://eventhub\.test(/r/\S+)", text)
        assert client.get(link).status_code == 200  # the fresh private link works
        ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        cal = parse_ics(ics.get_payload(decode=True))
        assert str(cal["METHOD"]) == "REQUEST"
        (vevent,) = vevents(cal)
        registration = db.session.scalar(
            select(Registration).where(Registration.email == f"{tag}@example.org")
        )
        confirmation = outbox.parse(outbox(kind="confirmation", recipient=registration.email)[0])
        first = next(p for p in confirmation.walk() if p.get_content_type() == "text/calendar")
        (original,) = vevents(parse_ics(first.get_payload(decode=True)))
        assert str(vevent["UID"]) == str(original["UID"])
        assert int(vevent["SEQUENCE"]) >= confirmation_sequence


def test_meeting_times_are_in_the_reminder(make_event, runner, outbox):
    from eventhub.network.meetings import accept_meeting, configure_meetings, request_meeting
    from tests.network.meeting_data import WINTER, setup_values
    from tests.network.meeting_data import at as at_day

    starts = at_day(WINTER, 10)
    event = build(make_event, starts, reminder_offsets=[120])
    with at(starts - dt.timedelta(days=10)):
        configure_meetings(event.id, **setup_values(WINTER))
        anna, _ = register(event.id, person("anna"))
        bernd, _ = register(event.id, person("bernd", "en"))
        register(event.id, person("carla"))
        for registration in (anna, bernd):  # listed, as the directory needs
            db.session.get(Registration, registration.id).directory_visibility = "participants"
        db.session.commit()
        meeting, _ = request_meeting(anna.id, bernd.id, "Azubis?", [at_day(WINTER, 11, 20)])
        accept_meeting(meeting.id, bernd.id)
    with at(starts - dt.timedelta(hours=1)):
        schedule(runner)
    anna_text = outbox.text(outbox(kind="reminder", recipient="anna@example.org")[0])
    assert "Ihre Gespräche" in anna_text and "11:20–11:35 Dana bernd (Tisch 1)" in anna_text
    bernd_text = outbox.text(outbox(kind="reminder", recipient="bernd@example.org")[0])
    assert "Your meetings" in bernd_text
    assert "11:20\u202fAM–11:35\u202fAM Dana anna (table 1)" in bernd_text
    carla_text = outbox.text(outbox(kind="reminder", recipient="carla@example.org")[0])
    assert "Gespräche" not in carla_text


def two_schedulers_at_once(app, make_event, count: int = 20) -> tuple[Counter, list[str]]:
    """Two schedulers released together on one event with `count` confirmed people:
    reminders written per recipient, and the errors the schedulers logged (they log a
    failed event and go on, so a collision shows there, not as an exception)."""
    import logging

    starts = AFTER_WINTER
    event = build(make_event, starts, capacity=None, reminder_offsets=[120])
    with at(starts - dt.timedelta(days=10)):
        for n in range(count):
            register(event.id, person(f"p{n}"))
    db.session.commit()
    failures: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            failures.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logging.getLogger("eventhub.manage.scheduled").addHandler(handler)
    try:
        moment = starts - dt.timedelta(hours=1)
        assert run_together(app, lambda: run_scheduled(moment), count=2) == []
    finally:
        logging.getLogger("eventhub.manage.scheduled").removeHandler(handler)
    db.session.rollback()
    per_person = Counter(
        db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "reminder")
        ).all()
    )
    return per_person, failures


@pytest.mark.parametrize("batch", [3, 200])
def test_two_schedulers_at_once_write_each_reminder_once(app, make_event, monkeypatch, batch):
    from eventhub.manage import scheduled

    monkeypatch.setattr(scheduled, "REMINDER_BATCH", batch)  # 3: the batches interleave
    per_person, failures = two_schedulers_at_once(app, make_event)
    assert len(per_person) == 20 and set(per_person.values()) == {1}
    assert failures == []  # the lock serialises them: no collision for the backstop to catch
    assert db.session.scalar(select(func.count(ReminderSend.id))) == 20


def test_control_without_the_lock_the_schedulers_collide(app, make_event, monkeypatch):
    """Shows the test above can fail: without the event lock (a deferred transaction that
    reads the event without FOR UPDATE) both schedulers find the same people still due
    when they come to write; the second one's write then fails on the lock (SQLite) or
    the unique send row (PostgreSQL), or, where neither stops it, a person gets the
    reminder twice."""
    import contextlib
    import functools
    import threading

    from sqlalchemy.orm import Session

    from eventhub.database import write_transaction
    from eventhub.manage import reminders, scheduled

    monkeypatch.setattr(
        scheduled, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    real_get = Session.get

    def get_without_lock(session, model, ident, **options):
        options.pop("with_for_update", None)
        return real_get(session, model, ident, **options)

    monkeypatch.setattr(Session, "get", get_without_lock)
    still_due = reminders._still_due
    both_checked = threading.Barrier(2)

    def slow_check(*args):  # both check who is due before either writes
        found = still_due(*args)
        # (Broken: the other one found nobody due; there is nothing to wait for.)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=5)
        return found

    monkeypatch.setattr(reminders, "_still_due", slow_check)
    per_person, failures = two_schedulers_at_once(app, make_event)
    assert failures or max(per_person.values()) > 1, "the race did not show"


def test_whoever_cancels_while_the_batch_is_built_gets_no_reminder(make_event, monkeypatch, outbox):
    """Reminders are built without a lock and written under it: the write checks again."""
    from eventhub.manage import scheduled

    starts = AFTER_WINTER
    event = build(make_event, starts, capacity=None, reminder_offsets=[120])
    with at(starts - dt.timedelta(days=10)):
        leaving, _ = register(event.id, person("leaving"))
        register(event.id, person("staying"))
    db.session.commit()
    build_batch = scheduled.compose_reminders

    def cancel_meanwhile(*args, **kwargs):
        composed = build_batch(*args, **kwargs)
        cancel_registration(leaving.id)
        return composed

    monkeypatch.setattr(scheduled, "compose_reminders", cancel_meanwhile)
    assert run_scheduled(starts - dt.timedelta(hours=1)).reminders == 1
    assert reminded(outbox) == Counter({"staying@example.org": 1})


def test_the_send_row_is_unique_per_person_and_offset(app, make_event):
    """The backstop under the event lock: a second send row for the same reminder fails."""
    from sqlalchemy.exc import IntegrityError

    event = build(make_event, AFTER_WINTER)
    with at(AFTER_WINTER - dt.timedelta(days=10)):
        registration, _ = register(event.id, person("anna"))
    db.session.add(ReminderSend(registration_id=registration.id, offset_minutes=120))
    db.session.commit()
    db.session.add(ReminderSend(registration_id=registration.id, offset_minutes=120))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_form_saves_and_checks_the_reminders(organiser_client):
    client = organiser_client
    data = event_form(org_id("ihk-nrw"), title="Mit Erinnerung", reminders="24, 1")
    assert client.post("/manage/events/new", data=data).status_code == 303
    db.session.rollback()
    event = db.session.scalar(select(Event).where(Event.title == "Mit Erinnerung"))
    assert event.reminder_offsets == [1440, 60]
    page = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="24, 1"' in page and "Erinnerungen (Stunden vor Beginn)" in page
    off = event_form(org_id("ihk-nrw"), title="Mit Erinnerung", reminders="")
    assert client.post(f"/manage/events/{event.slug}/edit", data=off).status_code == 303
    db.session.rollback()
    assert db.session.get(Event, event.id).reminder_offsets == []
    for bad, message in (
        ("zwei", "ganze Stunden von 1 bis 720"),
        ("0", "ganze Stunden von 1 bis 720"),
        ("2, 2", "höchstens fünf verschiedene"),
        ("1, 2, 3, 4, 5, 6", "höchstens fünf verschiedene"),
    ):
        wrong = event_form(org_id("ihk-nrw"), title="Mit Erinnerung", reminders=bad)
        response = client.post(f"/manage/events/{event.slug}/edit", data=wrong)
        assert response.status_code == 422, bad
        assert message in response.get_data(as_text=True), bad
    english = client.post(
        f"/manage/events/{event.slug}/edit?lang=en",
        data=event_form(org_id("ihk-nrw"), title="Mit Erinnerung", reminders="zwei"),
    )
    assert english.status_code == 422
    assert "whole hours from 1 to 720" in english.get_data(as_text=True)


def test_the_event_record_carries_the_offsets(make_event):
    from eventhub.events.records import event_to_dict

    event = make_event(hosts=hosted_by("gib"), reminder_offsets=[60, 2880])
    assert event_to_dict(event)["reminder_offsets"] == [2880, 60]
    assert make_event().reminder_offsets == [2880, 120]
