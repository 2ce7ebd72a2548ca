"""After the event in the workspace: certificates of attendance (issue or revoke one by
hand, see who has one) and the materials shared with the attendees."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from eventhub.access import event_or_404, owned_organisation_or_404, registration_or_404
from eventhub.errors import abort_with
from eventhub.events.certificates import (
    CertificateRefused,
    event_certificates,
    event_over,
    grouped,
    issue_by_hand,
    revoke,
)
from eventhub.events.materials import (
    MaterialRefused,
    add_material,
    event_materials,
    remove_material,
)
from eventhub.extensions import db
from eventhub.manage import bp
from eventhub.manage.forms import ActionForm, LogoForm, MaterialForm, RevokeCertificateForm
from eventhub.manage.logos import LOGO_MAX_BYTES, LogoRefused, set_logo
from eventhub.models import Certificate, EventMaterial, Registration
from eventhub.privacy.audit import audit_rows, audited
from eventhub.request_guard import accepts_upload


@bp.get("/events/<slug:slug>/certificates")
@audited("certificates.page")
def certificates(slug: str):
    event = event_or_404(slug)
    people = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .order_by(Registration.last_name, Registration.first_name, Registration.id)
    ).all()
    audit_rows(event, len(people))
    return render_template(
        "manage/certificates.html",
        event=event,
        people=people,
        issued=event_certificates(event.id),
        over=event_over(event),
        grouped=grouped,
        action_form=ActionForm(),
        revoke_form=RevokeCertificateForm(),
    )


_REFUSALS = {
    "not_over": lambda: _("Certificates can be issued once the event is over."),
    "not_confirmed": lambda: _("Only confirmed registrations can get a certificate."),
}


@bp.post("/events/<slug:slug>/certificates/<id:registration_id>/issue")
def issue_certificate(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        certificate = issue_by_hand(registration.id, current_user.id)
    except CertificateRefused as exc:
        flash(_REFUSALS.get(exc.reason, _REFUSALS["not_confirmed"])(), "error")
        return redirect(url_for("manage.certificates", slug=slug), 303)
    flash(
        _(
            "%(name)s has a certificate (code %(code)s).",
            name=registration.full_name,
            code=grouped(certificate.code),
        ),
        "success",
    )
    return redirect(url_for("manage.certificates", slug=slug), 303)


@bp.post("/events/<slug:slug>/certificates/<id:registration_id>/revoke")
def revoke_certificate(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    form = RevokeCertificateForm()
    if not form.validate_on_submit():
        abort(400)
    certificate = db.session.scalar(
        select(Certificate).where(Certificate.registration_id == registration.id)
    ) or abort(404)
    revoke(certificate.id, form.reason.data or "")
    flash(
        _(
            "The certificate of %(name)s is withdrawn: its code no longer checks as valid.",
            name=registration.full_name,
        ),
        "success",
    )
    return redirect(url_for("manage.certificates", slug=slug), 303)


@bp.route("/events/<slug:slug>/materials", methods=["GET", "POST"])
def materials(slug: str):
    event = event_or_404(slug)
    form = MaterialForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                add_material(event.id, form.title.data, form.url.data, form.description.data or "")
            except MaterialRefused as exc:
                status = 422
                if exc.reason == "url":
                    form.url.errors = [
                        _("Please enter a web address starting with https:// or http://.")
                    ]
                else:
                    form.url.errors = [_("This event has as many links as it can have.")]
            else:
                flash(_("The link has been added."), "success")
                return redirect(url_for("manage.materials", slug=slug), 303)
        else:
            status = 422
    return render_template(
        "manage/materials.html",
        event=event,
        form=form,
        materials=event_materials(event.id),
        over=event_over(event),
        action_form=ActionForm(),
    ), status


@bp.post("/events/<slug:slug>/materials/<id:material_id>/remove")
def remove_event_material(slug: str, material_id: int):
    event = event_or_404(slug)
    material = db.session.get(EventMaterial, material_id)
    if material is None or material.event_id != event.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    remove_material(material.id)
    flash(_("The link has been removed."), "success")
    return redirect(url_for("manage.materials", slug=slug), 303)


_LOGO_REFUSALS = {
    "size": lambda: _("The logo may be at most 200 kB."),
    "format": lambda: _("Please upload the logo as a PNG or JPEG image."),
    "dimensions": lambda: _("The logo may be at most 3000 pixels wide and high."),
}


@bp.post("/organisations/<slug:org_slug>/logo")
@accepts_upload("LOGO_MAX_BYTES")
def organisation_logo(org_slug: str):
    """The logo on the organisation's certificates: upload one, or remove it (remove=1)."""
    organisation = owned_organisation_or_404(org_slug)
    back = url_for("manage.organisation", org_slug=org_slug, _anchor="logo")
    if request.form.get("remove") == "1":
        if not ActionForm().validate_on_submit():
            abort(400)
        set_logo(organisation.id, None)
        flash(_("The logo has been removed."), "success")
        return redirect(back, 303)
    form = LogoForm()
    if not form.validate_on_submit():
        abort_with(422, " ".join(str(e) for e in form.logo.errors) or _("Please choose a file."))
    try:
        set_logo(organisation.id, form.logo.data.read(LOGO_MAX_BYTES + 1))
    except LogoRefused as exc:
        abort_with(422, _LOGO_REFUSALS[exc.reason]())
    flash(_("The logo has been saved: it appears on your certificates of attendance."), "success")
    return redirect(back, 303)
