"""Attendee lists to download (CSV, XLSX, PDF sign-in sheet) or to have mailed."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.access import event_or_404
from eventhub.i18n import current_language
from eventhub.manage import bp
from eventhub.manage.attendee_lists import (
    answer_headers,
    attendee_count,
    attendee_rows,
    export_headers,
    mail_attendee_list,
    sheet_info,
)
from eventhub.manage.exports import (
    attendee_csv,
    attendee_list_filename,
    attendee_xlsx,
    sign_in_sheet_filename,
    sign_in_sheet_pdf,
)
from eventhub.manage.forms import ActionForm
from eventhub.models import REGISTRATION_STATUSES
from eventhub.privacy.audit import audit_rows, audited


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _status() -> str:
    """`?status=`: everyone (empty), or one state, e.g. the waiting list in its order."""
    status = request.args.get("status", "")
    if status and status not in REGISTRATION_STATUSES:
        abort(404)
    return status


@bp.get("/events/<slug:slug>/attendees.csv")
@audited("attendees.csv")
def attendees_csv(slug: str):
    event = event_or_404(slug)
    status = _status()
    audit_rows(event, attendee_count(event, status=status))
    rows = attendee_rows(event, status=status, answers=True)
    body = stream_with_context(
        attendee_csv(rows, export_headers(event), answer_headers(event), attendance=event.hybrid)
    )
    return _download(body, "text/csv", attendee_list_filename(event, "csv", status))


@bp.get("/events/<slug:slug>/attendees.xlsx")
@audited("attendees.xlsx")
def attendees_xlsx(slug: str):
    event = event_or_404(slug)
    status = _status()
    audit_rows(event, attendee_count(event, status=status))
    rows = attendee_rows(event, status=status, answers=True)
    headers = export_headers(event)
    body = stream_with_context(
        attendee_xlsx(rows, headers, _("Attendees"), answer_headers(event), attendance=event.hybrid)
    )
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        attendee_list_filename(event, "xlsx", status),
    )


@bp.get("/events/<slug:slug>/attendees.pdf")
@audited("attendees.pdf")
def attendees_pdf(slug: str):
    event = event_or_404(slug)
    audit_rows(event, attendee_count(event, confirmed_only=True, onsite_only=True))
    info = sheet_info(event, current_language())
    # Who signs is who is in the room: confirmed, and on site at a hybrid event.
    body = sign_in_sheet_pdf(info, attendee_rows(event, confirmed_only=True, onsite_only=True))
    return _download(body, "application/pdf", sign_in_sheet_filename(event))


@bp.post("/events/<slug:slug>/send-list")
def send_attendee_list(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    mail_attendee_list(event.id, current_user.id, current_language())
    flash(_("The attendee list is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("manage.event", slug=slug), 303)
