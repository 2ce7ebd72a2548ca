"""Confirmations and organiser notices composed by the worker: written with the
registration (what they need, never the message), built just before delivery, the dev
mailbox and erasure by the same code, once, and never lost on the way."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy import select

from eventhub.events.registration import cancel_registration
from eventhub.extensions import db
from eventhub.mail import composing
from eventhub.models import OutboxMessage
from tests.ical import parse_ics, vevents
from tests.mail.conftest import send_mail


def rows(**filters) -> list[OutboxMessage]:
    """The outbox as stored (the `outbox` fixture would compose the waiting rows)."""
    db.session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in filters.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query))


def token_of(response) -> str:
    return response.headers["Location"].split("/r/")[1].split("?")[0]


def test_the_registration_writes_what_the_mail_needs_and_the_worker_builds_it(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    event = make_event(title="Fachtagung Integration", capacity=10, notify_mode="each")
    response = register_by_form(event, email="leyla@example.org")
    token = token_of(response)
    [confirmation] = rows(kind="confirmation")
    # Committed with the registration: recipient, subject and Message-ID fixed, the
    # message not built yet; the private link's token waits for the worker.
    assert (confirmation.recipient, confirmation.status) == ("leyla@example.org", "queued")
    assert confirmation.subject == "Anmeldung bestätigt: Fachtagung Integration"
    assert confirmation.message == b"" and confirmation.compose_args["token"] == token
    [notice] = rows(kind="organiser_new")
    assert notice.message == b"" and notice.compose_args["seats_left"] == 9

    assert "2 sent" in send_mail(runner)
    by_kind = {row.kind: row for row in rows()}
    assert all(row.compose_args is None and row.status == "sent" for row in by_kind.values())
    # A long Message-ID is folded onto the header's next line: compare it stripped.
    mails = {str(m["Message-ID"]).strip(): m for m in smtp_server.messages}
    mail = mails[by_kind["confirmation"].message_id]
    text = mail.get_body(("plain",)).get_content()
    assert f"/r/{token}" in text
    assert [p.get_filename() for p in mail.walk() if p.get_content_type() == "image/png"] == [
        "checkin.png"
    ]
    invite = next(p for p in mail.walk() if p.get_filename() == "invite.ics")
    assert str(parse_ics(invite.get_payload(decode=True))["METHOD"]) == "REQUEST"
    organiser = mails[by_kind["organiser_new"].message_id]
    notice_text = organiser.get_body(("plain",)).get_content()
    assert "Müller-Lüdenscheidt" in notice_text and "9" in notice_text


def test_the_dev_mailbox_composes_what_the_worker_has_not_yet(
    app, client, make_event, register_by_form
):
    event = make_event(title="Fachtagung")
    token = token_of(register_by_form(event))
    from eventhub.manage.accounts import create_user
    from tests.manage.conftest import log_in

    create_user(email="admin@example.org", password="richtig-langes-passwort", is_admin=True)
    log_in(client, "admin@example.org")
    assert "Anmeldung bestätigt: Fachtagung" in client.get("/dev/mailbox/").get_data(as_text=True)
    [row] = rows(kind="confirmation")
    detail = client.get(f"/dev/mailbox/{row.id}").get_data(as_text=True)
    assert "text/calendar (method=REQUEST)" in detail and "checkin.png" in detail
    assert f"/r/{token}" in detail
    [row] = rows(kind="confirmation")
    assert row.compose_args is None and row.message_id.encode() in row.message
    # Composed once: reading it again (or the worker) does not build another message.
    before = row.message
    assert composing.compose_rows([row.id]) == {}
    assert rows(kind="confirmation")[0].message == before


def test_a_cancellation_before_composing_still_supersedes_the_invitation(
    mail_app, runner, smtp_server, make_event, make_registration
):
    event = make_event()
    registration, _token = make_registration(event)
    cancel_registration(registration.id)  # the worker has not composed the confirmation
    send_mail(runner)
    sequences = {}
    for message in smtp_server.messages:
        invite = next(p for p in message.walk() if p.get_filename() == "invite.ics")
        cal = parse_ics(invite.get_payload(decode=True))
        [vevent] = vevents(cal)
        sequences[str(cal["METHOD"])] = int(vevent["SEQUENCE"])
    assert sequences["CANCEL"] > sequences["REQUEST"]


def test_a_composer_that_fails_for_now_is_retried_and_nothing_is_lost(
    mail_app, runner, smtp_server, make_event, register_by_form, monkeypatch
):
    event = make_event()
    register_by_form(event)
    composers = mail_app.extensions["eventhub_composers"]
    real = composers["confirmation"]

    def broken(row):
        raise OSError("template storage unavailable")

    monkeypatch.setitem(composers, "confirmation", broken)
    output = send_mail(runner)
    assert "0 sent, 1 to retry" in output
    [row] = rows(kind="confirmation")
    assert (row.status, row.attempts) == ("queued", 1)
    assert "composing failed" in row.last_error and row.compose_args is not None

    monkeypatch.setitem(composers, "confirmation", real)
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=row.created_at))
    db.session.commit()
    assert "1 sent" in send_mail(runner)
    [row] = rows(kind="confirmation")
    assert row.status == "sent" and row.compose_args is None


def test_mail_of_a_registration_erased_before_composing_still_goes_as_written(
    mail_app, runner, smtp_server, make_event, make_registration
):
    from eventhub.privacy.anonymise import anonymise_registrations

    event = make_event(title="Fachtagung")
    registration, token = make_registration(event, first_name="Leyla", last_name="Öztürk")
    from eventhub.database import write_transaction

    with write_transaction() as session:
        anonymise_registrations(session, [registration.id])
    [row] = rows(kind="confirmation")
    assert row.compose_args is None  # composed before the names went
    send_mail(runner)
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "Leyla Öztürk" in text and f"/r/{token}" in text


def test_a_mail_that_cannot_be_composed_does_not_stop_the_erasure(
    mail_app, make_event, make_registration, monkeypatch
):
    from eventhub.database import write_transaction
    from eventhub.privacy.anonymise import anonymise_registrations

    event = make_event()
    registration, _token = make_registration(event, first_name="Leyla")
    composers = mail_app.extensions["eventhub_composers"]

    def broken(row):
        raise ValueError("a template that no longer renders")

    monkeypatch.setitem(composers, "confirmation", broken)
    with write_transaction() as session:
        anonymise_registrations(session, [registration.id])
    [row] = rows(kind="confirmation")
    # Erased all the same; the mail failed for good, and the erasure emptied it (no
    # token, no recipient, no error text).
    assert (row.status, row.compose_args, row.recipient) == ("failed", None, "")


def test_an_organiser_notice_leaves_out_people_erased_before_it_was_composed(
    app, make_event, make_registration, outbox
):
    from eventhub.database import write_transaction
    from eventhub.privacy.anonymise import anonymise_registrations

    event = make_event(notify_mode="each")
    first, _ = make_registration(event, last_name="Erste")
    second, _ = make_registration(event, last_name="Zweite")
    with write_transaction() as session:
        anonymise_registrations(session, [first.id])
    notices = outbox(kind="organiser_new")
    assert [row.status for row in notices] == ["failed", "queued"]
    assert notices[0].compose_args is None and "erased" in notices[0].last_error
    assert re.search(r"Zweite", outbox.text(notices[1]))
