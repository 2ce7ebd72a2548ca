"""Views of the organiser workspace, one module per sub-area; importing them attaches
their routes to the blueprints."""

from eventhub.manage.views import (
    account,
    after_event,
    audit_log,
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
    questions,
    registrations,
    scanner,
    services,
    waitlist,
)

__all__ = [
    "account",
    "after_event",
    "audit_log",
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
    "questions",
    "registrations",
    "scanner",
    "services",
    "waitlist",
]
