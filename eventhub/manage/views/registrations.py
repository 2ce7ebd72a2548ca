"""Registrations of one event in the workspace: add, correct, cancel (one or many), renew
the private link, and check-in at the door."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from eventhub.access import event_or_404, registration_or_404
from eventhub.events.forms import person_data
from eventhub.events.registration import (
    Attendee,
    RegistrationRefused,
    cancel_registration,
    cancel_registrations,
    register,
    renew_manage_link,
    set_checked_in,
    update_registration,
)
from eventhub.labels import refusal_message
from eventhub.manage import bp, bulk, reports
from eventhub.manage.event_editing import EventError
from eventhub.manage.forms import ActionForm, AttendeeForm, BulkCancelFilterForm, BulkCancelForm
from eventhub.network.meeting_plan import has_placed_meetings
from eventhub.privacy.audit import audit_rows, audit_skip, audited


@bp.route("/events/<slug:slug>/registrations/new", methods=["GET", "POST"])
def add_registration(slug: str):
    event = event_or_404(slug)
    form = AttendeeForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            attendee = Attendee(**person_data(form), language=event.language, source="manual")
            try:
                register(event.id, attendee, allow_closed=True)
            except RegistrationRefused as exc:
                flash(refusal_message(exc.reason), "error")
                status = 409
            else:
                flash(_("The registration has been added."), "success")
                return redirect(url_for("manage.event", slug=slug), 303)
        else:
            status = 422
    return render_template(
        "manage/registration_form.html", event=event, form=form, registration=None
    ), status


@bp.route("/events/<slug:slug>/registrations/<id:registration_id>", methods=["GET", "POST"])
@audited("registration.page")
def edit_registration(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    audit_rows(event, 1)
    form = AttendeeForm(obj=registration)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                update_registration(registration.id, **person_data(form))
            except RegistrationRefused as exc:
                flash(refusal_message(exc.reason), "error")
                status = 409
            else:
                flash(_("The registration has been updated."), "success")
                return redirect(url_for("manage.event", slug=slug), 303)
        else:
            status = 422
    return render_template(
        "manage/registration_form.html",
        event=event,
        form=form,
        registration=registration,
        action_form=ActionForm(),
        has_meetings=has_placed_meetings(event.id, registration.id),
    ), status


@bp.post("/events/<slug:slug>/registrations/<id:registration_id>/cancel")
def cancel(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    cancel_registration(registration.id)
    flash(
        _(
            "The registration has been cancelled. Its seat is free again, or has gone to "
            "the next person on the waiting list."
        ),
        "success",
    )
    return redirect(url_for("manage.event", slug=slug), 303)


@bp.post("/events/<slug:slug>/registrations/<id:registration_id>/renew-link")
def renew_link(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        renew_manage_link(registration.id)
    except RegistrationRefused as exc:
        flash(refusal_message(exc.reason), "error")
    else:
        flash(
            _(
                "The old private link no longer works; a new one has been mailed to %(email)s.",
                email=registration.email,
            ),
            "success",
        )
    return redirect(
        url_for("manage.edit_registration", slug=slug, registration_id=registration.id), 303
    )


@bp.get("/events/<slug:slug>/registrations/<id:registration_id>/qr.svg")
@audited("registration.qr")
def registration_qr(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    audit_rows(event, 1)
    svg = reports.checkin_qr_svg(event, registration)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/events/<slug:slug>/checkin")
@audited("checkin.page")
def checkin(slug: str):
    event = event_or_404(slug)
    query = request.args.get("q", "").strip()[:100]
    people = reports.checkin_search(event, query)
    audit_rows(event, len(people))
    return render_template(
        "manage/checkin.html",
        event=event,
        query=query,
        people=people,
        stats=reports.event_stats(event),
        action_form=ActionForm(),
    )


@bp.get("/events/<slug:slug>/checkin/scan/<token:registration_uid>/<token:code>")
@audited("checkin.scan")
def checkin_scan(slug: str, registration_uid: str, code: str):
    """Where the QR code on a confirmation leads: the person, ready to be checked in."""
    event = event_or_404(slug)
    registration = reports.registration_by_uid_or_404(event, registration_uid)
    if not reports.checkin_code_matches(registration, code):
        abort(404)
    audit_rows(event, 1)
    return render_template(
        "manage/checkin.html",
        event=event,
        query="",
        people=[registration],
        stats=reports.event_stats(event),
        action_form=ActionForm(),
        scanned=True,
    )


@bp.post("/events/<slug:slug>/checkin/<id:registration_id>")
def checkin_toggle(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("checked_in") == "1"
    try:
        set_checked_in(registration.id, wanted)
    except RegistrationRefused as exc:
        flash(refusal_message(exc.reason), "error")
    else:
        flash(
            _("%(name)s is checked in.", name=registration.full_name)
            if wanted
            else _("Check-in of %(name)s undone.", name=registration.full_name),
            "success",
        )
    return redirect(url_for("manage.checkin", slug=slug, q=request.form.get("q", "")), 303)


@bp.route("/events/<slug:slug>/registrations/bulk-cancel", methods=["GET", "POST"])
@audited("bulk_cancel.preview")
def bulk_cancel(slug: str):
    """Filter the confirmed registrations, preview them, cancel exactly the set shown.

    The confirmation carries the filter and the fingerprint of the matching ids; the POST
    recomputes the set and cancels only if it is still the one previewed.
    """
    event = event_or_404(slug)
    if request.method == "GET":
        form = BulkCancelFilterForm(request.args)
        if not set(request.args) & set(form.data):  # not filtered yet
            return _bulk_page(event, form, None, None)
        if not form.validate() or (wanted := _bulk_filter(event, form)) is None:
            return _bulk_page(event, form, None, None, 422)
        selection = bulk.matching_registrations(event, wanted)
        confirm = BulkCancelForm(formdata=None, data=form.data, fingerprint=selection.fingerprint)
        return _bulk_page(event, form, confirm, selection)

    confirm = BulkCancelForm()
    confirmed = confirm.validate_on_submit()
    if "csrf_token" in confirm.errors or confirm.fingerprint.errors:
        abort(400)  # not a confirmation from our preview page
    form = BulkCancelFilterForm(request.form)
    if not form.validate() or (wanted := _bulk_filter(event, form)) is None:
        return _bulk_page(event, form, None, None, 422)
    selection = bulk.matching_registrations(event, wanted)
    if selection.fingerprint != confirm.fingerprint.data:
        # Someone registered, cancelled or changed their details since the preview.
        confirm.fingerprint.data = selection.fingerprint
        confirm.confirm.data = False
        return _bulk_page(event, form, confirm, selection, 409, changed=True)
    if not confirmed:
        return _bulk_page(event, form, confirm, selection, 422)
    cancelled = cancel_registrations(event.id, selection.ids, notify=confirm.notify.data)
    flash(
        ngettext(
            "%(num)d registration has been cancelled.",
            "%(num)d registrations have been cancelled.",
            cancelled,
        ),
        "success",
    )
    return redirect(url_for("manage.event", slug=slug), 303)


def _bulk_filter(event, form) -> bulk.BulkFilter | None:
    """The filter of a valid form, or None with the error attached to the field."""
    try:
        return bulk.bulk_filter(
            event,
            domain=form.domain.data or "",
            organisation=form.organisation.data or "",
            registered_from=form.registered_from.data,
            registered_until=form.registered_until.data,
        )
    except EventError as exc:
        form[exc.field].errors.append(_("This time does not exist on that day (clocks change)."))
    except ValueError:
        form.domain.errors.append(_("Please enter a domain such as example.org."))
    return None


def _bulk_page(event, form, confirm, selection, status: int = 200, *, changed: bool = False):
    if selection is None:
        audit_skip()  # the filter form alone names nobody
    else:
        audit_rows(event, len(selection.first))
    return render_template(
        "manage/bulk_cancel.html",
        event=event,
        form=form,
        confirm=confirm,
        selection=selection,
        changed=changed,
        preview_rows=bulk.PREVIEW_ROWS,
    ), status
