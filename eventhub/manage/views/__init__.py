"""Views of the organiser workspace, one module per sub-area; importing them attaches
their routes to the blueprints."""

from eventhub.manage.views import (
    account,
    auth,
    downloads,
    events,
    funder_report,
    meeting_plan,
    meetings,
    network,
    organisations,
    questions,
    registrations,
    scanner,
    services,
    waitlist,
)

__all__ = [
    "account",
    "auth",
    "downloads",
    "events",
    "funder_report",
    "meeting_plan",
    "meetings",
    "network",
    "organisations",
    "questions",
    "registrations",
    "scanner",
    "services",
    "waitlist",
]
