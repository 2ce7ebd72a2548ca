"""Networking: the support-services directory, organisation profiles, the participant
directory of an event, contact requests and one-to-one meetings between participants."""

from flask import Blueprint

bp = Blueprint("network", __name__)


@bp.record_once
def _call_off_meetings_when_registrations_or_events_are_cancelled(state) -> None:
    from eventhub.events.signals import event_cancelled, registrations_cancelled
    from eventhub.network.meetings import cancel_meetings_of, cancel_meetings_of_event

    registrations_cancelled.connect(cancel_meetings_of, sender=state.app)
    event_cancelled.connect(cancel_meetings_of_event, sender=state.app)
