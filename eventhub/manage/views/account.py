"""The signed-in person's own page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.calendar.private import send_private_feed
from eventhub.extensions import limiter
from eventhub.i18n import current_language
from eventhub.manage import bp
from eventhub.manage.forms import ActionForm


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
