"""The signed time stamp a public form carries of when it was handed out (bot friction:
eventhub.events.forms checks it; eventhub.page_cache fills it into kept forms)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g
from itsdangerous import URLSafeTimedSerializer

FORM_STAMP_SALT = "eventhub-form-issued"
FORM_STAMP_MAX_AGE = 24 * 3600  # a form left open over night still works


def _stamps() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=FORM_STAMP_SALT)


def form_stamp() -> str:
    """A signed time stamp of when a form was handed out (noted in `g.form_stamps`: a
    kept form page is cut there, eventhub.page_cache)."""
    stamp = _stamps().dumps(1)
    g.setdefault("form_stamps", []).append(stamp)
    return stamp


def stamp_issued_at(stamp: str | None) -> dt.datetime:
    """When the form was handed out; BadSignature (also SignatureExpired) when the stamp
    is not ours or older than FORM_STAMP_MAX_AGE."""
    _value, issued = _stamps().loads(stamp or "", max_age=FORM_STAMP_MAX_AGE, return_timestamp=True)
    return issued
