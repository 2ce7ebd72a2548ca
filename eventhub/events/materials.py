"""Materials after the event: links (slides, documentation) the organisers share, shown on
the event page once the event took place and mailed to the people who came, each link
once (links added later go out in a later mail, alone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events.notifications import attendee_mail
from eventhub.extensions import db
from eventhub.mail.outbox import outbox_row
from eventhub.models import Event, EventMaterial, OutboxMessage, Registration
from eventhub.models.base import utcnow

MATERIALS_MAX = 30  # links per event
MATERIAL_MAIL_DAYS = 60  # links added up to this many days after the event are mailed


class MaterialRefused(ValueError):
    """A link that cannot be shared (reason: url, full)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def safe_link(url: str) -> str | None:
    """The address if it is an absolute http(s) link with a host; None otherwise
    (javascript:, data:, relative paths, spaces or controls)."""
    url = url.strip()
    if not url or len(url) > 1000 or any(c.isspace() or not c.isprintable() for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # https://www.ihk.de@evil.example looks like the chamber's site
    return url


def event_materials(event_id: int) -> list[EventMaterial]:
    return list(
        db.session.scalars(
            select(EventMaterial)
            .where(EventMaterial.event_id == event_id)
            .order_by(EventMaterial.position, EventMaterial.id)
        )
    )


def public_materials(event: Event, now: dt.datetime | None = None) -> list[EventMaterial]:
    """What the public event page lists: the links, once the event has ended."""
    if event.status != "published" or event.ends_at > (now or utcnow()):
        return []
    return event_materials(event.id)


def add_material(event_id: int, title: str, url: str, description: str = "") -> EventMaterial:
    link = safe_link(url)
    if link is None:
        raise MaterialRefused("url")
    with write_transaction() as session:
        session.get(Event, event_id, with_for_update=True, populate_existing=True)
        count, last = session.execute(
            select(func.count(), func.max(EventMaterial.position)).where(
                EventMaterial.event_id == event_id
            )
        ).one()
        if count >= MATERIALS_MAX:
            raise MaterialRefused("full")
        material = EventMaterial(
            event_id=event_id,
            title=" ".join(title.split())[:200],
            url=link,
            description=description.strip()[:2000],
            position=(last or 0) + 1,
        )
        session.add(material)
    return material


def remove_material(material_id: int) -> None:
    with write_transaction() as session:
        material = session.get(EventMaterial, material_id)
        if material is not None:
            session.delete(material)


def material_recipients(event: Event) -> list[Registration]:
    """Who gets the links: the confirmed people checked in at the door; where nobody was
    checked in (the organisers did not use check-in), every confirmed person."""
    confirmed = select(Registration).where(
        Registration.event_id == event.id, Registration.status == "confirmed"
    )
    came = db.session.scalars(
        confirmed.where(Registration.checked_in_at.is_not(None)).order_by(Registration.id)
    ).all()
    return list(came) or list(db.session.scalars(confirmed.order_by(Registration.id)))


@dataclass
class ComposedMaterialMails:
    """The mails about the links not mailed yet, built but not written."""

    material_ids: list[int]
    rows: list[OutboxMessage] = field(default_factory=list)


def compose_material_mails(event: Event, now: dt.datetime) -> ComposedMaterialMails | None:
    """Once the event is over: one mail per recipient with the links not mailed yet,
    built without any lock (building mails is the slow part); None when there is
    nothing new. Write them with write_material_mails."""
    if event.status != "published" or event.ends_at > now:
        return None
    new = db.session.scalars(
        select(EventMaterial)
        .where(EventMaterial.event_id == event.id, EventMaterial.mailed_at.is_(None))
        .order_by(EventMaterial.position, EventMaterial.id)
    ).all()
    if not new:
        return None
    return ComposedMaterialMails(
        [m.id for m in new],
        [_materials_row(event, person, list(new)) for person in material_recipients(event)],
    )


def write_material_mails(composed: ComposedMaterialMails, now: dt.datetime) -> int:
    """Claim the composed links (a conditional update: the links are mailed once, however
    many schedulers run) and write the mails, in the caller's transaction, which holds
    the event's row lock. Nothing when any of them was mailed or removed meanwhile (the
    next run builds the mail again). Returns how many mails."""
    unmailed = (EventMaterial.id.in_(composed.material_ids), EventMaterial.mailed_at.is_(None))
    if db.session.scalar(select(func.count()).where(*unmailed)) != len(composed.material_ids):
        return 0  # mailed or removed meanwhile: the next run builds the mail again
    db.session.execute(
        update(EventMaterial)
        .where(*unmailed)
        .values(mailed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.add_all(composed.rows)
    return len(composed.rows)


def _materials_row(event: Event, registration: Registration, materials: list[EventMaterial]):
    message = attendee_mail(
        event,
        registration,
        subject=lambda: _("Materials from %(title)s", title=event.title),
        template="materials",
        materials=materials,
    )
    return outbox_row(message, kind="materials", event_id=event.id, registration_id=registration.id)
