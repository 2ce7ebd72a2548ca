"""Unbound extension objects, bound to the app in create_app."""

from flask import request, session
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
