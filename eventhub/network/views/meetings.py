"""The participants' side of one-to-one meetings, behind their private link: requests to
and from them with the answer buttons, their meetings, the slots they are not available,
a request to a person of the directory, the personal agenda; and the page behind the
answer link in a request's mail, for people who never open their private link."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from eventhub.errors import abort_with
from eventhub.i18n import event_period
from eventhub.models import Registration
from eventhub.network import bp
from eventhub.network.meeting_forms import (
    MeetingActionForm,
    MeetingAnswerForm,
    MeetingRequestForm,
    UnavailableForm,
)
from eventhub.network.meeting_pages import (
    FIRST_FREE,
    free_slots_for,
    meeting_overview,
    meeting_partner,
    meetings_offered,
    parse_slot,
    personal_agenda,
)
from eventhub.network.meetings import (
    MeetingRefused,
    Placement,
    accept_meeting,
    cancel_meeting,
    decline_meeting,
    meeting_by_answer_token,
    meeting_setup,
    refusal_message,
    request_meeting,
    set_unavailable,
    slot_key,
)
from eventhub.network.views.directory import not_participating_message
from eventhub.network.views.personal import limit_posts_per_link, participant, personal
from eventhub.network.visibility import NETWORKING_STATUSES

# The private registration page (events area) links to the meetings only where the event
# offers them; it asks through this template global rather than importing the network.
bp.add_app_template_global(meetings_offered, "meetings_offered")


_limit_posts = limit_posts_per_link("meeting")


def _taking_part(registration: Registration) -> None:
    """Requests and changes need a confirmed registration (409 with the reason)."""
    if registration.status not in NETWORKING_STATUSES:
        abort_with(409, not_participating_message(registration.status))


def _refused(exc: MeetingRefused):
    abort_with(exc.status, exc.message)


def _chosen_slot(value: str | None):
    """The slot an accept form chose; None for "first slot we both have free"."""
    if not value or value == FIRST_FREE:
        return None
    return parse_slot(value)


def placement_message(placement: Placement, timezone: str) -> str:
    if placement.placed:
        return _(
            "Accepted: %(time)s at table %(table)s. You both receive the details and each "
            "other's email address by mail.",
            time=event_period(placement.slot_start, placement.slot_end, timezone),
            table=placement.table_name,
        )
    return _(
        "Accepted. No slot is free for both of you at the moment: the organisers will give "
        "your meeting a time and a table, and you will both be told by mail."
    )


@bp.route("/r/<token:token>/meetings", methods=["GET", "POST"])
@_limit_posts
def my_meetings(token: str):
    """Requests to me and from me, my meetings, and (POST) the slots I am not available."""
    viewer = participant(token)
    participating = viewer.status in NETWORKING_STATUSES
    overview = meeting_overview(viewer)
    if not overview.setup.enabled:
        abort_with(404, refusal_message("disabled"))
    unavailable_form = UnavailableForm()
    status = 200
    refusal = None
    if request.method == "POST":
        _taking_part(viewer)
        if not unavailable_form.validate_on_submit():
            abort(400)
        try:
            set_unavailable(viewer.id, [parse_slot(v) for v in unavailable_form.unavailable.data])
        except MeetingRefused as exc:
            refusal, status = exc.message, exc.status
        else:
            flash(_("Your unavailable times have been saved."), "success")
            return redirect(url_for("network.my_meetings", token=token), 303)
    return personal(
        render_template(
            "network/meetings.html",
            viewer=viewer,
            event=viewer.event,
            token=token,
            participating=participating,
            not_participating=None if participating else not_participating_message(viewer.status),
            overview=overview,
            unavailable_keys={slot_key(start) for start in overview.unavailable},
            refusal=refusal,
            refusal_closed=refusal_message("closed"),
            action_form=MeetingActionForm(),
            first_free=FIRST_FREE,
            slot_key=slot_key,
        ),
        status,
    )


@bp.post("/r/<token:token>/meetings/<id:meeting_id>/accept")
@_limit_posts
def accept_my_meeting(token: str, meeting_id: int):
    viewer = participant(token)
    form = MeetingAnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        _meeting, placement = accept_meeting(meeting_id, viewer.id, _chosen_slot(form.slot.data))
    except MeetingRefused as exc:
        _refused(exc)
    flash(placement_message(placement, viewer.event.timezone), "success")
    return redirect(url_for("network.my_meetings", token=token), 303)


@bp.post("/r/<token:token>/meetings/<id:meeting_id>/decline")
@_limit_posts
def decline_my_meeting(token: str, meeting_id: int):
    viewer = participant(token)
    if not MeetingActionForm().validate_on_submit():
        abort(400)
    try:
        decline_meeting(meeting_id, viewer.id)
    except MeetingRefused as exc:
        _refused(exc)
    flash(_("Declined. The request is closed; nobody is mailed."), "success")
    return redirect(url_for("network.my_meetings", token=token), 303)


@bp.post("/r/<token:token>/meetings/<id:meeting_id>/cancel")
@_limit_posts
def cancel_my_meeting(token: str, meeting_id: int):
    """Withdraw my request, or call off a meeting (either side): slot and table are free
    again."""
    viewer = participant(token)
    if not MeetingActionForm().validate_on_submit():
        abort(400)
    try:
        meeting = cancel_meeting(meeting_id, viewer.id)
    except MeetingRefused as exc:
        _refused(exc)
    if meeting.answered_at is None:
        flash(_("The request has been withdrawn."), "success")
    else:
        flash(_("The meeting has been cancelled. You are both told by mail."), "success")
    return redirect(url_for("network.my_meetings", token=token), 303)


@bp.route("/r/<token:token>/meetings/request/<id:person>", methods=["GET", "POST"])
@_limit_posts
def request_meeting_page(token: str, person: int):
    """A person of the directory (name, organisation, role), a note and the times that
    suit me; sending goes to my meetings page."""
    viewer = participant(token)
    if viewer.id == person:
        abort_with(400, refusal_message("self"))
    _taking_part(viewer)
    partner = meeting_partner(viewer, person)
    if partner is None:
        abort_with(404, refusal_message("not_visible"))
    setup = meeting_setup(viewer.event_id)
    if not setup.enabled:
        abort_with(404, refusal_message("disabled"))
    if not setup.takes_requests():
        abort_with(409, refusal_message("closed"))
    form = MeetingRequestForm()
    refusal = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                preferred = [parse_slot(v) for v in form.preferred.data or []]
                _meeting, placement = request_meeting(
                    viewer.id, partner.id, form.note.data, preferred
                )
            except MeetingRefused as exc:
                refusal, status = exc.message, exc.status
            else:
                if placement is None:
                    flash(
                        _(
                            "Your request to %(name)s has been sent. You see the answer here.",
                            name=partner.full_name,
                        ),
                        "success",
                    )
                else:
                    flash(placement_message(placement, viewer.event.timezone), "success")
                return redirect(url_for("network.my_meetings", token=token), 303)
        else:
            status = 422
    return personal(
        render_template(
            "network/request_meeting.html",
            viewer=viewer,
            person=partner,
            event=viewer.event,
            setup=setup,
            form=form,
            chosen=set(form.preferred.data or []),
            refusal=refusal,
            token=token,
            slot_key=slot_key,
        ),
        status,
    )


@bp.get("/r/<token:token>/agenda")
def my_agenda(token: str):
    """The event's programme and my meetings in time order, printable."""
    viewer = participant(token)
    return personal(
        render_template(
            "network/agenda.html",
            viewer=viewer,
            event=viewer.event,
            token=token,
            entries=personal_agenda(viewer),
            meetings_enabled=meeting_setup(viewer.event_id).enabled,
        )
    )


