"""The mails of the waiting list and the approval step, received from a real SMTP server
in German and English: calendar data only for people whose seat is confirmed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from eventhub.events.registration import Attendee, cancel_registration, register
from eventhub.events.waitlist import accept_offer, approve, decline, move
from eventhub.extensions import db
from eventhub.models import Registration
from tests.ical import parse_ics, vevents
from tests.mail.conftest import send_mail


def person(tag: str, language: str) -> Attendee:
    return Attendee("Dana", tag, f"{tag}@example.org", language=language)


def received(runner, smtp_server, address: str) -> list:
    send_mail(runner)
    return [
        m
        for m in smtp_server.messages
        if m["To"].addresses[0].addr_spec == f"{address}@example.org"
    ]


def has_calendar(message) -> bool:
    return any(part.get_content_type() == "text/calendar" for part in message.walk())


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


WORDS = {
    "de": {
        "waiting": ("Sie stehen auf der Warteliste", "Platz 1"),
        "position": ("Ihr Platz auf der Warteliste", "Platz 1"),
        "offered": ("Ein Platz ist für Sie frei", "annehmen"),
        "offer_expired": ("Ihr Platzangebot ist abgelaufen", "nächste Person"),
        "left": ("Sie haben die Warteliste verlassen", "Warteliste verlassen"),
        "pending": ("Anmeldung eingegangen, Freigabe ausstehend", "kein Platz"),
        "withdrawn": ("Anmeldung zurückgezogen", "zurückgezogen"),
        "declined": ("Ihre Anmeldung wurde nicht angenommen", "Nur für Mitglieder."),
        "confirmation": ("Anmeldung bestätigt", "Kalender"),
    },
    "en": {
        "waiting": ("You are on the waiting list", "position 1"),
        "position": ("Your place on the waiting list", "position 1"),
        "offered": ("A seat is free for you", "Accept"),
        "offer_expired": ("Your seat offer has expired", "next person"),
        "left": ("You have left the waiting list", "left the waiting list"),
        "pending": ("Registration received, awaiting approval", "no seat"),
        "withdrawn": ("Registration withdrawn", "withdrawn"),
        "declined": ("Your registration was not accepted", "Nur für Mitglieder."),
        "confirmation": ("Registration confirmed", "calendar"),
    },
}


def check(message, language: str, state: str) -> None:
    subject_start, phrase = WORDS[language][state]
    assert message["Subject"].startswith(subject_start), message["Subject"]
    assert phrase.casefold() in text_of(message).casefold(), (state, text_of(message))
    assert message.get_body(("html",)) is not None
    if state == "confirmation":
        [invite] = [p for p in message.walk() if p.get_filename() == "invite.ics"]
        cal = parse_ics(invite.get_payload(decode=True))
        assert str(cal["METHOD"]) == "REQUEST"
        assert len(vevents(cal)) == 1
    else:
        assert not has_calendar(message), f"{state} mail carries calendar data"


@pytest.mark.parametrize("language", ["de", "en"])
def test_waiting_offer_and_expiry_mails(
    mail_app, runner, smtp_server, make_event, make_registration, language
):
    event = make_event(capacity=1, waitlist="offer", title="Fachtagung Zuwanderung")
    first = make_registration(event)[0]
    waiting, token = register(event.id, person("wer", language), if_full="wait")
    nextone, _ = register(event.id, person("nxt", language), if_full="wait")
    [mail] = received(runner, smtp_server, "wer")
    check(mail, language, "waiting")
    move(event.id, nextone.id, 1)
    move(event.id, nextone.id, 2)
    mails = received(runner, smtp_server, "wer")
    check(mails[-1], language, "position")  # back to the head, told so
    cancel_registration(first.id)
    offer = received(runner, smtp_server, "wer")[-1]
    check(offer, language, "offered")
    db.session.expire_all()
    deadline = db.session.get(Registration, waiting.id).offer_expires_at
    local = deadline.astimezone(event.tz).strftime("%H:%M" if language == "de" else "%-I:%M")
    assert local in text_of(offer), "the deadline is in the event's time zone"
    with time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False):
        from eventhub.events.registration import release_expired_holds

        release_expired_holds()
        check(received(runner, smtp_server, "wer")[-1], language, "offer_expired")
        # The next person got the offer, accepts, and receives the one invitation.
        accept_offer(nextone.id, "link-token")
        check(received(runner, smtp_server, "nxt")[-1], language, "confirmation")


@pytest.mark.parametrize("language", ["de", "en"])
def test_leaving_approval_and_decline_mails(
    mail_app, runner, smtp_server, make_event, make_registration, language
):
    event = make_event(capacity=1)
    make_registration(event)
    leaver, _ = register(event.id, person("geht", language), if_full="wait")
    cancel_registration(leaver.id)
    check(received(runner, smtp_server, "geht")[-1], language, "left")

    approved_event = make_event(capacity=5, approval=True)
    pending, _ = register(approved_event.id, person("frei", language))
    check(received(runner, smtp_server, "frei")[-1], language, "pending")
    approve(approved_event.id, [pending.id])
    check(received(runner, smtp_server, "frei")[-1], language, "confirmation")

    withdrawn, _ = register(approved_event.id, person("zurueck", language))
    cancel_registration(withdrawn.id)
    check(received(runner, smtp_server, "zurueck")[-1], language, "withdrawn")

    declined, _ = register(approved_event.id, person("nein", language))
    decline(approved_event.id, [declined.id], note="Nur für Mitglieder.")
    check(received(runner, smtp_server, "nein")[-1], language, "declined")
    statuses = set(db.session.scalars(select(Registration.status)))
    assert {"declined", "cancelled", "confirmed"} <= statuses
