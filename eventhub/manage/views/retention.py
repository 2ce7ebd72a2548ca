"""An event's data protection in the workspace: when which personal data goes, the
event's own periods (longer only with a reason), and who changed them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.access import event_or_404
from eventhub.extensions import db
from eventhub.manage import bp
from eventhub.manage.forms import RetentionForm
from eventhub.models import RETENTION_EVENT_KINDS, EventRetention
from eventhub.models.base import utcnow
from eventhub.privacy.retention import RetentionRefused, change_period, changes, max_days, schedule


def _page(event, forms: dict[str, RetentionForm], status: int = 200):
    state = db.session.get(EventRetention, event.id)
    plan = schedule(event, state)
    for due in plan:
        if due.kind in forms and forms[due.kind].days.data is None and due.own_period:
            forms[due.kind].days.data = due.days
    return (
        render_template(
            "manage/retention.html",
            event=event,
            plan=plan,
            forms=forms,
            history=changes(event.id),
            max_days=max_days(),
            now=utcnow(),
        ),
        status,
    )


def _forms() -> dict[str, RetentionForm]:
    return {kind: RetentionForm(prefix=kind, kind=kind) for kind in RETENTION_EVENT_KINDS}


@bp.get("/events/<slug:slug>/privacy")
def retention(slug: str):
    return _page(event_or_404(slug), _forms())


@bp.post("/events/<slug:slug>/privacy/<any(registrations, signin_scan):kind>")
def change_retention(slug: str, kind: str):
    event = event_or_404(slug)
    forms = _forms()
    form = forms[kind]
    if not form.validate_on_submit():
        return _page(event, forms, 400)
    try:
        changed = change_period(
            event, kind, form.days.data, reason=form.reason.data or "", user_id=current_user.id
        )
    except RetentionRefused as exc:
        form.days.errors = [str(exc)]
        return _page(event, forms, 400)
    if changed:
        flash(_("The retention period was changed."), "success")
    else:
        flash(_("The period was already that one: nothing changed."), "info")
    return redirect(url_for("manage.retention", slug=slug), 303)
