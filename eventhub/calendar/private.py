"""Private feeds: one unguessable, rotatable URL per participant address."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventhub.calendar.links import webcal
from eventhub.calendar.notifications import queue_private_feed
from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import Event, ParticipantFeed, Registration, normalise_email
from eventhub.public_events import PUBLIC_STATUSES
from eventhub.querying import event_load_options
from eventhub.tokens import hash_token, lookup_hash
from eventhub.urls import absolute_url


def _token(email_key: str, version: int) -> str:
    """192 bits derived from the secret key, the address and the feed's version."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"feed:{email_key}:{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def feed_token(email_key: str) -> str:
    """The address's current feed token, creating the feed on first use."""
    feed = db.session.scalar(
        select(ParticipantFeed).where(ParticipantFeed.email_normalised == email_key)
    )
    if feed is None:
        try:
            with write_transaction() as session:
                feed = session.scalar(
                    select(ParticipantFeed).where(ParticipantFeed.email_normalised == email_key)
                )
                if feed is None:
                    feed = ParticipantFeed(
                        email_normalised=email_key,
                        version=1,
                        token_hash=hash_token(_token(email_key, 1)),
                    )
                    session.add(feed)
        except IntegrityError:  # a concurrent first visit created it (PostgreSQL)
            feed = db.session.scalar(
                select(ParticipantFeed).where(ParticipantFeed.email_normalised == email_key)
            )
    return _token(email_key, feed.version)


def rotate_feed(email_key: str) -> str:
    """Revoke the current URL (it answers 404 from now on) and return the new token."""
    with write_transaction() as session:
        feed = session.scalar(
            select(ParticipantFeed)
            .where(ParticipantFeed.email_normalised == email_key)
            .with_for_update()
        )
        if feed is None:
            feed = ParticipantFeed(email_normalised=email_key, version=1, token_hash="")
            session.add(feed)
        feed.version += 1
        feed.token_hash = hash_token(_token(email_key, feed.version))
        version = feed.version
    return _token(email_key, version)


def feed_by_token(token: str) -> ParticipantFeed | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(
        select(ParticipantFeed).where(ParticipantFeed.token_hash == token_hash)
    )


def feed_links(email_key: str) -> dict[str, str]:
    """The address's feed as https and webcal:// URL (for the page's subscribe links)."""
    url = absolute_url("calendar.private_feed", token=feed_token(email_key))
    return {"feed_url": url, "feed_webcal": webcal(url)}


def registered_events(email_key: str) -> list[Event]:
    """Public events this address holds a confirmed registration for; no one else's data."""
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.status.in_(PUBLIC_STATUSES),
                Event.id.in_(
                    select(Registration.event_id).where(
                        Registration.email_normalised == email_key,
                        Registration.status == "confirmed",
                    )
                ),
            )
            .options(*event_load_options(agenda=False))
            .order_by(Event.starts_at)
        )
    )


def send_private_feed(email: str, language: str) -> None:
    """Mail the address its private feed and the events it is registered for."""
    email_key = normalise_email(email)
    links = feed_links(email_key)
    events = registered_events(email_key)
    with write_transaction():
        queue_private_feed(email, language, events=events, **links)
