"""Views of the events area; importing them attaches their routes to the blueprint."""

from eventhub.events.views import (
    answers,
    catalogue,
    certificates,
    consents,
    feedback,
    lost_links,
    registration,
)

__all__ = [
    "answers",
    "catalogue",
    "certificates",
    "consents",
    "feedback",
    "lost_links",
    "registration",
]
