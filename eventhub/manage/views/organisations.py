"""Organisations in the workspace: members, invitations, API keys; site admins create them."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from eventhub.access import membership_role, owned_organisation_or_404
from eventhub.labels import ORGANISATION_KIND_LABELS
from eventhub.manage import bp
from eventhub.manage.accounts import AccountError
from eventhub.manage.api_keys import create_token, organisation_tokens, revoke_token
from eventhub.manage.forms import (
    ActionForm,
    ApiTokenForm,
    InviteForm,
    LogoForm,
    OrganisationForm,
    OrganisationProfileForm,
)
from eventhub.manage.host_requests import answer_host_request, pending_host_requests
from eventhub.manage.organisations import (
    all_organisations,
    create_organisation,
    invite,
    members,
    open_invitations,
)
from eventhub.models import INVITATION_DAYS, ORGANISATION_KINDS
from eventhub.network.organisations import (
    ProfileError,
    profile_is_public,
    set_profile_hidden,
    update_profile,
)
from eventhub.urls import absolute_url

FORM_NONCES = "api_key_form_nonces"


def _organisation_page(organisation, status: int = 200, **overrides):
    role = membership_role(organisation.id)
    context = {
        "organisation": organisation,
        "role": role,
        "members": members(organisation),
        "invitations": open_invitations(organisation),
        "form": InviteForm(formdata=None),
        "token_form": ApiTokenForm(formdata=None),
        "tokens": organisation_tokens(organisation.id) if role == "owner" else [],
        "form_nonce": _new_form_nonce() if role == "owner" else "",
        "new_token": None,
        "host_requests": pending_host_requests([organisation.id]) if role == "owner" else [],
        "profile_form": _profile_form(organisation, formdata=None),
        "profile_public": profile_is_public(organisation.id),
        "logo_form": LogoForm(formdata=None),
        "action_form": ActionForm(),
        **overrides,
    }
    return render_template("manage/organisation.html", **context), status


def _profile_form(organisation, **kwargs) -> OrganisationProfileForm:
    form = OrganisationProfileForm(obj=organisation, **kwargs)
    form.kind.choices = [(kind, ORGANISATION_KIND_LABELS[kind]) for kind in ORGANISATION_KINDS]
    return form


# What a refusal of the profile service says (the form's own checks catch the rest first).
PROFILE_MESSAGES = {
    "website": _l("Please enter a web address starting with https:// or http://."),
}
CHECK_THIS_FIELD = _l("Please check this field.")


def _new_form_nonce() -> str:
    """A one-time value for the key form, so sending the same form twice cannot create
    a second key (the key is shown in the POST's answer, which a reload would repeat)."""
    nonce = secrets.token_urlsafe(16)
    session[FORM_NONCES] = [*session.get(FORM_NONCES, [])[-4:], nonce]
    return nonce


def _use_form_nonce(nonce: str) -> bool:
    nonces = session.get(FORM_NONCES, [])
    if not nonce or nonce not in nonces:
        return False
    session[FORM_NONCES] = [n for n in nonces if n != nonce]
    return True


def _owned_by_me_or_404(org_slug: str):
    """The organisation if the current user is one of its owners (or a site admin)."""
    organisation = owned_organisation_or_404(org_slug)
    if membership_role(organisation.id) != "owner":
        abort(404)
    return organisation


@bp.get("/organisations/<slug:org_slug>")
def organisation(org_slug: str):
    return _organisation_page(owned_organisation_or_404(org_slug))


@bp.post("/organisations/<slug:org_slug>/profile")
def edit_profile(org_slug: str):
    """Any member (and a site admin) edits the public profile; the name stays as it is."""
    organisation = owned_organisation_or_404(org_slug)
    form = _profile_form(organisation)
    if form.validate_on_submit():
        try:
            update_profile(
                organisation.id,
                kind=form.kind.data,
                region=form.region.data,
                description=form.description.data,
                website=form.website.data,
            )
        except ProfileError as exc:
            name = str(exc).split(":")[0]
            field = getattr(form, name)
            field.errors = [*field.errors, PROFILE_MESSAGES.get(name, CHECK_THIS_FIELD)]
        else:
            flash(_("The profile has been saved."), "success")
            return redirect(
                url_for("manage.organisation", org_slug=org_slug, _anchor="profile"), 303
            )
    return _organisation_page(organisation, 422, profile_form=form)


@bp.post("/admin/organisations/<slug:org_slug>/profile-visibility")
def admin_profile_visibility(org_slug: str):
    """A site admin hides a profile from the public (or shows it again)."""
    if not current_user.is_admin:
        abort(404)
    organisation = owned_organisation_or_404(org_slug)
    visibility = request.form.get("visibility")
    if not ActionForm().validate_on_submit() or visibility not in ("hidden", "shown"):
        abort(400)
    set_profile_hidden(organisation.id, visibility == "hidden")
    if visibility == "hidden":
        flash(_("The profile of %(name)s is hidden.", name=organisation.name), "success")
    else:
        flash(_("The profile of %(name)s is shown again.", name=organisation.name), "success")
    return redirect(url_for("manage.admin_organisations"), 303)


@bp.post("/organisations/<slug:org_slug>/invite")
def invite_colleague(org_slug: str):
    organisation = _owned_by_me_or_404(org_slug)
    form = InviteForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 422, form=form)
    _token, added = invite(organisation.id, form.email.data, form.role.data, current_user.id)
    if added:
        flash(_("%(email)s now belongs to the organisation.", email=form.email.data), "success")
        return redirect(url_for("manage.organisation", org_slug=org_slug), 303)
    # The link goes only to the invited mailbox: shown here, the inviting owner could
    # accept it and own an account under someone else's address.
    flash(
        _(
            "Invitation sent to %(email)s. The link in it is valid for %(days)d days and "
            "works once.",
            email=form.email.data,
            days=INVITATION_DAYS,
        ),
        "success",
    )
    return redirect(url_for("manage.organisation", org_slug=org_slug), 303)


