"""The one-time link and what it opens: the person's own data, as a page and as JSON, and
its erasure. The link is used by a POST (mail scanners fetch GETs); using it grants this
browser a short access in the signed session, without the token in any URL after."""

from __future__ import annotations

import datetime as dt
import json

from flask import (
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _

from eventhub.errors import abort_with
from eventhub.i18n import current_language
from eventhub.models.base import utcnow
from eventhub.privacy import bp
from eventhub.privacy.erasure import erase_person
from eventhub.privacy.forms import ErasureForm, UseLinkForm
from eventhub.privacy.labels import privacy_label
from eventhub.privacy.person_data import as_json, person_data
from eventhub.privacy.requests import (
    LinkRefused,
    check_link,
    granted_address,
    revoke_access,
    use_link,
)

SESSION_KEY = "privacy_access"


@bp.app_template_filter("privacy_category")
def privacy_category(code: str) -> str:
    return privacy_label("category", code)


def _refused(reason: str):
    if reason == "unknown":
        abort_with(404, _("This link is not valid. Please ask for a new one on the privacy page."))
    if reason == "expired":
        abort_with(410, _("This link has expired. Please ask for a new one on the privacy page."))
    abort_with(
        410,
        _("This link has already been used. Please ask for a new one on the privacy page."),
    )


@bp.route("/privacy/access/<token:token>", methods=["GET", "POST"])
def open_link(token: str):
    form = UseLinkForm()
    try:
        if not form.validate_on_submit():
            check_link(token)  # shows the button; uses nothing
            return render_template("privacy/open_link.html", form=form)
        request_id = use_link(token)
    except LinkRefused as exc:
        _refused(exc.reason)
    minutes = current_app.config["PRIVACY_ACCESS_MINUTES"]
    until = utcnow() + dt.timedelta(minutes=minutes)
    session[SESSION_KEY] = [request_id, until.timestamp()]
    return redirect(url_for("privacy.my_data"), 303)


def _granted() -> str:
    """The address this browser may see, or a 403 page saying how to get access. What
    follows shows personal data: no shared or browser cache keeps it."""

    @after_this_request
    def never_cache(response):
        response.headers["Cache-Control"] = "private, no-store"
        return response

    request_id, until = session.get(SESSION_KEY) or (None, 0)
    address = granted_address(request_id) if until > utcnow().timestamp() else None
    if address is None:
        session.pop(SESSION_KEY, None)
        abort_with(
            403,
            _(
                "Your access to your data has ended (it lasts a short time). Please ask "
                "for a new link on the privacy page."
            ),
        )
    return address


@bp.get("/privacy/my-data")
def my_data():
    address = _granted()
    data = person_data(address, language=current_language())
    return render_template(
        "privacy/my_data.html",
        data=data,
        erasure_form=ErasureForm(),
        end_form=UseLinkForm(),
        label=privacy_label,
    )


@bp.get("/privacy/my-data.json")
def my_data_json():
    address = _granted()
    data = as_json(person_data(address, language=current_language()))
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
        },
    )


@bp.post("/privacy/my-data/erase")
def erase():
    address = _granted()
    form = ErasureForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        data = person_data(address, language=current_language())
        return render_template(
            "privacy/my_data.html",
            data=data,
            erasure_form=form,
            end_form=UseLinkForm(),
            label=privacy_label,
        ), 422
    report = erase_person(address)
    session.pop(SESSION_KEY, None)  # nothing is left to show; the request row is gone too
    flash(
        _(
            "Your data has been erased: %(cancelled)d registrations cancelled, "
            "%(anonymised)d registrations anonymised, %(mails)d mails emptied.",
            cancelled=report.cancelled,
            anonymised=report.anonymised,
            mails=report.mails_emptied,
        ),
        "success",
    )
    return redirect(url_for("privacy.notice"), 303)


@bp.post("/privacy/my-data/end")
def end_access():
    if not UseLinkForm().validate_on_submit():
        abort(400)
    request_id, _until = session.pop(SESSION_KEY, None) or (None, 0)
    revoke_access(request_id)
    flash(_("Your access has ended. The data is no longer shown in this browser."), "info")
    return redirect(url_for("privacy.notice"), 303)
