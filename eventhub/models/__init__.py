"""Models by domain; imported here so Alembic and the app see every table."""

from eventhub.models.event import (
    AGENDA_KINDS,
    EVENT_FORMATS,
    EVENT_STATUSES,
    HOST_ROLES,
    NOTIFY_MODES,
    AgendaItem,
    Event,
    EventHost,
    Series,
    Topic,
    event_topics,
)
from eventhub.models.mail import OUTBOX_STATUSES, OutboxMessage
from eventhub.models.organisation import (
    MEMBERSHIP_ROLES,
    ORGANISATION_KINDS,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    User,
)
from eventhub.models.registration import (
    ACTIVE_STATUSES,
    ORGANISATION_TYPES,
    REGISTRATION_SOURCES,
    REGISTRATION_STATUSES,
    ParticipantFeed,
    Registration,
)

__all__ = [
    "ACTIVE_STATUSES",
    "AGENDA_KINDS",
    "EVENT_FORMATS",
    "EVENT_STATUSES",
    "HOST_ROLES",
    "MEMBERSHIP_ROLES",
    "NOTIFY_MODES",
    "ORGANISATION_KINDS",
    "ORGANISATION_TYPES",
    "REGISTRATION_SOURCES",
    "REGISTRATION_STATUSES",
    "AgendaItem",
    "ApiToken",
    "Event",
    "EventHost",
    "Invitation",
    "Membership",
    "OUTBOX_STATUSES",
    "Organisation",
    "OutboxMessage",
    "ParticipantFeed",
    "PasswordReset",
    "Registration",
    "Series",
    "Topic",
    "User",
    "event_topics",
]
