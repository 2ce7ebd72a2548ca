"""Organiser endpoints of the JSON API, authenticated with an organisation's API token.

A token sees the events its organisation hosts or co-hosts (the workspace's rule) and
their registrations; anything else answers 404, so nobody learns what exists. Creating
and cancelling go through the same services as the registration form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select

from eventhub.access import managed_by, registration_or_404
from eventhub.api import bp
from eventhub.api.auth import ApiClient, bearer_token, client_from_header
from eventhub.api.schema import DeclineIn, MoveIn, RegistrationIn, field_errors
from eventhub.api.views import event_json, paged_json
from eventhub.errors import abort_with, error_response
from eventhub.events import waitlist
from eventhub.events.questions import (
    AnswersInvalid,
    active_questions,
    answers_of,
    event_questions,
    validate_answers,
)
from eventhub.events.records import host_to_dict
from eventhub.events.registration import (
    Attendee,
    RegistrationRefused,
    cancel_registration,
    register_group,
)
from eventhub.events.seats import waiting_position
from eventhub.extensions import db, limiter
from eventhub.labels import refusal_message
from eventhub.models import REGISTRATION_STATUSES, Event, Question, Registration
from eventhub.privacy.audit import audit_rows, audited
from eventhub.querying import event_load_options

REALM = 'Bearer realm="eventhub"'
# What of the request body describes the person (the rest steers the request).
ATTENDEE_FIELDS = {f.name for f in dataclasses.fields(Attendee)} - {"source"}


def api_error(status: int, message: str, headers: dict | None = None, **details):
    body, status = error_response(status, message, **details)
    return body, status, headers or {}


def _client() -> ApiClient:
    return g.api_client


def organiser_api(*, write: bool = False):
    """Require `Authorization: Bearer <token>`; `write` also requires a read-write token."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            client = client_from_header(request.headers.get("Authorization"))
            if client is None:
                invalid = "Authorization" in request.headers
                return api_error(
                    401,
                    _("An API token is required. Send it as 'Authorization: Bearer <token>'.")
                    if not invalid
                    else _("The API token is not valid or has been revoked."),
                    {"WWW-Authenticate": REALM + (', error="invalid_token"' if invalid else "")},
                )
            if write and not client.can_write:
                return api_error(
                    403,
                    _("This API token may only read. Create a token that may also write."),
                    {"WWW-Authenticate": REALM + ', error="insufficient_scope"'},
                )
            g.api_client = client
            return view(*args, **kwargs)

        return wrapper

    return decorator


@bp.after_request
def private_answers(response):
    """Answers that depend on the token are never kept by shared caches."""
    if request.path.startswith("/api/v1/organiser/"):
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Authorization")
    return response


def _write_limit() -> str:
    return current_app.config["API_WRITE_RATELIMIT"]


def _token_key() -> str:
    # Per key, not per address: an integration behind one NAT is one caller. The token is
    # parsed as for authentication, so "bearer", "BEARER" or extra spaces share a bucket.
    raw = bearer_token(request.headers.get("Authorization")) or ""
    return "api:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def managed_event(slug: str) -> Event:
    event = db.session.scalar(
        select(Event).where(Event.slug == slug, managed_by([_client().organisation_id]))
    )
    if event is None:
        abort_with(404, not_yours())
    return event


def not_yours() -> str:
    return _("Not found, or not an event of your organisation.")


def iso_or_none(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def registration_json(
    registration: Registration,
    event_slug: str,
    answers: dict[int, object] | None = None,
    position: int | None = None,
) -> dict:
    """The registration as the API shows it; `answers` ({question id: value}) and
    `position` on the waiting list when loaded for a whole page, else looked up."""
    if answers is None:
        answers = answers_of([registration.id])[registration.id]
    if position is None and registration.status == "waiting":
        position = waiting_position(registration)
    return {
        "id": registration.id,
        "uid": registration.uid,
        "event": event_slug,
        "status": registration.status,
        "status_reason": registration.status_reason or None,
        "attendance": registration.attendance,
        "position": position if registration.status == "waiting" else None,
        "offer_expires_at": iso_or_none(registration.offer_expires_at),
        "group": registration.group_uid,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "organisation": registration.organisation,
        "job_title": registration.job_title,
        "organisation_type": registration.organisation_type,
        "language": registration.language,
        "show_in_directory": registration.show_in_directory,
        "source": registration.source,
        "created_at": iso_or_none(registration.created_at),
        "updated_at": iso_or_none(registration.updated_at),
        "cancelled_at": iso_or_none(registration.cancelled_at),
        "checked_in_at": iso_or_none(registration.checked_in_at),
        "answers": {str(question_id): value for question_id, value in sorted(answers.items())},
        "url": url_for(
            "api.organiser_registration",
            slug=event_slug,
            registration_id=registration.id,
            _external=True,
        ),
    }


def _parse_since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text) if len(text) <= 40 else None
        if moment is not None and moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 near the offset
        moment = None
    if moment is None or moment.tzinfo is None:
        abort_with(
            400,
            _(
                "'updated_since' must be a date and time with offset, "
                "e.g. 2026-11-23T09:00:00+01:00."
            ),
        )
    return moment


