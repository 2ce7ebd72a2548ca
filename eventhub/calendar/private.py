"""Private feeds: one unguessable, rotatable URL per participant address."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from icalendar import Event as VEvent
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from eventhub.calendar.feeds import CANCELLED_KEPT
from eventhub.calendar.ical import build_meeting_vevent, meeting_location
from eventhub.calendar.links import webcal
from eventhub.calendar.notifications import queue_private_feed
from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import Event, Meeting, ParticipantFeed, Registration, normalise_email
from eventhub.models.base import utcnow
from eventhub.public_events import PUBLIC_STATUSES
from eventhub.querying import event_load_options
from eventhub.tokens import hash_token, lookup_hash
from eventhub.urls import absolute_event_url, absolute_url


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


def attendance_by_event(email_key: str, events: list[Event]) -> dict[int, str]:
    """How this address attends each hybrid event among `events` (on site or online), in
    one query, so its calendar shows its own place."""
    hybrid = [e.id for e in events if e.hybrid]
    if not hybrid:
        return {}
    return dict(
        db.session.execute(
            select(Registration.event_id, Registration.attendance).where(
                Registration.email_normalised == email_key,
                Registration.status == "confirmed",
                Registration.event_id.in_(hybrid),
            )
        ).all()
    )


@dataclass(frozen=True)
class FeedMeeting:
    """A placed meeting in someone's private feed, seen from one side."""

    meeting: Meeting
    event: Event
    me_id: int

    @property
    def other(self) -> Registration:
        m = self.meeting
        return m.partner if m.requester_id == self.me_id else m.requester

    @property
    def version(self) -> tuple:
        """What the feed's ETag depends on: a move, a cancellation, a new table or the
        other person's corrected name all change it."""
        m = self.meeting
        return (
            m.uid,
            m.sequence,
            m.status,
            m.slot_start.isoformat(),
            m.slot_end.isoformat(),
            m.table.name if m.table else None,
            self.other.full_name,
        )


def registered_meetings(
    email_key: str, events: list[Event], now: dt.datetime | None = None
) -> list[FeedMeeting]:
    """The address's placed meetings at `events` (its registered_events), in time order:
    accepted ones, and cancelled ones for CANCELLED_KEPT so subscribed calendars see
    STATUS:CANCELLED (as the public feeds keep cancelled events). Only meetings of the
    address's own confirmed registration; one query whatever their number."""
    now = now or utcnow()
    me = aliased(Registration)
    by_id = {event.id: event for event in events}
    rows = db.session.execute(
        select(Meeting, me.id)
        .join(me, or_(me.id == Meeting.requester_id, me.id == Meeting.partner_id))
        .where(
            me.email_normalised == email_key,
            me.status == "confirmed",
            me.event_id == Meeting.event_id,
            Meeting.event_id.in_(list(by_id)),
            Meeting.slot_start.is_not(None),
            or_(
                Meeting.status == "accepted",
                and_(Meeting.status == "cancelled", Meeting.cancelled_at > now - CANCELLED_KEPT),
            ),
        )
        .options(
            joinedload(Meeting.requester), joinedload(Meeting.partner), joinedload(Meeting.table)
        )
        .order_by(Meeting.slot_start, Meeting.id)
    ).all()
    return [FeedMeeting(meeting, by_id[meeting.event_id], me_id) for meeting, me_id in rows]


def meeting_vevents(meetings: list[FeedMeeting]) -> list[VEvent]:
    """The feed's VEVENT of each meeting, in the current language: the UID, SEQUENCE,
    times and LOCATION of the invite mailed for it, so a calendar that has both keeps one."""
    built = []
    for item in meetings:
        meeting, event = item.meeting, item.event
        url = absolute_event_url(event)
        description = "\n\n".join(
            p
            for p in (_("One-to-one meeting at %(title)s", title=event.title), meeting.note, url)
            if p
        )
        built.append(
            build_meeting_vevent(
                uid=meeting.uid,
                sequence=meeting.sequence,
                starts_at=meeting.slot_start,
                ends_at=meeting.slot_end,
                timezone=event.timezone,
                summary=_("Meeting with %(name)s", name=item.other.full_name),
                description=description,
                location=meeting_location(event, meeting.table.name if meeting.table else None),
                url=url,
                cancelled=meeting.status == "cancelled",
            )
        )
    return built


def send_private_feed(email: str, language: str) -> None:
    """Mail the address its private feed and the events it is registered for."""
    email_key = normalise_email(email)
    links = feed_links(email_key)
    events = registered_events(email_key)
    with write_transaction():
        queue_private_feed(email, language, events=events, **links)
