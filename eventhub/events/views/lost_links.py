""" "Send me my links": people who lost their confirmation get their private links again."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from eventhub.deferred import after_response
from eventhub.events import bp
from eventhub.events.forms import LostLinksForm
from eventhub.events.registration import send_my_links
from eventhub.extensions import limiter
from eventhub.i18n import current_language


def _lost_links_limit() -> str:
    return current_app.config["LOST_LINKS_RATELIMIT"]


@bp.route("/my-registrations", methods=["GET", "POST"])
@limiter.limit(_lost_links_limit, methods=["POST"])
def lost_links():
    form = LostLinksForm()
    if form.validate_on_submit():
        # The same answer, after the same work, whether or not the address has
        # registrations: the lookup and the mail happen once the answer has gone out.
        after_response(send_my_links, form.email.data, current_language())
        flash(
            _(
                "If there are registrations for upcoming events with this address, we have "
                "sent their links to it. Please look in your mailbox (and its spam folder)."
            ),
            "info",
        )
        return redirect(url_for("events.lost_links"), 303)
    return render_template("events/lost_links.html", form=form), 422 if form.errors else 200
