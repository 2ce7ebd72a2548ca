"""Consent to being named on an event: organisations named by another organisation as
host, co-host, partner or funder are asked; their owners accept or decline.

A pending link grants no access (eventhub.access.managed_by counts accepted links only)
and is not shown publicly as that organisation; accepting it is not a calendar change,
so it raises no SEQUENCE and mails no attendee.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventhub.database import write_transaction
from eventhub.events.records import refresh_event_search_text
from eventhub.extensions import db
from eventhub.manage.notifications import queue_host_request
from eventhub.models import MANAGING_ROLES, Event, EventHost, Membership, User
from eventhub.models.base import utcnow


def queue_new_host_requests(links: list[EventHost]) -> None:
    """Ask every owner of each newly named organisation (in the caller's transaction)."""
    for link in links:
        owners = db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == link.organisation_id,
                Membership.role == "owner",
            )
            .order_by(User.id)
        )
        for owner in owners:
            queue_host_request(link, owner, requested_by=requesting_organisations(link.event))


def requesting_organisations(event: Event) -> list[str]:
    """Who names others on this event: its accepted hosts and co-hosts."""
    return [h.organisation.name for h in event.hosts if h.accepted and h.role in MANAGING_ROLES]


def pending_host_requests(organisation_ids) -> list[EventHost]:
    """Open requests to these organisations, soonest event first."""
    return list(
        db.session.scalars(
            select(EventHost)
            .join(Event, Event.id == EventHost.event_id)
            .options(joinedload(EventHost.event).selectinload(Event.hosts))
            .where(
                EventHost.organisation_id.in_(organisation_ids),
                EventHost.accepted_at.is_(None),
            )
            .order_by(Event.starts_at, EventHost.id)
        ).unique()
    )


def answer_host_request(organisation_id: int, link_id: int, *, accept: bool) -> Event | None:
    """Accept (the link counts from now on) or decline (the link is removed) an open
    request to that organisation; returns the event, None if there is no such request."""
    with write_transaction() as session:
        link = session.scalar(
            select(EventHost)
            .where(
                EventHost.id == link_id,
                EventHost.organisation_id == organisation_id,
                EventHost.accepted_at.is_(None),
            )
            .with_for_update(of=EventHost)
        )
        if link is None:
            return None
        event = link.event
        if accept:
            link.accepted_at = utcnow()
        else:
            event.hosts.remove(link)
        session.flush()
        refresh_event_search_text(event)
        return event
