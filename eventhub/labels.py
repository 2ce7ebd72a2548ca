"""Display texts of the domain's codes (formats, roles, organisation types, refusals),
translated lazily so each is looked up in the language of the page or mail using it."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FORMAT_LABELS = {
    "workshop": _l("Workshop"),
    "fachtagung": _l("Expert conference"),
    "info": _l("Information event"),
    "kooperation": _l("Cooperation talk"),
    "exchange": _l("Exchange of experience"),
    "networking": _l("Networking"),
}

ROLE_LABELS = {
    "host": _l("Host"),
    "cohost": _l("Co-host"),
    "partner": _l("Partner"),
    "funder": _l("Funded by"),
}

AGENDA_KIND_LABELS = {
    "welcome": _l("Welcome"),
    "talk": _l("Talk"),
    "panel": _l("Panel"),
    "discussion": _l("Discussion"),
    "workshop": _l("Workshop"),
    "break": _l("Break"),
    "networking": _l("Networking"),
}

ORGANISATION_TYPE_LABELS = {
    "company": _l("Company"),
    "chamber": _l("Chamber (IHK, HWK)"),
    "public_authority": _l("Public authority or municipality"),
    "employment_agency": _l("Employment agency or job centre"),
    "education": _l("School, university or training provider"),
    "association": _l("Association or network"),
    "counselling": _l("Counselling service or Welcome Center"),
    "other": _l("Other"),
}
NOT_SPECIFIED = _l("Not specified")

# What kind of organisation a host is (models.organisation.ORGANISATION_KINDS), as shown
# on its public profile.
ORGANISATION_KIND_LABELS = {
    "chamber": _l("Chamber (IHK, HWK)"),
    "association": _l("Association or network"),
    "municipality": _l("Municipality or district"),
    "welcome_center": _l("Welcome Center"),
    "agency": _l("Agency"),
    "ministry": _l("Ministry or state authority"),
    "employer": _l("Employer"),
    "education": _l("School, university or training provider"),
    "funder": _l("Funding body"),
    "other": _l("Other"),
}

# How a registration's status reads in attendee lists.
STATUS_LABELS = {
    "confirmed": _l("Confirmed"),
    "cancelled": _l("Registration cancelled"),
    "unverified": _l("Address not yet confirmed"),
    "waiting": _l("On the waiting list"),
    "offered": _l("Seat offered"),
    "pending": _l("Awaiting approval"),
    "declined": _l("Declined"),
}
ATTENDANCE_LABELS = {
    "onsite": _l("On site"),
    "online": _l("Online"),
}
WAITLIST_LABELS = {
    "off": _l("No waiting list"),
    "auto": _l("Automatic: the next person is registered at once"),
    "offer": _l("Offer: the next person may accept within a deadline"),
}


def format_name(fmt: str) -> str:
    label = FORMAT_LABELS.get(fmt)
    return str(label) if label is not None else fmt


def role_name(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


def status_name(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def attendance_name(mode: str) -> str:
    label = ATTENDANCE_LABELS.get(mode)
    return str(label) if label is not None else mode


def refusal_message(reason: str) -> str:
    """Why a registration was refused (reasons: events.registration.REFUSAL_REASONS)."""
    return {
        "full": _("This event is fully booked. No more registrations are possible."),
        "closed": _("Registration for this event has closed."),
        "cancelled": _("This event has been cancelled."),
        "running": _("This event has already started."),
        "past": _("This event has already taken place."),
        "draft": _("This event is not open for registration."),
        # Worded so that it does not tell a stranger whether someone is registered: the
        # person behind the address learns the rest by mail.
        "duplicate": _(
            "This email address could not be registered for this event. If it is yours, "
            "we have sent it a message explaining why and what you can do."
        ),
        "repeated": _(
            "This email address has been registered for this event several times today. "
            "Please try again tomorrow or contact the organisers."
        ),
        "mail_limit": _(
            "We have sent a lot of messages to this email address in the last hour. "
            "Please try again later."
        ),
        "attendance": _("Please choose whether you take part on site or online."),
    }[reason]


def filter_message(reason: str) -> str:
    """Why a catalogue filter was refused (reasons raised by public_events.parse_filters)."""
    return {
        "format": _("Unknown event format. Please choose a format from the list."),
        "page": _("The page number is not valid."),
        "too_long": _("A filter value is too long."),
        "invalid": _("A filter value contains characters that are not allowed."),
    }[reason]


# What a consent record is about and what was done (eventhub.models.privacy), as the
# participant's page and the person's data page show them.
CONSENT_PURPOSE_LABELS = {
    "registration": _l("Privacy notice read at registration (to run the event)"),
    "directory": _l("Listing in the participant directory"),
    "contact_request": _l("Sharing your address with a contact"),
    "feedback": _l("Feedback with your name"),
    "statistics": _l("Answers to the statistics questions"),
}
CONSENT_ACTION_LABELS = {"given": _l("Given"), "withdrawn": _l("Withdrawn")}
