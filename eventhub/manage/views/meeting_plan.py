"""PLACEHOLDER (helper H2 replaces this file): schedule preview/publish and PDFs."""

from flask import abort

from eventhub.manage import bp


@bp.route("/events/<slug:slug>/meetings/schedule", methods=["GET", "POST"])
def meeting_schedule(slug: str):
    abort(404)


@bp.get("/events/<slug:slug>/meetings/table-plan.pdf")
def meeting_table_plan(slug: str):
    abort(404)


@bp.get("/events/<slug:slug>/meetings/schedules.pdf")
def meeting_schedules_pdf(slug: str):
    abort(404)


@bp.get("/events/<slug:slug>/registrations/<id:registration_id>/meetings.pdf")
def meeting_schedule_pdf(slug: str, registration_id: int):
    abort(404)
