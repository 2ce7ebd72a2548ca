"""The organisers' meeting pages of one event: overview and grid (slots × tables), the
set-up, arranging a meeting, moving, cancelling and marking one held, and speakers as
meeting partners. Rules live in network/meeting_admin.py and network/meetings.py."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventhub.access import event_or_404
from eventhub.events.registration import RegistrationRefused
from eventhub.i18n import event_date, event_period, event_time
from eventhub.labels import refusal_message
from eventhub.manage import bp
from eventhub.manage.forms import ActionForm
from eventhub.manage.meeting_forms import (
    ArrangeMeetingForm,
    MeetingSetupForm,
    MoveMeetingForm,
    SpeakerForm,
)
from eventhub.network.meeting_admin import (
    add_speaker,
    arrange_meeting,
    cancel_by_organiser,
    mark_held,
    meeting_grid,
    meeting_of_event,
    meeting_partners,
    move_meeting,
    speakers_of,
)
from eventhub.network.meetings import MeetingRefused, configure_meetings
from eventhub.network.meetings import meeting_setup as setup_of
from eventhub.privacy.audit import audit_rows, audited


def event_moment(moment: dt.datetime, timezone: str) -> str:
    """A date and time with the zone, as event_period writes it: '07.07.27, 18:05 MESZ'."""
    zone = event_period(moment, moment, timezone).rsplit(" ", 1)[-1]
    return f"{event_date(moment, timezone, 'short')}, {event_time(moment, timezone)} {zone}"


def _overview_url(slug: str) -> str:
    return url_for("manage.meetings", slug=slug)


def _overview(event, refusal: MeetingRefused | None = None):
    grid = meeting_grid(event.id)
    placed = sum(1 for row in grid.rows for cell in row.cells if cell is not None)
    audit_rows(event, placed + len(grid.unplaced))
    closes = grid.setup.requests_close_at
    return render_template(
        "manage/meetings.html",
        event=event,
        grid=grid,
        requests_close=closes and event_moment(closes, event.timezone),
        action_form=ActionForm(),
        refusal=refusal,
    ), (refusal.status if refusal else 200)


def _meeting_or_404(event, meeting_id: int):
    meeting = meeting_of_event(event.id, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.get("/events/<slug:slug>/meetings")
@audited("meetings.page")
def meetings(slug: str):
    return _overview(event_or_404(slug))


@bp.route("/events/<slug:slug>/meetings/setup", methods=["GET", "POST"])
def meeting_setup(slug: str):
    event = event_or_404(slug)
    form = MeetingSetupForm()
    refusal, status = None, 200
    if not form.is_submitted():
        form.fill(setup_of(event.id), event.timezone)
    elif not form.validate_on_submit() or (values := form.values(event.timezone)) is None:
        status = 422
    else:
        try:
            configure_meetings(event.id, **values)
        except MeetingRefused as exc:
            refusal, status = exc, exc.status
        else:
            flash(_("The meeting set-up has been saved."), "success")
            return redirect(_overview_url(slug), 303)
    return render_template(
        "manage/meeting_setup.html", event=event, form=form, refusal=refusal
    ), status


@bp.route("/events/<slug:slug>/meetings/new", methods=["GET", "POST"])
@audited("meetings.form")
def meeting_arrange(slug: str):
    event = event_or_404(slug)
    setup = setup_of(event.id)
    form = ArrangeMeetingForm()
    partners = meeting_partners(event.id)
    audit_rows(event, len(partners))
    form.prepare(setup, event.timezone, partners)
    refusal, status = None, 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                arrange_meeting(event.id, **form.values())
            except MeetingRefused as exc:
                refusal, status = exc, exc.status
            else:
                flash(_("The meeting has been arranged and both have been mailed."), "success")
                return redirect(_overview_url(slug), 303)
    return render_template(
        "manage/meeting_arrange.html", event=event, form=form, setup=setup, refusal=refusal
    ), status


@bp.route("/events/<slug:slug>/meetings/<id:meeting_id>/move", methods=["GET", "POST"])
@audited("meetings.form")
def meeting_move(slug: str, meeting_id: int):
    event = event_or_404(slug)
    meeting = _meeting_or_404(event, meeting_id)
    audit_rows(event, 2)  # the meeting's two people
    setup = setup_of(event.id)
    form = MoveMeetingForm()
    form.prepare(setup, event.timezone)
    refusal, status = None, 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                move_meeting(event.id, meeting.id, **form.values())
            except MeetingRefused as exc:
                refusal, status = exc, exc.status
            else:
                flash(_("The meeting has been moved and both have been mailed."), "success")
                return redirect(_overview_url(slug), 303)
    return render_template(
        "manage/meeting_move.html",
        event=event,
        meeting=meeting,
        form=form,
        action_form=ActionForm(),
        refusal=refusal,
    ), status


@bp.post("/events/<slug:slug>/meetings/<id:meeting_id>/cancel")
def meeting_cancel(slug: str, meeting_id: int):
    event = event_or_404(slug)
    meeting = _meeting_or_404(event, meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        cancel_by_organiser(event.id, meeting.id)
    except MeetingRefused as exc:
        return _overview(event, exc)
    flash(_("The meeting has been cancelled and both have been mailed."), "success")
    return redirect(_overview_url(slug), 303)


@bp.post("/events/<slug:slug>/meetings/<id:meeting_id>/held")
def meeting_held(slug: str, meeting_id: int):
    event = event_or_404(slug)
    meeting = _meeting_or_404(event, meeting_id)
    if not ActionForm().validate_on_submit() or request.form.get("held") not in ("1", "0"):
        abort(400)
    held = request.form["held"] == "1"
    try:
        mark_held(event.id, meeting.id, held)
    except MeetingRefused as exc:
        return _overview(event, exc)
    names = {"a": meeting.requester.full_name, "b": meeting.partner.full_name}
    flash(
        _("The meeting of %(a)s and %(b)s is marked as held.", **names)
        if held
        else _("The meeting of %(a)s and %(b)s is no longer marked as held.", **names),
        "success",
    )
    return redirect(_overview_url(slug), 303)


@bp.route("/events/<slug:slug>/meetings/speakers", methods=["GET", "POST"])
@audited("meetings.speakers")
def meeting_speakers(slug: str):
    event = event_or_404(slug)
    form = SpeakerForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                add_speaker(
                    event.id,
                    form.first_name.data,
                    form.last_name.data,
                    form.email.data,
                    form.affiliation.data or "",
                    form.language.data,
                )
            except RegistrationRefused as exc:
                # The organisers see the event's registrations anyway, and no mail goes
                # out for a manual entry: the neutral wording of the public form is wrong.
                flash(
                    _("This address is already registered for the event.")
                    if exc.reason == "duplicate"
                    else refusal_message(exc.reason),
                    "error",
                )
                status = 409
            else:
                name = f"{form.first_name.data} {form.last_name.data}"
                flash(
                    _(
                        "%(name)s has been added as a speaker and mailed their private link.",
                        name=name,
                    ),
                    "success",
                )
                return redirect(url_for("manage.meeting_speakers", slug=slug), 303)
    speakers = speakers_of(event.id)
    audit_rows(event, len(speakers))
    return render_template(
        "manage/meeting_speakers.html", event=event, form=form, speakers=speakers
    ), status
