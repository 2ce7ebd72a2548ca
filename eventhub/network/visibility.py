"""Who may see whom in an event's participant directory: the one rule every page, list,
suggestion and contact request of the network area asks."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false

from eventhub.models import Registration

# Only people whose registration stands take part in networking: an unverified address
# could be anyone's, and a cancelled registration has left the event.
NETWORKING_STATUSES = ("confirmed",)


def is_listed(person: Registration) -> bool:
    return person.status in NETWORKING_STATUSES and person.directory_visibility != "hidden"


def visible_visibilities(viewer: Registration) -> tuple[str, ...]:
    """The visibilities of the people this viewer may see ("participants" is mutual: only
    someone listed themselves sees those)."""
    if viewer.status not in NETWORKING_STATUSES:
        return ()
    if viewer.directory_visibility == "hidden":
        return ("registered",)
    return ("participants", "registered")


def can_see(viewer: Registration, person: Registration) -> bool:
    return (
        viewer.id != person.id
        and viewer.event_id == person.event_id
        and person.status in NETWORKING_STATUSES
        and person.directory_visibility in visible_visibilities(viewer)
    )


def visible_to(viewer: Registration) -> ColumnElement[bool]:
    """SQL condition on Registration: the people `viewer` sees in the directory."""
    allowed = visible_visibilities(viewer)
    if not allowed:
        return false()
    return and_(
        Registration.event_id == viewer.event_id,
        Registration.id != viewer.id,
        Registration.status.in_(NETWORKING_STATUSES),
        Registration.directory_visibility.in_(allowed),
    )


def listed_at(event_id: int) -> ColumnElement[bool]:
    """SQL condition on Registration: everyone listed in an event's directory (what the
    event's organisers see)."""
    return and_(
        Registration.event_id == event_id,
        Registration.status.in_(NETWORKING_STATUSES),
        Registration.directory_visibility != "hidden",
    )
