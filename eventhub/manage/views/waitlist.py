"""The waiting list and the approval step on the event's workspace page: move, promote,
remove; approve and decline, one or many. The rules are in eventhub.events.waitlist."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from eventhub.access import event_or_404, registration_or_404
from eventhub.events import waitlist
from eventhub.events.registration import cancel_registration
from eventhub.events.seats import waiting_position
from eventhub.extensions import db
from eventhub.i18n import event_date, event_time
from eventhub.manage import bp
from eventhub.manage.forms import ActionForm, MoveForm, PendingForm
from eventhub.manage.waitlist_admin import target_place
from eventhub.models import Event, Registration


def _back(event: Event, section: str) -> Response:
    return redirect(url_for("manage.event", slug=event.slug, _anchor=section), 303)


def _waiting_or_flash(event: Event, registration_id: int) -> Registration | None:
    registration = registration_or_404(event, registration_id)
    if registration.status != "waiting":
        _no_longer_waiting(event, registration)
        return None
    return registration


def _pressed_for_waiting(slug: str, registration_id: int) -> tuple[Event, Registration | None]:
    """The event and the waiting person a button was pressed for (CSRF checked); None for
    the person, with a message, when they no longer wait."""
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    return event, _waiting_or_flash(event, registration_id)


def _no_longer_waiting(event: Event, registration: Registration) -> Response:
    flash(_("%(name)s is no longer on the waiting list.", name=registration.full_name), "error")
    return _back(event, "waiting-list")


def _seat_message(registration: Registration, event: Event) -> str:
    """What a move or promotion that gave the person a seat did, in plain words."""
    if registration.status == "confirmed":
        return _(
            "%(name)s has a seat now and has been sent the confirmation with the calendar "
            "invitation.",
            name=registration.full_name,
        )
    return _(
        "%(name)s has been offered the free seat by mail and can accept it until %(until)s.",
        name=registration.full_name,
        until=" ".join(
            (
                event_date(registration.offer_expires_at, event.timezone, "medium"),
                event_time(registration.offer_expires_at, event.timezone),
            )
        ),
    )


@bp.post("/events/<slug:slug>/waitlist/<id:registration_id>/move")
def waitlist_move(slug: str, registration_id: int):
    event = event_or_404(slug)
    form = MoveForm()
    direction = request.form.get("direction", "to")
    if not form.validate_on_submit() or direction not in ("up", "down", "to"):
        if "csrf_token" in form.errors or direction not in ("up", "down", "to"):
            abort(400)
        flash(_("Please enter a position from 1 to %(max)s.", max=format_number(100_000)), "error")
        return _back(event, "waiting-list")
    if direction == "to" and form.position.data is None:
        flash(_("Please enter a position from 1 to %(max)s.", max=format_number(100_000)), "error")
        return _back(event, "waiting-list")
    registration = _waiting_or_flash(event, registration_id)
    if registration is None:
        return _back(event, "waiting-list")
    if direction == "to":
        change = partial(waitlist.move_to_position, event.id, registration.id, form.position.data)
    else:
        place = target_place(registration, direction)
        change = partial(waitlist.move, event.id, registration.id, place)
    return _reorder(
        event,
        registration,
        change,
        lambda r: _(
            "%(name)s is now at position %(position)d of the waiting list. Everyone "
            "whose position changed has been told by mail.",
            name=r.full_name,
            position=waiting_position(r),
        ),
    )


@bp.post("/events/<slug:slug>/waitlist/<id:registration_id>/promote")
def waitlist_promote(slug: str, registration_id: int):
    event, registration = _pressed_for_waiting(slug, registration_id)
    if registration is None:
        return _back(event, "waiting-list")
    return _reorder(
        event,
        registration,
        partial(waitlist.promote, event.id, registration.id),
        lambda r: _(
            "No seat is free at the moment: %(name)s is now first on the waiting list "
            "and gets the next seat that becomes free.",
            name=r.full_name,
        ),
    )


def _reorder(
    event: Event,
    registration: Registration,
    change: Callable[[], object],
    still_waiting: Callable[[Registration], str],
) -> Response:
    """Run a change of the list's order (the rules are waitlist's) and say what it did for
    the person: a seat, or where they wait now."""
    try:
        change()
    except LookupError:  # left the list or got a seat meanwhile
        return _no_longer_waiting(event, registration)
    db.session.refresh(registration)
    if registration.status == "waiting":
        flash(still_waiting(registration), "success")
    else:
        flash(_seat_message(registration, event), "success")
    return _back(event, "waiting-list")


@bp.post("/events/<slug:slug>/waitlist/<id:registration_id>/remove")
def waitlist_remove(slug: str, registration_id: int):
    event, registration = _pressed_for_waiting(slug, registration_id)
    if registration is None:
        return _back(event, "waiting-list")
    cancel_registration(registration.id)
    flash(
        _(
            "%(name)s has been taken off the waiting list and told by mail.",
            name=registration.full_name,
        ),
        "success",
    )
    return _back(event, "waiting-list")


def _chosen_ids() -> list[int]:
    """The registrations a pending-list button is about: the row's own button, else the
    ticked boxes."""
    single = request.form.get("approve_one") or request.form.get("decline_one")
    values = [single] if single else request.form.getlist("ids")
    ids = []
    for value in values[:10_000]:
        if not value.isdigit() or len(value) > 12:
            abort(400)
        ids.append(int(value))
    return ids


@bp.post("/events/<slug:slug>/pending")
def pending_decide(slug: str):
    event = event_or_404(slug)
    form = PendingForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return _back(event, "pending")
    if "approve_one" in request.form or request.form.get("action") == "approve":
        action = "approve"
    elif "decline_one" in request.form or request.form.get("action") == "decline":
        action = "decline"
    else:
        abort(400)
    ids = _chosen_ids()
    if not ids:
        flash(_("Please tick at least one registration."), "error")
        return _back(event, "pending")
    if action == "approve":
        flash(_approval_summary(waitlist.approve(event.id, ids)), "success")
    else:
        declined = waitlist.decline(
            event.id, ids, note=form.note.data or "", notify=form.notify.data
        )
        message = ngettext("%(num)d declined", "%(num)d declined", declined)
        if declined and form.notify.data:
            message += " " + _("(told by mail)")
        skipped = len(set(ids)) - declined
        if skipped:
            message += ", " + _no_longer_pending(skipped)
        flash(message + ".", "success")
    return _back(event, "pending")


def _no_longer_pending(num: int) -> str:
    return ngettext("%(num)d no longer awaited approval", "%(num)d no longer awaited approval", num)


def _approval_summary(decisions: waitlist.Decisions) -> str:
    """'3 confirmed, 1 put on the waiting list' and so on."""
    parts = []
    if decisions.confirmed:
        parts.append(ngettext("%(num)d confirmed", "%(num)d confirmed", len(decisions.confirmed)))
    if decisions.offered:
        parts.append(
            ngettext(
                "%(num)d offered a seat: they confirm it (and their address) by the link in"
                " their mail",
                "%(num)d offered a seat: they confirm it (and their address) by the link in"
                " their mail",
                len(decisions.offered),
            )
        )
    if decisions.waiting:
        parts.append(
            ngettext(
                "%(num)d put on the waiting list",
                "%(num)d put on the waiting list",
                len(decisions.waiting),
            )
        )
    if decisions.still_pending:
        parts.append(
            ngettext(
                "%(num)d still awaiting approval: no seat is free",
                "%(num)d still awaiting approval: no seat is free",
                len(decisions.still_pending),
            )
        )
    if decisions.skipped:
        parts.append(_no_longer_pending(len(decisions.skipped)))
    return ", ".join(parts) + "."
