"""The participant's consents behind the private link: what they agreed to (and
withdrew), and withdrawing the statistics answers."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventhub.events import bp
from eventhub.events.consent import ShownConsent, consents_of
from eventhub.events.forms import CancelForm
from eventhub.events.questions import has_statistics_answers, withdraw_statistics
from eventhub.events.registration import registration_by_token

CONSENT_PURPOSE_NAMES = {
    "registration": _l("Privacy notice read at registration (to run the event)"),
    "directory": _l("Listing in the participant directory"),
    "contact_request": _l("Sharing your address with a contact"),
    "feedback": _l("Feedback with your name"),
    "statistics": _l("Answers to the statistics questions"),
}
CONSENT_ACTION_NAMES = {"given": _l("Given"), "withdrawn": _l("Withdrawn")}


def my_consents(registration_id: int) -> list[ShownConsent]:
    return consents_of(registration_id)


def consent_purpose_name(purpose: str) -> str:
    return str(CONSENT_PURPOSE_NAMES.get(purpose, purpose))


def consent_action_name(action: str) -> str:
    return str(CONSENT_ACTION_NAMES.get(action, action))


# Template globals, so the private page's view needs no change (as my_answers).
bp.add_app_template_global(my_consents, "my_consents")
bp.add_app_template_global(has_statistics_answers, "has_statistics_answers")
bp.add_app_template_global(consent_purpose_name, "consent_purpose_name")
bp.add_app_template_global(consent_action_name, "consent_action_name")


@bp.post("/r/<token:token>/statistics/withdraw")
def withdraw_my_statistics(token: str):
    """Withdraw the consent to the statistics: the answers are deleted (at any time)."""
    registration = registration_by_token(token) or abort(404)
    if not CancelForm().validate_on_submit():
        abort(400)
    if withdraw_statistics(registration.id):
        flash(_("Your answers to the statistics questions have been deleted."), "success")
    return redirect(url_for("events.my_registration", token=token), 303)
