"""What mail clients need from our messages: charsets on the calendar parts, a Reply-To
that reaches the organisers, the check-in QR inline in the HTML, a layout that holds up
in Outlook and on phones."""

from __future__ import annotations

import datetime as dt
import re

from eventhub.events.records import upsert_event
from eventhub.events.registration import cancel_registration
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.manage.event_editing import set_status
from tests.conftest import event_record
from tests.mail.conftest import send_mail

TITLE = "Fachkräfte für Übermorgen – Größe zählt"


def calendar_parts(message):
    return [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def assert_calendar_parts_are_utf8(message):
    parts = calendar_parts(message)
    assert len(parts) == 2  # the alternative and the invite.ics file
    assert [p.get_filename() for p in parts] == [None, "invite.ics"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert f"SUMMARY:{TITLE}" in part.get_content().replace("\r\n ", "")


def test_calendar_parts_say_utf8_and_umlauts_arrive(
    mail_app, runner, smtp_server, make_event, make_registration
):
    event = make_event(title=TITLE)
    make_registration(event)
    send_mail(runner)
    [received] = smtp_server.messages
    assert_calendar_parts_are_utf8(received)


def test_cancellations_and_updates_say_utf8_too(app, make_event, make_registration, outbox):
    event = make_event(title=TITLE)
    registration, _token = make_registration(event)
    cancel_registration(registration.id)
    [cancellation] = outbox.emails(kind="cancellation")
    assert_calendar_parts_are_utf8(cancellation)

    make_registration(event)
    record = event_record(
        slug=event.slug, title=TITLE, starts=event.local_starts_at + dt.timedelta(days=7)
    )
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()
    [change] = outbox.emails(kind="event_changed")
    assert_calendar_parts_are_utf8(change)

    set_status(event.id, "cancelled")
    [cancelled] = outbox.emails(kind="event_cancelled")
    assert_calendar_parts_are_utf8(cancelled)


def test_dev_mailbox_shows_the_invitation_ungarbled(
    app, client, make_event, make_registration, outbox
):
    app.debug = True
    event = make_event(title=TITLE)
    make_registration(event)
    [row] = outbox(kind="confirmation")
    detail = client.get(f"/dev/mailbox/{row.id}").get_data(as_text=True)
    assert detail.count(f"SUMMARY:{TITLE}") == 2
    assert "\ufffd" not in detail
    numbers = [int(n) for n in re.findall(rf"/dev/mailbox/{row.id}/part/(\d+)", detail)]
    downloads = [client.get(f"/dev/mailbox/{row.id}/part/{n}") for n in numbers]
    [ics] = [
        r for r in downloads if r.mimetype == "text/calendar" and "invite.ics" in str(r.headers)
    ]
    assert ics.mimetype_params.get("charset") == "utf-8"
    assert TITLE in ics.get_data().decode("utf-8").replace("\r\n ", "")


def test_attendee_mails_reply_to_the_event_contact(app, make_event, make_registration, outbox):
    event = make_event(contact={"name": "Erika Müller", "email": "erika@example.org", "phone": ""})
    registration, _token = make_registration(event)
    cancel_registration(registration.id)
    make_registration(event)
    set_status(event.id, "cancelled")
    mails = outbox.emails(recipient=None)
    attendee_mails = [m for m in mails if m["To"].addresses[0].addr_spec != "erika@example.org"]
    assert {m["Subject"].split(":")[0] for m in attendee_mails} >= {
        "Anmeldung bestätigt",
        "Anmeldung storniert",
        "Abgesagt",
    }
    for message in attendee_mails:
        [reply_to] = message["Reply-To"].addresses
        assert reply_to.addr_spec == "erika@example.org"
        assert reply_to.display_name == "Erika Müller"
    for message in mails:
        if message.get_content_type() == "multipart/mixed" and calendar_parts(message):
            assert "mailto:erika@example.org" in calendar_parts(message)[0].get_content()


def test_no_reply_to_without_a_contact_email(app, make_event, make_registration, outbox):
    event = make_event(contact={"name": "", "email": None, "phone": ""})
    make_registration(event)
    [confirmation] = outbox.emails(kind="confirmation")
    assert confirmation["Reply-To"] is None


def test_checkin_qr_is_inline_in_the_html_part(app, make_event, make_registration, outbox):
    event = make_event()
    make_registration(event)
    [message] = outbox.emails(kind="confirmation")
    tree = [(part.get_content_type(), part.get_content_disposition()) for part in message.walk()]
    assert tree == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("multipart/related", None),
        ("text/html", None),
        ("image/png", "inline"),
        ("text/calendar", None),
        ("text/calendar", "attachment"),
    ]
    [related] = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    html, image = related.iter_parts()
    [cid] = re.findall(r'src="cid:([^"]+)"', html.get_content())
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_payload(decode=True).startswith(b"\x89PNG")
    attachments = [p.get_filename() for p in message.iter_attachments()]
    assert attachments == ["invite.ics"]


def test_html_mails_have_the_branded_accessible_layout(app, make_event, make_registration, outbox):
    event = make_event(title=TITLE)
    make_registration(event, language="en")
    [message] = outbox.emails(kind="confirmation")
    html = message.get_body(("html",)).get_content()
    assert '<html lang="en">' in html
    assert "max-width:600px" in html
    assert html.count("<table") == html.count('role="presentation"')
    assert "G.I.B. NRW" in html  # the host organisation
    assert re.search(rf"<h1[^>]*>{TITLE}</h1>", html)
    button = re.search(
        r'<td style="background:#0b4f8a[^"]*"><a href="([^"]+)"[^>]*>([^<]+)</a>', html
    )
    assert "/r/" in button.group(1) and button.group(2) == "Change or cancel your registration"
    text = message.get_body(("plain",)).get_content()
    assert "<" not in text and "Change or cancel" in text
