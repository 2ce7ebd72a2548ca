"""Unbound extension objects, bound to the app in create_app."""

import functools

from flask import Flask, current_app, request, session
from flask.globals import request_ctx
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, disable_autonaming=True)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()


class SignedInSessionsLoginManager(LoginManager):
    """Session protection ("strong": the session is bound to the browser's address and
    user agent) for sessions that carry a login only. Flask-Login applies it to any
    non-empty session (flask-login#569): an anonymous visitor's, which holds a CSRF token
    from a form, failed it on every request that looked at current_user, so every answer
    re-sent the session cookie and a remember-cookie deletion, and the visitor no longer
    counted as anonymous for the kept pages (eventhub/page_cache.py). There is nothing
    to take over in such a session."""

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


login_manager = SignedInSessionsLoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# The one read with a limit: checking certificate codes (against trying codes in bulk).
LIMITED_READS = frozenset({"events.verify_certificate"})


@limiter.request_filter
def _reads_are_not_limited() -> bool:
    """Every other limit here guards a write (registering, logging in, the API's
    POST/DELETE); skipping the check for reads saves feeds and pages a tenth of their time."""
    return request.method in ("GET", "HEAD", "OPTIONS") and request.endpoint not in LIMITED_READS


def init_limiter(app: Flask) -> None:
    """Bind the limiter, then spare the requests it would find nothing to do for (reads,
    see above) its three hooks: without limits they only build and reset the limiter's
    per-request state, ~70 us of a kept page's ~270 us. The same answers, the same limits:
    the check runs whenever the request filter would not exempt the request, and the
    response and teardown hooks whenever a check left that state behind."""
    limiter.init_app(app)
    if not app.config.get("RATELIMIT_ENABLED") or app.config.get("RATELIMIT_META"):
        # Disabled: no hooks at all. Meta limits: checked even for exempt requests.
        return
    check = limiter._check_request_limit
    _replace_hook(app.before_request_funcs, lambda f: f == check, _checking_limits)
    _replace_hook(app.after_request_funcs, _is_limiter_partial, _when_checked)
    _replace_hook(app.teardown_request_funcs, _is_release(limiter), _when_checked)


def init_csrf(app: Flask) -> None:
    """Bind CSRF protection; its check runs for the methods it protects (POST, PUT, PATCH,
    DELETE) and is skipped for the rest, where it would return after looking up whether
    the view is exempt (~7 us of every GET)."""
    csrf.init_app(app)
    _replace_hook(
        app.before_request_funcs,
        lambda f: getattr(f, "__qualname__", "") == "CSRFProtect.init_app.<locals>.csrf_protect",
        _checking_csrf,
    )


def _checking_csrf(check):
    @functools.wraps(check)
    def csrf_protect() -> None:
        if request.method in current_app.config["WTF_CSRF_METHODS"]:
            check()

    return csrf_protect


def _replace_hook(hooks: dict, matches, wrap) -> None:
    funcs = hooks.get(None, [])
    for index, func in enumerate(funcs):
        if matches(func):
            funcs[index] = wrap(func)
            return
    raise RuntimeError(f"no request hook of an extension where expected ({wrap.__name__})")


def _checking_limits(check):
    @functools.wraps(check)
    def check_request_limit() -> None:
        if not _reads_are_not_limited():
            check()

    return check_request_limit


def _is_limiter_partial(func) -> bool:
    return isinstance(func, functools.partial) and func.args == (limiter,)


def _is_release(extension: Limiter):
    return lambda func: (
        getattr(func, "__self__", None) is extension and func.__name__.endswith("release_context")
    )


def _when_checked(hook):
    """The limiter's response or teardown hook, run only when this request has the state
    its check (or a limited view) left: without it the hook would find nothing to do."""

    @functools.wraps(hook)
    def limiter_hook(value):
        if hasattr(request_ctx._get_current_object(), "_limiter_request_context"):
            return hook(value)
        return value

    return limiter_hook
