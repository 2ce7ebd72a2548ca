"""Query helpers every area uses: LIKE escaping and the eager loads of event listings."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from eventhub.models import Event, EventHost


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def event_load_options(*, agenda: bool = True):
    """Eager loads that keep every event listing at a fixed number of queries."""
    options = [
        selectinload(Event.hosts).joinedload(EventHost.organisation),
        selectinload(Event.topics),
        selectinload(Event.series),
    ]
    if agenda:
        options.append(selectinload(Event.agenda))
    return options
