"""Logging in and out, password resets and accepting an invitation (open to anyone)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from eventhub.deferred import after_response
from eventhub.extensions import limiter
from eventhub.manage import accounts, auth_bp
from eventhub.manage.forms import (
    AcceptInvitationForm,
    ActionForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from eventhub.urls import local_path


def _failed_login(response) -> bool:
    return response.status_code == 401


@auth_bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], deduct_when=_failed_login)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a new session on login: nothing from before carries over
            login_user(user)
            return redirect(_safe_next() or url_for("manage.dashboard"), 303)
        flash(_("Email address or password is wrong."), "error")
        return render_template("manage/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("manage/login.html", form=form), status


@auth_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same answer, after the same work, whether or not the account exists: the
        # lookup and the mail happen once the answer has gone out.
        after_response(accounts.request_password_reset, form.email.data)
        flash(
            _(
                "If an account exists for this address, we have sent a link to reset the "
                "password. It is valid for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"), 303)
    return render_template("manage/forgot_password.html", form=form), 422 if form.errors else 200


@auth_bp.route("/password/reset/<token:token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = accounts.open_password_reset(token) or abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(reset.id, form.password.data)
        except accounts.AccountError:
            abort(404)
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("auth.login"), 303)
    return render_template("manage/reset_password.html", form=form), 422 if form.errors else 200


def _safe_next() -> str | None:
    return local_path(request.args.get("next"))


@auth_bp.post("/logout")
@login_required
def logout():
    if not ActionForm().validate_on_submit():
        abort(400)
    # Ends this session and every other one of the account (a copied cookie, another
    # device): logging out is how a person takes back an account they left open.
    accounts.end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("events.catalogue"), 303)


@auth_bp.route("/invitations/<token:token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = accounts.open_invitation(token) or abort(404)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(
                invitation.id, name=form.name.data or "", password=form.password.data
            )
        except accounts.AccountError as exc:
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