@bp.route("/meetings/answer/<token:token>", methods=["GET", "POST"])
@_limit_posts
def answer_meeting(token: str):
    """The page the request's mail links to: who asks and why, accept (a time, or the
    first slot both have free) or decline. GET changes nothing (mail scanners open
    links); once answered or expired the link says so."""
    meeting = meeting_by_answer_token(token)
    if meeting is None:
        abort_with(404, _("This meeting request does not exist. Please check the link."))
    if meeting.status == "expired":
        abort_with(409, refusal_message("expired"))
    if meeting.status != "requested":
        abort_with(409, refusal_message("answered"))
    setup = meeting_setup(meeting.event_id)
    if not setup.takes_requests():
        abort_with(409, refusal_message("expired"))
    event = meeting.requester.event
    form = MeetingAnswerForm()
    refusal = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        answer = request.form.get("answer")
        try:
            if answer == "decline":
                decline_meeting(meeting.id, meeting.partner_id)
                message = _("Declined. The request is closed; nobody is mailed.")
            elif answer == "accept":
                _meeting, placement = accept_meeting(
                    meeting.id, meeting.partner_id, _chosen_slot(form.slot.data)
                )
                message = placement_message(placement, event.timezone)
            else:
                abort_with(400, _("Please choose accept or decline."))
        except MeetingRefused as exc:
            if exc.reason in ("answered", "expired", "unknown", "inactive", "disabled"):
                _refused(exc)
            refusal, status = exc.message, exc.status
        else:
            return personal(
                render_template(
                    "network/answer_meeting.html", event=event, meeting=meeting, done=message
                )
            )
    return personal(
        render_template(
            "network/answer_meeting.html",
            event=event,
            meeting=meeting,
            requester=meeting.requester,
            free_slots=free_slots_for(meeting, setup),
            preferred=set(meeting.preferred_slots or []),
            form=form,
            refusal=refusal,
            first_free=FIRST_FREE,
            slot_key=slot_key,
            done=None,
        ),
        status,
    )
