"""An organisation's support-service entries in the workspace: list, create, edit, delete
(members of the organisation and site admins)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from eventhub.access import owned_organisation_or_404
from eventhub.extensions import db
from eventhub.manage import bp
from eventhub.manage.forms import ActionForm
from eventhub.manage.service_form import ServiceForm
from eventhub.models.network import ServiceEntry
from eventhub.network.services import (
    ServiceError,
    create_service,
    delete_service,
    service_load_options,
    update_service,
)
from eventhub.network.services import (
    organisation_services as services_of,
)


def _entry_or_404(organisation_id: int, entry_id: int) -> ServiceEntry:
    entry = db.session.scalar(
        select(ServiceEntry)
        .options(*service_load_options())
        .where(ServiceEntry.id == entry_id, ServiceEntry.organisation_id == organisation_id)
    )
    if entry is None:
        abort(404)
    return entry


def _list_url(org_slug: str) -> str:
    return url_for("manage.organisation_services", org_slug=org_slug)


@bp.get("/organisations/<slug:org_slug>/services")
def organisation_services(org_slug: str):
    organisation = owned_organisation_or_404(org_slug)
    return render_template(
        "manage/services.html",
        organisation=organisation,
        entries=services_of(organisation.id),
        is_admin=current_user.is_admin,
    )


def _form_page(organisation, form, entry=None, status: int = 200):
    return render_template(
        "manage/service_form.html", organisation=organisation, form=form, entry=entry
    ), status


def _refused(form, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None)
    message = _("This value cannot be saved.")
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.title.errors = [*form.title.errors, message]


@bp.route("/organisations/<slug:org_slug>/services/new", methods=["GET", "POST"])
def new_service(org_slug: str):
    organisation = owned_organisation_or_404(org_slug)
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            entry = create_service(organisation.id, form.values())
        except ServiceError as exc:
            _refused(form, exc)
            return _form_page(organisation, form, status=422)
        flash(_("The service “%(title)s” has been published.", title=entry.title), "success")
        return redirect(_list_url(org_slug), 303)
    return _form_page(organisation, form, status=422 if form.is_submitted() else 200)


@bp.route("/organisations/<slug:org_slug>/services/<id:entry_id>/edit", methods=["GET", "POST"])
def edit_service(org_slug: str, entry_id: int):
    organisation = owned_organisation_or_404(org_slug)
    entry = _entry_or_404(organisation.id, entry_id)
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            # Demo entries stay marked as such when edited.
            update_service(entry.id, organisation.id, form.values(is_demo=entry.is_demo))
        except ServiceError as exc:
            _refused(form, exc)
            return _form_page(organisation, form, entry, 422)
        flash(_("The changes have been saved."), "success")
        return redirect(_list_url(org_slug), 303)
    if not form.is_submitted():
        form.fill(entry)
        return _form_page(organisation, form, entry)
    return _form_page(organisation, form, entry, 422)


@bp.post("/organisations/<slug:org_slug>/services/<id:entry_id>/delete")
def delete_service_view(org_slug: str, entry_id: int):
    organisation = owned_organisation_or_404(org_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    entry = _entry_or_404(organisation.id, entry_id)
    title = entry.title
    if not delete_service(entry.id, organisation.id):
        abort(404)
    flash(_("The service “%(title)s” has been deleted.", title=title), "success")
    return redirect(_list_url(org_slug), 303)
