"""Who may see what: organisers see only events their organisations host or co-host."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, exists, select

from eventhub.errors import abort_with
from eventhub.extensions import db
from eventhub.models import (
    MANAGING_ROLES,
    Event,
    EventHost,
    Membership,
    Organisation,
    Registration,
)
from eventhub.querying import event_load_options


def my_organisations() -> list[Organisation]:
    if current_user.is_authenticated and current_user.is_admin:
        return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == current_user.id)
            .order_by(Organisation.name)
        )
    )


def owned_organisation_ids() -> list[int]:
    """The organisations the current user owns (site admins: none of their own)."""
    return list(
        db.session.scalars(
            select(Membership.organisation_id).where(
                Membership.user_id == current_user.id, Membership.role == "owner"
            )
        )
    )


def managed_by(organisation_ids) -> ColumnElement[bool]:
    """Condition on Event: one of these organisations hosts or co-hosts it, and agreed to.

    Partners and funders are named on the event but do not manage it; a link another
    organisation made without consent (pending) grants nothing until an owner accepts.
    The one rule for the workspace (a user's organisations) and the API (a token's
    organisation).
    """
    return exists().where(
        EventHost.event_id == Event.id,
        EventHost.role.in_(MANAGING_ROLES),
        EventHost.accepted_at.is_not(None),
        EventHost.organisation_id.in_(organisation_ids),
    )


def managed_events() -> Select:
    """Events the current user may manage, as a select to filter and order further."""
    stmt = select(Event)
    if not current_user.is_admin:
        stmt = stmt.where(
            managed_by(
                select(Membership.organisation_id).where(Membership.user_id == current_user.id)
            )
        )
    return stmt


def event_or_404(slug: str) -> Event:
    """The event if the current user may manage it; 404 otherwise (never 403: no leaks)."""
    event = db.session.scalar(
        managed_events().options(*event_load_options()).where(Event.slug == slug)
    )
    if event is None:
        abort(404)
    return event


def registration_or_404(
    event: Event, registration_id: int, message: str | None = None
) -> Registration:
    """A registration of that event, else 404 (with `message` if given)."""
    registration = db.session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.event_id == event.id
        )
    )
    if registration is None:
        if message:
            abort_with(404, message)
        abort(404)
    return registration


def membership_role(organisation_id: int) -> str | None:
    if current_user.is_admin:
        return "owner"
    return db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == current_user.id,
            Membership.organisation_id == organisation_id,
        )
    )


def owned_organisation_or_404(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or membership_role(organisation.id) is None:
        abort(404)
    return organisation


def acting_organisation_id(event: Event) -> int:
    """The organisation the organiser acts for: theirs among the event's managing hosts
    (site admins: the event's first managing host). Only its events' data is touched."""
    query = (
        select(EventHost.organisation_id)
        .where(
            EventHost.event_id == event.id,
            EventHost.role.in_(MANAGING_ROLES),
            EventHost.accepted_at.is_not(None),
        )
        .order_by(EventHost.position, EventHost.id)
    )
    if not current_user.is_admin:
        query = query.join(
            Membership, Membership.organisation_id == EventHost.organisation_id
        ).where(Membership.user_id == current_user.id)
    organisation_id = db.session.scalar(query.limit(1))
    if organisation_id is None:
        abort(404)
    return organisation_id
