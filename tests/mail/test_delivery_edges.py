"""Delivery edge cases found in review: bad rows, refused senders, unusual addresses."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import OutboxMessage
from tests.conftest import in_days, run_together
from tests.mail.conftest import send_mail


def register(client, event, email: str):
    response = client.post(
        f"/events/{event.slug}/register",
        data={"first_name": "A", "last_name": "B", "email": email, "consent_privacy": "y"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def rows() -> dict[str, tuple[str, int]]:
    db.session.rollback()
    return {r.recipient: (r.status, r.attempts) for r in db.session.scalars(select(OutboxMessage))}


def test_non_ascii_local_part_is_registered_and_delivered(
    mail_app, client, runner, smtp_server, make_event
):
    smtp_server.stop()
    smtp_server.start(enable_SMTPUTF8=True)
    event = make_event()
    register(client, event, "jörg@example.org")
    assert "1 sent" in send_mail(runner)
    [(recipients, _message)] = smtp_server.recorder.messages
    assert recipients == ["jörg@example.org"]


def test_one_undeliverable_row_does_not_drag_the_others(
    mail_app, client, runner, smtp_server, make_event
):
    # a server without SMTPUTF8: the non-ASCII address cannot go, the others can
    smtp_server.stop()
    smtp_server.start(enable_SMTPUTF8=False)
    event = make_event()
    register(client, event, "jörg@example.org")
    register(client, event, "anna@example.org")
    register(client, event, "ben@example.org")
    output = send_mail(runner)
    assert "2 sent" in output and "1 failed" in output
    state = rows()
    assert state["anna@example.org"] == ("sent", 1)
    assert state["ben@example.org"] == ("sent", 1)
    assert state["jörg@example.org"][0] == "failed"


def test_sender_refused_is_retried_not_failed(mail_app, client, runner, smtp_server, make_event):
    event = make_event()
    for n in range(3):
        register(client, event, f"p{n}@example.org")
    smtp_server.recorder.refuse_sender = "530 5.7.0 Authentication required"
    output = send_mail(runner)
    assert "0 failed" in output and "sender refused" in output
    state = rows()
    assert {status for status, _ in state.values()} == {"queued"}
    assert sorted(attempts for _, attempts in state.values()) == [0, 0, 1]


def test_event_back_on_after_cancellation_sends_requests(app, make_event, make_registration):
    from eventhub.manage.event_editing import set_status

    event = make_event()
    make_registration(event)
    set_status(event.id, "cancelled")
    set_status(event.id, "published")
    db.session.rollback()
    kinds = [r.kind for r in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == ["confirmation", "event_cancelled", "event_changed"]


def test_two_schedulers_write_each_list_once(app, make_event, make_registration):
    for _ in range(4):
        make_registration(make_event(starts=in_days(1, 10), notify_mode="none"))
    errors = run_together(app, run_scheduled)
    db.session.rollback()
    lists = db.session.scalar(select(func.count()).where(OutboxMessage.kind == "attendee_list"))
    assert errors == [] and lists == 4
    assert (
        Counter(
            db.session.scalars(
                select(OutboxMessage.event_id).where(OutboxMessage.kind == "attendee_list")
            )
        ).most_common(1)[0][1]
        == 1
    )
