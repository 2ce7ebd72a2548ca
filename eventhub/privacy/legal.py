"""The legal pages' content, built from the configuration: the privacy notice (with the
retention periods as actually configured), the imprint (§ 5 DDG) and the accessibility
statement (BITV 2.0). Templates only lay out what these functions return."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

# The retention settings the purge reads (eventhub/privacy/retention.py), with the same
# defaults, so the notice says what actually happens.
# The settings the notice states (defaults in eventhub.config.Config).
RETENTION_SETTINGS = (
    "RETENTION_SENSITIVE_DAYS",
    "RETENTION_REGISTRATION_DAYS",
    "RETENTION_NETWORK_DAYS",
    "RETENTION_MAIL_SENT_DAYS",
    "RETENTION_MAIL_FAILED_DAYS",
    "RETENTION_SIGNIN_SCAN_DAYS",
    "RETENTION_CERTIFICATE_DAYS",
    "RETENTION_MAX_DAYS",
    "AUDIT_LOG_DAYS",
)
LEGAL_BASES = ("b", "e", "b_e")
COMPLIANCE_STATES = ("full", "partial", "none")
ASSESSMENT_METHODS = ("self", "external")


@dataclass(frozen=True)
class Contact:
    name: str
    address_lines: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    url: str = ""


@dataclass(frozen=True)
class Purpose:
    title: str
    data: str
    legal_basis: str
    withdrawable: bool = False


@dataclass(frozen=True)
class RetentionPeriod:
    what: str
    when: str  # e.g. "90 days after the event ends"
    days: int


@dataclass(frozen=True)
class Right:
    title: str
    article: str
    text: str


@dataclass(frozen=True)
class PrivacyNotice:
    controller: Contact
    dpo: Contact
    purposes: list[Purpose]
    recipients: list[str]
    retention: list[RetentionPeriod]
    extension_limit: str  # how long organisers may keep data at most, and on what
    rights: list[Right]
    supervisory_authority: Contact
    version: str
    dated: str  # the version as a date in the reader's language, or ""


@dataclass(frozen=True)
class Imprint:
    provider: Contact
    legal_form: str
    represented_by: str
    register: str
    vat_id: str
    supervisory_authority: str
    content_responsible: tuple[str, ...]  # name and address lines


@dataclass(frozen=True)
class AccessibilityStatement:
    operator: str
    site: str
    compliance: str  # full, partial, none
    compliance_text: str
    known_gaps: list[str] = field(default_factory=list)
    dated: str = ""
    method: str = ""
    feedback_email: str = ""
    arbitration: Contact = Contact("")


def address_lines(value: str | None) -> tuple[str, ...]:
    """'Musterstraße 1; 12345 Musterstadt' (or one line each) as its lines."""
    return tuple(line.strip() for line in re.split(r"\n|;", value or "") if line.strip())


def retention_days(config: Mapping, name: str) -> int:
    """A retention setting in days, as configured."""
    return int(config[name])


def _date(value: str | None) -> str:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return ""
    return format_date(day, "long")


def _after_event(days: int) -> str:
    if days <= 0:
        return _("right after the event ends")
    return ngettext("%(num)d day after the event ends", "%(num)d days after the event ends", days)


def _controller(config: Mapping) -> Contact:
    return Contact(
        name=config["LEGAL_CONTROLLER_NAME"],
        address_lines=address_lines(config["LEGAL_CONTROLLER_ADDRESS"]),
        email=config["LEGAL_CONTROLLER_EMAIL"],
    )


def _registration_basis(config: Mapping) -> str:
    contract = _(
        "Art. 6 (1) b GDPR: the processing is needed for the participation you asked for "
        "(employers and other private organisers)"
    )
    public_task = _(
        "Art. 6 (1) e GDPR: running the event is part of the organiser's public task "
        "(chambers, municipalities and other public bodies)"
    )
    basis = config.get("LEGAL_BASIS_REGISTRATION", "b_e")
    if basis == "b":
        return contract
    if basis == "e":
        return public_task
    return _("%(contract)s, or %(public_task)s.", contract=contract, public_task=public_task)


def privacy_notice() -> PrivacyNotice:
    config = current_app.config
    consent = _("Art. 6 (1) a GDPR: your consent, which you can withdraw at any time")
    purposes = [
        Purpose(
            _("Registration and running the event"),
            _(
                "Name, email address, organisation, job title, the answers to the event's "
                "questions, the time of your registration and the language you used; "
                "attendance and certificates of attendance."
            ),
            _registration_basis(config),
        ),
        Purpose(
            _("Participant directory"),
            _("Your name, organisation, job title and profile, if you opt in."),
            consent,
            withdrawable=True,
        ),
        Purpose(
            _("Contact requests and one-to-one meetings"),
            _("Your requests, answers and meetings with other participants."),
            consent,
            withdrawable=True,
        ),
        Purpose(
            _("Feedback"),
            _("Your ratings and comments on an event."),
            consent,
            withdrawable=True,
        ),
        Purpose(
            _("Statistics questions"),
            _(
                "Optional answers that the organisers or their funders use for anonymous "
                "statistics."
            ),
            consent,
            withdrawable=True,
        ),
    ]
    recipients = [
        _(
            "The staff of the organisations that run the event you registered for (host, "
            "co-hosts), each for their own events only."
        ),
        _(
            "%(processor)s, who sends our mail on our behalf as a processor (Art. 28 GDPR).",
            processor=config["LEGAL_MAIL_PROCESSOR"],
        ),
        _(
            "Other participants see your name, organisation and job title only if you opt "
            "in to the participant directory."
        ),
    ]
    days = {name: retention_days(config, name) for name in RETENTION_SETTINGS}
    retention = [
        RetentionPeriod(
            _("Sensitive answers (e.g. dietary or accessibility needs)"),
            _after_event(days["RETENTION_SENSITIVE_DAYS"]),
            days["RETENTION_SENSITIVE_DAYS"],
        ),
        RetentionPeriod(
            _("Personal data of registrations (anonymised; anonymous counts stay)"),
            _after_event(days["RETENTION_REGISTRATION_DAYS"]),
            days["RETENTION_REGISTRATION_DAYS"],
        ),
        RetentionPeriod(
            _("Directory profiles, contact requests and meetings"),
            _after_event(days["RETENTION_NETWORK_DAYS"]),
            days["RETENTION_NETWORK_DAYS"],
        ),
        RetentionPeriod(
            _("Signed sign-in sheets (scans)"),
            _after_event(days["RETENTION_SIGNIN_SCAN_DAYS"]),
            days["RETENTION_SIGNIN_SCAN_DAYS"],
        ),
        RetentionPeriod(
            _("Certificates of attendance"),
            _after_event(days["RETENTION_CERTIFICATE_DAYS"]),
            days["RETENTION_CERTIFICATE_DAYS"],
        ),
        RetentionPeriod(
            _("Mails delivered to you"),
            ngettext(
                "%(num)d day after sending",
                "%(num)d days after sending",
                days["RETENTION_MAIL_SENT_DAYS"],
            ),
            days["RETENTION_MAIL_SENT_DAYS"],
        ),
        RetentionPeriod(
            _("Mails that could not be delivered"),
            ngettext(
                "%(num)d day after it was written",
                "%(num)d days after it was written",
                days["RETENTION_MAIL_FAILED_DAYS"],
            ),
            days["RETENTION_MAIL_FAILED_DAYS"],
        ),
        RetentionPeriod(
            _("Records of organisers' access to attendee data"),
            ngettext(
                "%(num)d day after the access",
                "%(num)d days after the access",
                days["AUDIT_LOG_DAYS"],
            ),
            days["AUDIT_LOG_DAYS"],
        ),
    ]
    extension_limit = ngettext(
        "Organisers can keep the data of one event longer only for a documented reason "
        "(e.g. a funder's requirement to keep sign-in sheets), recorded with who decided "
        "and why, and never longer than %(num)d day after the event ends.",
        "Organisers can keep the data of one event longer only for a documented reason "
        "(e.g. a funder's requirement to keep sign-in sheets), recorded with who decided "
        "and why, and never longer than %(num)d days after the event ends.",
        days["RETENTION_MAX_DAYS"],
    )
    rights = [
        Right(
            _("Access"),
            "Art. 15",
            _("You can learn what we store about you; request it below."),
        ),
        Right(
            _("Rectification"),
            "Art. 16",
            _("You can correct your registration through the private link in your mail."),
        ),
        Right(
            _("Erasure"),
            "Art. 17",
            _("You can have your data erased; request it below."),
        ),
        Right(_("Restriction of processing"), "Art. 18", _("Write to the controller.")),
        Right(
            _("Objection"),
            "Art. 21",
            _(
                "Where we process on the basis of a public task, you can object for reasons "
                "arising from your particular situation."
            ),
        ),
        Right(
            _("Data portability"),
            "Art. 20",
            _("The access page offers everything stored about you as a JSON download."),
        ),
        Right(
            _("Withdrawal of consent"),
            "Art. 7 (3)",
            _(
                "You can withdraw a consent at any time through your private link; this does "
                "not affect the processing before."
            ),
        ),
        Right(
            _("Complaint"),
            "Art. 77",
            _("You can complain to a supervisory authority, for example the one named below."),
        ),
    ]
    return PrivacyNotice(
        controller=_controller(config),
        dpo=Contact(name=config["LEGAL_DPO_NAME"], email=config["LEGAL_DPO_EMAIL"]),
        purposes=purposes,
        recipients=recipients,
        retention=retention,
        extension_limit=extension_limit,
        rights=rights,
        supervisory_authority=Contact(
            name=config["LEGAL_SUPERVISORY_AUTHORITY_NAME"],
            address_lines=address_lines(config["LEGAL_SUPERVISORY_AUTHORITY_ADDRESS"]),
            url=config["LEGAL_SUPERVISORY_AUTHORITY_URL"],
        ),
        version=str(config["PRIVACY_NOTICE_VERSION"]),
        dated=_date(config["PRIVACY_NOTICE_VERSION"]),
    )


def imprint() -> Imprint:
    config = current_app.config
    return Imprint(
        provider=Contact(
            name=config.get("IMPRINT_PROVIDER_NAME") or config["LEGAL_CONTROLLER_NAME"],
            address_lines=address_lines(
                config.get("IMPRINT_ADDRESS") or config["LEGAL_CONTROLLER_ADDRESS"]
            ),
            email=config.get("IMPRINT_EMAIL") or config["LEGAL_CONTROLLER_EMAIL"],
            phone=config.get("IMPRINT_PHONE") or "",
        ),
        legal_form=config.get("IMPRINT_LEGAL_FORM") or "",
        represented_by=config.get("IMPRINT_REPRESENTED_BY") or "",
        register=config.get("IMPRINT_REGISTER") or "",
        vat_id=config.get("IMPRINT_VAT_ID") or "",
        supervisory_authority=config.get("IMPRINT_SUPERVISORY_AUTHORITY") or "",
        content_responsible=address_lines(config.get("IMPRINT_CONTENT_RESPONSIBLE")),
    )


def known_gaps(config: Mapping) -> list[str]:
    """The configured list (a JSON list, or one gap per line), or the app's own."""
    configured = config.get("ACCESSIBILITY_KNOWN_GAPS")
    if configured is None:
        return [
            _(
                "PDF downloads (sign-in sheets, certificates of attendance, meeting "
                "schedules) are not tagged for screen readers (PDF/UA)."
            ),
            _(
                "Event descriptions written by organisers may contain images without "
                "alternative text or unclear link texts."
            ),
        ]
    if isinstance(configured, str):
        configured = configured.splitlines()
    return [str(gap).strip() for gap in configured if str(gap).strip()]


