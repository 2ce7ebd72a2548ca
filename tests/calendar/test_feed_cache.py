"""Feed versions are memoised per worker and invalidated by the events change counter."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select, update

from eventhub.events.records import upsert_event
from eventhub.events.registration import set_checked_in
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.models import ChangeCounter, Event, Organisation
from eventhub.models.base import utcnow
from eventhub.models.event import EVENTS_COUNTER
from tests.conftest import event_record


def counter() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(ChangeCounter.value).where(ChangeCounter.name == EVENTS_COUNTER)
    )


def test_a_change_in_one_worker_reaches_the_feed_of_another(app_factory):
    writer, reader = app_factory(), app_factory()  # two processes' apps, one database
    record = event_record(title="Vorher")
    with writer.app_context():
        upsert_event(EventRecord.model_validate(record))
        db.session.commit()
    client = reader.test_client()
    first = client.get("/calendar.ics")
    etag = first.headers["ETag"]
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304

    with writer.app_context():
        upsert_event(EventRecord.model_validate({**record, "title": "Nachher"}))
        db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag and b"Nachher" in changed.data


def test_counter_moves_with_public_data_only(app, make_event, make_registration):
    event = make_event(title="Fachtagung")
    start = counter()
    registration, _token = make_registration(event)
    set_checked_in(registration.id, True)
    assert counter() == start  # seats and check-ins are not in any cached page

    upsert_event(EventRecord.model_validate(event_record(slug=event.slug, title="Neu")))
    db.session.commit()
    edited = counter()
    assert edited > start  # once per flush of the edit

    host = db.session.scalar(select(Organisation).where(Organisation.slug == "gib"))
    host.name = "G.I.B. – Gesellschaft für innovative Beschäftigungsförderung"
    db.session.commit()
    renamed = counter()
    assert renamed == edited + 1

    db.session.rollback()
    host = db.session.scalar(select(Organisation).where(Organisation.slug == "gib"))
    host.name = "Verworfen"
    db.session.flush()
    db.session.rollback()  # the raise rolls back with the change
    assert counter() == renamed


def test_memo_saves_the_queries_until_it_expires(
    app, client, make_event, query_counter, monkeypatch
):
    from eventhub import changes

    make_event()
    etag = client.get("/calendar.ics").headers["ETag"]

    def statements() -> list[str]:
        with query_counter() as seen:
            assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
        return [s.lower() for s in seen]

    assert statements() == []  # counter trusted for a second, version memoised
    soon = changes.time.monotonic() + 2
    monkeypatch.setattr(changes.time, "monotonic", lambda: soon)
    checked = statements()
    assert len(checked) == 1 and "change_counters" in checked[0]  # only the counter
    later = soon + 60
    monkeypatch.setattr(changes.time, "monotonic", lambda: later)
    expired = statements()
    assert any("max(" in s for s in expired)  # the clock moved on: version computed again


def test_a_change_by_another_process_is_seen_within_a_second(app, client, make_event, monkeypatch):
    from eventhub import changes

    event = make_event(title="Vorher")
    etag = client.get("/calendar.ics").headers["ETag"]
    # Another worker's commit: this process's session hooks never see it.
    with db.engine.begin() as connection:
        connection.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(title="Nachher", sequence=Event.sequence + 1, updated_at=utcnow())
        )
        connection.execute(
            update(ChangeCounter)
            .where(ChangeCounter.name == EVENTS_COUNTER)
            .values(value=ChangeCounter.value + 1)
        )
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
    later = changes.time.monotonic() + changes.GENERATION_TRUST_SECONDS
    monkeypatch.setattr(changes.time, "monotonic", lambda: later)
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"Nachher" in changed.data


@pytest.mark.parametrize("depth", [1, 2])
def test_a_rolled_back_savepoint_keeps_earlier_changes_counted(app, make_event, depth):
    """Imports apply each record in a savepoint: a refused one must not lose the raise of
    the changes before it, and a released inner savepoint is no commit."""
    from eventhub.database import write_transaction

    first, second = make_event(title="Eins"), make_event(title="Zwei")
    start = counter()
    with write_transaction() as session:
        session.get(Event, first.id).title = "Eins, geändert"
        session.flush()
        try:
            with session.begin_nested():  # rolled back below ...
                inner = session.begin_nested() if depth == 2 else contextlib.nullcontext()
                with inner:  # ... around one that is released
                    session.get(Event, second.id).title = "verworfen"
                    session.flush()
                raise RuntimeError("refused record")
        except RuntimeError:
            pass
    assert counter() == start + 1
    db.session.rollback()
    assert db.session.get(Event, first.id).title == "Eins, geändert"
    assert db.session.get(Event, second.id).title == "Zwei"


def test_the_counter_lock_is_taken_last(app_factory, backend):
    """PostgreSQL: a long event edit must not hold the counter while it waits for another
    event's row lock (taken at the first flush, that ordering deadlocked with set_status)."""
    import threading

    if backend != "postgresql":
        return  # SQLite serialises writers with BEGIN IMMEDIATE; no row locks to order
    from eventhub.database import write_transaction
    from eventhub.manage.event_editing import set_status

    app = app_factory()
    with app.app_context():
        for slug in ("event-a", "event-b"):
            upsert_event(EventRecord.model_validate(event_record(slug=slug)))
        db.session.commit()

    edited = threading.Event()
    other_done = threading.Event()
    errors: list[Exception] = []

    def long_edit():
        with app.app_context():
            try:
                with write_transaction() as session:
                    with session.begin_nested():  # as `events import` does per record
                        a = session.scalar(select(Event).where(Event.slug == "event-a"))
                        a.title = "A neu"
                    edited.set()
                    other_done.wait(10)  # the other transaction must finish meanwhile
                    b = session.scalar(
                        select(Event).where(Event.slug == "event-b").with_for_update()
                    )
                    b.title = "B neu"
            except Exception as exc:
                errors.append(exc)

    def cancel_b():
        with app.app_context():
            edited.wait(10)
            try:
                b = db.session.scalar(select(Event).where(Event.slug == "event-b"))
                set_status(b.id, "cancelled")
            except Exception as exc:
                errors.append(exc)
            finally:
                other_done.set()

    threads = [threading.Thread(target=long_edit), threading.Thread(target=cancel_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        titles = dict(db.session.execute(select(Event.slug, Event.status)).all())
        assert titles == {"event-a": "published", "event-b": "cancelled"}
