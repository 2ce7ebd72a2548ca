"""Registering (alone or as a group) and the participant's own page behind the private link."""

from __future__ import annotations

import hashlib
from functools import cache

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
from sqlalchemy import bindparam, select

from eventhub.cache import LruCache
from eventhub.calendar.ical import calendar_bytes
from eventhub.calendar.private import feed_links, registered_events, rotate_feed
from eventhub.calendar.responses import ics_response
from eventhub.errors import abort_with, error_response
from eventhub.events import bp
from eventhub.events.availability import may_join_waitlist, pools
from eventhub.events.certificates import certificate_offered
from eventhub.events.forms import (
    GROUP_MAX,
    CancelForm,
    CorrectionForm,
    GroupRegistrationForm,
    RegistrationForm,
    chosen_attendance,
    offer_attendance,
    person_data,
)
from eventhub.events.organiser_messages import messages_received
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
from eventhub.events.seats import RegistrationAnonymised, waiting_position
from eventhub.events.waitlist import NotOffered, OfferExpired, accept_offer
from eventhub.extensions import db, limiter
from eventhub.i18n import current_language
from eventhub.labels import refusal_message
from eventhub.models import ACTIVE_STATUSES, HOLD_MINUTES, Event
from eventhub.page_cache import form_outlives
from eventhub.public_events import PUBLIC_STATUSES, public_event
from eventhub.tokens import lookup_hash
from eventhub.urls import absolute_event_url, site_organizer


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
    event = _form_event(slug)
    form = RegistrationForm()
    _offer_attendance(form, event)
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
                attendance=chosen_attendance(form),
                answers=questions.values,
            )
            try:
                registration, token = register(event.id, attendee, if_full=_if_full())
            except RegistrationRefused as exc:
                event = _form_event(slug)
                refusal = _refusal(exc.reason, event, attendee.attendance)
                form.keep_stamp()
                _offer_attendance(form, event)
                status = 409
            else:
                if registration.status == "unverified":
                    # The private link goes only to the mailbox: opening it is the proof.
                    target = url_for("events.check_mailbox", slug=slug, uid=registration.uid)
                    return redirect(target, 303)
                return redirect(url_for("events.my_registration", token=token, new=1), 303)
        else:
            status = 422
    elif not event.registrations_open and not _waitlist_offered(event):
        refusal = refusal_message(event.registration_state)
    return _form_page(
        "events/register.html",
        event,
        form,
        refusal,
        status,
        questions=questions,
        pristine=request.method == "GET",
    )


# Rendered unfilled form parts per (part, language): the same for every visitor.
_PRISTINE = LruCache(64)


@bp.app_template_global()
def pristine_fragment(name: str, render):
    """`render()` (a macro printing unfilled form fields) once per language and worker:
    WTForms' rendering is most of a form page's time, and an unfilled field prints the
    same for everyone."""
    key = (name, current_language())
    html = _PRISTINE.get(key)
    if html is None:
        html = render()  # a macro's output: Markup, escaped as it was rendered
        _PRISTINE.put(key, html)
    return html


def _form_event(slug: str):
    """The public event for its registration forms, without the eager loads of the event
    page (hosts, topics, agenda): the forms show title, date and place, and registering
    reads the counters again under the lock."""
    return db.session.scalar(_public_event_by_slug(), {"slug": slug}) or abort(404)


@cache
def _public_event_by_slug():
    # Built once: every form GET and POST asks.
    return select(Event).where(Event.slug == bindparam("slug"), Event.status.in_(PUBLIC_STATUSES))


def _offer_attendance(form, event) -> None:
    # Only hybrid events ask; the others' forms cost no query for it.
    offer_attendance(form, pools(event) if event.hybrid else [])


def _if_full() -> str:
    """The waiting-list button posts if_full=wait; the plain register button does not."""
    return "wait" if request.form.get("if_full") == "wait" else "refuse"


def _waitlist_offered(event) -> bool:
    return any(pool.waitlist_only for pool in pools(event))


