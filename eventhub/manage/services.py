"""Accounts and organisation membership rules."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from eventhub.extensions import db
from eventhub.models import Membership, Organisation, User
from eventhub.text import slugify

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A rule about accounts or organisations was broken; the message says which."""


def create_user(
    *,
    email: str,
    password: str,
    is_admin: bool = False,
    org_slug: str | None = None,
    name: str = "",
) -> tuple[User, bool]:
    """Create (or update) an account; with org_slug, make it an organiser there."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"'{email}' is not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
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
    db.session.commit()
    return user, created
