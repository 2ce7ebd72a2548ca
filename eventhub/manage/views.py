"""Organiser workspace views: parse input, call a service, render or redirect."""

from __future__ import annotations

import secrets

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from eventhub.access import (
    event_or_404,
    managed_events,
    membership_role,
    my_organisations,
    owned_organisation_or_404,
    registration_or_404,
)
from eventhub.api.tokens import create_token, organisation_tokens, revoke_token
from eventhub.calendar.private import send_private_feed
from eventhub.events.forms import person_data
from eventhub.events.registration import (
    Attendee,
    RegistrationRefused,
    cancel_registration,
    register,
    renew_manage_link,
    set_checked_in,
    update_registration,
)
from eventhub.extensions import limiter
from eventhub.i18n import current_language, event_period
from eventhub.labels import refusal_message
from eventhub.manage import bp, reports, services
from eventhub.manage.event_form import event_data_from_form, fill_event_form, prepare_event_form
from eventhub.manage.exports import attendee_csv, attendee_xlsx, sign_in_sheet_pdf
from eventhub.manage.forms import (
    AcceptInvitationForm,
    ActionForm,
    ApiTokenForm,
    EventForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    OrganisationForm,
    RegistrationForm,
    ResetPasswordForm,
)
from eventhub.manage.services import (
    AccountError,
    EventError,
    authenticate,
    create_organisation,
    duplicate_event,
    invite,
    open_invitation,
    save_event,
    set_status,
)
from eventhub.models.base import utcnow
from eventhub.text import render_markdown
from eventhub.urls import absolute_url

PUBLIC_ENDPOINTS = (
    "manage.login",
    "manage.accept_invitation",
    "manage.forgot_password",
    "manage.reset_password",
)


@bp.before_request
def require_login():
    """Everything here needs an account, except logging in and accepting an invitation."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.after_request
def never_cache(response):
    """Workspace pages show personal data: no shared or browser cache keeps them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- login ------------------------------------------------------------------


def _failed_login(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], deduct_when=_failed_login)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a new session on login: nothing from before carries over
            login_user(user)
            return redirect(_safe_next() or url_for("manage.dashboard"), 303)
        flash(_("Email address or password is wrong."), "error")
        return render_template("manage/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("manage/login.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the account exists.
        flash(
            _(
                "If an account exists for this address, we have sent a link to reset the "
                "password. It is valid for one hour."
            ),
            "info",
        )
        return redirect(url_for("manage.login"), 303)
    return render_template("manage/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token:token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = services.open_password_reset(token) or abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(reset, form.password.data)
        except AccountError:
            abort(404)
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("manage.login"), 303)
    return render_template("manage/reset_password.html", form=form), 422 if form.errors else 200


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.post("/logout")
def logout():
    if not ActionForm().validate_on_submit():
        abort(400)
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("events.catalogue"), 303)


# --- dashboard --------------------------------------------------------------


@bp.get("/")
@login_required
def dashboard():
    events = reports.dashboard_rows(managed_events())
    now = utcnow()
    upcoming = [row for row in events if row.event.ends_at > now]
    past = [row for row in events if row.event.ends_at <= now]
    return render_template(
        "manage/dashboard.html",
        upcoming=upcoming,
        past=past,
        organisations=my_organisations(),
    )


# --- events -----------------------------------------------------------------


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    organisations = my_organisations()
    if not organisations:
        flash(_("You need to belong to an organisation to create events."), "error")
        return redirect(url_for("manage.dashboard"), 303)
    form = EventForm()
    prepare_event_form(form, organisations)
    return _edit_event(form, existing=None)


@bp.route("/events/<slug:slug>/edit", methods=["GET", "POST"])
def edit_event(slug: str):
    event = event_or_404(slug)
    form = EventForm()
    prepare_event_form(form, my_organisations(), event=event)
    if request.method == "GET":
        fill_event_form(form, event)
    return _edit_event(form, existing=event)


