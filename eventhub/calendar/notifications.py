"""What the calendar area puts in the outbox: a participant's private feed link."""

from __future__ import annotations

from flask_babel import gettext as _

from eventhub.mail.messages import compose
from eventhub.mail.outbox import enqueue
from eventhub.models import Event


def queue_private_feed(
    email: str, language: str, *, events: list[Event], feed_url: str, feed_webcal: str
) -> None:
    message = compose(
        to=email,
        subject=lambda: _("Your eventhub calendar feed"),
        template="private_feed",
        language=language,
        context={"events": events, "feed_url": feed_url, "feed_webcal": feed_webcal},
    )
    enqueue(message, kind="private_feed")
