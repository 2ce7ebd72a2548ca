"""Anonymising registrations: the person's data goes, the row and its counts stay."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import ParticipantFeed, Registration
from eventhub.privacy.anonymise import anonymise_registrations


def test_anonymised_registration_keeps_counts_and_loses_the_person(make_event, make_registration):
    event = make_event()
    anna, _ = make_registration(event, first_name="Annegret", email="annegret@example.org")
    bernd, _ = make_registration(event, first_name="Bernd")
    db.session.add(ParticipantFeed(email_normalised="annegret@example.org", token_hash="f" * 64))
    db.session.commit()
    with write_transaction() as session:
        assert anonymise_registrations(session, [anna.id]) == 1
    with write_transaction() as session:
        assert anonymise_registrations(session, [anna.id]) == 0  # idempotent
    db.session.expire_all()
    anna = db.session.get(Registration, anna.id)
    assert (anna.first_name, anna.email, anna.organisation) == ("", "", "")
    assert anna.status == "confirmed"
    assert anna.email_normalised == f"anonymised-{anna.id}" and anna.anonymised_at
    assert db.session.get(Registration, bernd.id).first_name == "Bernd"
    assert db.session.scalar(select(ParticipantFeed)) is None
