"""One-to-one meetings in the JSON API: a participant's own meetings under their private
registration token, and every meeting of an event for its organisers (API key).

The participant's token is the one of their /r/<token> page: unknown, revoked or not
confirmed answers 404 like any other missing thing, and only that person's meetings are
ever shown (the other person's address only once revealed). Organisers see the meetings
of their organisation's events; another organisation's event or meeting is a 404."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventhub.api import bp
from eventhub.api.organiser import managed_event, not_yours, organiser_api
from eventhub.api.views import paged_json
from eventhub.errors import abort_with
from eventhub.events.registration import registration_by_token
from eventhub.extensions import db
from eventhub.models import Event
from eventhub.models.network import MEETING_STATUSES, Meeting
from eventhub.network.meeting_schema import organiser_meeting_json, participant_meetings_json
from eventhub.network.visibility import NETWORKING_STATUSES
from eventhub.privacy.audit import audit_rows, audited

PARTICIPANT_PREFIX = "/api/v1/participant/"


@bp.after_request
def participant_answers_stay_private(response):
    """A participant's answers hold personal data and are addressed by a secret URL:
    neither browsers nor shared caches keep them."""
    if request.path.startswith(PARTICIPANT_PREFIX):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/participant/<token:token>/meetings")
def participant_meetings(token: str):
    registration = registration_by_token(token)
    if registration is None or registration.status not in NETWORKING_STATUSES:
        abort(404)
    return participant_meetings_json(registration)


def _with_people():
    return (
        joinedload(Meeting.requester),
        joinedload(Meeting.partner),
        joinedload(Meeting.table),
    )


def _organiser_json(meeting: Meeting, event: Event) -> dict:
    data = organiser_meeting_json(meeting, event)
    for side in ("requester", "partner"):
        data[side]["registration_url"] = url_for(
            "api.organiser_registration",
            slug=event.slug,
            registration_id=data[side]["registration_id"],
            _external=True,
        )
    data["url"] = url_for(
        "api.organiser_meeting", slug=event.slug, meeting_id=meeting.id, _external=True
    )
    return data


@bp.get("/organiser/events/<slug:slug>/meetings")
@organiser_api()
@audited("meetings.api")
def organiser_meetings(slug: str):
    """Every meeting of one of the organisation's events, oldest first; ?status= filters."""
    event = managed_event(slug)
    stmt = select(Meeting).where(Meeting.event_id == event.id).options(*_with_people())
    status = request.args.get("status")
    if status is not None:
        if status not in MEETING_STATUSES:
            abort_with(
                400, _("'status' must be one of: %(values)s.", values=", ".join(MEETING_STATUSES))
            )
        stmt = stmt.where(Meeting.status == status)
    data = paged_json(stmt.order_by(Meeting.id), lambda m: _organiser_json(m, event))
    audit_rows(event, len(data["items"]))
    return data


@bp.get("/organiser/events/<slug:slug>/meetings/<id:meeting_id>")
@organiser_api()
@audited("meeting.api")
def organiser_meeting(slug: str, meeting_id: int):
    event = managed_event(slug)
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.event_id == event.id)
        .options(*_with_people())
    )
    if meeting is None:
        abort_with(404, not_yours())
    audit_rows(event, 1)
    return _organiser_json(meeting, event)
