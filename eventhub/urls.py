"""Absolute links for places outside the request: mails, calendars, QR codes, invitations."""

from __future__ import annotations

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """EVENTHUB_BASE_URL + path: stable behind proxies, unlike the request's host."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)