def _edit_event(form: EventForm, existing):
    preview = None
    status = 200
    if request.method == "POST":
        if "preview" in request.form:
            preview = render_markdown(form.description.data or "")
        elif form.validate_on_submit():
            try:
                data = event_data_from_form(form, existing)
                event = save_event(data, existing=existing)
            except EventError as exc:
                _attach_event_error(form, exc)
                status = 422
            else:
                flash(_("The event has been saved."), "success")
                return redirect(url_for("manage.event", slug=event.slug), 303)
        else:
            status = 422
    return render_template(
        "manage/event_form.html", form=form, event=existing, preview=preview
    ), status


def _attach_event_error(form: EventForm, error: EventError) -> None:
    messages = {
        "slug_taken": _("This address is already used by another event."),
        "nonexistent": _("This time does not exist on that day (clocks change)."),
    }
    message = messages.get(str(error), _("Please check this field: %(detail)s", detail=str(error)))
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = form.title
    field.errors = [*field.errors, message]


@bp.get("/events/<slug:slug>")
def event(slug: str):
    event = event_or_404(slug)
    listing = reports.registration_listing(event, request.args)
    return render_template(
        "manage/event.html",
        event=event,
        listing=listing,
        stats=reports.event_stats(event),
        charts=reports.event_charts(event),
        failed_mail=reports.failed_mail(event),
        action_form=ActionForm(),
    )


@bp.post("/events/<slug:slug>/status")
def event_status(slug: str):
    event = event_or_404(slug)
    action = request.form.get("action")
    targets = {"publish": "published", "unpublish": "draft", "cancel": "cancelled"}
    if not ActionForm().validate_on_submit() or action not in targets:
        abort(400)
    set_status(event, targets[action])
    flash(
        {
            "publish": _("The event is published."),
            "unpublish": _("The event is no longer public."),
            "cancel": _("The event is cancelled."),
        }[action],
        "success",
    )
    return redirect(url_for("manage.event", slug=event.slug), 303)


