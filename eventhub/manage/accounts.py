"""Accounts: creating them, logging in, password resets and accepting invitations."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.mail.outbox import mailboxes_over_limit
from eventhub.manage.notifications import queue_password_reset
from eventhub.models import (
    MIN_PASSWORD_LENGTH,
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    User,
)
from eventhub.models.base import utcnow
from eventhub.text import slugify
from eventhub.tokens import lookup_hash, new_token

RESET_VALIDITY = dt.timedelta(hours=1)


class AccountError(ValueError):
    """A rule about accounts or organisations was broken; the message says which."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    *,
    email: str,
    password: str,
    is_admin: bool = False,
    org_slug: str | None = None,
    name: str = "",
) -> tuple[User, bool]:
    """Create (or update) an account; with org_slug, make it an organiser there."""
    with write_transaction():
        return _create_user(
            email=email, password=password, is_admin=is_admin, org_slug=org_slug, name=name
        )


def _create_user(
    *, email: str, password: str, is_admin: bool, org_slug: str | None, name: str
) -> tuple[User, bool]:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"'{email}' is not an email address")
    _check_password(password)
    if org_slug and slugify(org_slug) != org_slug:
        raise AccountError(
            f"'{org_slug}' is not a valid organisation slug (try '{slugify(org_slug)}')"
        )
    user = db.session.scalar(select(User).where(User.email == email))
    created = user is None
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
    elif name:
        user.name = name
    if not created:  # a new password ends the sessions made with the old one
        user.session_version += 1
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.is_admin = user.is_admin or is_admin
    if org_slug:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if organisation is None:
            organisation = Organisation(slug=org_slug, name=org_slug.replace("-", " ").title())
            db.session.add(organisation)
            db.session.flush()
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
        if membership is None:
            # The first account of a new organisation owns it; later ones organise.
            role = "owner" if not organisation.memberships else "organiser"
            db.session.add(Membership(user=user, organisation=organisation, role=role))
    return user, created


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None (same work either way: no timing hint)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user else _DUMMY_HASH
    if check_password_hash(stored, password) and user is not None:
        return user
    return None


_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


def end_sessions(user_id: int) -> None:
    """Log the account out everywhere: every session cookie issued so far stops working."""
    with write_transaction() as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(session_version=User.session_version + 1)
            .execution_options(synchronize_session=False)
        )


# --- password reset ---------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a one-time link if the account exists; the same outward answer either way."""
    with write_transaction() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or mailboxes_over_limit([user.email]):
            return  # no account, or its inbox got enough mail from us this hour
        token, token_hash = new_token()
        session.add(
            PasswordReset(user=user, token_hash=token_hash, expires_at=utcnow() + RESET_VALIDITY)
        )
        queue_password_reset(user, token)


def open_password_reset(token: str) -> PasswordReset | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def reset_password(reset_id: int, password: str) -> User:
    _check_password(password)
    with write_transaction() as session:
        reset = session.get(PasswordReset, reset_id, populate_existing=True)
        if reset is None or reset.used_at is not None:
            raise AccountError("used")
        reset.user.password_hash = generate_password_hash(password, method="scrypt")
        reset.user.session_version += 1  # every session of the account ends here
        now = utcnow()
        # This link and every other open one for the account stop working.
        for other in session.scalars(
            select(PasswordReset).where(
                PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None)
            )
        ):
            other.used_at = now
        return reset.user


# --- invitations --------------------------------------------------------------


def open_invitation(token: str) -> Invitation | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None or invitation.accepted_at or invitation.expires_at <= utcnow():
        return None
    return invitation


def accept_invitation(invitation_id: int, *, name: str, password: str) -> User:
    """Create the invited account. An address that has an account already is refused:
    the link is shown to the inviting owner too, and accepting it must never set the
    password of someone else's account."""
    exists = AccountError(
        _(
            "An account with this email address exists already. Log in with it; an "
            "owner of the organisation can then add you directly."
        )
    )
    with write_transaction() as session:
        invitation = session.get(Invitation, invitation_id, populate_existing=True)
        if invitation is None or invitation.accepted_at is not None:
            raise exists  # accepted meanwhile: its account exists now
        if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
            raise exists
        user, created = _create_user(
            email=invitation.email, password=password, is_admin=False, org_slug=None, name=name
        )
        if not created:  # committed since the check (PostgreSQL): roll the update back
            raise exists
        try:
            session.flush()  # created at the same moment elsewhere: the unique email refuses
        except IntegrityError as error:
            raise exists from error
        if (
            session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id,
                    Membership.organisation_id == invitation.organisation_id,
                )
            )
            is None
        ):
            session.add(
                Membership(
                    user=user, organisation_id=invitation.organisation_id, role=invitation.role
                )
            )
        invitation.accepted_at = utcnow()
        return user
