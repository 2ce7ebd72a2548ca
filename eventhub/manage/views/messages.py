"""Messages to an event's attendees: the list with delivery counts, compose, preview,
send, and one message's recipients. The rules are in eventhub.manage.attendee_messages."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventhub.access import event_or_404
from eventhub.manage import attendee_messages as service
from eventhub.manage import bp
from eventhub.manage.message_form import GROUP_LABELS, MessageForm
from eventhub.manage.message_mail import MessageDraft, preview
from eventhub.models import Event
from eventhub.models.base import utcnow
from eventhub.privacy.audit import audit_rows, audit_skip, audited


def _compose_page(event: Event, form: MessageForm, status: int = 200, problem: str = ""):
    now = utcnow()
    return render_template(
        "manage/messages.html",
        event=event,
        form=form,
        rows=service.message_rows(event),
        limit=service.messages_per_day(),
        used=service.sent_in_window(event.id, now),
        group_labels=GROUP_LABELS,
        problem=problem,
    ), status


def _rate_problem() -> str:
    return ngettext(
        "This event has had its %(num)d message in the last 24 hours. Please send "
        "the next one later; nothing has been sent.",
        "This event has had its %(num)d messages in the last 24 hours. Please send "
        "the next one later; nothing has been sent.",
        service.messages_per_day(),
    )


@bp.get("/events/<slug:slug>/messages")
def messages(slug: str):
    event = event_or_404(slug)
    form = MessageForm(formdata=None)
    form.offer_groups(service.group_counts(event))
    return _compose_page(event, form)


@bp.post("/events/<slug:slug>/messages/preview")
@audited("messages.preview")
def preview_message(slug: str):
    event = event_or_404(slug)
    form = MessageForm()
    counts = service.group_counts(event)
    form.offer_groups(counts)
    valid = form.validate_on_submit()
    if "csrf_token" in form.errors:
        abort(400)
    if "edit" in request.form:  # "change the text" on the preview: the form again
        form.form_errors, form.nonce.data = [], ""
        for field in form:
            field.errors = []
        audit_skip()  # the compose form names nobody
        return _compose_page(event, form)
    if not valid:
        return _compose_page(event, form, 422)
    if counts[form.group.data] == 0:
        form.group.errors = [_("Nobody is in this group at the moment.")]
        return _compose_page(event, form, 422)
    if service.sent_in_window(event.id, utcnow()) >= service.messages_per_day():
        return _compose_page(event, form, 429, _rate_problem())
    sample = service.sample_recipient(event, form.group.data)
    audit_rows(event, 1)  # the mail as one named recipient will receive it
    draft = MessageDraft(form.group.data, form.subject.data, form.body.data)
    form.nonce.data = secrets.token_urlsafe(24)
    return render_template(
        "manage/message_preview.html",
        event=event,
        form=form,
        count=counts[form.group.data],
        group_label=GROUP_LABELS[form.group.data],
        sample=sample,
        mail=preview(event, sample, draft),
    )


@bp.post("/events/<slug:slug>/messages/send")
def send_message(slug: str):
    event = event_or_404(slug)
    form = MessageForm()
    form.offer_groups(service.group_counts(event))
    valid = form.validate_on_submit()
    if "csrf_token" in form.errors or "nonce" in form.errors or not form.nonce.data:
        abort(400)  # not a preview of ours
    if not valid:
        return _compose_page(event, form, 422)
    try:
        sent = service.send_message(
            event.id,
            author_id=current_user.id,
            group=form.group.data,
            subject=form.subject.data,
            body=form.body.data,
            nonce=form.nonce.data,
        )
    except service.MessageRefused as refused:
        if refused.reason == "rate":
            return _compose_page(event, form, 429, _rate_problem())
        form.group.errors = [_("Nobody is in this group at the moment.")]
        return _compose_page(event, form, 422)
    if sent.repeated:
        flash(_("This message had already been sent; it has not been sent again."), "info")
    else:
        flash(
            ngettext(
                "The message is on its way to %(num)d person.",
                "The message is on its way to %(num)d people.",
                sent.message.recipient_count,
            ),
            "success",
        )
    return redirect(url_for("manage.message", slug=event.slug, message_id=sent.message.id), 303)


@bp.get("/events/<slug:slug>/messages/<id:message_id>")
@audited("messages.recipients")
def message(slug: str, message_id: int):
    event = event_or_404(slug)
    row = service.message_row(event, message_id) or abort(404)
    recipients = service.message_recipients(row.message)
    audit_rows(event, len(recipients))
    return render_template(
        "manage/message.html",
        event=event,
        row=row,
        group_labels=GROUP_LABELS,
        recipients=recipients,
    )
