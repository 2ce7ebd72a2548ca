"""The funder report (PDF, XLSX) and the upload of the signed sign-in sheet's scan."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.access import event_or_404
from eventhub.errors import abort_with
from eventhub.manage import bp
from eventhub.manage.attendee_lists import attendee_count
from eventhub.manage.forms import ActionForm
from eventhub.manage.funder_files import funder_report_pdf, funder_report_xlsx
from eventhub.manage.funder_report import (
    funder_report,
    funder_report_filename,
    report_language,
    scan_bytes,
    scan_info,
)
from eventhub.manage.signin_scans import ScanError, delete_scan, save_scan
from eventhub.manage.views.downloads import _download as download
from eventhub.privacy.audit import audit_rows, audit_skip, audited
from eventhub.request_guard import accepts_upload

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _event_and_report(slug: str):
    """The event (404 unless the current user manages it) and its report in the language
    asked for by ?lang=de|en, else the event's."""
    event = event_or_404(slug)
    language = report_language(event, request.args.get("lang"))
    with force_locale(language):
        return event, funder_report(event, language)


def _audit_sign_in_sheet(event) -> None:
    """The scanned sign-in sheet names everyone on it (the onsite confirmed people)."""
    audit_rows(event, attendee_count(event, confirmed_only=True, onsite_only=True))


@bp.get("/events/<slug:slug>/funder-report.pdf")
@audited("funder_report.pdf")
def funder_report_pdf_download(slug: str):
    """The figures, and the scanned sign-in sheet when there is one (then audited: the
    figures alone name nobody, and the XLSX has only the figures)."""
    event, report = _event_and_report(slug)
    if report.scan:
        _audit_sign_in_sheet(event)
    else:
        audit_skip()
    body = funder_report_pdf(report, scan_bytes(event) if report.scan else None)
    return download(body, "application/pdf", funder_report_filename(event, "pdf"))


@bp.get("/events/<slug:slug>/funder-report.xlsx")
def funder_report_xlsx_download(slug: str):
    event, report = _event_and_report(slug)
    return download(funder_report_xlsx(report), XLSX_TYPE, funder_report_filename(event, "xlsx"))


@bp.post("/events/<slug:slug>/signin-scan")
@accepts_upload("SIGNIN_SCAN_MAX_BYTES")
def upload_signin_scan(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    upload = request.files.get("scan")
    try:
        save_scan(
            event.id,
            upload.filename or "" if upload else "",
            upload.read() if upload else b"",
            user_id=current_user.id,
            max_bytes=current_app.config["SIGNIN_SCAN_MAX_BYTES"],
        )
    except ScanError as error:
        abort_with(error.status, error.message)
    flash(_("The signed sign-in sheet is saved; the funder report's PDF appends it."), "success")
    return redirect(url_for("manage.event", slug=event.slug, _anchor="funder-report"), 303)


@bp.post("/events/<slug:slug>/signin-scan/delete")
def delete_signin_scan(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if delete_scan(event.id):
        flash(_("The scan of the signed sign-in sheet is deleted."), "success")
    return redirect(url_for("manage.event", slug=event.slug, _anchor="funder-report"), 303)


@bp.get("/events/<slug:slug>/signin-scan")
@audited("signin_scan.download")
def signin_scan(slug: str):
    event = event_or_404(slug)
    info = scan_info(event)
    if info is None:
        abort(404)
    _audit_sign_in_sheet(event)
    return download(scan_bytes(event), info.content_type, _ascii_name(info.filename))


def _ascii_name(filename: str) -> str:
    """The stored name, made safe for a Content-Disposition header."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in filename)
    return safe or "scan"
