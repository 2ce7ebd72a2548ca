"""The participant's consents behind the private link: what they agreed to (and
withdrew), and withdrawing the statistics answers."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from eventhub.events import bp
from eventhub.events.consent import ShownConsent, consents_of
from eventhub.events.forms import CancelForm
from eventhub.events.questions import has_statistics_answers, withdraw_statistics
from eventhub.events.registration import registration_by_token
from eventhub.labels import CONSENT_ACTION_LABELS, CONSENT_PURPOSE_LABELS


def my_consents(registration_id: int) -> list[ShownConsent]:
    return consents_of(registration_id)


def consent_purpose_name(purpose: str) -> str:
    return str(CONSENT_PURPOSE_LABELS.get(purpose, purpose))


def consent_action_name(action: str) -> str:
    return str(CONSENT_ACTION_LABELS.get(action, action))


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
