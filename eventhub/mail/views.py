"""The development mailbox: read what is in the outbox (debug mode or site admins only)."""

from __future__ import annotations

from email import message_from_bytes, policy

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.mail import bp
from eventhub.mail.composing import compose_rows
from eventhub.models import OutboxMessage

PER_PAGE = 50


@bp.before_request
def only_for_developers_and_admins():
    allowed = current_app.debug or (current_user.is_authenticated and current_user.is_admin)
    if not allowed:
        abort(404)


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/")
def mailbox():
    recipient = request.args.get("to", "").strip().lower()[:254]
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("mail/mailbox.html", page=page, recipient=recipient)


def _composed(message_id: int) -> OutboxMessage:
    """The row, its message composed first where the worker has not yet done so (the
    same code; a row is composed once, whoever comes first)."""
    row = db.get_or_404(OutboxMessage, message_id)
    if row.compose_args is not None:
        compose_rows([message_id])
        row = db.get_or_404(OutboxMessage, message_id)
    return row


def _parts(raw: bytes) -> list[dict]:
    message = message_from_bytes(raw, policy=policy.default)
    parts = []
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            continue
        content = part.get_content()
        parts.append(
            {
                "number": number,
                "type": part.get_content_type(),
                "params": dict(part.get_params() or [])
                if part.get_content_maintype() == "text"
                else {},
                "filename": part.get_filename(),
                "disposition": part.get_content_disposition(),
                "text": content if isinstance(content, str) else None,
                "size": len(content) if content is not None else 0,
            }
        )
    return parts


@bp.get("/<id:message_id>")
def message(message_id: int):
    row = _composed(message_id)
    parsed = message_from_bytes(row.message, policy=policy.default)
    headers = [(k, str(v)) for k, v in parsed.items()]
    return render_template("mail/message.html", row=row, headers=headers, parts=_parts(row.message))


@bp.get("/<id:message_id>/part/<int:number>")
def part(message_id: int, number: int):
    """One part as a download (attachments, the invite, the HTML body in a sandbox)."""
    row = _composed(message_id)
    parts = list(message_from_bytes(row.message, policy=policy.default).walk())
    if not 0 <= number < len(parts) or parts[number].is_multipart():
        abort(404)
    chosen = parts[number]
    payload = chosen.get_payload(decode=True) or b""
    content_type = chosen.get_content_type()
    if chosen.get_content_maintype() == "text":
        # The part's own charset (utf-8 for ours), so umlauts show as sent.
        content_type += f"; charset={chosen.get_content_charset() or 'us-ascii'}"
    response = Response(payload, content_type=content_type)
    # Mail HTML is untrusted for this origin: show it sandboxed, scripts off.
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'"
    )
    if chosen.get_filename():
        response.headers["Content-Disposition"] = f'attachment; filename="{chosen.get_filename()}"'
    return response
