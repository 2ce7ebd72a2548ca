"""The audit log of organisers' access to attendee data (pages, downloads, API reads)."""

from __future__ import annotations

from eventhub.database import write_transaction
from eventhub.models import AuditEntry


def record_access(
    action: str,
    *,
    organisation_id: int | None,
    event_id: int | None = None,
    rows: int = 0,
    user_id: int | None = None,
    api_token_id: int | None = None,
) -> None:
    """Write one audit entry (joins a write transaction already open, else its own)."""
    with write_transaction() as session:
        session.add(
            AuditEntry(
                action=action,
                organisation_id=organisation_id,
                event_id=event_id,
                rows=rows,
                user_id=user_id,
                api_token_id=api_token_id,
            )
        )
