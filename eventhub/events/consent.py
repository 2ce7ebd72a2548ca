"""Consent records: which version of the privacy notice a person accepted, for what, and
when they withdrew it. Written in the transaction of the act itself."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from eventhub.models import CONSENT_PURPOSES, ConsentRecord


def notice_version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def record_consent(
    session: Session, registration_id: int, purpose: str, *, given: bool = True
) -> ConsentRecord:
    """Add one consent record (given or withdrawn) to the session's transaction."""
    if purpose not in CONSENT_PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    record = ConsentRecord(
        registration_id=registration_id,
        purpose=purpose,
        action="given" if given else "withdrawn",
        notice_version=notice_version(),
    )
    session.add(record)
    return record