@bp.post("/events/<slug:slug>/duplicate")
def duplicate(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = duplicate_event(event)
    flash(_("A draft copy has been created. Adjust the date and publish it."), "success")
    return redirect(url_for("manage.edit_event", slug=copy.slug), 303)


# --- registrations ------------------------------------------------------------


@bp.route("/events/<slug:slug>/registrations/new", methods=["GET", "POST"])
def add_registration(slug: str):
    event = event_or_404(slug)
    form = RegistrationForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            attendee = Attendee(**person_data(form), language=event.language, source="manual")
            try:
                register(event.id, attendee, allow_closed=True)
            except RegistrationRefused as exc:
                flash(refusal_message(exc.reason), "error")
                status = 409
            else:
                flash(_("The registration has been added."), "success")
                return redirect(url_for("manage.event", slug=slug), 303)
        else:
            status = 422
    return render_template(
        "manage/registration_form.html", event=event, form=form, registration=None
    ), status


@bp.route("/events/<slug:slug>/registrations/<id:registration_id>", methods=["GET", "POST"])
def edit_registration(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    form = RegistrationForm(obj=registration)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                update_registration(registration.id, **person_data(form))
            except RegistrationRefused as exc:
                flash(refusal_message(exc.reason), "error")
                status = 409
            else:
                flash(_("The registration has been updated."), "success")
                return redirect(url_for("manage.event", slug=slug), 303)
        else:
            status = 422
    return render_template(
        "manage/registration_form.html",
        event=event,
        form=form,
        registration=registration,
        action_form=ActionForm(),
    ), status


@bp.post("/events/<slug:slug>/registrations/<id:registration_id>/cancel")
def cancel(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    cancel_registration(registration.id)
    flash(_("The registration has been cancelled and the seat is free again."), "success")
    return redirect(url_for("manage.event", slug=slug), 303)


@bp.post("/events/<slug:slug>/registrations/<id:registration_id>/renew-link")
def renew_link(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        renew_manage_link(registration.id)
    except RegistrationRefused as exc:
        flash(refusal_message(exc.reason), "error")
    else:
        flash(
            _(
                "The old private link no longer works; a new one has been mailed to %(email)s.",
                email=registration.email,
            ),
            "success",
        )
    return redirect(
        url_for("manage.edit_registration", slug=slug, registration_id=registration.id), 303
    )


@bp.get("/events/<slug:slug>/registrations/<id:registration_id>/qr.svg")
def registration_qr(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    svg = reports.checkin_qr_svg(event, registration)
    return Response(svg, mimetype="image/svg+xml")


# --- exports ----------------------------------------------------------------


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/events/<slug:slug>/attendees.csv")
def attendees_csv(slug: str):
    event = event_or_404(slug)
    rows = reports.attendee_rows(event)
    body = stream_with_context(attendee_csv(rows, reports.export_headers()))
    return _download(body, "text/csv; charset=utf-8", f"{event.slug}-teilnehmende.csv")


@bp.get("/events/<slug:slug>/attendees.xlsx")
def attendees_xlsx(slug: str):
    event = event_or_404(slug)
    rows = reports.attendee_rows(event)
    body = stream_with_context(attendee_xlsx(rows, reports.export_headers(), _("Attendees")))
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{event.slug}-teilnehmende.xlsx",
    )


@bp.get("/events/<slug:slug>/attendees.pdf")
def attendees_pdf(slug: str):
    event = event_or_404(slug)
    info = reports.sheet_info(event, current_language())
    body = sign_in_sheet_pdf(info, reports.attendee_rows(event, confirmed_only=True))
    return _download(body, "application/pdf", f"{event.slug}-unterschriftenliste.pdf")


@bp.post("/events/<slug:slug>/send-list")
def send_attendee_list(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mail_attendee_list(event, current_user, current_language())
    flash(_("The attendee list is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("manage.event", slug=slug), 303)


# --- check-in ---------------------------------------------------------------


@bp.get("/events/<slug:slug>/checkin")
def checkin(slug: str):
    event = event_or_404(slug)
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "manage/checkin.html",
        event=event,
        query=query,
        people=reports.checkin_search(event, query),
        stats=reports.event_stats(event),
        action_form=ActionForm(),
    )


@bp.get("/events/<slug:slug>/checkin/scan/<token:registration_uid>/<token:code>")
def checkin_scan(slug: str, registration_uid: str, code: str):
    """Where the QR code on a confirmation leads: the person, ready to be checked in."""
    event = event_or_404(slug)
    registration = reports.registration_by_uid_or_404(event, registration_uid)
    if not reports.checkin_code_matches(registration, code):
        abort(404)
    return render_template(
        "manage/checkin.html",
        event=event,
        query="",
        people=[registration],
        stats=reports.event_stats(event),
        action_form=ActionForm(),
        scanned=True,
    )


@bp.post("/events/<slug:slug>/checkin/<id:registration_id>")
def checkin_toggle(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("checked_in") == "1"
    try:
        set_checked_in(registration.id, wanted)
    except RegistrationRefused as exc:
        flash(refusal_message(exc.reason), "error")
    else:
        flash(
            _("%(name)s is checked in.", name=registration.full_name)
            if wanted
            else _("Check-in of %(name)s undone.", name=registration.full_name),
            "success",
        )
    return redirect(url_for("manage.checkin", slug=slug, q=request.form.get("q", "")), 303)


# --- report -----------------------------------------------------------------


@bp.get("/events/<slug:slug>/report")
def report(slug: str):
    event = event_or_404(slug)
    return render_template(
        "manage/report.html",
        event=event,
        stats=reports.event_stats(event),
        breakdown=reports.attendance_breakdown(event),
        period=event_period(event.starts_at, event.ends_at, event.timezone),
    )


# --- own account --------------------------------------------------------------


@bp.get("/account")
def account():
    """The signed-in person's own page. Their registrations and private feed are sent to
    the account's address, not shown: nothing proves that whoever made the account
    reads that mailbox (an invitation link is shown to the inviting owner too)."""
    return render_template("manage/account.html", form=ActionForm())


@bp.post("/account/feed")
@limiter.limit("5 per hour", key_func=lambda: f"account-feed:{current_user.id}")
def send_account_feed():
    if not ActionForm().validate_on_submit():
        abort(400)
    send_private_feed(current_user.email, current_user.language or current_language())
    flash(
        _("We have sent the link to your calendar feed to %(email)s.", email=current_user.email),
        "success",
    )
    return redirect(url_for("manage.account"), 303)


# --- organisations ------------------------------------------------------------


def _organisation_page(organisation, status: int = 200, **overrides):
    role = membership_role(organisation.id)
    context = {
        "organisation": organisation,
        "role": role,
        "members": reports.members(organisation),
        "invitations": reports.open_invitations(organisation),
        "form": InviteForm(formdata=None),
        "token_form": ApiTokenForm(formdata=None),
        "tokens": organisation_tokens(organisation) if role == "owner" else [],
        "form_nonce": _new_form_nonce() if role == "owner" else "",
        "new_token": None,
        **overrides,
    }
    return render_template("manage/organisation.html", **context), status


FORM_NONCES = "api_key_form_nonces"


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


@bp.post("/organisations/<slug:org_slug>/invite")
def invite_colleague(org_slug: str):
    organisation = _owned_by_me_or_404(org_slug)
    form = InviteForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 422, form=form)
    _token, added = invite(organisation, form.email.data, form.role.data, current_user)
    if added:
        flash(_("%(email)s now belongs to the organisation.", email=form.email.data), "success")
        return redirect(url_for("manage.organisation", org_slug=org_slug), 303)
    # The link goes only to the invited mailbox: shown here, the inviting owner could
    # accept it and own an account under someone else's address.
    flash(
        _(
            "Invitation sent to %(email)s. The link in it is valid for 14 days and works once.",
            email=form.email.data,
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
        organisation, form.name.data, can_write=form.can_write.data, created_by=current_user
    )
    flash(_("The API key has been created. Copy it now: it is shown only once."), "success")
    # Shown in this response only (no-store), never kept in the session cookie.
    return _organisation_page(organisation, 201, new_token=raw)


@bp.post("/organisations/<slug:org_slug>/api-tokens/<id:token_id>/revoke")
def revoke_api_token(org_slug: str, token_id: int):
    organisation = _owned_by_me_or_404(org_slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not revoke_token(organisation, token_id):
        abort(404)
    flash(_("The API key has been revoked. Requests with it are refused from now on."), "success")
    return redirect(url_for("manage.organisation", org_slug=org_slug, _anchor="api-heading"), 303)


@bp.route("/invitations/<token:token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = open_invitation(token) or abort(404)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                invitation, name=form.name.data or "", password=form.password.data
            )
        except AccountError as exc:
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            session.clear()
            login_user(user)
            flash(
                _("Welcome! You now belong to %(name)s.", name=invitation.organisation.name),
                "success",
            )
            return redirect(url_for("manage.dashboard"), 303)
    return render_template("manage/accept_invitation.html", form=form, invitation=invitation), (
        422 if form.errors else 200
    )


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
                token, added = invite(organisation, form.owner_email.data, "owner", current_user)
                link = None if added else absolute_url("manage.accept_invitation", token=token)
            flash(_("The organisation has been created."), "success")
            if link is None:
                return redirect(url_for("manage.admin_organisations"), 303)
    elif request.method == "POST":
        status = 422
    return render_template(
        "manage/admin_organisations.html",
        form=form,
        organisations=reports.all_organisations(),
        invitation_link=link,
    ), status
