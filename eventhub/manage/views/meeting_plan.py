"""Scheduling all accepted meeting requests (preview, then publish and mail) and the
printed plans: the table plan and personal schedules."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import HiddenField

from eventhub.access import event_or_404, registration_or_404
from eventhub.errors import abort_with
from eventhub.manage import bp
from eventhub.manage.meeting_pdfs import (
    PersonalSchedule,
    personal_schedules,
    plan_filename,
    schedules_filename,
    schedules_pdf,
    table_plan_pdf,
)
from eventhub.models import Event
from eventhub.network.meeting_plan import (
    PlanRefused,
    placed_meetings,
    preview_plan,
    publish_plan,
)
from eventhub.network.meetings import meeting_setup, refusal_message
from eventhub.privacy.audit import audit_rows, audited


class PublishPlanForm(FlaskForm):
    """The digest of the plan the organiser saw: publishing refuses any other plan."""

    digest = HiddenField()


def _refusal(reason: str) -> str:
    if reason == "disabled":
        return refusal_message("disabled")
    if reason == "conflict":
        return _(
            "Someone took a slot or table while the plan was being published, so nothing "
            "was placed or mailed: please look at the new plan."
        )
    return _("Things changed since the preview: please look at the new plan.")


def _preview_page(event: Event, form: PublishPlanForm, status: int = 200):
    preview = preview_plan(event.id)
    audit_rows(
        event,
        len(preview.placements) + len(preview.unplaced) + len(preview.people_without_meeting),
    )
    form.digest.data = preview.digest
    return render_template(
        "manage/meeting_schedule.html", event=event, preview=preview, form=form
    ), status


@bp.route("/events/<slug:slug>/meetings/schedule", methods=["GET", "POST"])
@audited("meetings.plan")
def meeting_schedule(slug: str):
    event = event_or_404(slug)
    form = PublishPlanForm()
    if form.is_submitted():
        if not form.validate():
            flash(_("The form has expired: please look at the plan and publish it again."), "error")
            return _preview_page(event, PublishPlanForm(formdata=None), 400)
        try:
            result = publish_plan(event.id, form.digest.data or "")
        except PlanRefused as exc:
            flash(_refusal(exc.reason), "error")
            return _preview_page(event, PublishPlanForm(formdata=None), exc.status)
        flash(
            ngettext(
                "%(num)d meeting placed; %(people)d people mailed.",
                "%(num)d meetings placed; %(people)d people mailed.",
                result.placed,
                people=result.mailed,
            ),
            "success",
        )
        return redirect(url_for("manage.meetings", slug=slug), 303)
    return _preview_page(event, form)


def _pdf(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _meeting_setup_or_404(event: Event):
    setup = meeting_setup(event.id)
    if setup.settings is None:
        abort_with(404, refusal_message("disabled"))
    return setup


@bp.get("/events/<slug:slug>/meetings/table-plan.pdf")
@audited("meetings.table_plan.pdf")
def meeting_table_plan(slug: str):
    event = event_or_404(slug)
    setup = _meeting_setup_or_404(event)
    placed = placed_meetings(event.id)
    audit_rows(event, len(placed))
    body = table_plan_pdf(event, setup.blocks, setup.slots, setup.tables, placed)
    return _pdf(body, plan_filename(event))


@bp.get("/events/<slug:slug>/meetings/schedules.pdf")
@audited("meetings.schedules.pdf")
def meeting_schedules_pdf(slug: str):
    event = event_or_404(slug)
    _meeting_setup_or_404(event)
    schedules = personal_schedules(placed_meetings(event.id))
    audit_rows(event, len(schedules))
    body = schedules_pdf(event, schedules)
    return _pdf(body, schedules_filename(event))


@bp.get("/events/<slug:slug>/registrations/<id:registration_id>/meetings.pdf")
@audited("meetings.schedule.pdf")
def meeting_schedule_pdf(slug: str, registration_id: int):
    event = event_or_404(slug)
    person = registration_or_404(event, registration_id)
    _meeting_setup_or_404(event)
    mine = placed_meetings(event.id, person.id)
    audit_rows(event, 1)
    body = schedules_pdf(event, [PersonalSchedule(person, mine)])
    return _pdf(body, schedules_filename(event, person))
