"""Log lines without email addresses or link tokens: every record is redacted as it is made.

The tokens are found by the app's own URL map: a path variable with the token converter
(or named `token`, `code` or `uid`) is a secret, so `/r/<token>`, `/feeds/<token>.ics` or
`/certificates/<code>` in a request line become `/r/[token]` and so on, whatever the
value (a mistyped token is someone's token too). Query values whose name says token,
code, key, secret or password, API keys and email addresses (also URL-encoded) are
replaced wherever they appear.

`install(app)` puts the redaction into the process's log record factory, so every record
is redacted before any handler, filter or formatter sees it: the app's, werkzeug's
access log, gunicorn's, pytest's. `RedactingFilter` does the same for a logging
configuration of one's own (e.g. gunicorn's `logconfig_dict`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from flask import Flask
from werkzeug.routing import Rule

from eventhub.routing import TokenConverter

EMAIL_MARK = "[email]"
TOKEN_MARK = "[token]"  # noqa: S105 - the mark put in place of a token
# An address, also inside a URL (`%40`); the local part stops at URL delimiters, so
# `?email=a@b.de` keeps its `?email=`. No dot is required in the domain (`x@localhost`).
EMAIL = re.compile(r"[\w.!#$%'*+^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)*")
# `?token=…`, `&code=…`, `?api_key=…` …: the value, up to the next delimiter.
SECRET_QUERY = re.compile(
    r"(?P<keep>[?&;][^=&#\s\"'<>]*?(?:token|code|key|secret|password|passwd|signature|uid)"
    r"[^=&#\s\"'<>]*=)[^&#\s\"'<>]+",
    re.IGNORECASE,
)
# Organiser API keys (eventhub.tokens.API_KEY_PREFIX), wherever they are pasted.
API_KEY = re.compile(r"\beh_[A-Za-z0-9_-]{16,}")
SECRET_ARGUMENTS = {"token", "code", "uid"}
# One path segment (or the part of it before a static suffix such as `.ics`).
_SEGMENT = r"[^/?#\s\"'<>]+"
_END = r"[/?#\s\"'<>]|$"
_VARIABLE = re.compile(r"(<[^>]+>)")


def _is_secret(rule: Rule, name: str) -> bool:
    converter = rule._converters.get(name)  # werkzeug keeps them only here
    return isinstance(converter, TokenConverter) or name in SECRET_ARGUMENTS


def path_patterns(rules: Iterable[Rule]) -> list[re.Pattern]:
    """For each secret variable of a rule: the rule's path up to that variable, secrets
    as named groups `secret0`, `secret1` … A mistyped or cut-off URL (`/feeds/<token>`
    without `.ics`, a check-in scan without its code) is caught as well."""
    sources: set[str] = set()
    for rule in rules:
        pieces = [piece for piece in _VARIABLE.split(rule.rule) if piece]
        names = [piece[1:-1].split(":")[-1] if piece.startswith("<") else None for piece in pieces]
        for last, last_name in enumerate(names):
            if last_name is None or not _is_secret(rule, last_name):
                continue
            parts, secrets = [], 0
            for piece, name in zip(pieces[: last + 1], names[: last + 1], strict=True):
                if name is None:
                    parts.append(re.escape(piece))
                elif _is_secret(rule, name):
                    parts.append(f"(?P<secret{secrets}>{_SEGMENT})")
                    secrets += 1
                else:
                    parts.append(_SEGMENT)
            follows = pieces[last + 1].split("/")[0] if last + 1 < len(pieces) else ""
            if follows:
                # A static suffix in the token's segment (".ics"): kept when present.
                parts[-1] = f"(?P<secret{secrets - 1}>{_SEGMENT}?)"
                parts.append(f"(?:{re.escape(follows)})?(?={_END})")
            sources.add("".join(parts))
    # Longer prefixes first (both secrets of a check-in scan, then its first).
    return [re.compile(source) for source in sorted(sources, key=len, reverse=True)]


class Redactor:
    """Replaces email addresses and secrets in text; built from an app's URL map."""

    def __init__(self, patterns: list[re.Pattern]):
        self.patterns = patterns

    def __call__(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(_mark_secrets, text)
        text = SECRET_QUERY.sub(lambda match: match.group("keep") + TOKEN_MARK, text)
        text = API_KEY.sub(TOKEN_MARK, text)
        return EMAIL.sub(EMAIL_MARK, text)


def _mark_secrets(match: re.Match) -> str:
    text, start = match.group(0), match.start()
    spans = [match.span(name) for name, value in match.groupdict().items() if value is not None]
    for begin, end in sorted(spans, reverse=True):
        text = text[: begin - start] + TOKEN_MARK + text[end - start :]
    return text


_redactor = Redactor([])


def redact(text: str) -> str:
    """The text without email addresses and tokens (those of the last app installed)."""
    return _redactor(text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Format the record's message now and keep only its redacted text (args dropped);
    the traceback and stack, formatted here too, likewise."""
    if getattr(record, "eventhub_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format: the handler reports it as usual
        return record
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.eventhub_redacted = True
    return record


class RedactingFilter(logging.Filter):
    """A filter for handlers of one's own logging configuration; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install(app: Flask) -> None:
    """Redact every log record of this process from now on (idempotent); the app's URL
    map says which path segments are tokens."""
    global _redactor
    _redactor = Redactor(path_patterns(app.url_map.iter_rules()))
    factory = logging.getLogRecordFactory()
    if getattr(factory, "eventhub_redacting", False):
        return

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.eventhub_redacting = True
    logging.setLogRecordFactory(redacting_factory)
