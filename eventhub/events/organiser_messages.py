"""The organisers' messages a person received, for their private page."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import AttendeeMessage, AttendeeMessageRecipient


def messages_received(registration_id: int) -> list[AttendeeMessage]:
    """Copies of the messages sent to this registration (and no one else's), newest first."""
    return list(
        db.session.scalars(
            select(AttendeeMessage)
            .join(
                AttendeeMessageRecipient,
                AttendeeMessageRecipient.message_id == AttendeeMessage.id,
            )
            .where(AttendeeMessageRecipient.registration_id == registration_id)
            .order_by(AttendeeMessage.created_at.desc(), AttendeeMessage.id.desc())
        )
    )
