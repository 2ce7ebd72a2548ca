"""The participant's networking page of an event, reached through their private link:
visibility, "Wir bieten / Wir suchen" profile, the directory, suggestions, services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventhub.errors import abort_with
from eventhub.models import SERVICE_CATEGORIES
from eventhub.network import bp
from eventhub.network.contacts import in_contact_with
from eventhub.network.directory import (
    NotParticipating,
    ProfileError,
    directory_for,
    matching_services,
    own_profile,
    save_profile,
    set_visibility,
    suggestions,
)
from eventhub.network.forms import VISIBILITY_HINTS, ProfileForm, VisibilityForm
from eventhub.network.meeting_pages import MeetingsOffered, meetings_offered
from eventhub.network.taxonomy import category_name
from eventhub.network.views.personal import participant, personal
from eventhub.network.visibility import NETWORKING_STATUSES


@bp.route("/r/<token:token>/network", methods=["GET", "POST"])
def my_network(token: str):
    registration = participant(token)
    participating = registration.status in NETWORKING_STATUSES
    mine = own_profile(registration.id) if participating else None
    visibility_form = profile_form = None
    status = 200
    if request.method == "POST":
        if not participating:
            abort_with(409, not_participating_message(registration.status))
        action = request.form.get("action")
        if action == "visibility":
            visibility_form = VisibilityForm()
            if visibility_form.validate_on_submit():
                _changed(lambda: set_visibility(registration.id, visibility_form.visibility.data))
                flash(_("Your visibility in the directory has been saved."), "success")
                return redirect(url_for("network.my_network", token=token), 303)
        elif action == "profile":
            profile_form = ProfileForm()
            if profile_form.validate_on_submit():
                try:
                    _changed(lambda: save_profile(registration.id, **profile_form.data_for_save()))
                except ProfileError as exc:
                    field = getattr(profile_form, exc.field)
                    field.errors = [*field.errors, str(exc.message)]
                else:
                    flash(_("Your networking profile has been saved."), "success")
                    return redirect(url_for("network.my_network", token=token), 303)
        else:
            abort(400)
        status = 422
    if visibility_form is None:
        visibility_form = VisibilityForm(
            formdata=None, data={"visibility": registration.directory_visibility}
        )
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None,
            data={
                "offers": list(mine.offers) if mine else [],
                "seeks": list(mine.seeks) if mine else [],
                "offers_text": mine.offers_text if mine else "",
                "seeks_text": mine.seeks_text if mine else "",
                "organisation": registration.organisation,
                "job_title": registration.job_title,
            },
        )
    people = directory_for(registration) if participating else []
    return personal(
        render_template(
            "network/my_network.html",
            registration=registration,
            event=registration.event,
            token=token,
            participating=participating,
            not_participating=None
            if participating
            else not_participating_message(registration.status),
            visibility_form=visibility_form,
            profile_form=profile_form,
            people=people,
            in_contact=in_contact_with(registration) if participating else set(),
            suggestions=suggestions(registration, people, mine) if participating else [],
            services=matching_services(registration, mine.seeks) if participating else [],
            has_profile=bool(mine and (mine.offers or mine.seeks)),
            meetings=meetings_offered(registration.event_id)
            if participating
            else MeetingsOffered(),
            visibility_hints=VISIBILITY_HINTS,
            **card_words(),
        ),
        status,
    )


def card_words() -> dict:
    """The words of the directory's cards, translated once per page rather than per card
    (hundreds of gettext calls were most of a big directory's rendering time)."""
    return {
        "category_names": {code: category_name(code) for code in SERVICE_CATEGORIES},
        "labels": {
            "offers": _("We offer"),
            "seeks": _("We are looking for"),
            "request_contact": _("Request contact with %(name)s"),
            "request_meeting": _("Request a meeting with %(name)s"),
            "in_contact": _("You are in contact."),
            "contacts_link": _("The email address is under your contacts"),
            "why": _("Why:"),
            "offers_reason": _("offers: %(what)s"),
            "seeks_reason": _("looks for: %(what)s"),
        },
    }


def _changed(change) -> None:
    """Run a change; the registration left the event meanwhile: 409 with the reason."""
    try:
        change()
    except NotParticipating as exc:
        abort_with(409, not_participating_message(str(exc)))


def not_participating_message(status: str) -> str:
    if status == "unverified":
        return _(
            "Please confirm your registration first (the link is in the mail we sent you). "
            "Networking opens once your address is confirmed."
        )
    if status == "cancelled":
        return _(
            "This registration has been cancelled, so it no longer takes part in the "
            "participant directory. Nobody sees you there, and you do not see anyone."
        )
    # Any other state that holds no seat (waiting list, awaiting approval, an offer).
    return _(
        "Networking opens once your registration is confirmed. Until then nobody sees you "
        "in the participant directory, and you do not see anyone."
    )
