"""Delivery: nothing lost when SMTP is down, nothing sent twice, failures recorded."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import update

from eventhub.extensions import db
from eventhub.mail.delivery import deliver_due, smtp_settings
from eventhub.models import OutboxMessage
from eventhub.models.base import utcnow
from tests.conftest import run_together
from tests.mail.conftest import free_port, queue_copies, send_mail


def register_many(register_by_form, event, count: int) -> None:
    for n in range(count):
        response = register_by_form(
            event, first_name="P", last_name=str(n), email=f"p{n}@example.org"
        )
        assert response.status_code == 303


def make_due_now() -> None:
    """Time passes: every retry is due."""
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_smtp_url_parsing():
    settings = smtp_settings("smtp://user%40x:p%3Ass@mail.example:587?starttls=true")
    assert (settings.host, settings.port, settings.username, settings.password) == (
        "mail.example",
        587,
        "user@x",
        "p:ss",
    )
    assert settings.starttls and not settings.implicit_tls
    assert smtp_settings("smtps://mail.example").port == 465
    assert smtp_settings(None) is None
    with pytest.raises(ValueError):
        smtp_settings("http://mail.example")


def test_without_smtp_mail_stays_in_the_outbox(app, runner, make_event, register_by_form, outbox):
    event = make_event()
    register_many(register_by_form, event, 2)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "EVENTHUB_SMTP_URL" in result.output
    assert outbox.count_by("status") == Counter({"queued": 2})


@pytest.mark.slow
def test_two_hundred_registrations_survive_an_smtp_outage(
    app, runner, smtp_server, make_event, register_by_form, outbox
):
    event = make_event(capacity=None)
    smtp_server.stop()
    app.config["SMTP_URL"] = smtp_server.url  # port closed now
    register_many(register_by_form, event, 200)
    output = send_mail(runner)
    # one batch learns the server is down; the rest is not tried against a dead server
    assert "0 sent, 100 to retry" in output and "Connection refused" in output
    assert outbox.count_by("status") == Counter({"queued": 200})
    assert max(row.attempts for row in outbox()) == 1

    smtp_server.start()
    smtp_server.recorder.refuse = "421 4.3.2 Service not available, closing channel"
    make_due_now()
    send_mail(runner)
    assert outbox.count_by("status") == Counter({"queued": 200})
    assert smtp_server.messages == []

    smtp_server.recorder.refuse = None
    make_due_now()
    assert "200 sent" in send_mail(runner)
    make_due_now()
    send_mail(runner)
    recipients = Counter(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
    assert len(recipients) == 200 and set(recipients.values()) == {1}
    assert outbox.count_by("status") == Counter({"sent": 200})


def test_permanent_failure_is_recorded(
    mail_app, runner, smtp_server, make_event, register_by_form, outbox
):
    event = make_event()
    register_many(register_by_form, event, 1)
    smtp_server.recorder.refuse = "550 5.1.1 Mailbox unknown"
    assert "1 failed" in send_mail(runner)
    [row] = outbox()
    assert row.status == "failed" and row.last_error.startswith("550")


def test_two_workers_deliver_every_row_once(
    mail_app, smtp_server, make_event, register_by_form, outbox
):
    event = make_event(capacity=None)
    register_many(register_by_form, event, 1)  # one confirmation through the form ...
    [confirmation] = outbox()
    queue_copies(confirmation, 119)  # ... and 119 like it

    def drain():
        while deliver_due(limit=7).handled:
            pass

    errors = run_together(mail_app, drain)
    assert errors == []
    ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(ids) == 120 and set(ids.values()) == {1}
    assert outbox.count_by("status") == Counter({"sent": 120})


def test_closed_port_is_a_temporary_failure(app, runner, make_event, register_by_form, outbox):
    event = make_event()
    register_many(register_by_form, event, 1)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    output = send_mail(runner)
    assert "1 to retry" in output
    [row] = outbox()
    assert row.status == "queued" and row.next_attempt_at > utcnow()
    assert "cannot reach" in row.last_error


def test_dev_mailbox_shows_messages_to_admins_only(
    app, client, make_event, register_by_form, outbox
):
    event = make_event(title="Fachtagung")
    register_many(register_by_form, event, 1)
    assert client.get("/dev/mailbox/").status_code == 404
    from eventhub.manage.accounts import create_user
    from tests.manage.conftest import log_in

    create_user(email="admin@example.org", password="richtig-langes-passwort", is_admin=True)
    log_in(client, "admin@example.org")
    listing = client.get("/dev/mailbox/").get_data(as_text=True)
    assert "Anmeldung bestätigt: Fachtagung" in listing
    [row] = outbox()
    detail = client.get(f"/dev/mailbox/{row.id}").get_data(as_text=True)
    assert "text/calendar (method=REQUEST)" in detail and "invite.ics" in detail
    assert "Auto-Submitted" in detail
    assert "BEGIN:VCALENDAR" in detail


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_auth_is_used(app, runner, make_event, register_by_form):
    """A server that requires AUTH accepts our login (over plain text on loopback here)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.mail.conftest import Recorder

    recorder = Recorder()
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"eventhub" and auth_data.password == b"s3cr3t:pw"
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        event = make_event()
        register_many(register_by_form, event, 1)
        app.config["SMTP_URL"] = f"smtp://eventhub:s3cr3t%3Apw@127.0.0.1:{port}"
        assert "1 sent" in send_mail(runner)
    finally:
        controller.stop()
    assert seen == [(b"eventhub", b"s3cr3t:pw")]
    assert len(recorder.messages) == 1
