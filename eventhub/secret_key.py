"""Where the key that signs sessions, CSRF tokens and link codes comes from."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

log = logging.getLogger(__name__)

# The fixed key earlier versions signed with when none was set: anyone can read it here,
# so a cookie signed with it proves nothing.
PUBLIC_DEVELOPMENT_KEY = "dev-not-secret"


class MissingSecretKey(RuntimeError):
    """The app would sign sessions with a key that is not secret."""


def configure_secret_key(app: Flask) -> None:
    """Use EVENTHUB_SECRET_KEY; in development (debug) fall back to a random key kept in
    instance/secret_key; in tests to a random key for this app alone; outside both to the
    instance key only if one exists (the command line beside a development server), and
    otherwise refuse to start."""
    cfg = app.config
    path = Path(cfg.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
    cfg["SECRET_KEY_FILE"] = str(path)
    key = cfg.get("SECRET_KEY")
    if key and key != PUBLIC_DEVELOPMENT_KEY:
        cfg["SIGNING_KEY_ORIGIN"] = "environment"
        return
    if app.testing:
        cfg["SECRET_KEY"] = secrets.token_urlsafe(32)
        cfg["SIGNING_KEY_ORIGIN"] = "random"
        return
    if app.debug:
        cfg["SECRET_KEY"] = _instance_key(path, create=True)
    elif path.is_file():
        cfg["SECRET_KEY"] = _instance_key(path, create=False)
        # Not a warning: every command beside a development server takes this path, and a
        # warning on each one teaches people to ignore warnings. `flask check-config`
        # fails on a key from this file, which is where production set-ups look.
        log.info("EVENTHUB_SECRET_KEY is not set; using the development key in %s.", path)
    else:
        raise MissingSecretKey(
            "EVENTHUB_SECRET_KEY is not set. Set it to a long random value, e.g. "
            "EVENTHUB_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))'), "
            "or run in development mode (flask --debug ...) to use a key kept in "
            f"{path}."
        )
    cfg["SIGNING_KEY_ORIGIN"] = "instance"


def _instance_key(path: Path, *, create: bool) -> str:
    """The key in `path`; with `create`, written once (mode 0600) if it is missing."""
    if create and not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise MissingSecretKey(f"{path} holds no usable key; delete it or set EVENTHUB_SECRET_KEY.")
    return key


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer built once per key rather than
    for every request (~10 us each: itsdangerous checks its JSON serializer by calling
    it). Rebuilt when the key or its fallbacks change."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._serializer
        if kept is None or kept[0] != keys:
            kept = self._serializer = (keys, super().get_signing_serializer(app))
        return kept[1]

    def save_session(self, app: Flask, session, response) -> None:
        """Flask's own, except that an empty, unchanged session (most visitors') does not
        parse and rewrite a Vary header that names Cookie already (~5 us a kept page)."""
        if not session and not session.modified:
            if session.accessed and not _varies_on_cookie(response):
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def _varies_on_cookie(response) -> bool:
    """True when the Vary header response.vary reads (the first) names Cookie plainly."""
    named = response.headers.get("Vary", "").split(",")
    return any(part.strip().lower() == "cookie" for part in named)
