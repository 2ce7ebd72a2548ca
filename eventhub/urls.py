"""Absolute links for places outside the request: mails, calendars, QR codes, invitations."""

from __future__ import annotations

import hashlib
import hmac
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

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


# What browsers drop from a URL before following it (WHATWG URL standard): tab and
# newlines anywhere, C0 controls and spaces at either end.
_DROPPED_ANYWHERE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(c) for c in range(33))


def local_path(target: str | None) -> str | None:
    r"""`target` if a browser would read it as a path on this site, else None.

    Checked after normalising it the way browsers do, so "/\t/evil.example",
    "/\\evil.example" or " //evil.example" cannot become a link to another host.
    """
    if not target:
        return None
    cleaned = _DROPPED_ANYWHERE.sub("", target).strip(_C0_AND_SPACE)
    # Browsers treat a backslash like a slash in http(s) URLs: "/\\evil" is "//evil".
    if "\\" in cleaned or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned
