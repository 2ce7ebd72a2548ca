"""Views of the organiser workspace, one module per sub-area; importing them attaches
their routes to the blueprints."""

from eventhub.manage.views import (
    account,
    after_event,
    auth,
    downloads,
    events,
    feedback,
    funder_report,
    meeting_plan,
    meetings,
    messages,
    network,
    organisations,
    person_data,
    questions,
    registrations,
    scanner,
    services,
    waitlist,
)

__all__ = [
    "account",
    "after_event",
    "auth",
    "downloads",
    "events",
    "feedback",
    "funder_report",
    "meeting_plan",
    "meetings",
    "messages",
    "network",
    "organisations",
    "person_data",
    "questions",
    "registrations",
    "scanner",
    "services",
    "waitlist",
]
