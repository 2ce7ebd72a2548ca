"""Absolute links for places outside the request: mails, calendars, QR codes, invitations."""

from __future__ import annotations

import hashlib
import hmac
from email.utils import parseaddr

from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values) -> str:
    """EVENTHUB_BASE_URL + path: stable behind proxies, and usable in CLI commands."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("eventhub.invalid").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def absolute_event_url(event) -> str:
    return absolute_url("events.event_page", slug=event.slug)


def site_organizer(event) -> tuple[str, str]:
    """ORGANIZER for events without a contact email: the host's name, the site's sender."""
    _name, address = parseaddr(current_app.config["MAIL_FROM"])
    hosts = event.hosts_with_role("host")
    return (hosts[0].organisation.name if hosts else "eventhub"), address


def checkin_code(registration) -> str:
    """An unguessable code for the registration's QR, derived rather than stored."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"checkin:{registration.uid}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def checkin_url(event, registration) -> str:
    """Where the QR code on a confirmation leads: the organisers' check-in of this person."""
    return absolute_url(
        "manage.checkin_scan",
        slug=event.slug,
        registration_uid=registration.uid,
        code=checkin_code(registration),
    )
