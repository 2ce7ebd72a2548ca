"""The dashboard and one event in the workspace: edit, publish, cancel, duplicate, report."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.access import event_or_404, managed_events, my_organisations, owned_organisation_ids
from eventhub.i18n import event_period
from eventhub.labels import ATTENDANCE_LABELS, WAITLIST_LABELS
from eventhub.manage import bp, reports, waitlist_admin
from eventhub.manage.event_editing import (
    EventError,
    duplicate_event,
    preview_event,
    save_event,
    set_status,
)
from eventhub.manage.event_form import (
    change_agenda_rows,
    event_data_from_form,
    fill_event_form,
    prepare_event_form,
)
from eventhub.manage.forms import ActionForm, EventForm, MoveForm, PendingForm
from eventhub.manage.funder_report import scan_info
from eventhub.manage.host_requests import pending_host_requests
from eventhub.models.base import utcnow
from eventhub.privacy.audit import audit_rows, audited
from eventhub.text import render_markdown


@bp.get("/")
def dashboard():
    events = reports.dashboard_rows(managed_events())
    now = utcnow()
    upcoming = [row for row in events if row.event.ends_at > now]
    past = [row for row in events if row.event.ends_at <= now]
    return render_template(
        "manage/dashboard.html",
        upcoming=upcoming,
        past=past,
        organisations=my_organisations(),
        host_requests=pending_host_requests(owned_organisation_ids()),
    )


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    organisations = my_organisations()
    if not organisations:
        flash(_("You need to belong to an organisation to create events."), "error")
        return redirect(url_for("manage.dashboard"), 303)
    form = EventForm()
    prepare_event_form(form, organisations)
    return _edit_event(form, existing=None)


@bp.route("/events/<slug:slug>/edit", methods=["GET", "POST"])
def edit_event(slug: str):
    event = event_or_404(slug)
    form = EventForm()
    prepare_event_form(form, my_organisations(), event=event)
    if request.method == "GET":
        fill_event_form(form, event)
    return _edit_event(form, existing=event)


def _edit_event(form: EventForm, existing):
    preview = None
    status = 200
    agenda_change = None
    if request.method == "POST":
        agenda_change = change_agenda_rows(form, request.form)
        if agenda_change:
            pass  # the form again, with a row more or less; nothing saved
        elif "preview" in request.form:
            preview = render_markdown(form.description.data or "")
        elif "preview_page" in request.form:
            if form.validate_on_submit():
                try:
                    return _public_page_preview(form, existing)
                except EventError as exc:
                    _attach_event_error(form, exc)
            status = 422
        elif form.validate_on_submit():
            try:
                data = event_data_from_form(form, existing)
                event = save_event(
                    data,
                    existing_slug=existing.slug if existing else None,
                    editor_id=current_user.id,
                )
            except EventError as exc:
                _attach_event_error(form, exc)
                status = 422
            else:
                flash(_("The event has been saved."), "success")
                return redirect(url_for("manage.event", slug=event.slug), 303)
        else:
            status = 422
    return render_template(
        "manage/event_form.html",
        form=form,
        event=existing,
        preview=preview,
        agenda_change=agenda_change,
    ), status


def _public_page_preview(form: EventForm, existing):
    """The public event page drawn from the unsaved form, marked as a preview."""
    page = preview_event(
        event_data_from_form(form, existing),
        existing_slug=existing.slug if existing else None,
        editor_id=current_user.id,
        draw=lambda event: render_template("manage/event_preview.html", event=event),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _attach_event_error(form: EventForm, error: EventError) -> None:
    if error.suggestion:
        # Neutral on purpose (see save_event); the free variant goes into the field.
        form.slug.data = error.suggestion
        form.slug.errors = [
            *form.slug.errors,
            _(
                "This address is not available. We suggest %(slug)s instead: "
                "send the form again to use it, or choose another address.",
                slug=error.suggestion,
            ),
        ]
        return
    messages = {
        "nonexistent": _("This time does not exist on that day (clocks change)."),
        "online_in_use": _(
            "People are registered to take part online: the event stays hybrid until "
            "their registrations are cancelled."
        ),
    }
    message = messages.get(str(error), _("Please check this field: %(detail)s", detail=str(error)))
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = form.title
    field.errors = [*field.errors, message]


@bp.get("/events/<slug:slug>")
@audited("registrations.page")
def event(slug: str):
    event = event_or_404(slug)
    listing = reports.registration_listing(event, request.args)
    waitlist = waitlist_admin.overview(event)
    audit_rows(event, len(listing.page.items) + waitlist.people_shown)
    return render_template(
        "manage/event.html",
        event=event,
        listing=listing,
        stats=reports.event_stats(event),
        charts=reports.event_charts(event),
        failed_mail=reports.failed_mail(event),
        signin_scan=scan_info(event),
        action_form=ActionForm(),
        waitlist=waitlist,
        move_form=MoveForm(),
        pending_form=PendingForm(),
        attendance_labels=ATTENDANCE_LABELS,
        waitlist_labels=WAITLIST_LABELS,
    )


@bp.post("/events/<slug:slug>/status")
def event_status(slug: str):
    event = event_or_404(slug)
    action = request.form.get("action")
    targets = {"publish": "published", "unpublish": "draft", "cancel": "cancelled"}
    if not ActionForm().validate_on_submit() or action not in targets:
        abort(400)
    set_status(event.id, targets[action])
    flash(
        {
            "publish": _("The event is published."),
            "unpublish": _("The event is no longer public."),
            "cancel": _("The event is cancelled."),
        }[action],
        "success",
    )
    return redirect(url_for("manage.event", slug=event.slug), 303)


@bp.post("/events/<slug:slug>/duplicate")
def duplicate(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = duplicate_event(event.id, editor_id=current_user.id)
    flash(_("A draft copy has been created. Adjust the date and publish it."), "success")
    return redirect(url_for("manage.edit_event", slug=copy.slug), 303)


@bp.get("/events/<slug:slug>/report")
def report(slug: str):
    event = event_or_404(slug)
    return render_template(
        "manage/report.html",
        event=event,
        stats=reports.event_stats(event),
        breakdown=reports.attendance_breakdown(event),
        meetings=reports.meeting_counts(event),
        period=event_period(event.starts_at, event.ends_at, event.timezone),
    )
