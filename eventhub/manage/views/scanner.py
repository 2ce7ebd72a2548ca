"""The check-in scanner: a page that keeps the camera open, and the JSON endpoint it posts
each decoded QR code to."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request

from eventhub.access import event_or_404
from eventhub.events.registration import RegistrationRefused, set_checked_in
from eventhub.i18n import event_time
from eventhub.manage import bp, reports
from eventhub.privacy.audit import audit_rows, audit_skip, audited

# Longer than any check-in URL; anything longer is not one of our codes.
MAX_SCANNED_TEXT = 2000


@bp.get("/events/<slug:slug>/checkin/scanner")
def checkin_scanner(slug: str):
    event = event_or_404(slug)
    return render_template(
        "manage/checkin_scanner.html", event=event, stats=reports.event_stats(event)
    )


@bp.post("/events/<slug:slug>/checkin/scanner")
@audited("checkin.scan")
def checkin_scanned(slug: str):
    """Checks in the person of one scanned code; answers what the door should show.

    `{"qr": "<decoded text>"}` → `{"result": "checked_in" | "already" | "other_event" |
    "unknown" | "not_confirmed", "name": …, "at": …}`. CSRF comes from the page
    (X-CSRFToken header), like every POST of the workspace.
    """
    event = event_or_404(slug)
    payload = request.get_json(silent=True)
    text = payload.get("qr") if isinstance(payload, dict) else None
    if not isinstance(text, str) or len(text) > MAX_SCANNED_TEXT:
        abort(400)
    scanned = reports.scanned_code(event, text)
    registration = scanned.registration
    if registration is None:
        return _answer(event, "other_event" if scanned.other_event else "unknown")
    if registration.status != "confirmed":
        return _answer(event, "not_confirmed", registration)
    if registration.checked_in_at is not None:
        return _answer(event, "already", registration)
    try:
        registration = set_checked_in(registration.id, True)
    except RegistrationRefused:  # cancelled between the lookup and the check-in
        return _answer(event, "not_confirmed", registration)
    return _answer(event, "checked_in", registration)


def _answer(event, result: str, registration=None):
    body = {"result": result, "name": None, "at": None}
    if registration is None:
        audit_skip()  # nobody named
    else:
        audit_rows(event, 1)
        body["name"] = registration.full_name
        if result in ("checked_in", "already") and registration.checked_in_at:
            body["at"] = event_time(registration.checked_in_at, event.timezone)
    return jsonify(body)
