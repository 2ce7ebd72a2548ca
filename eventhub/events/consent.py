"""Consent records: which version of the privacy notice a person accepted, for what, and
when they withdrew it. Written in the transaction of the act itself.

Who acted is on the record (`source`, see CONSENT_SOURCES): "web" for the person on the
public pages, "group" for a colleague who registered them on the group form, "manual" and
"api" for an organiser (workspace, API key). A registration's own `source` says how it
came in; the records say who did each later act too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventhub.extensions import db
from eventhub.models import CONSENT_PURPOSES, CONSENT_SOURCES, ConsentRecord


def notice_version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def record_consent(
    session: Session,
    registration_id: int,
    purpose: str,
    *,
    given: bool = True,
    source: str = "web",
) -> ConsentRecord:
    """Add one consent record (given or withdrawn) to the session's transaction."""
    if purpose not in CONSENT_PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    if source not in CONSENT_SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    record = ConsentRecord(
        registration_id=registration_id,
        purpose=purpose,
        action="given" if given else "withdrawn",
        notice_version=notice_version(),
        source=source,
    )
    session.add(record)
    return record


def record_change(
    session: Session,
    registration_id: int,
    purpose: str,
    *,
    before: bool,
    after: bool,
    source: str = "web",
) -> ConsentRecord | None:
    """A "given" when an opt-in goes from off to on, a "withdrawn" from on to off; nothing
    when it stays as it was (changing a listed person's audience is no new consent)."""
    if before == after:
        return None
    return record_consent(session, registration_id, purpose, given=after, source=source)


@dataclass(frozen=True)
class ShownConsent:
    purpose: str
    action: str
    notice_version: str
    created_at: object
    source: str


def consents_of(registration_id: int) -> list[ShownConsent]:
    """The person's records, oldest first (for their private page)."""
    return [
        ShownConsent(r.purpose, r.action, r.notice_version, r.created_at, r.source)
        for r in db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.registration_id == registration_id)
            .order_by(ConsentRecord.created_at, ConsentRecord.id)
        )
    ]
