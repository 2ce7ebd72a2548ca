"""Who is calling the organiser API: the organisation's key in the Authorization header
(keys are created and revoked in the workspace, eventhub.manage.api_keys)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from eventhub.database import SQLITE_BUSY_TIMEOUT_MS
from eventhub.extensions import db
from eventhub.models import ApiToken
from eventhub.models.base import utcnow
from eventhub.tokens import API_KEY_PREFIX, MAX_TOKEN_LENGTH, hash_token

logger = logging.getLogger(__name__)

# Recording every request would turn reads into writes; once in this interval is enough
# to tell an owner whether a key is still in use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
LAST_USED_WAIT_MS = 200


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer eh_…` header, if it has that shape."""
    if not header:
        return None
    scheme, _, raw = header.strip().partition(" ")
    raw = raw.strip()
    if (
        scheme.lower() != "bearer"
        or not raw.startswith(API_KEY_PREFIX)
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
