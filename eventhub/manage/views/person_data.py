"""A person's data on their request, from the workspace: export (Art. 15) or erase
(Art. 17) what this organisation's events hold about a registration's address; each
recorded in the audit log."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.access import acting_organisation_id, event_or_404, registration_or_404
from eventhub.i18n import current_language
from eventhub.manage import bp
from eventhub.privacy.audit import audit_rows, audited, record_access
from eventhub.privacy.erasure import erase_person
from eventhub.privacy.forms import ErasureForm
from eventhub.privacy.person_data import as_json, item_count, person_data


@bp.get("/events/<slug:slug>/registrations/<id:registration_id>/person-data.json")
def export_person(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    organisation_id = acting_organisation_id(event)
    data = person_data(
        registration.email_normalised, language=current_language(), organisation_id=organisation_id
    )
    record_access(
        "person.export",
        organisation_id=organisation_id,
        event_id=event.id,
        rows=item_count(data),
        user_id=current_user.id,
    )
    body = json.dumps(as_json(data), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="person-data.json"'},
    )


@bp.route("/events/<slug:slug>/registrations/<id:registration_id>/erase", methods=["GET", "POST"])
@audited("person.erase_form")
def erase_person_data(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    organisation_id = acting_organisation_id(event)
    form = ErasureForm()
    if not form.validate_on_submit():
        audit_rows(event, 1)  # the form names the person
        status = 422 if form.is_submitted() else 200
        return render_template(
            "manage/person_erase.html", event=event, registration=registration, form=form
        ), status
    report = erase_person(registration.email_normalised, organisation_id=organisation_id)
    record_access(
        "person.erase",
        organisation_id=organisation_id,
        event_id=event.id,
        rows=report.rows,
        user_id=current_user.id,
    )
    flash(
        _(
            "The person's data has been erased from your organisation's events: "
            "%(cancelled)d registrations cancelled, %(anonymised)d anonymised.",
            cancelled=report.cancelled,
            anonymised=report.anonymised,
        ),
        "success",
    )
    return redirect(url_for("manage.event", slug=slug), 303)