@bp.get("/organiser/events")
@organiser_api()
def organiser_events():
    """Every event the token's organisation hosts or co-hosts, drafts included, newest first."""
    stmt = (
        select(Event)
        .where(managed_by([_client().organisation_id]))
        .options(*event_load_options())
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )

    def to_json(event: Event) -> dict:
        data = event_json(event)
        # The event's own organisers see who has not accepted yet.
        data["hosts"] = [host_to_dict(h) for h in event.hosts]
        data["confirmed_count"] = event.confirmed_total  # every pool of a hybrid event
        data["registrations_url"] = url_for(
            "api.organiser_registrations", slug=event.slug, _external=True
        )
        return data

    return paged_json(stmt, to_json)


@bp.get("/organiser/events/<slug:slug>/registrations")
@organiser_api()
@audited("registrations.api")
def organiser_registrations(slug: str):
    event = managed_event(slug)
    stmt = select(Registration).where(Registration.event_id == event.id)
    status = request.args.get("status")
    if status is not None:
        if status not in REGISTRATION_STATUSES:
            abort_with(
                400,
                _("'status' must be one of: %(values)s.", values=", ".join(REGISTRATION_STATUSES)),
            )
        stmt = stmt.where(Registration.status == status)
    since = _parse_since(request.args.get("updated_since"))
    if since is not None:
        stmt = stmt.where(Registration.updated_at >= since)
    positions: dict[int, int] = {}

    def to_json(registration: Registration, answers: dict) -> dict:
        # The waiting list's positions in one query for the page, not one per person.
        if registration.status == "waiting" and not positions:
            positions.update(waitlist.positions(waitlist.waiting_list(event.id)))
        return registration_json(
            registration, slug, answers[registration.id], positions.get(registration.id)
        )

    data = paged_json(
        stmt.order_by(Registration.id),
        to_json,
        prepare=lambda page: answers_of([r.id for r in page]),  # one query per page
    )
    audit_rows(event, len(data["items"]))
    return data


@bp.post("/organiser/events/<slug:slug>/registrations")
@limiter.limit(_write_limit, key_func=_token_key)
@organiser_api(write=True)
def organiser_register(slug: str):
    event = managed_event(slug)
    data, error = _json_body(
        RegistrationIn,
        unsupported=_("Please send the registration as JSON (Content-Type: application/json)."),
    )
    if error is not None:
        return error
    answers, problems = _answers(event, data.answers)
    if problems:
        return api_error(422, _("Some fields are missing or not valid."), fields=problems)
    person = data.model_dump(include=ATTENDEE_FIELDS - {"answers"})
    # Source "api": the organisers' own systems need no approval step.
    attendee = Attendee(**person, source="api", answers=answers)
    try:
        [(registration, _token)] = register_group(
            event.id,
            [attendee],
            allow_closed=data.allow_after_deadline,
            if_full="wait" if data.waitlist else "refuse",
        )
    except RegistrationRefused as exc:
        return api_error(409, refusal_message(exc.reason), reason=exc.reason)
    body = registration_json(registration, slug)
    return body, 201, {"Location": body["url"]}


def _answers(event: Event, raw: dict[str, object]) -> tuple[dict[int, object], dict[str, str]]:
    """The validated answers, or the problems as {"answers.<id>": message}."""
    questions = active_questions(event.id)
    asked = {str(q.id) for q in questions}
    problems = {
        f"answers.{key}": _("This question is not asked at this event.")
        for key in raw
        if key not in asked
    }
    try:
        answers = validate_answers(questions, {int(k): v for k, v in raw.items() if k in asked})
    except AnswersInvalid as exc:
        problems.update({f"answers.{k}": message for k, message in exc.errors.items()})
        answers = {}
    return answers, problems


@bp.get("/organiser/events/<slug:slug>/questions")
@organiser_api()
def organiser_questions(slug: str):
    """The event's questions in order, archived ones (no longer asked) last."""
    event = managed_event(slug)
    return {"items": [question_json(q) for q in event_questions(event.id)]}


def question_json(question: Question) -> dict:
    return {
        "id": question.id,
        "position": question.position,
        "kind": question.kind,
        "label_de": question.label_de,
        "label_en": question.label_en,
        "help_de": question.help_de,
        "help_en": question.help_en,
        "required": question.required,
        "options": [
            {
                "key": o["key"],
                "de": o.get("de", ""),
                "en": o.get("en", ""),
                "retired": bool(o.get("retired")),
            }
            for o in question.options or []
        ],
        "statistical": question.statistical,
        "purpose": question.purpose,
        "sensitive": question.sensitive,
        "archived": question.archived_at is not None,
    }


