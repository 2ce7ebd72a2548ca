"""Certificates of attendance: the public check of a code, the participant's download."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventhub.errors import abort_with
from eventhub.events import bp
from eventhub.events.certificates import (
    CertificateRefused,
    certificate_dates,
    certificate_file,
    certificate_filename,
    certificate_for,
    grouped,
    normalise_code,
    verified,
)
from eventhub.events.registration import registration_by_token
from eventhub.extensions import limiter


def _check_limit() -> str:
    return current_app.config["CERTIFICATE_CHECK_RATELIMIT"]


def _not_valid(response) -> bool:
    return response.status_code == 404


@bp.get("/certificates/")
def check_certificate():
    """A form to type a code in (e.g. from a paper certificate without the QR code)."""
    typed = request.args.get("code", "").strip()[:64]
    code = normalise_code(typed)
    if code:
        return redirect(url_for("events.verify_certificate", code=grouped(code)), 303)
    if typed:  # cannot be a code at all: not valid, without a lookup
        page = render_template(
            "events/certificate_check.html", certificate=None, code=typed, checked=True
        )
        return page, 404
    return render_template("events/certificate_check.html", certificate=None, checked=False)


@bp.get("/certificates/<code>")
@limiter.limit(_check_limit, deduct_when=_not_valid)
def verify_certificate(code: str):
    """Valid: the name, the event and the date, nothing else. Anything else: not valid."""
    certificate = verified(code)
    normal = normalise_code(code)
    page = render_template(
        "events/certificate_check.html",
        certificate=certificate,
        dates=certificate_dates(certificate) if certificate else "",
        code=grouped(normal) if normal else code[:64],
        checked=True,
    )
    # A person's name behind a code: for whoever holds the paper, not for search engines.
    headers = {"X-Robots-Tag": "noindex", "Cache-Control": "no-store"}
    return page, 200 if certificate else 404, headers


_REFUSALS = {
    "not_over": lambda: _("The certificate is available once the event is over."),
    "not_attended": lambda: _(
        "There is no certificate for this registration: certificates are for people "
        "who were checked in at the event. If you were there, please ask the organisers."
    ),
    "not_confirmed": lambda: _("There is no certificate for this registration."),
    "revoked": lambda: _(
        "The certificate for this registration has been withdrawn. Please ask the organisers."
    ),
}


@bp.get("/r/<token:token>/certificate.pdf")
def my_certificate(token: str):
    registration = registration_by_token(token) or abort(404)
    try:
        certificate = certificate_for(registration)
    except CertificateRefused as exc:
        abort_with(403, _REFUSALS[exc.reason]())
    pdf = certificate_file(certificate, registration.event, registration.language)
    name = certificate_filename(certificate, registration.language)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
