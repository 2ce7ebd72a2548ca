"""Delivery edge cases found in review: bad rows, refused senders, unusual addresses."""

from __future__ import annotations

from eventhub.manage.scheduled import run_scheduled
from tests.conftest import in_days, run_together
from tests.mail.conftest import send_mail


def register(register_by_form, event, email: str):
    response = register_by_form(event, first_name="A", last_name="B", email=email)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def test_non_ascii_local_part_is_registered_and_delivered(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    smtp_server.stop()
    smtp_server.start(enable_SMTPUTF8=True)
    event = make_event()
    register(register_by_form, event, "jörg@example.org")
    assert "1 sent" in send_mail(runner)
    [(recipients, _message)] = smtp_server.recorder.messages
    assert recipients == ["jörg@example.org"]


def test_one_undeliverable_row_does_not_drag_the_others(
    mail_app, runner, smtp_server, make_event, register_by_form, outbox
):
    # a server without SMTPUTF8: the non-ASCII address cannot go, the others can
    smtp_server.stop()
    smtp_server.start(enable_SMTPUTF8=False)
    event = make_event()
    register(register_by_form, event, "jörg@example.org")
    register(register_by_form, event, "anna@example.org")
    register(register_by_form, event, "ben@example.org")
    output = send_mail(runner)
    assert "2 sent" in output and "1 failed" in output
    state = {r.recipient: (r.status, r.attempts) for r in outbox()}
    assert state["anna@example.org"] == ("sent", 1)
    assert state["ben@example.org"] == ("sent", 1)
    assert state["jörg@example.org"][0] == "failed"


def test_sender_refused_is_retried_not_failed(
    mail_app, runner, smtp_server, make_event, register_by_form, outbox
):
    event = make_event()
    for n in range(3):
        register(register_by_form, event, f"p{n}@example.org")
    smtp_server.recorder.refuse_sender = "530 5.7.0 Authentication required"
    output = send_mail(runner)
    assert "0 failed" in output and "sender refused" in output
    state = {r.recipient: (r.status, r.attempts) for r in outbox()}
    assert {status for status, _ in state.values()} == {"queued"}
    assert sorted(attempts for _, attempts in state.values()) == [0, 0, 1]


def test_event_back_on_after_cancellation_sends_requests(
    app, make_event, make_registration, outbox
):
    from eventhub.manage.event_editing import set_status

    event = make_event()
    make_registration(event)
    set_status(event.id, "cancelled")
    set_status(event.id, "published")
    kinds = [r.kind for r in outbox()]
    assert kinds == ["confirmation", "event_cancelled", "event_changed"]


def test_two_schedulers_write_each_list_once(app, make_event, make_registration, outbox):
    for _ in range(4):
        make_registration(make_event(starts=in_days(1, 10), notify_mode="none"))
    errors = run_together(app, run_scheduled)
    lists = len(outbox(kind="attendee_list"))
    assert errors == [] and lists == 4
    assert outbox.count_by("event_id", kind="attendee_list").most_common(1)[0][1] == 1