def accessibility_statement() -> AccessibilityStatement:
    config = current_app.config
    compliance = config.get("ACCESSIBILITY_COMPLIANCE", "partial")
    if compliance not in COMPLIANCE_STATES:
        compliance = "none"  # an unknown state claims nothing
    texts = {
        "full": _("This website is fully compliant with BITV 2.0."),
        "partial": _(
            "This website is partially compliant with BITV 2.0 because of the "
            "non-compliances listed below."
        ),
        "none": _(
            "This website is not compliant with BITV 2.0. The non-compliances are listed below."
        ),
    }
    method = (
        _("an assessment by an external testing body")
        if config.get("ACCESSIBILITY_METHOD") == "external"
        else _("a self-assessment")
    )
    return AccessibilityStatement(
        operator=config["LEGAL_CONTROLLER_NAME"],
        site=config["BASE_URL"],
        compliance=compliance,
        compliance_text=texts[compliance],
        known_gaps=[] if compliance == "full" else known_gaps(config),
        dated=_date(config.get("ACCESSIBILITY_STATEMENT_DATE")),
        method=method,
        feedback_email=config.get("ACCESSIBILITY_FEEDBACK_EMAIL")
        or config["LEGAL_CONTROLLER_EMAIL"],
        arbitration=Contact(
            name=config["ACCESSIBILITY_ARBITRATION_NAME"],
            address_lines=address_lines(config["ACCESSIBILITY_ARBITRATION_ADDRESS"]),
            email=config.get("ACCESSIBILITY_ARBITRATION_EMAIL") or "",
            url=config.get("ACCESSIBILITY_ARBITRATION_URL") or "",
        ),
    )
