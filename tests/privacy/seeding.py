"""A person with something of every kind stored about them, and a second person beside
them, for the access and erasure tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eventhub.events.consent import record_consent
from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.models import (
    Certificate,
    ContactBlock,
    ContactRequest,
    FeedbackInvite,
    FeedbackResponse,
    Meeting,
    MeetingTable,
    MeetingUnavailable,
    NetworkProfile,
    NetworkTag,
    ParticipantFeed,
    Question,
    Registration,
)
from eventhub.models.base import utcnow

ANNA = "anna.auskunft@example.org"
BERND = "bernd.zweiter@example.org"


@dataclass
class Seeded:
    main: Registration  # Anna's registration with everything
    waiting: Registration  # Anna on the waiting list of a full event
    bernd: Registration
    carla: Registration
    full_event_id: int


def seed_people(make_event) -> Seeded:
    event = make_event(capacity=10)
    full = make_event(capacity=1)
    questions = [
        Question(
            event_id=event.id,
            kind="text",
            label_de="Ernährung",
            label_en="Diet",
            sensitive=True,
            position=1,
        ),
        Question(
            event_id=event.id,
            kind="text",
            label_de="Ihre Frage",
            label_en="Your question",
            position=2,
        ),
    ]
    db.session.add_all(questions)
    db.session.commit()
    diet, ask = (q.id for q in questions)
    anna, _t = register(
        event.id,
        Attendee(
            "Annabella",
            "Auskunftsreich",
            ANNA,
            organisation="Anna Metallbau KG",
            job_title="Ausbilderin",
            answers={diet: "Laktosefrei-Anna", ask: "Annas Frage zur Anerkennung"},
        ),
    )
    bernd, _t = register(
        event.id,
        Attendee(
            "Berndolin",
            "Zweitmann",
            BERND,
            organisation="Bernd Logistik GmbH",
            answers={diet: "Vegan-Bernd", ask: "Bernds geheime Frage"},
        ),
    )
    carla, _t = register(
        event.id,
        Attendee(
            "Carla",
            "Kontaktfreudig",
            "carla.kontakt@example.org",
            organisation="Carla AG",
        ),
    )
    register(full.id, Attendee("Dora", "Erste", "dora@example.org"))
    register(full.id, Attendee("Ernst", "Wartend", "ernst@example.org"), if_full="wait")
    waiting, _t = register(
        full.id,
        Attendee(
            "Annabella",
            "Auskunftsreich",
            ANNA.upper(),
            organisation="Anna Metallbau KG",
        ),
        if_full="wait",
    )
    now = utcnow()
    for person, offers in ((anna, "Anna bietet Ausbildungsplätze"), (bernd, "Bernd bietet Lager")):
        profile = NetworkProfile(
            registration_id=person.id,
            offers_text=offers,
            seeks_text=f"{person.first_name} sucht Fachkräfte",
        )
        db.session.add(profile)
        db.session.flush()
        db.session.add(
            NetworkTag(profile_id=profile.id, side="offers", category="apprenticeship_study")
        )
    table = MeetingTable(event_id=event.id, name="Tisch Annex")
    db.session.add(table)
    db.session.flush()
    db.session.add_all(
        [
            ContactRequest(
                event_id=event.id,
                sender_id=anna.id,
                recipient_id=carla.id,
                message="Hallo Carla, Anna hier",
                status="accepted",
                token_hash="a" * 64,
                answered_at=now,
            ),
            ContactRequest(
                event_id=event.id,
                sender_id=carla.id,
                recipient_id=anna.id,
                message="Carlas Nachricht an Anna",
                status="pending",
                token_hash="b" * 64,
            ),
            ContactRequest(
                event_id=event.id,
                sender_id=bernd.id,
                recipient_id=carla.id,
                message="Bernd schreibt Carla",
                token_hash="c" * 64,
            ),
            ContactBlock(blocker_id=anna.id, blocked_id=carla.id),
            Meeting(
                event_id=event.id,
                requester_id=anna.id,
                partner_id=carla.id,
                note="Annas Notiz zum Treffen",
                status="accepted",
                table_id=table.id,
                slot_start=now + dt.timedelta(days=30),
                slot_end=now + dt.timedelta(days=30, minutes=15),
            ),
            Meeting(
                event_id=event.id,
                requester_id=bernd.id,
                partner_id=carla.id,
                note="Bernds Notiz",
                status="requested",
            ),
            MeetingUnavailable(
                registration_id=anna.id, slot_start=now + dt.timedelta(days=30, hours=1)
            ),
            FeedbackInvite(
                event_id=event.id,
                registration_id=anna.id,
                token_hash="d" * 64,
                named=True,
                answered=True,
            ),
            FeedbackResponse(
                event_id=event.id,
                registration_id=anna.id,
                rating=4,
                comment="Annas benannter Kommentar",
            ),
            FeedbackResponse(
                event_id=event.id, registration_id=bernd.id, rating=2, comment="Bernds Kommentar"
            ),
            FeedbackResponse(event_id=event.id, rating=5, comment="anonymer Kommentar"),
            Certificate(
                registration_id=anna.id,
                event_id=event.id,
                code="ANNACERT01",
                holder_name="Annabella Auskunftsreich",
                event_title=event.title,
                event_starts_at=event.starts_at,
                event_ends_at=event.ends_at,
            ),
            Certificate(
                registration_id=bernd.id,
                event_id=event.id,
                code="BERNDCERT1",
                holder_name="Berndolin Zweitmann",
                event_title=event.title,
                event_starts_at=event.starts_at,
                event_ends_at=event.ends_at,
            ),
            ParticipantFeed(email_normalised=ANNA, token_hash="e" * 64),
            ParticipantFeed(email_normalised=BERND, token_hash="f" * 64),
        ]
    )
    db.session.commit()
    for person in (anna, bernd):
        record_consent(db.session, person.id, "directory")
    db.session.commit()
    return Seeded(anna, waiting, bernd, carla, full.id)
