"""What attendees receive: MIME structure, invitations, updates and cancellations."""

from __future__ import annotations

import datetime as dt

import icalendar
import vobject

from eventhub.events.records import upsert_event
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from tests.conftest import event_record
from tests.ical import parse_ics, vevents
from tests.mail.conftest import send_mail

LEYLA = {
    "first_name": "Leyla",
    "last_name": "Öztürk",
    "email": "leyla@example.org",
    "organisation": "Stadtwerke Bottrop",
    "job_title": None,
}


def calendar_parts(message):
    alternative = [
        p
        for p in message.walk()
        if p.get_content_type() == "text/calendar" and p.get_content_disposition() != "attachment"
    ]
    attached = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    return alternative, attached


def invite_of(message):
    alternative, attached = calendar_parts(message)
    assert len(alternative) == 1 and len(attached) == 1
    body = attached[0].get_payload(decode=True)
    assert alternative[0].get_content().encode().replace(b"\r\n", b"\n") == body.replace(
        b"\r\n", b"\n"
    )
    cal = parse_ics(body)
    assert alternative[0].get_param("method") == str(cal["METHOD"])
    [vevent] = vevents(cal)
    return cal, vevent


def test_confirmation_arrives_with_invitation(
    mail_app, client, runner, smtp_server, make_event, register_by_form
):
    event = make_event(title="Fachtagung Integration")
    response = register_by_form(event, **LEYLA)
    assert response.status_code == 303
    assert "1 sent" in send_mail(runner)
    [message] = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "leyla@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == "Anmeldung bestätigt: Fachtagung Integration"
    assert message["Message-ID"]
    types = [p.get_content_type() for p in message.walk()]
    assert types[0] == "multipart/mixed"
    assert "multipart/alternative" in types and "text/plain" in types
    assert "text/html" in types and "image/png" in types
    text = message.get_body(("plain",)).get_content()
    assert "Guten Tag Leyla Öztürk" in text
    manage_link = next(line for line in text.splitlines() if "/r/" in line).strip()
    assert client.get(manage_link.replace("http://eventhub.test", "")).status_code == 200

    cal, vevent = invite_of(message)
    assert cal["METHOD"] == "REQUEST"
    assert str(vevent["UID"]).startswith("registration-")
    assert str(vevent["ORGANIZER"]) == "mailto:erika@example.org"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == "mailto:leyla@example.org"
    assert attendee.params["CN"] == "Leyla Öztürk"
    parsed = vobject.readOne(message.get_body(("calendar",)).get_content(), validate=True)
    assert parsed.method.value == "REQUEST"


def test_english_registrants_get_english_mail(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    event = make_event(title="Welcome Ruhrgebiet")
    register_by_form(event, lang="en", **LEYLA)
    send_mail(runner)
    [message] = smtp_server.messages
    assert message["Subject"] == "Registration confirmed: Welcome Ruhrgebiet"
    assert "Hello Leyla" in message.get_body(("plain",)).get_content()


def test_title_cannot_inject_headers_or_properties(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    event = make_event(title="Workshop\r\nATTENDEE:mailto:x@y\r\nBcc: victim@example.org")
    register_by_form(event, **LEYLA)
    send_mail(runner)
    [(recipients, message)] = smtp_server.recorder.messages
    assert recipients == ["leyla@example.org"]
    assert message["Bcc"] is None
    _cal, vevent = invite_of(message)
    attendees = vevent.get("ATTENDEE")
    assert not isinstance(attendees, list)
    assert str(attendees) == "mailto:leyla@example.org"


def test_cancel_sends_cancel_with_same_uid_and_higher_sequence(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    event = make_event()
    response = register_by_form(event, **LEYLA)
    token = response.headers["Location"].split("/r/")[1].split("?")[0]
    from eventhub.events.registration import cancel_registration, registration_by_token

    db.session.rollback()
    registration = registration_by_token(token)
    cancel_registration(registration.id)
    send_mail(runner)
    first, second = smtp_server.messages
    _c1, request = invite_of(first)
    cal2, cancel = invite_of(second)
    assert cal2["METHOD"] == "CANCEL"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] > request["SEQUENCE"]
    assert str(cancel["STATUS"]) == "CANCELLED"


def test_event_change_updates_every_attendee(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    event = make_event()
    for n in range(3):
        register_by_form(event, **{**LEYLA, "email": f"p{n}@example.org"})
    send_mail(runner)
    originals = {m["To"].addresses[0].addr_spec: invite_of(m)[1] for m in smtp_server.messages}
    record = event_record(
        slug=event.slug,
        starts=event.starts_at.astimezone(event.tz) + dt.timedelta(days=7),
        title=event.title,
    )
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()
    send_mail(runner)
    updates = smtp_server.messages[3:]
    assert len(updates) == 3
    for message in updates:
        cal, vevent = invite_of(message)
        original = originals[message["To"].addresses[0].addr_spec]
        assert cal["METHOD"] == "REQUEST"
        assert vevent["UID"] == original["UID"]
        assert vevent["SEQUENCE"] == original["SEQUENCE"] + 1
        assert vevent.decoded("DTSTART") - original.decoded("DTSTART") == dt.timedelta(days=7)
        assert message["Subject"].startswith("Geändert:")


def test_organiser_cancelling_the_event_sends_cancel(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    from eventhub.manage.event_editing import set_status

    event = make_event()
    register_by_form(event, **LEYLA)
    set_status(event.id, "cancelled")
    send_mail(runner)
    request_msg, cancel_msg = smtp_server.messages
    cal, cancel = invite_of(cancel_msg)
    assert cal["METHOD"] == "CANCEL"
    assert cancel["UID"] == invite_of(request_msg)[1]["UID"]
    assert cancel_msg["Subject"].startswith("Abgesagt:")


def test_refused_registration_writes_no_mail(app, make_event, register_by_form, outbox):
    event = make_event(capacity=1)
    register_by_form(event, **LEYLA)
    register_by_form(event, **{**LEYLA, "email": "zweite@example.org"})
    register_by_form(event, **LEYLA)
    assert len(outbox()) == 1


def test_icalendar_reads_the_attachment_too(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    event = make_event()
    register_by_form(event, **LEYLA)
    send_mail(runner)
    [message] = smtp_server.messages
    [attached] = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    cal = icalendar.Calendar.from_ical(attached.get_payload(decode=True))
    assert cal.walk("VTIMEZONE")


def test_german_subjects_keep_every_space_through_a_real_smtp_server(
    mail_app, runner, smtp_server, make_event, register_by_form
):
    """The subject is folded over two lines between two encoded words; each space must
    survive (Python's own folding dropped the one at the break: "gewinntausländische")."""
    # Found by trying titles: with this one Python's folding breaks the line between the
    # encoded words "Fachkräfte" and "Anerkennung".
    title = "Workshop: ausländische Fachkräfte Anerkennung"
    event = make_event(title=title)
    assert register_by_form(event, **LEYLA).status_code == 303
    assert "1 sent" in send_mail(runner)
    [message] = smtp_server.messages
    assert message["Subject"] == f"Anmeldung bestätigt: {title}"
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
