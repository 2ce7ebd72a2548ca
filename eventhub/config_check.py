"""Is this configuration fit for production? (`flask check-config`)

Exit codes of the command: 0 fit for production; 1 a configuration problem (a setting
to change in the environment file); 2 the configuration is right but a service it names
(database, SMTP server, Redis) does not answer: the network, a firewall or the service
itself, worth trying again once it is up.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

from eventhub.config import Config
from eventhub.extensions import db
from eventhub.limit_storage import in_memory

MIN_SECRET_KEY_LENGTH = 32
FIT, CONFIGURATION_PROBLEM, SERVICE_UNREACHABLE = 0, 1, 2


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, and for a problem what to set
    unreachable: bool = False  # a problem because a service did not answer


def exit_code(checks: list[Check]) -> int:
    """1 when a setting must change (it wins: trying again will not help), else 2 when
    a service did not answer, else 0."""
    if any(not c.ok and not c.unreachable for c in checks):
        return CONFIGURATION_PROBLEM
    if any(not c.ok for c in checks):
        return SERVICE_UNREACHABLE
    return FIT


def production_checks(app: Flask, smtp_probe: Callable[[str], None] | None = None) -> list[Check]:
    """Each check with ok or a problem and what to set; run inside an app context.
    `smtp_probe(url)` talks to the SMTP server without sending (the mail area's probe)."""
    cfg = app.config
    checks = [_secret_key(cfg), _base_url(cfg), _smtp(cfg, smtp_probe), _mail_from(cfg)]
    checks += [_rate_limits(cfg), _database(), _redis(app)]
    checks += _legal(cfg)
    checks.append(
        Check("debug mode", not app.debug, "off" if not app.debug else "on: unset FLASK_DEBUG")
    )
    return checks


def _secret_key(cfg) -> Check:
    key = cfg.get("SECRET_KEY") or ""
    if cfg.get("SIGNING_KEY_ORIGIN") != "environment":
        return Check(
            "secret key",
            False,
            f"taken from {cfg.get('SECRET_KEY_FILE')} (a development key): set "
            "EVENTHUB_SECRET_KEY to a long random value, the same on every server",
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return Check(
            "secret key",
            False,
            f"only {len(key)} characters: set EVENTHUB_SECRET_KEY to at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters",
        )
    return Check("secret key", True, "EVENTHUB_SECRET_KEY is set")


def _base_url(cfg) -> Check:
    url = cfg["BASE_URL"]
    if not url.startswith("https://"):
        return Check(
            "base URL", False, f"{url} is not https: set EVENTHUB_BASE_URL=https://your.host"
        )
    return Check("base URL", True, f"{url} (Secure cookies, HSTS)")


def _smtp(cfg, smtp_probe: Callable[[str], None] | None) -> Check:
    url = cfg.get("SMTP_URL")
    if not url:
        return Check(
            "outgoing mail",
            False,
            "EVENTHUB_SMTP_URL is not set: mail stays in the outbox; set it, e.g. "
            "smtp://user:pass@host:587?starttls=true, and run `flask mail send --loop`",
        )
    if smtp_probe is None:
        return Check("outgoing mail", True, "EVENTHUB_SMTP_URL is set (not tried)")
    try:
        smtp_probe(url)
    except ValueError as exc:
        return Check("outgoing mail", False, f"{exc}")
    except smtplib.SMTPAuthenticationError as exc:
        return Check(
            "outgoing mail",
            False,
            f"the server refused the login ({exc.smtp_code}): check the user and password "
            "in EVENTHUB_SMTP_URL",
        )
    except smtplib.SMTPNotSupportedError as exc:
        return Check(
            "outgoing mail",
            False,
            f"the server answers but {exc}: check starttls= and smtp:// or smtps:// in "
            "EVENTHUB_SMTP_URL",
        )
    except (OSError, smtplib.SMTPException) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Check(
            "outgoing mail",
            False,
            f"the SMTP server does not answer ({reason}): check EVENTHUB_SMTP_URL and the network",
            unreachable=True,
        )
    return Check("outgoing mail", True, "the SMTP server answers (connected, no mail sent)")


def _mail_from(cfg) -> Check:
    sender = cfg.get("MAIL_FROM") or ""
    if sender == Config.MAIL_FROM or sender.rstrip(">").endswith(".localhost"):
        return Check(
            "sender address",
            False,
            f"{sender}: set EVENTHUB_MAIL_FROM to an address of your domain",
        )
    return Check("sender address", True, sender)


def _rate_limits(cfg) -> Check:
    if not cfg.get("RATELIMIT_ENABLED", True):
        return Check(
            "rate limits",
            False,
            "off: unset EVENTHUB_RATELIMIT_ENABLED (only load tests turn them off)",
        )
    if in_memory(cfg.get("RATELIMIT_STORAGE_URI", "memory://")):
        return Check(
            "rate limits",
            False,
            "kept in memory, per worker process (N workers allow N times the limit): "
            "set EVENTHUB_REDIS_URL",
        )
    return Check("rate limits", True, "shared by all workers in Redis")


def _database() -> Check:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        reason = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
        return Check(
            "database",
            False,
            f"does not answer ({reason}): check EVENTHUB_DATABASE_URL",
            unreachable=True,
        )
    name = db.engine.dialect.name
    if name == "sqlite":
        return Check(
            "database", True, "SQLite answers (fine for one server; PostgreSQL to scale out)"
        )
    return Check("database", True, f"{name} answers")


def _redis(app: Flask) -> Check:
    client = app.extensions.get("eventhub_redis")
    if client is None:
        return Check(
            "Redis",
            False,
            "EVENTHUB_REDIS_URL is not set: rate limits per worker, mail worker polls",
        )
    try:
        client.ping()
    except Exception as exc:
        return Check(
            "Redis", False, f"does not answer ({exc}): check EVENTHUB_REDIS_URL", unreachable=True
        )
    return Check("Redis", True, "answers")


# The settings the legal pages need (/privacy, /imprint, /accessibility): missing or
# still the demo's placeholder is a problem. Imprint name, address and email fall back
# to the controller's, so they are checked there.
LEGAL_SETTINGS = {
    "LEGAL_CONTROLLER_NAME": "controller (privacy notice, imprint)",
    "LEGAL_CONTROLLER_ADDRESS": "controller's address",
    "LEGAL_CONTROLLER_EMAIL": "controller's email",
    "LEGAL_DPO_NAME": "data-protection officer",
    "LEGAL_DPO_EMAIL": "data-protection officer's email",
    "LEGAL_MAIL_PROCESSOR": "mail provider (processor)",
    "LEGAL_SUPERVISORY_AUTHORITY_NAME": "supervisory authority",
    "LEGAL_SUPERVISORY_AUTHORITY_ADDRESS": "supervisory authority's address",
    "IMPRINT_LEGAL_FORM": "imprint: legal form",
    "IMPRINT_REPRESENTED_BY": "imprint: represented by",
    "IMPRINT_PHONE": "imprint: phone",
    "IMPRINT_CONTENT_RESPONSIBLE": "imprint: responsible for the content (§ 18 (2) MStV)",
    "ACCESSIBILITY_STATEMENT_DATE": "accessibility statement: date",
    "ACCESSIBILITY_ARBITRATION_NAME": "accessibility statement: arbitration body",
}
CHOICES = {
    "LEGAL_BASIS_REGISTRATION": ("b", "e", "b_e"),
    "ACCESSIBILITY_COMPLIANCE": ("full", "partial", "none"),
    "ACCESSIBILITY_METHOD": ("self", "external"),
}
PLACEHOLDER_MARK = "platzhalter"


def _legal(cfg) -> list[Check]:
    """One check per legal setting: set, and not the demo's placeholder."""
    checks = []
    for name, label in LEGAL_SETTINGS.items():
        value = str(cfg.get(name) or "").strip()
        if not value:
            checks.append(Check(label, False, f"missing: set EVENTHUB_{name}"))
        elif PLACEHOLDER_MARK in value.lower():
            checks.append(Check(label, False, f"still the placeholder: set EVENTHUB_{name}"))
        else:
            checks.append(Check(label, True, value.replace("\n", "; ")))
    try:
        dt.date.fromisoformat(str(cfg.get("ACCESSIBILITY_STATEMENT_DATE")))
    except ValueError:
        checks.append(
            Check(
                "accessibility statement: date",
                False,
                "not a date: set EVENTHUB_ACCESSIBILITY_STATEMENT_DATE=YYYY-MM-DD",
            )
        )
    for name, allowed in CHOICES.items():
        value = cfg.get(name)
        if value not in allowed:
            checks.append(
                Check(
                    name.lower().replace("_", " "),
                    False,
                    f"{value!r}: set EVENTHUB_{name} to one of {', '.join(allowed)}",
                )
            )
    return checks
