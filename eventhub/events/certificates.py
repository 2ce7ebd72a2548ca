"""Certificates of attendance: who gets one (confirmed people who were checked in, once
the event is over, or whom an organiser issues one to by hand), the verification code,
revoking, the PDF, and the mail after the event (each certificate once)."""

from __future__ import annotations

import datetime as dt
import secrets

from babel.numbers import format_decimal
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select, update

from eventhub.database import write_transaction
from eventhub.events.certificate_pdf import CertificateSheet, certificate_pdf
from eventhub.events.notifications import attendee_mail
from eventhub.extensions import db
from eventhub.i18n import event_date
from eventhub.mail.outbox import outbox_row
from eventhub.models import MANAGING_ROLES, Certificate, Event, OutboxMessage, Registration
from eventhub.models.base import utcnow
from eventhub.urls import absolute_url

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper is not
# misread; 16 characters are 80 random bits, shown as four groups of four.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
CODE_GROUP = 4
# What people type instead: letters that look like digits.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CertificateRefused(Exception):
    """No certificate for this person (reason: not_over, not_attended, not_confirmed,
    revoked)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """The stored form of a code as typed: any case, spaces and dashes anywhere, O for 0
    and I or L for 1; None if it cannot be a code at all."""
    if not text or len(text) > 64:
        return None
    code = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """7K3M9QXD2HPTA4RW -> 7K3M-9QXD-2HPT-A4RW."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def verify_url(code: str) -> str:
    return absolute_url("events.verify_certificate", code=grouped(code))


def event_over(event: Event, now: dt.datetime | None = None) -> bool:
    return event.status == "published" and event.ends_at <= (now or utcnow())


def attended(registration: Registration) -> bool:
    """Came to the event: a confirmed registration checked in at the door."""
    return registration.status == "confirmed" and registration.checked_in_at is not None


def certificate_minutes(event: Event) -> int:
    """The hours a certificate states, in minutes: the organisers' figure, else the
    event's length."""
    if event.certificate_minutes:
        return event.certificate_minutes
    start, end = event.starts_at.astimezone(event.tz), event.ends_at.astimezone(event.tz)
    days = (end.date() - start.date()).days + 1
    if days > 1:
        # Several days (9:00 on Monday to 17:00 on Tuesday): the daily hours each day,
        # not the nights in between.
        daily = dt.datetime.combine(start.date(), end.time()) - start.replace(tzinfo=None)
        if daily > dt.timedelta(0):
            return int(daily.total_seconds() // 60) * days
    return int((event.ends_at - event.starts_at).total_seconds() // 60)


def certificate_of(registration_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.registration_id == registration_id)
    )


def verified(text: str | None) -> Certificate | None:
    """The valid certificate with this code; None for a revoked, unknown or malformed one."""
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(
        select(Certificate).where(Certificate.code == code, Certificate.revoked_at.is_(None))
    )


def certificate_for(registration: Registration, now: dt.datetime | None = None) -> Certificate:
    """The person's certificate, issued now if it is due (first download or mail);
    CertificateRefused when there is none for them."""
    now = now or utcnow()
    existing = certificate_of(registration.id)
    if existing is not None:
        if not existing.valid:
            raise CertificateRefused("revoked")
        return existing
    if not event_over(registration.event, now):
        raise CertificateRefused("not_over")
    if not attended(registration):
        raise CertificateRefused("not_attended")
    with write_transaction() as session:
        event = session.get(Event, registration.event_id, with_for_update=True)
        certificate = certificate_of(registration.id) or _issue(event, registration, now)
    return certificate


def _issue(
    event: Event,
    registration: Registration,
    now: dt.datetime,
    *,
    source: str = "auto",
    user_id: int | None = None,
) -> Certificate:
    """A new certificate (in the caller's transaction, which holds the event's lock)."""
    certificate = Certificate(
        registration_id=registration.id,
        event_id=event.id,
        code=new_code(),
        holder_name=registration.full_name,
        event_title=event.title,
        event_starts_at=event.starts_at,
        event_ends_at=event.ends_at,
        timezone=event.timezone,
        minutes=certificate_minutes(event),
        source=source,
        issued_at=now,
        issued_by_id=user_id,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def issue_by_hand(
    registration_id: int, user_id: int, now: dt.datetime | None = None
) -> Certificate:
    """An organiser issues a certificate to a confirmed person (someone who came but was
    not checked in), or issues a revoked one again under a new code."""
    now = now or utcnow()
    with write_transaction() as session:
        registration = session.get(Registration, registration_id)
        event = session.get(Event, registration.event_id, with_for_update=True)
        if not event_over(event, now):
            raise CertificateRefused("not_over")
        if registration.status != "confirmed":
            raise CertificateRefused("not_confirmed")
        certificate = certificate_of(registration.id)
        if certificate is None:
            return _issue(event, registration, now, source="manual", user_id=user_id)
        if not certificate.valid:
            # The old code stays invalid: the paper someone was told is void stays void.
            certificate.code = new_code()
            certificate.revoked_at = None
            certificate.revoke_reason = ""
            certificate.mailed_at = None
            certificate.holder_name = registration.full_name
            certificate.source, certificate.issued_by_id, certificate.issued_at = (
                "manual",
                user_id,
                now,
            )
        return certificate


def revoke(certificate_id: int, reason: str, now: dt.datetime | None = None) -> Certificate:
    with write_transaction() as session:
        certificate = session.get(Certificate, certificate_id, with_for_update=True)
        if certificate.revoked_at is None:
            certificate.revoked_at = now or utcnow()
            certificate.revoke_reason = " ".join(reason.split())[:500]
        return certificate


def event_certificates(event_id: int) -> dict[int, Certificate]:
    """The event's certificates by registration id."""
    return {
        c.registration_id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.event_id == event_id))
    }