def _refusal(reason: str, event, mode: str) -> str:
    """Why the registration was refused; when the last seat went meanwhile and the pool
    has a waiting list, saying that the list is open (its button is on the form)."""
    if reason == "full" and may_join_waitlist(event, mode):
        return _(
            "This event is fully booked: the last seat has just been taken. You can put "
            "yourself on the waiting list: when a seat becomes free, it goes to the next "
            "person on the list."
        )
    return refusal_message(reason)


def _form_page(
    template: str, event, form, refusal, status: int, *, wait_offered: bool = False, **context
):
    """A registration form (alone or as a group) with what each seat pool offers;
    `wait_offered`: offer the waiting list although seats are left (a group too large for
    them)."""
    event_pools = pools(event)
    if context.get("pristine"):
        form_outlives(_seat_commits_without_change(event_pools))
    return render_template(
        template,
        event=event,
        form=form,
        refusal=refusal,
        pools=event_pools,
        # Some pool is full but takes people on its list: the form offers that button.
        wait_button=wait_offered or any(pool.waitlist_only for pool in event_pools),
        # ... and no pool has a seat: the waiting list is all the form can do.
        wait_only=all(pool.waitlist_only for pool in event_pools),
        **context,
    ), status


def _seat_commits_without_change(event_pools) -> int:
    """How many registrations (each at most a full group's seats) cannot change what an
    unfilled form shows: none where it shows seat numbers (several pools) or a state a
    seat could change (full, waiting list), else as many as leave a seat (see
    eventhub.page_cache.KeptForm). An organiser's bulk approval can take more seats in one
    commit: then the form may show the event open for up to the lag, as after another
    worker's registrations; registering decides on the database."""
    if len(event_pools) != 1 or event_pools[0].full:
        return 0
    left = event_pools[0].seats_left
    if left is None:
        return 1 << 30
    return (left - 1) // (GROUP_MAX + 1)


@bp.route("/events/<slug:slug>/register/group", methods=["GET", "POST"])
@_limit_requests
@_limit_seats
def register_group_page(slug: str):
    """An employer registers several colleagues; each gets their own confirmation."""
    event = _form_event(slug)
    form = GroupRegistrationForm()
    _offer_attendance(form, event)
    refusal = None
    status = 200
    wait_offered = False
    if request.method == "POST" and "add_row" in request.form:
        # "Add a person": the same form again with one more row, nothing validated yet.
        form.add_row()
        return _form_page("events/register_group.html", event, form, None, 200, added_row=True)
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
                    attendance=chosen_attendance(form),
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
                registered = register_group(
                    event.id, attendees, contact=contact, if_full=_if_full()
                )
            except GroupRefused as exc:
                refusal = group_refusal_message(exc, event)
                status = 409
            except RegistrationRefused as exc:
                refusal = refusal_message(exc.reason)
                if exc.reason == "full":
                    event = _form_event(slug)
                    refusal = _group_full_message(event, chosen_attendance(form))
                    wait_offered = may_join_waitlist(event, chosen_attendance(form))
                    form.keep_stamp()
                    _offer_attendance(form, event)
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
    elif not event.registrations_open and not _waitlist_offered(event):
        refusal = refusal_message(event.registration_state)
    return _form_page(
        "events/register_group.html", event, form, refusal, status, wait_offered=wait_offered
    )


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
            position=waiting_position(people[0]) if people else None,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _group_full_message(event, mode: str) -> str:
    left = event.pool_seats_left(mode)
    if may_join_waitlist(event, mode):
        if not left:
            return _(
                "There are no seats left. You can put the whole group on the waiting list: "
                "it gets seats together, as one entry."
            )
        return ngettext(
            "There is only %(num)d seat left. You can register fewer people, or put the "
            "whole group on the waiting list: it gets seats together, as one entry.",
            "There are only %(num)d seats left. You can register fewer people, or put the "
            "whole group on the waiting list: it gets seats together, as one entry.",
            left or 0,
        )
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


def anonymised_message() -> str:
    """Why an anonymised registration cannot be changed (its pages show it instead of the
    forms; a change that raced with the erasure gets it as a 409)."""
    return _(
        "The personal data of this registration has been deleted (on request or after the "
        "retention period). It can no longer be changed."
    )


bp.add_app_template_global(anonymised_message, "anonymised_message")


