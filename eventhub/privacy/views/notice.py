"""The privacy notice and, below it, the form to ask for one's data (a mailed link)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventhub.extensions import limiter
from eventhub.i18n import current_language
from eventhub.privacy import bp
from eventhub.privacy.forms import DataRequestForm
from eventhub.privacy.requests import request_access


def _request_limit() -> str:
    return current_app.config["PRIVACY_REQUEST_RATELIMIT"]


@bp.route("/privacy", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def notice():
    form = DataRequestForm()
    if form.validate_on_submit():
        # The same work and the same answer for every address: a request and a mail,
        # whether or not anything is stored about it.
        request_access(form.email.data, current_language())
        flash(
            _(
                "We have sent a link to this address. It shows what is stored about the "
                "address, if anything, and lets you have it erased. Please look in your "
                "mailbox (and its spam folder)."
            ),
            "info",
        )
        return redirect(url_for("privacy.notice", _anchor="your-data"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("privacy/notice.html", request_form=form), status