def certificate_dates(certificate: Certificate) -> str:
    """The day, or first and last day, in the current language."""
    first = event_date(certificate.event_starts_at, certificate.timezone, "long")
    last = event_date(certificate.event_ends_at, certificate.timezone, "long")
    return first if first == last else f"{first} – {last}"


def _hosts(event: Event) -> str:
    hosts = [h for h in event.hosts if h.accepted and h.role in MANAGING_ROLES]
    return ", ".join(h.organisation.name for h in hosts)


def _host_logo(event: Event) -> bytes | None:
    """The logo of the (first) host organisation, if it has one."""
    hosts = event.hosts_with_role("host")
    return hosts[0].organisation.logo if hosts else None


def certificate_file(certificate: Certificate, event: Event, language: str) -> bytes:
    """The PDF in `language`."""
    with force_locale(language):
        hours = format_decimal(round(certificate.minutes / 60, 2), locale=get_locale())
        sheet = CertificateSheet(
            holder_name=certificate.holder_name,
            event_title=certificate.event_title,
            dates=certificate_dates(certificate),
            hours=hours,
            hosts=_hosts(event),
            code=grouped(certificate.code),
            verify_url=verify_url(certificate.code),
            signatory=event.certificate_signatory,
            signatory_role=event.certificate_signatory_role,
            logo=_host_logo(event),
        )
        return certificate_pdf(sheet)


def certificate_filename(certificate: Certificate, language: str) -> str:
    with force_locale(language):
        name = _("certificate")
    return f"{name}-{grouped(certificate.code)}.pdf"


# --- the mail after the event -----------------------------------------------------------

MAIL_DAYS = 14  # certificates are mailed for events that ended this many days ago at most


def issue_due_certificates(event: Event, now: dt.datetime, *, limit: int) -> int:
    """For an event whose organisers want certificates mailed, once it is over: issue the
    certificates of up to `limit` people who came and have none yet, in the caller's
    transaction (which holds the event's row lock; the unique registration key is the
    backstop). Quick: no PDF is built here. Returns how many."""
    if not (event.certificate_mail and event_over(event, now)):
        return 0
    due = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            Registration.checked_in_at.is_not(None),
            ~exists().where(Certificate.registration_id == Registration.id),
        )
        .order_by(Registration.id)
        .limit(limit)
    ).all()
    for registration in due:
        _issue(event, registration, now)
    return len(due)


def compose_certificate_mails(
    event: Event, now: dt.datetime, *, limit: int
) -> list[tuple[int, OutboxMessage]]:
    """The mails (with the PDF, about 0.7 s each) of up to `limit` valid certificates not
    mailed yet: (certificate id, outbox row), built without any lock; write them with
    write_certificate_mails."""
    if not (event.certificate_mail and event_over(event, now)):
        return []
    unsent = db.session.execute(
        select(Certificate, Registration)
        .join(Registration, Registration.id == Certificate.registration_id)
        .where(
            Certificate.event_id == event.id,
            Certificate.revoked_at.is_(None),
            Certificate.mailed_at.is_(None),
            Registration.status == "confirmed",
        )
        .order_by(Certificate.id)
        .limit(limit)
    ).all()
    return [
        (certificate.id, certificate_mail_row(event, registration, certificate))
        for certificate, registration in unsent
    ]


def write_certificate_mails(composed: list[tuple[int, OutboxMessage]], now: dt.datetime) -> int:
    """Add the composed mails whose certificate is still valid and not mailed by anyone
    else meanwhile (claimed with a conditional update), in the caller's transaction,
    which holds the event's row lock. Returns how many."""
    sent = 0
    for certificate_id, row in composed:
        if claim_mail(certificate_id, now):
            db.session.add(row)
            sent += 1
    return sent


def claim_mail(certificate_id: int, now: dt.datetime) -> bool:
    """Mark the certificate mailed unless someone else did: True for the one who did."""
    result = db.session.execute(
        update(Certificate)
        .where(
            Certificate.id == certificate_id,
            Certificate.mailed_at.is_(None),
            Certificate.revoked_at.is_(None),
        )
        .values(mailed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def certificate_mail_row(event: Event, registration: Registration, certificate: Certificate):
    message = attendee_mail(
        event,
        registration,
        subject=lambda: _("Your certificate of attendance: %(title)s", title=event.title),
        template="certificate",
        code=grouped(certificate.code),
        verify_url=verify_url(certificate.code),
    )
    message.add_attachment(
        certificate_file(certificate, event, registration.language),
        maintype="application",
        subtype="pdf",
        filename=certificate_filename(certificate, registration.language),
    )
    return outbox_row(
        message, kind="certificate", event_id=event.id, registration_id=registration.id
    )


def certificate_offered(registration: Registration) -> bool:
    """Whether the private page offers the download: a valid certificate, or one due."""
    existing = certificate_of(registration.id)
    if existing is not None:
        return existing.valid
    return event_over(registration.event) and attended(registration)
