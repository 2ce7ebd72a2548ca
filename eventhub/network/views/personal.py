"""What the pages behind a participant's private link share: the link's registration or
404, answers no cache keeps, and POST limits counted per link."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, make_response, request

from eventhub.events.registration import registration_by_token
from eventhub.extensions import limiter
from eventhub.models import Registration


def participant(token: str) -> Registration:
    """The registration behind the private link, or 404."""
    return registration_by_token(token) or abort(404)


def personal(body, status: int = 200):
    """A response with names, notes or addresses in it: never stored by a cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def limit_posts_per_link(kind: str):
    """POSTs counted per private link (`kind` keeps contact and meeting counts apart), not
    per client address: a venue's attendees often share one address (its Wi-Fi), and one
    person's clicks must not use up everyone's limit."""

    def link_key() -> str:
        token = (request.view_args or {}).get("token", "")
        return f"{kind}:" + hashlib.sha256(token.encode()).hexdigest()

    return limiter.limit(
        lambda: current_app.config["NETWORK_CONTACT_RATELIMIT"],
        key_func=link_key,
        methods=["POST"],
    )