@bp.post("/organisations/<slug:org_slug>/api-tokens")
def create_api_token(org_slug: str):
    organisation = _owned_by_me_or_404(org_slug)
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 422, token_form=form)
    if not _use_form_nonce(request.form.get("nonce", "")):
        # The same form sent again (reload, back button): the key exists already.
        flash(
            _(
                "This form was sent before and its key has been created. If you did not copy "
                "the key, revoke it below and create a new one."
            ),
            "error",
        )
        return _organisation_page(organisation, 409)
    _token, raw = create_token(
        organisation.id,
        form.name.data,
        can_write=form.can_write.data,
        created_by_id=current_user.id,
    )
    flash(_("The API key has been created. Copy it now: it is shown only once."), "success")
    # Shown in this response only (no-store), never kept in the session cookie.
    return _organisation_page(organisation, 201, new_token=raw)


@bp.post("/organisations/<slug:org_slug>/api-tokens/<id:token_id>/revoke")
def revoke_api_token(org_slug: str, token_id: int):
    organisation = _owned_by_me_or_404(org_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not revoke_token(organisation.id, token_id):
        abort(404)
    flash(_("The API key has been revoked. Requests with it are refused from now on."), "success")
    return redirect(url_for("manage.organisation", org_slug=org_slug, _anchor="api-heading"), 303)


@bp.post("/organisations/<slug:org_slug>/host-requests/<id:link_id>/<any(accept, decline):answer>")
def answer_host_request_view(org_slug: str, link_id: int, answer: str):
    """An owner accepts or declines their organisation being named on an event."""
    organisation = _owned_by_me_or_404(org_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    event = answer_host_request(organisation.id, link_id, accept=answer == "accept")
    if event is None:
        abort(404)
    if answer == "accept":
        flash(
            _(
                "%(organisation)s is now named on %(title)s.",
                organisation=organisation.name,
                title=event.title,
            ),
            "success",
        )
    else:
        flash(
            _(
                "%(organisation)s is no longer named on %(title)s.",
                organisation=organisation.name,
                title=event.title,
            ),
            "success",
        )
    return redirect(url_for("manage.organisation", org_slug=org_slug, _anchor="host-requests"), 303)


@bp.route("/admin/organisations", methods=["GET", "POST"])
def admin_organisations():
    if not current_user.is_admin:
        abort(404)
    form = OrganisationForm()
    status = 200
    link = None
    if form.validate_on_submit():
        try:
            organisation = create_organisation(form.name.data, form.slug.data)
        except AccountError:
            form.slug.errors = [*form.slug.errors, _("This address is already used.")]
            status = 422
        else:
            if form.owner_email.data:
                token, added = invite(
                    organisation.id, form.owner_email.data, "owner", current_user.id
                )
                link = None if added else absolute_url("auth.accept_invitation", token=token)
            flash(_("The organisation has been created."), "success")
            if link is None:
                return redirect(url_for("manage.admin_organisations"), 303)
    elif request.method == "POST":
        status = 422
    return render_template(
        "manage/admin_organisations.html",
        form=form,
        organisations=all_organisations(),
        invitation_link=link,
        invitation_days=INVITATION_DAYS,
    ), status