@bp.get("/organiser/events/<slug:slug>/registrations/<id:registration_id>")
@organiser_api()
@audited("registration.api")
def organiser_registration(slug: str, registration_id: int):
    event = managed_event(slug)
    registration = registration_or_404(event, registration_id, not_yours())
    audit_rows(event, 1)
    return registration_json(registration, slug)


@bp.delete("/organiser/events/<slug:slug>/registrations/<id:registration_id>")
@limiter.limit(_write_limit, key_func=_token_key)
@organiser_api(write=True)
def organiser_cancel(slug: str, registration_id: int):
    """Cancel a registration (frees the seat, mails the participant); repeating it is harmless."""
    event = managed_event(slug)
    registration = cancel_registration(registration_or_404(event, registration_id, not_yours()).id)
    return registration_json(registration, slug)


def _json_body(model, *, optional: bool = False, unsupported: str | None = None):
    """(the request's JSON body validated by `model`, None), or (None, the error response);
    an `optional` body may be left out (the model's defaults)."""
    raw = request.get_data()
    if optional and not raw.strip():
        return model(), None
    if not request.is_json:
        message = unsupported or _("Please send the body as JSON (Content-Type: application/json).")
        return None, api_error(415, message)
    try:
        return model.model_validate_json(raw), None
    except ValidationError as exc:
        if any(p["type"] == "json_invalid" for p in exc.errors()):
            return None, api_error(400, _("The request body is not valid JSON."))
        return None, api_error(
            422, _("Some fields are missing or not valid."), fields=field_errors(exc)
        )


def _not_in_state(state: str):
    return api_error(
        409,
        {
            "pending": _("This registration does not await approval."),
            "waiting": _("This person is not on the waiting list."),
        }[state],
    )


def _managed_registration(slug: str, registration_id: int) -> tuple[Event, Registration]:
    event = managed_event(slug)
    return event, registration_or_404(event, registration_id, not_yours())


def _fresh(registration_id: int) -> Registration:
    db.session.rollback()  # what the service committed
    return db.session.get(Registration, registration_id)


@bp.post("/organiser/events/<slug:slug>/registrations/<id:registration_id>/approve")
@limiter.limit(_write_limit, key_func=_token_key)
@organiser_api(write=True)
def organiser_approve(slug: str, registration_id: int):
    """Approve a registration awaiting approval: confirmed with the mail and invitation
    when a seat is free (offered, at events that confirm addresses, until the person
    accepts by the link in the mail), else on the waiting list (or still pending without
    one)."""
    event, registration = _managed_registration(slug, registration_id)
    decisions = waitlist.approve(event.id, [registration.id])
    if decisions.skipped:
        return _not_in_state("pending")
    return registration_json(_fresh(registration.id), slug)


@bp.post("/organiser/events/<slug:slug>/registrations/<id:registration_id>/decline")
@limiter.limit(_write_limit, key_func=_token_key)
@organiser_api(write=True)
def organiser_decline(slug: str, registration_id: int):
    """Decline a registration awaiting approval, with a polite mail and an optional note."""
    event, registration = _managed_registration(slug, registration_id)
    body, error = _json_body(DeclineIn, optional=True)
    if error is not None:
        return error
    if not waitlist.decline(event.id, [registration.id], note=body.note, notify=body.notify):
        return _not_in_state("pending")
    return registration_json(_fresh(registration.id), slug)


@bp.post("/organiser/events/<slug:slug>/registrations/<id:registration_id>/promote")
@limiter.limit(_write_limit, key_func=_token_key)
@organiser_api(write=True)
def organiser_promote(slug: str, registration_id: int):
    """Put a waiting person (their group) first on the list and serve it: a free seat is
    theirs (confirmed, or offered), else they are next."""
    event, registration = _managed_registration(slug, registration_id)
    if registration.status != "waiting":
        return _not_in_state("waiting")
    try:
        waitlist.promote(event.id, registration.id)
    except LookupError:  # left the list or got a seat meanwhile
        return _not_in_state("waiting")
    return registration_json(_fresh(registration.id), slug)


@bp.post("/organiser/events/<slug:slug>/registrations/<id:registration_id>/move")
@limiter.limit(_write_limit, key_func=_token_key)
@organiser_api(write=True)
def organiser_move(slug: str, registration_id: int):
    """Move a waiting person (their group) to a position; everyone whose position changed
    is told by mail."""
    event, registration = _managed_registration(slug, registration_id)
    body, error = _json_body(MoveIn)
    if error is not None:
        return error
    try:
        waitlist.move_to_position(event.id, registration.id, body.position)
    except LookupError:
        return _not_in_state("waiting")
    return registration_json(_fresh(registration.id), slug)
