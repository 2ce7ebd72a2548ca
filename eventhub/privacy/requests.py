"""Asking for one's data: the one-time link mailed to an address, and using it once.

The same work for every address: a request row and a mail, whether or not anything is
stored about it (the page behind the link then says so). Nothing here looks the address
up, so neither the answer nor its timing tells whether the address is known.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.mail.messages import compose
from eventhub.mail.outbox import enqueue, mailboxes_over_limit
from eventhub.models import PrivacyRequest, normalise_email
from eventhub.models.base import utcnow
from eventhub.tokens import lookup_hash, new_token
from eventhub.urls import absolute_url


class LinkRefused(Exception):
    """The link cannot be used: `reason` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def request_access(email: str, language: str) -> None:
    """Write a one-time link for the address and mail it (unless its inbox got enough
    mail this hour: then nothing, as for every other mail visitors can cause)."""
    now = utcnow()
    minutes = current_app.config["PRIVACY_LINK_MINUTES"]
    token, token_hash = new_token()
    address = email.strip()
    with write_transaction() as session:
        delete_spent_requests(session, now)
        session.add(
            PrivacyRequest(
                token_hash=token_hash,
                email_normalised=normalise_email(address),
                created_at=now,
                expires_at=now + dt.timedelta(minutes=minutes),
            )
        )
        # Counted apart from the other mails visitors can cause: asking for someone's
        # links to their data must not block that person's registrations.
        if mailboxes_over_limit(
            [address],
            kinds=("privacy_link",),
            limit=current_app.config["PRIVACY_LINKS_PER_MAILBOX_PER_HOUR"],
        ):
            return
        message = compose(
            to=address,
            subject=lambda: _("Your data on eventhub"),
            template="privacy_link",
            language=language,
            context={
                "link": absolute_url("privacy.open_link", token=token),
                "minutes": minutes,
            },
        )
        enqueue(message, kind="privacy_link")


def delete_spent_requests(session, now: dt.datetime) -> int:
    """Requests whose link and access are over keep nothing anyone needs (run with each
    new request and by the retention job)."""
    return session.execute(
        delete(PrivacyRequest).where(PrivacyRequest.expires_at < now - _grace())
    ).rowcount


def _grace() -> dt.timedelta:
    """How long a used link's row is kept after it expired: the access it opened may
    last that long."""
    return dt.timedelta(minutes=current_app.config["PRIVACY_ACCESS_MINUTES"])


def check_link(token: str) -> PrivacyRequest:
    """The request of a link that can still be used (GET: shows the button, uses nothing)."""
    request = _request_of(token)
    if request.used_at is not None:
        raise LinkRefused("used")
    if request.expires_at <= utcnow():
        raise LinkRefused("expired")
    return request


def use_link(token: str) -> int:
    """Use the link, once: the conditional UPDATE lets exactly one of any number of
    concurrent uses through. Returns the request's id (what the session remembers)."""
    token_hash = lookup_hash(token)
    now = utcnow()
    with write_transaction() as session:
        used = session.execute(
            update(PrivacyRequest)
            .where(
                PrivacyRequest.token_hash == (token_hash or ""),
                PrivacyRequest.used_at.is_(None),
                PrivacyRequest.expires_at > now,
            )
            .values(used_at=now)
            .returning(PrivacyRequest.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
    if used is None:
        check_link(token)  # says why
        raise LinkRefused("used")  # used by a concurrent request just now
    return used


def _request_of(token: str) -> PrivacyRequest:
    token_hash = lookup_hash(token)
    request = (
        db.session.scalar(select(PrivacyRequest).where(PrivacyRequest.token_hash == token_hash))
        if token_hash
        else None
    )
    if request is None:
        raise LinkRefused("unknown")
    return request


def revoke_access(request_id: int | None) -> None:
    """The person ended their access: the request goes, so no copy of the session
    cookie opens the data again."""
    if request_id is None:
        return
    with write_transaction() as session:
        session.execute(delete(PrivacyRequest).where(PrivacyRequest.id == request_id))


def granted_address(request_id: int | None) -> str | None:
    """The normalised address a used request grants access to, or None."""
    if request_id is None:
        return None
    return db.session.scalar(
        select(PrivacyRequest.email_normalised).where(
            PrivacyRequest.id == request_id, PrivacyRequest.used_at.is_not(None)
        )
    )
