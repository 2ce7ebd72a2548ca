"""A past event with everything a person can leave behind, and a scan of every table for
what identifies them."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.manage.attendee_lists import queue_list
from eventhub.manage.questions import QuestionData, add_esf_questions, add_question
from eventhub.models import (
    Certificate,
    EventFile,
    FeedbackInvite,
    FeedbackResponse,
    OutboxMessage,
    ParticipantFeed,
    Question,
    Registration,
)
from eventhub.models.base import utcnow
from eventhub.network.contacts import send_contact_request
from eventhub.network.directory import save_profile, set_visibility
from eventhub.network.meetings import configure_meetings, request_meeting
from tests.manage.conftest import make_organiser  # noqa: F401  (a fixture)
from tests.network.meeting_data import WINTER, at, setup_values

# What identifies each seeded person: every string must be gone after retention.
PEOPLE = [
    {
        "first_name": "Wiebke",
        "last_name": "Zylinska",
        "email": "wiebke.zylinska@example.org",
        "organisation": "Zylinska Werkstatt GmbH",
        "job_title": "Ausbilderin Zylmeisterei",
        "answer": "Rollstuhl-Zylinska",
        "free": "Freitext-Zylinska",
        "offers": "Angebot-Zylinska",
        "message": "Kontaktwunsch-Zylinska: sprechen wir in der Pause?",
        "note": "Treffen-Zylinska",
        "comment": "Kommentar-Zylinska: die Pause war zu kurz",
    },
    {
        "first_name": "Quirin",
        "last_name": "Oxlade",
        "email": "quirin.oxlade@example.net",
        "organisation": "Oxlade Pflegedienst",
        "job_title": "Personalleiter Oxladehaus",
        "answer": "Vegan-Oxlade",
        "free": "Freitext-Oxlade",
        "offers": "Angebot-Oxlade",
        "message": "Kontaktwunsch-Oxlade",
        "note": "Treffen-Oxlade",
        "comment": "Kommentar-Oxlade",
    },
]
SCAN_BYTES = b"%PDF-1.4 signed by Wiebke Zylinska and Quirin Oxlade"


def markers() -> list[str]:
    """Every seeded string that names or describes a person."""
    return [value for person in PEOPLE for value in person.values()]


@dataclass
class World:
    event: object
    registrations: list[Registration] = field(default_factory=list)
    questions: dict[str, Question] = field(default_factory=dict)


def form_name(question: Question) -> str:
    suffix = "-long_answer" if question.kind == "textarea" else ""
    return f"question-{question.id}{suffix}"


@pytest.fixture
def world(app, client, make_event, register_by_form) -> World:
    """A meeting-day event (20 January 2027, 10:00–17:00 Berlin) with two people who left
    every kind of personal data: form answers (sensitive, free text, ESF), a directory
    profile, a contact request, a meeting, named feedback, a certificate, delivered mails,
    the organisers' attendee-list mail and the signed sign-in sheet's scan."""
    event = make_event(
        starts=at(WINTER, 10),
        ends_at=at(WINTER, 17).isoformat(),
        contact={"name": "Erika Muster", "email": "erika@example.org", "phone": ""},
    )
    add_esf_questions(event.id)
    add_question(
        event.id, QuestionData("text", "Barrierefreiheit", "Accessibility", sensitive=True)
    )
    add_question(event.id, QuestionData("textarea", "Ihre Frage", "Your question"))
    questions = {q.purpose or q.label_de: q for q in db.session.scalars(select(Question))}
    configure_meetings(event.id, **setup_values(WINTER))
    for n, person in enumerate(PEOPLE):
        response = register_by_form(
            event,
            client=client,
            first_name=person["first_name"],
            last_name=person["last_name"],
            email=person["email"],
            organisation=person["organisation"],
            job_title=person["job_title"],
            **{
                form_name(questions["gender"]): ["female", "male"][n],
                form_name(questions["employment"]): "employed",
                form_name(questions["age_band"]): "30_54",
                form_name(questions["education"]): "isced_5_8",
                form_name(questions["Barrierefreiheit"]): person["answer"],
                form_name(questions["Ihre Frage"]): person["free"],
            },
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    db.session.rollback()
    people = list(db.session.scalars(select(Registration).order_by(Registration.id)))
    for registration, person in zip(people, PEOPLE, strict=True):
        set_visibility(registration.id, "participants")
        save_profile(
            registration.id,
            offers=["qualification"],
            seeks=[],
            offers_text=person["offers"],
            seeks_text="",
            organisation=person["organisation"],
            job_title=person["job_title"],
        )
    wiebke, quirin = people
    send_contact_request(wiebke.id, quirin.id, PEOPLE[0]["message"])
    request_meeting(quirin.id, wiebke.id, note=PEOPLE[1]["note"])
    with write_transaction() as session:
        session.add(
            ParticipantFeed(email_normalised=PEOPLE[0]["email"], token_hash="a" * 64, version=1)
        )
        session.add(
            EventFile(
                event_id=event.id,
                kind="signin_scan",
                filename="sheet.pdf",
                content_type="application/pdf",
                size=len(SCAN_BYTES),
                pages=1,
                data=SCAN_BYTES,
            )
        )
        session.add(
            FeedbackInvite(
                event_id=event.id,
                registration_id=wiebke.id,
                token_hash="b" * 64,
                answered=True,
                named=True,
            )
        )
        session.add(
            FeedbackResponse(
                event_id=event.id,
                registration_id=wiebke.id,
                rating=4,
                most_useful=["talks"],
                comment=PEOPLE[0]["comment"],
            )
        )
        session.add(
            Certificate(
                registration_id=wiebke.id,
                event_id=event.id,
                code="ZYL123",
                holder_name="Wiebke Zylinska",
                event_title=event.title,
                event_starts_at=event.starts_at,
                event_ends_at=event.ends_at,
            )
        )
        session.execute(
            update(Registration)
            .where(Registration.id == wiebke.id)
            .values(checked_in_at=event.starts_at, organisation_type="company")
        )
        queue_list(
            session.get(type(event), event.id),
            to="erika@example.org",
            to_name="Erika Muster",
            language="de",
        )
        # Everything so far was delivered.
        session.execute(update(OutboxMessage).values(status="sent", sent_at=utcnow()))
    db.session.rollback()
    return World(event=event, registrations=people, questions=questions)


def _texts(value) -> list[str]:
    """A column's value as the texts to search: e-mails decoded part by part."""
    if value is None:
        return []
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        texts = [raw.decode("utf-8", "replace")]
        if raw[:200].count(b":") and b"\n" in raw:
            message = message_from_bytes(raw, policy=policy.default)
            for part in message.walk():
                if part.is_multipart():
                    continue
                payload = part.get_payload(decode=True) or b""
                texts.append(payload.decode("utf-8", "replace"))
                texts.append(str(part.get("Subject", "")) + str(part.get("To", "")))
            texts.append(str(message.get("To", "")) + str(message.get("Subject", "")))
        return texts
    return [str(value)]


def find_markers(found_in: list[str] | None = None) -> dict[str, list[str]]:
    """Every seeded string still stored anywhere: {table.column: [markers]}, read straight
    from the tables (every text, JSON and binary column; xlsx attachments unzipped)."""
    import io
    import zipfile

    hits: dict[str, list[str]] = {}
    wanted = [m.casefold() for m in (found_in or markers())]
    db.session.rollback()
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary)
        ]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                texts = _texts(value)
                if isinstance(value, bytes | memoryview):
                    message = message_from_bytes(bytes(value), policy=policy.default)
                    for part in message.walk():
                        data = part.get_payload(decode=True) or b""
                        if data[:2] == b"PK":
                            with zipfile.ZipFile(io.BytesIO(data)) as book:
                                texts += [
                                    book.read(n).decode("utf-8", "replace") for n in book.namelist()
                                ]
                blob = "\n".join(texts).casefold()
                left = [m for m in wanted if m in blob]
                if left:
                    hits.setdefault(f"{table.name}.{column.name}", []).extend(left)
    return hits
