"""An event's participant directory in the workspace: how many opted in, and who is listed
with their profile (the same rule as the participants' pages, no contact data)."""

from __future__ import annotations

from flask import render_template

from eventhub.access import event_or_404
from eventhub.manage import bp
from eventhub.network.directory import organiser_directory
from eventhub.network.taxonomy import VISIBILITY_LABELS, category_name
from eventhub.privacy.audit import audit_rows, audited


@bp.get("/events/<slug:slug>/network")
@audited("network.directory")
def event_network(slug: str):
    event = event_or_404(slug)
    directory = organiser_directory(event.id)
    audit_rows(event, len(directory.people))
    return render_template(
        "manage/network.html",
        event=event,
        directory=directory,
        visibility_labels=VISIBILITY_LABELS,
        category_name=category_name,
    )