@bp.app_errorhandler(RegistrationAnonymised)
def registration_anonymised(error: RegistrationAnonymised):
    """Any change of a registration whose person was erased meanwhile (participant,
    organiser, API): 409, nothing written (the write transaction was rolled back)."""
    return error_response(409, anonymised_message())


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
    return _my_page(registration, token, form, status)


def _my_page(registration, token: str, form=None, status: int = 200, problem: str | None = None):
    """The private page; `problem`: why the last action failed (shown at the top)."""
    response = make_response(
        render_template(
            "events/my_registration.html",
            registration=registration,
            event=registration.event,
            form=form or CorrectionForm(obj=registration),
            cancel_form=CancelForm(),
            token=token,
            position=waiting_position(registration),
            problem=problem,
            accept_here=_may_accept_with(registration, token),
            **feed_links(registration.email_normalised),
            # After cancelling, the feed block only makes sense for the address's other
            # events (this one has left the feed).
            other_events=registration.status not in ("confirmed", "unverified")
            and bool(registered_events(registration.email_normalised)),
            just_registered=request.args.get("new") == "1",
            organiser_messages=messages_received(registration.id),
            certificate=certificate_offered(registration),
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"  # a personal page
    return response


@bp.get("/r/<token:token>/calendar.ics")
def my_calendar_entry(token: str):
    """The event for the person's own calendar with their place: at a hybrid event the
    online link for people online, the venue for people on site (the public .ics has
    the venue only)."""
    registration = registration_by_token(token) or abort(404)
    if registration.status != "confirmed":
        abort_with(404, _("There is a calendar entry only for a confirmed registration."))
    event = registration.event
    body = calendar_bytes(
        [event],
        url_for_event=absolute_event_url,
        name=event.title,
        organizer_for_event=site_organizer,
        attendance={event.id: registration.attendance},
    )
    etag = hashlib.sha256(body).hexdigest()[:32]
    return ics_response(
        body, etag=etag, last_modified=event.updated_at, private=True, filename=f"{event.slug}.ics"
    )


@bp.post("/r/<token:token>/accept")
def accept_my_offer(token: str):
    """The person accepts the seat offered to them from the waiting list."""
    registration = registration_by_token(token) or abort(404)
    if not CancelForm().validate_on_submit():
        abort(400)
    if not _may_accept_with(registration, token):
        problem = _("Please accept the seat with the link in the mail that offered it to you.")
        return _my_page(registration, token, status=403, problem=problem)
    try:
        accept_offer(registration.id, token)
    except (OfferExpired, NotOffered) as exc:
        problem = (
            _(
                "Sorry, the time to accept this seat has run out: it has gone to the next "
                "person on the waiting list. You can register again if seats are free."
            )
            if isinstance(exc, OfferExpired)
            else _("There is no seat offer to accept for this registration.")
        )
        return _my_page(registration_by_token(token), token, status=409, problem=problem)
    flash(_("You have accepted the seat. The confirmation is on its way."), "success")
    return redirect(url_for("events.my_registration", token=token), 303)


def _may_accept_with(registration, token: str) -> bool:
    """Where the event checks addresses, registering put the private link in the browser
    too; only a link from a mail (the offer's, or one resent) proves the mailbox, so only
    that one accepts a seat."""
    return not registration.event.confirm_email or (
        lookup_hash(token) == registration.resent_token_hash
    )


@bp.post("/r/<token:token>/leave")
def leave_waiting_list(token: str):
    """Leave the waiting list, decline an offered seat, or withdraw a registration that
    awaits approval: the person is never served afterwards."""
    registration = registration_by_token(token) or abort(404)
    if not CancelForm().validate_on_submit():
        abort(400)
    was = registration.status
    if was in ("waiting", "offered", "pending"):
        cancel_registration(registration.id)
        flash(
            {
                "waiting": _("You have left the waiting list."),
                "offered": _(
                    "You have declined the seat. It goes to the next person on the waiting list."
                ),
                "pending": _("You have withdrawn your registration."),
            }[was],
            "success",
        )
    return redirect(url_for("events.my_registration", token=token), 303)


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
