"""How the codes on the person's data page read (statuses, purposes), translated lazily."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.labels import CONSENT_ACTION_LABELS, CONSENT_PURPOSE_LABELS
from eventhub.network.taxonomy import CATEGORY_LABELS, VISIBILITY_LABELS

LABELS = {
    "contact": {
        "pending": _l("open"),
        "accepted": _l("accepted"),
        "declined": _l("declined"),
        "ended": _l("ended"),
    },
    "meeting": {
        "requested": _l("requested"),
        "accepted": _l("accepted"),
        "declined": _l("declined"),
        "expired": _l("expired"),
        "cancelled": _l("cancelled"),
    },
    "purpose": CONSENT_PURPOSE_LABELS,
    "consent": CONSENT_ACTION_LABELS,
    "mail": {
        "queued": _l("waiting to be sent"),
        "sending": _l("being sent"),
        "sent": _l("sent"),
        "failed": _l("could not be delivered"),
    },
    "category": CATEGORY_LABELS,
    "visibility": VISIBILITY_LABELS,
}


def privacy_label(kind: str, code: str) -> str:
    label = LABELS.get(kind, {}).get(code)
    return str(label) if label is not None else code
