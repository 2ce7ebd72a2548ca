"""The mail worker: claim due outbox rows, send them over SMTP, retry what failed for now."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import and_, or_, select, update

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.mail.composing import CannotCompose, compose_rows
from eventhub.models import OutboxMessage
from eventhub.models.base import utcnow

log = logging.getLogger(__name__)

BATCH = 100
MAX_ATTEMPTS = 12
# A claim older than this belongs to a worker that died; its rows are due again.
STALE_CLAIM = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    implicit_tls: bool
    timeout: float = 30.0


def smtp_settings(url: str | None) -> SmtpSettings | None:
    """smtp://user:pass@host:587?starttls=true, smtps://host:465; None: keep mail queued."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"EVENTHUB_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=query.get("starttls") in ("1", "true", "yes"),
        implicit_tls=implicit,
        timeout=float(query.get("timeout", 30)),
    )


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at 6 h."""
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(worker: str, limit: int = BATCH) -> list[int]:
    """Mark up to `limit` due rows as ours. No row is ever claimed by two workers:
    SQLite serialises claims with BEGIN IMMEDIATE, PostgreSQL skips locked rows."""
    now = utcnow()
    with write_transaction() as session:
        due = (
            select(OutboxMessage.id)
            .where(
                or_(
                    and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
                    and_(
                        OutboxMessage.status == "sending",
                        OutboxMessage.claimed_at < now - STALE_CLAIM,
                    ),
                )
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(status="sending", claimed_by=worker, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
    return ids


def _finish(row_id: int, worker: str, **values) -> None:
    with write_transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _retry_later(row_id: int, worker: str, attempts: int, reason: str) -> None:
    if attempts >= MAX_ATTEMPTS:
        # A row that never got composed keeps no private-link token once it has failed.
        _finish(
            row_id,
            worker,
            status="failed",
            attempts=attempts,
            last_error=reason[:2000],
            compose_args=None,
        )
    else:
        _finish(
            row_id,
            worker,
            status="queued",
            attempts=attempts,
            last_error=reason[:2000],
            next_attempt_at=utcnow() + backoff(attempts),
            claimed_by=None,
            claimed_at=None,
        )


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.implicit_tls:
        connection = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls and not settings.implicit_tls:
            connection.starttls(context=context)
        if settings.username:
            connection.login(settings.username, settings.password or "")
    except BaseException:
        connection.close()  # refused STARTTLS or login: do not leave the socket open
        raise
    return connection


def probe(url: str, timeout: float = 5.0) -> None:
    """Connect, EHLO, STARTTLS and log in as EVENTHUB_SMTP_URL says, then QUIT: never
    sends mail (`flask check-config`). Raises ValueError for a malformed URL, OSError or
    SMTPException when the server is away or refuses."""
    settings = smtp_settings(url)
    if settings is None:
        raise ValueError("EVENTHUB_SMTP_URL is not set")
    connection = _connect(dataclasses.replace(settings, timeout=timeout))
    try:
        connection.ehlo_or_helo_if_needed()
        code, reply = connection.noop()
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def deliver_due(limit: int = BATCH) -> DeliveryReport:
    """Send one batch of due mail. Without EVENTHUB_SMTP_URL nothing leaves the outbox."""
    report = DeliveryReport()
    settings = smtp_settings(current_app.config.get("SMTP_URL"))
    if settings is None:
        return report
    worker = worker_name()
    ids = claim(worker, limit)
    if not ids:
        return report
    sender = parseaddr(current_app.config["MAIL_FROM"])[1]
    # Mails a registration left to the worker (eventhub.mail.composing) are built now.
    unready = compose_rows(ids)
    rows = db.session.execute(
        select(
            OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.message, OutboxMessage.attempts
        )
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)
    ).all()
    db.session.commit()
    if unready:
        _report_unready(rows, unready, worker, report)
        rows = [row for row in rows if row.id not in unready]
        if not rows:
            return report
    try:
        connection = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"cannot reach {settings.host}:{settings.port}: {exc}"
        for row in rows:
            _retry_later(row.id, worker, row.attempts + 1, reason)
        report.retried = len(rows)
        report.errors.append(reason)
        return report
    try:
        for index, row in enumerate(rows):
            if not _still_ours(row.id, worker):
                continue  # reclaimed by another worker after a long stall: theirs now
            outcome = _send_one(connection, sender, row)
            if outcome.status == "sent":
                _finish(
                    row.id,
                    worker,
                    status="sent",
                    sent_at=utcnow(),
                    attempts=row.attempts + 1,
                    last_error="",
                )
                report.sent += 1
            elif outcome.status == "failed":
                _finish(
                    row.id,
                    worker,
                    status="failed",
                    attempts=row.attempts + 1,
                    last_error=outcome.reason[:2000],
                )
                # The server's reason often quotes the address: log lines are redacted
                # (eventhub.log_redaction).
                log.warning("outbox message %d undeliverable: %s", row.id, outcome.reason)
                report.failed += 1
            else:
                _retry_later(row.id, worker, row.attempts + 1, outcome.reason)
                log.info("outbox message %d to retry: %s", row.id, outcome.reason)
                report.retried += 1
            if outcome.stop_batch:
                # The server or connection is gone: give the rest back, not charging them.
                for rest in rows[index + 1 :]:
                    _retry_later(rest.id, worker, rest.attempts, outcome.reason)
                report.retried += len(rows) - index - 1
                report.errors.append(outcome.reason)
                break
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return report


def _report_unready(rows, unready: dict[int, Exception], worker: str, report) -> None:
    """Rows whose composing failed: retried like a delivery that failed for now, except
    those that can never be composed (composing marked them failed already)."""
    for row in rows:
        problem = unready.get(row.id)
        if isinstance(problem, CannotCompose):
            report.failed += 1
        elif problem is not None:
            _retry_later(row.id, worker, row.attempts + 1, f"composing failed: {problem}")
            report.retried += 1
            report.errors.append(f"composing failed: {problem}")


@dataclass(frozen=True)
class _Outcome:
    status: str  # sent, failed (for good), retry
    reason: str = ""
    stop_batch: bool = False


def _send_one(connection: smtplib.SMTP, sender: str, row) -> _Outcome:
    """One message; what happened, and whether the connection is still usable."""
    options = () if row.recipient.isascii() else ("SMTPUTF8",)
    try:
        connection.sendmail(sender, [row.recipient], row.message, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        reason = f"{code} {text.decode(errors='replace')}"
        if code >= 500:
            return _Outcome("failed", reason)
        return _Outcome("retry", reason, stop_batch=code == 421)
    except smtplib.SMTPSenderRefused as exc:
        # MAIL FROM refused (530 authentication required, sender rejected): a problem of
        # our configuration or the server, not of this message. Retry the batch later.
        reason = f"sender refused: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        return _Outcome("retry", reason, stop_batch=True)
    except smtplib.SMTPResponseException as exc:
        reason = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        if exc.smtp_code >= 500:
            return _Outcome("failed", reason)
        return _Outcome("retry", reason, stop_batch=exc.smtp_code == 421)
    except smtplib.SMTPNotSupportedError as exc:
        # e.g. an address that needs SMTPUTF8 and a server without it: this message only.
        return _Outcome("failed", str(exc))
    except (OSError, smtplib.SMTPException) as exc:  # connection lost mid-conversation
        return _Outcome("retry", f"connection lost: {exc}", stop_batch=True)
    return _Outcome("sent")


def _still_ours(row_id: int, worker: str) -> bool:
    """Renew the claim just before sending; False if another worker has taken the row."""
    with write_transaction() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == "sending",
            )
            .values(claimed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def run_worker(
    *,
    loop: bool,
    idle_seconds: float = 2.0,
    wait_for_push=None,
    between_passes=None,
    until=None,
    after_pass=None,
) -> DeliveryReport:
    """`flask mail send`: one pass over everything due, or with --loop until `until()`.
    `after_pass(report)` is told what each pass did (the worker's heartbeat)."""
    total = DeliveryReport()
    while until is None or not until():
        try:
            if between_passes is not None:
                between_passes()
            report = deliver_due()
        except Exception as exc:  # a long-running worker must survive a bad pass
            if not loop:
                raise
            log.exception("mail worker pass failed; retrying after a pause")
            db.session.rollback()
            total.errors.append(str(exc))
            time.sleep(idle_seconds)
            continue
        if after_pass is not None:
            after_pass(report)
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        total.errors += report.errors
        if report.handled and (report.sent or not report.errors):
            continue  # more may be due right away
        if not loop:
            return total
        if wait_for_push is not None:
            wait_for_push(idle_seconds)
        else:
            time.sleep(idle_seconds)
    return total
