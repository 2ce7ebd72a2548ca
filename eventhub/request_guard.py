"""Refuse malformed requests before any view runs: a Host header that is no host name,
and control characters (a NUL byte above all) in query or form parameters."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import Flask, current_app, request
from flask_babel import gettext as _
from wtforms import Form, TextAreaField
from wtforms.fields.core import UnboundField

from eventhub.errors import abort_with

# host name (labels of 1-63 letters, digits, hyphens, underscores; at most 253 in all),
# IPv4, or a bracketed IPv6 address; then an optional port.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(
    rf"(?:(?=[^:]{{1,253}}(?::|$)){_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]{{2,45}}\])"
    r"(?::[0-9]{1,5})?"
)
# C0 and C1 controls and DEL, and the bidirectional embeddings, overrides and isolates
# (text.BIDI_CONTROLS: they make a name read differently from what it is). A tab is
# whitespace that pasting puts into any field (the forms collapse it); line breaks only
# text areas (multi-line fields) may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_EXCEPT_LINES = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)

_BAD_HOST = (
    b"Bad Request: the Host header is not a valid host name.\n"
    b"Ung\xc3\xbcltige Anfrage: der Host-Header ist kein g\xc3\xbcltiger Rechnername.\n"
)


def init_app(app: Flask) -> None:
    app.wsgi_app = HostCheck(app.wsgi_app)
    # First of all hooks: CSRF protection and the check below read the body already.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_declared_upload)
    app.before_request(refuse_control_characters)


# Room for the form's other fields and the multipart framing around an uploaded file.
UPLOAD_OVERHEAD = 64 * 1024
# werkzeug's multipart decoder holds up to a read buffer (64 KiB) and a partial line against
# this limit even inside a file part, so the 64 KiB of MAX_FORM_MEMORY_SIZE refuse files.
UPLOAD_FORM_MEMORY = 1024 * 1024


def accepts_upload(config_key: str) -> Callable:
    """Mark a view that takes a file upload of at most app.config[config_key] bytes; every
    other request keeps MAX_CONTENT_LENGTH (the body is read before any view runs)."""

    def mark(view: Callable) -> Callable:
        view.upload_limit_config = config_key
        return view

    return mark


def allow_declared_upload() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    config_key = getattr(view, "upload_limit_config", None)
    if config_key is not None:
        request.max_content_length = current_app.config[config_key] + UPLOAD_OVERHEAD
        request.max_form_memory_size = UPLOAD_FORM_MEMORY


class HostCheck:
    """Answers 400 to a Host header that is not a host name (`a..b`, a label of 64
    characters, spaces): werkzeug cannot build URLs for it, so even the error page
    would fail. Runs inside ProxyFix, so a forwarded host is checked as well."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is not None and not _HOST.fullmatch(host):
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(_BAD_HOST))),
                ],
            )
            return [_BAD_HOST]
        return self.wsgi_app(environ, start_response)


def refuse_control_characters() -> None:
    """400 with a message when a parameter name or value holds a control character;
    tabs pass, and line breaks in text areas (found in the app's forms)."""
    multi_line = _multi_line_names()
    # No form without a content type (werkzeug's own test); reading request.form would
    # still wrap the input stream to find that out (~40 us of every GET).
    sources = (request.args, request.form) if request.want_form_data_parsed else (request.args,)
    for source in sources:
        for name, value in source.items(multi=True):
            if _CONTROL.search(name):
                _refuse()
            pattern = _CONTROL_EXCEPT_LINES if name.rsplit("-", 1)[-1] in multi_line else _CONTROL
            if pattern.search(value):
                _refuse()


def _refuse() -> None:
    abort_with(
        400,
        _(
            "The request contains control characters (such as a NUL byte) that are not "
            "allowed here. Please remove them and try again."
        ),
    )


_multi_line_cache: frozenset[str] | None = None


def _multi_line_names() -> frozenset[str]:
    """Names of every TextAreaField in the app's forms (inside lists too: `agenda-0-x`
    ends in `x`); computed once, when every form class has been imported."""
    global _multi_line_cache
    if _multi_line_cache is None:
        names = set()
        for form_class in _subclasses(Form):
            for klass in form_class.__mro__:
                for name, value in vars(klass).items():
                    if isinstance(value, UnboundField) and issubclass(
                        value.field_class, TextAreaField
                    ):
                        names.add(name)
        _multi_line_cache = frozenset(names)
    return _multi_line_cache


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found
