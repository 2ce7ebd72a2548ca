"""Organisations and their members: creating them, inviting colleagues, who belongs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.manage.accounts import AccountError
from eventhub.manage.notifications import queue_invitation
from eventhub.models import (
    INVITATION_DAYS,
    MEMBERSHIP_ROLES,
    Invitation,
    Membership,
    Organisation,
    User,
)
from eventhub.models.base import utcnow
from eventhub.tokens import new_token


def invite(organisation_id: int, email: str, role: str, invited_by_id: int) -> tuple[str, bool]:
    """Add an existing account at once, or mail an invitation link (also returned raw,
    for a site admin creating an organisation). Returns (token or "", added_directly)."""
    email = email.strip().lower()
    if role not in MEMBERSHIP_ROLES:
        raise AccountError(role)
    with write_transaction() as session:
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:
            exists_already = session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.organisation_id == organisation_id
                )
            )
            if exists_already is None:
                session.add(Membership(user=user, organisation_id=organisation_id, role=role))
            return "", True
        token, token_hash = new_token()
        invitation = Invitation(
            organisation_id=organisation_id,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by_id=invited_by_id,
            expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS),
        )
        session.add(invitation)
        session.flush()
        queue_invitation(invitation, token, session.get(User, invited_by_id))
    return token, False


def create_organisation(name: str, slug: str) -> Organisation:
    with write_transaction() as session:
        if session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
            raise AccountError("slug_taken")
        organisation = Organisation(name=name, slug=slug)
        session.add(organisation)
    return organisation


def members(organisation: Organisation) -> list[tuple[User, str]]:
    return list(
        db.session.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id)
            .order_by(User.email)
        ).all()
    )


def open_invitations(organisation: Organisation) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
