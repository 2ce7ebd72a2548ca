"""The organisation's audit log: who of its organisers and API keys looked at or
downloaded whose attendee data, for its owners only."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import format_datetime

from eventhub.access import membership_role, owned_organisation_or_404
from eventhub.manage import bp
from eventhub.paging import existing_page, parse_int, parse_page
from eventhub.privacy.audit import audit_log_page, audited_events


@bp.get("/organisations/<slug:org_slug>/audit")
def audit_log(org_slug: str):
    organisation = owned_organisation_or_404(org_slug)  # 404 for outsiders
    if membership_role(organisation.id) != "owner":
        abort(403)  # a colleague: the page exists, it is for the owners
    events = audited_events(organisation.id)
    event_id = None
    if request.args.get("event"):
        event_id = parse_int(request.args["event"], 1, 2**31 - 1)
        if event_id not in {id_ for id_, _title in events}:
            abort(404)
    page = parse_page(request.args.get("page", "1")) or abort(404)
    log = existing_page(audit_log_page(organisation.id, event_id=event_id, page=page))
    return render_template(
        "manage/audit_log.html",
        organisation=organisation,
        log=log,
        events=events,
        event_id=event_id,
        when=lambda moment: format_datetime(moment, "medium"),
    )
