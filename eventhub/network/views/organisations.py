"""An organisation's public profile: who they are, their services, their upcoming events."""

from __future__ import annotations

from flask import abort, render_template

from eventhub.labels import ORGANISATION_KIND_LABELS
from eventhub.models import AUDIENCES, SERVICE_CATEGORIES
from eventhub.network import bp
from eventhub.network.organisations import public_profile
from eventhub.network.taxonomy import audience_name, category_name


@bp.get("/organisations/<slug:slug>")
def organisation(slug: str):
    profile = public_profile(slug) or abort(404)
    return render_template(
        "network/organisation.html",
        profile=profile,
        kind_labels=ORGANISATION_KIND_LABELS,
        # Translated once per page, not once per service entry.
        category_names={code: category_name(code) for code in SERVICE_CATEGORIES},
        audience_names={code: audience_name(code) for code in AUDIENCES},
    )
