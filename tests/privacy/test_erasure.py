"""Erasure on request (Art. 17): active registrations are cancelled properly (seat freed,
waiting list served, CANCEL mailed), then everything about the address is anonymised;
under concurrency no seat is overbooked or wasted and nothing is left behind."""

from __future__ import annotations

import contextlib
import threading
from functools import partial

import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from eventhub.database import write_transaction
from eventhub.events.registration import (
    Attendee,
    RegistrationRefused,
    cancel_registration,
    register,
)
from eventhub.extensions import db
from eventhub.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Answer,
    Certificate,
    ConsentRecord,
    ContactRequest,
    Event,
    Meeting,
    NetworkProfile,
    ParticipantFeed,
    PrivacyRequest,
    Registration,
)
from eventhub.privacy import erasure
from eventhub.privacy.erasure import erase_person
from tests.conftest import run_together
from tests.ical import parse_ics, vevents
from tests.privacy.seeding import ANNA, BERND, seed_people
from tests.privacy.test_access import mailed_link


def open_data(client, outbox, email: str = ANNA):
    client.post("/privacy", data={"email": email})
    assert client.post(mailed_link(outbox)).status_code == 303


def calendar_of(outbox, row):
    message = outbox.parse(row)
    [part] = {
        p.get_payload(decode=True)
        for p in message.walk()
        if p.get_content_type() == "text/calendar"
    }
    cal = parse_ics(part)
    [vevent] = vevents(cal)
    return str(cal["METHOD"]), str(vevent["UID"]), int(vevent["SEQUENCE"])


def test_erasure_cancels_properly_then_anonymises_everything(client, make_event, outbox):
    seeded = seed_people(make_event)
    full = db.session.get(Event, seeded.full_event_id)
    # Anna also holds the only seat of a small event, with someone waiting behind her.
    small = make_event(capacity=1)
    held, _t = register(small.id, Attendee("Annabella", "Auskunftsreich", ANNA))
    register(small.id, Attendee("Wolf", "Wartend", "wolf@example.org"), if_full="wait")
    _m, invite_uid, invite_sequence = calendar_of(
        outbox, outbox.last(kind="confirmation", recipient=ANNA)
    )
    open_data(client, outbox)

    refused = client.post("/privacy/my-data/erase", data={})
    assert refused.status_code == 422
    assert "Bitte bestätigen Sie die Löschung" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Registration.first_name == "Annabella"))

    erased = client.post("/privacy/my-data/erase", data={"confirm": "y"})
    assert erased.headers["Location"] == "/privacy"
    assert "Ihre Daten wurden gelöscht: 3 Anmeldungen storniert" in client.get("/privacy").get_data(
        as_text=True
    )
    assert client.get("/privacy/my-data").status_code == 403  # the access ended with it

    db.session.rollback()
    # The seat went to Wolf, with his confirmation; counters match the rows.
    wolf = db.session.scalar(select(Registration).where(Registration.first_name == "Wolf"))
    assert wolf.status == "confirmed"
    assert outbox(kind="confirmation", recipient="wolf@example.org")
    for event in (small, full, db.session.get(Event, seeded.main.event_id)):
        held_now = db.session.scalar(
            select(func.count()).where(
                Registration.event_id == event.id, Registration.status.in_(SEAT_STATUSES)
            )
        )
        assert db.session.get(Event, event.id, populate_existing=True).confirmed_count == held_now
    # Anna got the calendar CANCEL for each seat she held (same UID, higher SEQUENCE),
    # and the note that she left the waiting list.
    cancels = outbox(kind="cancellation", recipient=ANNA)
    assert len(cancels) == 2
    methods = {calendar_of(outbox, row) for row in cancels}
    assert ("CANCEL", invite_uid, invite_sequence + 1) in methods
    assert [row.recipient.lower() for row in outbox(kind="left")] == [ANNA]
    # Nothing of hers is left: her rows are anonymised, their dependants gone.
    mine = [seeded.main.id, seeded.waiting.id, held.id]
    for registration in db.session.scalars(select(Registration).where(Registration.id.in_(mine))):
        assert registration.status == "cancelled"
        assert (registration.first_name, registration.email, registration.organisation) == (
            "",
            "",
            "",
        )
    for column in (
        Answer.registration_id,
        NetworkProfile.registration_id,
        Certificate.registration_id,
    ):
        assert not db.session.scalar(select(func.count()).where(column.in_(mine))), column
    # Consent records stay as proof, tied to nothing but the anonymous row.
    assert db.session.scalar(
        select(func.count()).where(ConsentRecord.registration_id == seeded.main.id)
    )
    assert not db.session.scalar(
        select(func.count()).where(
            (ContactRequest.sender_id.in_(mine)) | (ContactRequest.recipient_id.in_(mine))
        )
    )
    assert not db.session.scalar(
        select(func.count()).where(
            (Meeting.requester_id.in_(mine)) | (Meeting.partner_id.in_(mine))
        )
    )
    assert not db.session.scalar(
        select(func.count()).where(ParticipantFeed.email_normalised == ANNA)
    )
    assert not db.session.scalar(
        select(func.count()).where(PrivacyRequest.email_normalised == ANNA)
    )
    # Delivered mail to her is emptied; what is still on its way (the CANCELs) stays.
    for row in outbox():
        if row.recipient.lower() == ANNA:
            assert row.status == "queued"
    # Bernd is untouched.
    bernd = db.session.get(Registration, seeded.bernd.id)
    assert (bernd.first_name, bernd.email, bernd.status) == ("Berndolin", BERND, "confirmed")
    assert db.session.scalar(
        select(func.count()).where(NetworkProfile.registration_id == seeded.bernd.id)
    )
    # A new link for her address now finds nothing but the mails still on their way.
    open_data(client, outbox)
    html = client.get("/privacy/my-data").get_data(as_text=True)
    assert "Über diese Adresse ist nichts gespeichert" in html
    assert "Annabella" not in html


