"""Registering (alone or as a group) and the participant's own page behind the private link."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address

from eventhub.calendar.private import feed_links, registered_events, rotate_feed
from eventhub.errors import abort_with
from eventhub.events import bp
from eventhub.events.forms import (
    GROUP_MAX,
    CancelForm,
    CorrectionForm,
    GroupRegistrationForm,
    RegistrationForm,
    person_data,
)
from eventhub.events.question_fields import QuestionFields
from eventhub.events.questions import active_questions
from eventhub.events.registration import (
    Attendee,
    GroupContact,
    GroupRefused,
    HoldExpired,
    RegistrationRefused,
    cancel_registration,
    confirm_address,
    register,
    register_group,
    registration_by_token,
    registration_by_uid,
    registrations_by_uids,
    update_registration,
)
from eventhub.extensions import limiter
from eventhub.i18n import current_language
from eventhub.labels import refusal_message
from eventhub.models import ACTIVE_STATUSES, HOLD_MINUTES
from eventhub.public_events import public_event


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATELIMIT"]


def _seat_limit() -> str:
    return current_app.config["SEAT_RATELIMIT"]


def _client_and_event() -> str:
    """Seats are counted per client and event: one address cannot fill an event."""
    return f"seats:{get_remote_address()}:{request.view_args.get('slug', '')}"


def _seats_asked_for() -> int:
    """How many seats this POST asks for: one, or the filled rows of a group form."""
    if request.endpoint != "events.register_group_page":
        return 1
    emails = [v for k, v in request.form.items() if k.endswith("-email") and v.strip()]
    return max(1, min(len(emails), GROUP_MAX + 1))


def _registered(response) -> bool:
    return response.status_code == 303


# Requests per client (any event), and seats per client and event (only what was taken).
_limit_requests = limiter.limit(_registration_limit, methods=["POST"])
_limit_seats = limiter.limit(
    _seat_limit,
    key_func=_client_and_event,
    cost=_seats_asked_for,
    deduct_when=_registered,
    methods=["POST"],
)


@bp.route("/events/<slug:slug>/register", methods=["GET", "POST"])
@_limit_requests
@_limit_seats
def register_page(slug: str):
    event = public_event(slug) or abort(404)
    form = RegistrationForm()
    questions = QuestionFields(active_questions(event.id), current_language())
    refusal = None
    status = 200
    if request.method == "POST":
        answered = questions.validate(request.form)
        if form.validate_on_submit() and answered:
            attendee = Attendee(
                **person_data(form),
                show_in_directory=form.show_in_directory.data,
                language=current_language(),
                answers=questions.values,
            )
            try:
                registration, token = register(event.id, attendee)
            except RegistrationRefused as exc:
                refusal = refusal_message(exc.reason)
                status = 409
                event = public_event(slug) or abort(404)
            else:
                if registration.status == "unverified":
                    # The private link goes only to the mailbox: opening it is the proof.
                    target = url_for("events.check_mailbox", slug=slug, uid=registration.uid)
                    return redirect(target, 303)
                return redirect(url_for("events.my_registration", token=token, new=1), 303)
        else:
            status = 422
    elif not event.registrations_open:
        refusal = refusal_message(event.registration_state)
    return render_template(
        "events/register.html", event=event, form=form, questions=questions, refusal=refusal
    ), status


@bp.route("/events/<slug:slug>/register/group", methods=["GET", "POST"])
@_limit_requests
@_limit_seats
def register_group_page(slug: str):
    """An employer registers several colleagues; each gets their own confirmation."""
    event = public_event(slug) or abort(404)
    form = GroupRegistrationForm()
    refusal = None
    status = 200
    if request.method == "POST" and "add_row" in request.form:
        # "Add a person": the same form again with one more row, nothing validated yet.
        form.add_row()
        return render_template(
            "events/register_group.html", event=event, form=form, refusal=None, added_row=True
        )
    if request.method == "POST":
        if form.validate_on_submit():
            language = current_language()
            attendees = [
                Attendee(
                    first_name=row.first_name.data,
                    last_name=row.last_name.data,
                    email=row.email.data,
                    job_title=row.job_title.data or "",
                    organisation=form.organisation.data or "",
                    organisation_type=form.organisation_type.data or "",
                    language=language,
                )
                for row in form.filled_rows()
            ]
            contact = GroupContact(
                name=form.contact_name.data,
                email=form.contact_email.data,
                organisation=form.organisation.data or "",
                language=language,
            )
            try:
                registered = register_group(event.id, attendees, contact=contact)
            except GroupRefused as exc:
                refusal = group_refusal_message(exc, event)
                status = 409
            except RegistrationRefused as exc:
                refusal = refusal_message(exc.reason)
                if exc.reason == "full":
                    refusal = _group_full_message(event)
                status = 409
            else:
                # Only the public ids, and only in this browser's session: the summary
                # shows names and addresses, so it must not be a link one could pass on.
                session[GROUP_SUMMARY] = {
                    "event": event.slug,
                    "uids": [registration.uid for registration, _token in registered],
                }
                return redirect(url_for("events.group_registered", slug=slug), 303)
        else:
            status = 422
    elif not event.registrations_open:
        refusal = refusal_message(event.registration_state)
    return render_template(
        "events/register_group.html", event=event, form=form, refusal=refusal
    ), status


GROUP_SUMMARY = "group_registered"


@bp.get("/events/<slug:slug>/registered/group")
def group_registered(slug: str):
    """After a group registration: who is registered, and who must still confirm their
    address. Shown to the browser that registered them only (see register_group_page)."""
    event = public_event(slug) or abort(404)
    stored = session.get(GROUP_SUMMARY) or {}
    if stored.get("event") != event.slug:
        return redirect(url_for("events.event_page", slug=slug))
    people = registrations_by_uids(event.id, list(stored.get("uids", []))[:GROUP_MAX])
    response = make_response(
        render_template(
            "events/group_registered.html",
            event=event,
            people=people,
            hold_minutes=HOLD_MINUTES,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _group_full_message(event) -> str:
    fresh = public_event(event.slug)
    left = fresh.seats_left if fresh else 0
    return ngettext(
        "There is only %(num)d seat left: please register fewer people.",
        "There are only %(num)d seats left: please register fewer people.",
        left or 0,
    )


def group_refusal_message(error: GroupRefused, event) -> str:
    if error.reason == "duplicate" and error.email:
        return _(
            "%(email)s is listed twice. Nobody has been registered yet: please correct the list.",
            email=error.email,
        )
    return refusal_message(error.reason)


@bp.route("/r/<token:token>", methods=["GET", "POST"])
def my_registration(token: str):
    """The participant's own registration: see it, correct it, cancel it."""
    registration = registration_by_token(token) or abort(404)
    form = CorrectionForm(obj=registration)
    status = 200
    if request.method == "POST":
        if registration.status not in ACTIVE_STATUSES:
            abort_with(409, _("This registration has been cancelled and cannot be changed."))
        if form.validate_on_submit():
            changes = {
                name: getattr(form, name).data or ""
                for name in ("first_name", "last_name", "organisation", "job_title")
            }
            update_registration(registration.id, **changes)
            flash(_("Your details have been updated."), "success")
            return redirect(url_for("events.my_registration", token=token), 303)
        status = 422
    response = make_response(
        render_template(
            "events/my_registration.html",
            registration=registration,
            event=registration.event,
            form=form,
            cancel_form=CancelForm(),
            token=token,
            **feed_links(registration.email_normalised),
            # After cancelling, the feed block only makes sense for the address's other
            # events (this one has left the feed).
            other_events=registration.status not in ACTIVE_STATUSES
            and bool(registered_events(registration.email_normalised)),
            just_registered=request.args.get("new") == "1",
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"  # a personal page
    return response


@bp.post("/r/<token:token>/feed/rotate")
def rotate_my_feed(token: str):
    registration = registration_by_token(token) or abort(404)
    if not CancelForm().validate_on_submit():
        abort(400)
    rotate_feed(registration.email_normalised)
    flash(_("Your calendar feed has a new address; the old one no longer works."), "success")
    return redirect(url_for("events.my_registration", token=token), 303)


@bp.route("/r/<token:token>/cancel", methods=["GET", "POST"])
def cancel_my_registration(token: str):
    """GET asks "really cancel?" (the private page links here, so one stray click on it
    cancels nothing); the POST of that page's form cancels."""
    registration = registration_by_token(token) or abort(404)
    if request.method == "GET":
        if registration.status not in ACTIVE_STATUSES:
            return redirect(url_for("events.my_registration", token=token), 303)
        response = make_response(
            render_template(
                "events/cancel_registration.html",
                registration=registration,
                event=registration.event,
                cancel_form=CancelForm(),
                token=token,
            )
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response
    if not CancelForm().validate_on_submit():
        abort(400)
    if registration.status in ACTIVE_STATUSES:
        cancel_registration(registration.id)
        flash(_("Your registration is cancelled. Your seat is free for someone else."), "success")
    return redirect(url_for("events.my_registration", token=token), 303)


@bp.get("/events/<slug:slug>/registered/<token:uid>")
def check_mailbox(slug: str, uid: str):
    """After registering for an event that asks to confirm the address: look in your mail.
    Shows nothing personal beyond a masked address (the link is not a credential)."""
    event = public_event(slug) or abort(404)
    registration = registration_by_uid(event.id, uid) or abort(404)
    response = make_response(
        render_template(
            "events/check_mailbox.html",
            event=event,
            registration=registration,
            masked_email=masked(registration.email),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/r/<token:token>/confirm")
def confirm_my_registration(token: str):
    registration = registration_by_token(token) or abort(404)
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        confirm_address(registration.id, token)
    except HoldExpired:
        flash(
            _(
                "The time to confirm has run out and the seat has been released. Please "
                "register again."
            ),
            "error",
        )
    else:
        flash(_("Your registration is confirmed. The confirmation is on its way."), "success")
    return redirect(url_for("events.my_registration", token=token), 303)


def masked(email: str) -> str:
    """j…@example.org: enough to recognise one's own address, not to learn someone's."""
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}"
