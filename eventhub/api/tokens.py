"""API tokens: an organisation's keys for the organiser endpoints of the JSON API.

The raw token is shown once when it is created; the database keeps its SHA-256, a
short prefix to tell keys apart, and when it was last used. Revoked tokens answer
401 like unknown ones.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from eventhub.database import SQLITE_BUSY_TIMEOUT_MS, write_transaction
from eventhub.extensions import db
from eventhub.models import ApiToken, Organisation, User
from eventhub.models.base import utcnow
from eventhub.tokens import MAX_TOKEN_LENGTH, hash_token, new_token

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "eh_"  # noqa: S105 - a marker, not a secret
SHOWN_PREFIX = 10
# Recording every request would turn reads into writes; once in this interval is enough
# to tell an owner whether a key is still in use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
LAST_USED_WAIT_MS = 200


def create_token(
    organisation: Organisation, name: str, *, can_write: bool, created_by: User | None
) -> tuple[ApiToken, str]:
    """A new token (256 random bits) for the organisation; returns it and the raw value."""
    raw, token_hash = new_token(TOKEN_PREFIX)
    with write_transaction() as session:
        token = ApiToken(
            organisation_id=organisation.id,
            name=name.strip(),
            prefix=raw[:SHOWN_PREFIX],
            token_hash=token_hash,
            can_write=can_write,
            created_by_id=created_by.id if created_by else None,
        )
        session.add(token)
    return token, raw


def organisation_tokens(organisation: Organisation) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(organisation: Organisation, token_id: int) -> bool:
    """Revoke one of the organisation's tokens; False if it has no such active token."""
    with write_transaction() as session:
        result = session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.organisation_id == organisation.id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer eh_…` header, if it has that shape."""
    if not header:
        return None
    scheme, _, raw = header.strip().partition(" ")
    raw = raw.strip()
    if (
        scheme.lower() != "bearer"
        or not raw.startswith(TOKEN_PREFIX)
        or len(raw) > MAX_TOKEN_LENGTH
    ):
        return None
    return raw


@dataclass(frozen=True)
class ApiClient:
    """Who is calling: the token and the organisation it acts for."""

    token_id: int
    organisation_id: int
    can_write: bool


def client_from_header(header: str | None) -> ApiClient | None:
    """The caller named by an `Authorization: Bearer …` header with an active token."""
    raw = bearer_token(header)
    if raw is None:
        return None
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    client = ApiClient(token.id, token.organisation_id, token.can_write)
    _note_use(token.id, token.last_used_at)
    return client


def _note_use(token_id: int, last_used_at: dt.datetime | None) -> None:
    """Record when the key was last used: bookkeeping on its own short-lived connection
    that waits at most LAST_USED_WAIT_MS for a lock, so a busy database neither fails
    nor stalls the request it belongs to."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at < LAST_USED_RESOLUTION:
        return
    # End the request's read transaction first, so a thread never holds two pooled
    # connections at once (twenty threads each waiting for a second one starve the pool).
    db.session.commit()
    statement = update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
    try:
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            try:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {LAST_USED_WAIT_MS}")
                else:
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {LAST_USED_WAIT_MS}")
                connection.execute(statement)
                connection.commit()
            finally:
                connection.rollback()
                if sqlite:  # the pooled connection goes back with the usual patience
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
                    connection.commit()
    except OperationalError:
        logger.warning("could not record the use of API key %s", token_id, exc_info=True)