# --- erasure while a registration of the same address is in flight -----------------------


def small_full_event(app) -> tuple[int, int]:
    """One seat, held by Anna; Wolf waits. Returns (event id, Anna's registration id)."""
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from tests.conftest import event_record

    with app.app_context():
        record = EventRecord.model_validate(event_record(capacity=1))
        upsert_event(record)
        db.session.commit()
        event_id = db.session.scalar(select(Event.id).where(Event.slug == record.slug))
        anna, _t = register(event_id, Attendee("Annabella", "Auskunftsreich", ANNA))
        register(event_id, Attendee("Wolf", "Wartend", "wolf@example.org"), if_full="wait")
        return event_id, anna.id


def register_again(event_id: int, go: threading.Event) -> None:
    """Anna registers for the same (full) event again, joining the list if need be; a
    refusal (she still held her seat: a duplicate) is a fine outcome."""
    go.wait()
    with contextlib.suppress(RegistrationRefused):
        register(
            event_id,
            Attendee("Annabella", "Auskunftsreich", ANNA, organisation="Neu"),
            if_full="wait",
        )


def together(app, first, second) -> None:
    """Run two different jobs in two threads released at the same moment."""
    jobs = iter([first, second])
    lock = threading.Lock()

    def job():
        with lock:
            todo = next(jobs)
        todo()

    assert run_together(app, job, 2) == []


