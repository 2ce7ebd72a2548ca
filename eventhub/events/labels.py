"""Display names of event formats and host roles (one gettext call per use)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FORMAT_LABELS = {
    "workshop": _l("Workshop"),
    "fachtagung": _l("Expert conference"),
    "info": _l("Information event"),
    "kooperation": _l("Cooperation talk"),
    "exchange": _l("Exchange of experience"),
    "networking": _l("Networking"),
}

ROLE_LABELS = {
    "host": _l("Host"),
    "cohost": _l("Co-host"),
    "partner": _l("Partner"),
    "funder": _l("Funded by"),
}


def format_name(fmt: str) -> str:
    label = FORMAT_LABELS.get(fmt)
    return str(label) if label is not None else fmt


def role_name(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role
