"""An organisation's API keys for the organiser endpoints of the JSON API.

The raw key is shown once when it is created; the database keeps its SHA-256, a short
prefix to tell keys apart, and when it was last used. Revoked keys answer 401 like
unknown ones (checked in eventhub.api.auth).
"""

from __future__ import annotations

from sqlalchemy import select, update

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import ApiToken
from eventhub.models.base import utcnow
from eventhub.tokens import API_KEY_PREFIX, new_token

SHOWN_PREFIX = 10


def create_token(
    organisation_id: int, name: str, *, can_write: bool, created_by_id: int | None
) -> tuple[ApiToken, str]:
    """A new key (256 random bits) for the organisation; returns it and the raw value."""
    raw, token_hash = new_token(API_KEY_PREFIX)
    with write_transaction() as session:
        token = ApiToken(
            organisation_id=organisation_id,
            name=name.strip(),
            prefix=raw[:SHOWN_PREFIX],
            token_hash=token_hash,
            can_write=can_write,
            created_by_id=created_by_id,
        )
        session.add(token)
    return token, raw


def organisation_tokens(organisation_id: int) -> list[ApiToken]:
    """The organisation's active keys, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(organisation_id: int, token_id: int) -> bool:
    """Revoke one of the organisation's keys; False if it has no such active key."""
    with write_transaction() as session:
        result = session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.organisation_id == organisation_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1