def broken_rules(app, event_id: int) -> list[str]:
    """What must never be: an erased row holding a seat or a place on the list (a wasted
    seat, an orphan), more seats held than capacity, a counter off the rows, a free seat
    while someone waits."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        rows = db.session.execute(
            select(Registration.status, Registration.anonymised_at, Registration.email).where(
                Registration.event_id == event_id
            )
        ).all()
        held = sum(1 for status, _a, _e in rows if status in SEAT_STATUSES)
        waiting = sum(1 for status, _a, _e in rows if status == "waiting")
        problems = []
        if any(a is not None and status in ACTIVE_STATUSES for status, a, _e in rows):
            problems.append("an erased registration is still active")
        if held > event.capacity:
            problems.append("overbooked")
        if held != event.confirmed_count:
            problems.append("counter off")
        if held < event.capacity and waiting:
            problems.append("a seat is free while someone waits")
        if any(a is None and not e for _s, a, e in rows):
            problems.append("a registration without a person")
        return problems


def test_erasure_with_a_registration_in_flight_keeps_every_rule(app_factory, monkeypatch):
    """The registration is let go the moment the erasure has read which registrations to
    erase (the worst moment): under the event lock, it waits for the erasure to finish and
    then is a new registration, whole. Three rounds, and one more without the hook."""
    app = app_factory(MAILS_PER_MAILBOX_PER_HOUR=100)
    real = erasure._registrations_at
    for hooked in (True, True, True, False):
        event_id, anna_id = small_full_event(app)
        read = threading.Event()
        if not hooked:
            read.set()

        def reading(event_id, email_normalised, read=read):
            found = real(event_id, email_normalised)
            read.set()
            return found

        monkeypatch.setattr(erasure, "_registrations_at", reading)
        together(
            app,
            lambda: erase_person(ANNA),
            lambda event_id=event_id, read=read: register_again(event_id, read),
        )
        assert broken_rules(app, event_id) == []
        with app.app_context():
            statuses = dict(
                db.session.execute(
                    select(Registration.first_name, Registration.status).where(
                        Registration.event_id == event_id,
                        Registration.first_name != "",
                    )
                ).all()
            )
            assert statuses["Wolf"] == "confirmed"
            assert db.session.get(Registration, anna_id).anonymised_at is not None
            again = db.session.scalar(
                select(Registration).where(
                    Registration.event_id == event_id, Registration.email_normalised == ANNA
                )
            )
            if hooked:  # came after the erasure: whole, on the waiting list
                assert again.status == "waiting" and again.organisation == "Neu"
            # Whatever the order: erasing once more leaves nothing of her, and no rule broken.
            erase_person(ANNA)
        assert broken_rules(app, event_id) == []


def cancelled_then_full(app) -> tuple[int, int]:
    """Anna held the one seat and cancelled it (Wolf got it): her cancelled row is what an
    erasure finds at the event, and she may register again (on the waiting list)."""
    event_id, anna_id = small_full_event(app)
    with app.app_context():
        cancel_registration(anna_id)
    return event_id, anna_id


def missed_by_the_erasure(app, event_id: int) -> list[str]:
    """What the erasure must never leave: a registration of the address that was made
    before the erasure anonymised her rows at the event, and still names her (neither
    erased with the others nor a new registration after it)."""
    with app.app_context():
        rows = db.session.execute(
            select(Registration.first_name, Registration.created_at, Registration.anonymised_at)
            .where(Registration.event_id == event_id)
            .execution_options(populate_existing=True)
        ).all()
        erased_at = max((a for _n, _c, a in rows if a is not None), default=None)
        if erased_at is None:
            return ["nothing erased"]
        return [
            "a registration made before the erasure still names her"
            for name, created, anonymised in rows
            if anonymised is None and name == "Annabella" and created < erased_at
        ]


def registering_during_the_erasure(app, monkeypatch, event_id: int, *, wait: bool):
    """Run the erasure and Anna's new registration together; the registration is let go
    once the erasure has read her rows at the event, and (`wait`) the erasure goes on
    only after the registration has committed. Returns what the two raised."""
    read, registered = threading.Event(), threading.Event()
    real = erasure._registrations_at

    def reading(event_id, email_normalised):
        found = real(event_id, email_normalised)
        read.set()
        if wait:
            registered.wait(timeout=60)  # a safety net only: nothing asserts a duration
        return found

    monkeypatch.setattr(erasure, "_registrations_at", reading)

    def anna_again():
        try:
            register_again(event_id, read)
        finally:
            registered.set()

    jobs = iter([lambda: erase_person(ANNA), anna_again])
    lock = threading.Lock()

    def job():
        with lock:
            todo = next(jobs)
        todo()

    return run_together(app, job, 2)


def test_a_registration_let_go_after_the_read_comes_after_the_erasure(app_factory, monkeypatch):
    """Anna cancelled, and registers again the moment the erasure has read her rows: under
    the event lock her new registration waits and is made after the erasure, whole."""
    app = app_factory(MAILS_PER_MAILBOX_PER_HOUR=100)
    event_id, anna_id = cancelled_then_full(app)
    assert registering_during_the_erasure(app, monkeypatch, event_id, wait=False) == []
    assert missed_by_the_erasure(app, event_id) == []
    assert broken_rules(app, event_id) == []
    with app.app_context():
        again = db.session.scalar(select(Registration).where(Registration.email_normalised == ANNA))
        assert (again.status, again.organisation) == ("waiting", "Neu")
        assert again.created_at > db.session.get(Registration, anna_id).anonymised_at


def test_control_without_the_event_lock_the_erasure_misses_a_registration(
    app_factory, monkeypatch, backend
):
    """Shows the test above can fail: the real erasure with its event lock switched off (a
    plain read of the event, and on SQLite a deferred BEGIN instead of BEGIN IMMEDIATE, the
    database lock that is SQLite's event lock). Anna's new registration commits between
    the erasure's read and its write. PostgreSQL: the erasure anonymises what it read and
    leaves the new registration, made before it, with her name. SQLite: the erasure's
    write fails ("database is locked") and leaves everything of hers."""
    app = app_factory(MAILS_PER_MAILBOX_PER_HOUR=100)
    event_id, anna_id = cancelled_then_full(app)
    monkeypatch.setattr(
        erasure,
        "locked_event",
        lambda event_id: db.session.get(Event, event_id, populate_existing=True),
    )
    monkeypatch.setattr(erasure, "write_transaction", partial(write_transaction, immediate=False))
    errors = registering_during_the_erasure(app, monkeypatch, event_id, wait=True)
    if backend == "sqlite":
        assert [type(e) for e in errors] == [OperationalError], errors
        assert "database is locked" in str(errors[0])
        with app.app_context():
            assert db.session.get(Registration, anna_id).first_name == "Annabella"
    else:
        assert errors == []
        assert missed_by_the_erasure(app, event_id) == [
            "a registration made before the erasure still names her"
        ]


def test_the_public_erasure_needs_the_access(app, client):
    assert client.post("/privacy/my-data/erase", data={"confirm": "y"}).status_code == 403


def test_an_event_that_is_over_keeps_its_counts(app, make_event, outbox):
    """Who came stays counted: a past registration is anonymised, not cancelled, and no
    CANCEL goes out for an event that is over."""
    from eventhub.events.registration import set_checked_in
    from tests.conftest import in_days

    event = make_event(starts=in_days(2))
    came, _t = register(event.id, Attendee("Annabella", "Auskunftsreich", ANNA))
    set_checked_in(came.id, True)
    with time_machine.travel(in_days(5)):
        report = erase_person(ANNA)
    assert (report.cancelled, report.anonymised) == (0, 1)
    db.session.rollback()
    row = db.session.get(Registration, came.id)
    assert (row.status, row.first_name, row.email) == ("confirmed", "", "")
    assert row.checked_in_at is not None
    assert db.session.get(Event, event.id).confirmed_count == 1
    assert outbox(kind="cancellation") == []
