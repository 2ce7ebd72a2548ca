"""eventhub: registration and networking for regional skilled-worker events."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request
from flask_babel import lazy_gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from eventhub import limit_storage
from eventhub.config import Config
from eventhub.extensions import babel, db, init_csrf, init_limiter, login_manager, migrate
from eventhub.routing import IdConverter, SlugConverter, TokenConverter
from eventhub.secret_key import SessionCookies, configure_secret_key

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["token"] = TokenConverter
    app.url_map.converters["id"] = IdConverter
    app.config.from_object(Config)
    app.config.from_prefixed_env("EVENTHUB")
    if test_config is not None:
        app.config.update(test_config)
    from eventhub import request_log

    request_log.configure_logging(app)
    _derive_config(app)
    app.session_interface = SessionCookies()

    register_extensions(app)
    register_blueprints(app)
    from eventhub import log_redaction

    # From here on no log line holds an email address or a link token (the URL map of
    # the blueprints above says which path segments are tokens).
    log_redaction.install(app)
    register_template_helpers(app)
    register_error_handlers(app)
    from eventhub import page_cache, static_files

    static_files.init_app(app)
    # After the template helpers: its after_request hook must run before theirs.
    page_cache.init_app(app)

    from eventhub.cli import register_cli

    register_cli(app)
    from eventhub import request_guard

    request_guard.init_app(app)
    from eventhub import metrics

    # Outside the request guard: its refusals are counted and carry a request id too.
    metrics.init_app(app)
    request_log.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy: take client address and scheme from its headers, so
        # rate limits apply per visitor, not to the proxy as a whole.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def _derive_config(app: Flask) -> None:
    cfg = app.config
    cfg["SQLALCHEMY_DATABASE_URI"] = (
        cfg.get("DATABASE_URL")
        or cfg.get("SQLALCHEMY_DATABASE_URI")
        or "sqlite:///eventhub.sqlite3"
    )
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg.get("REDIS_URL") or "memory://")
    if str(cfg["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        # limits' in-memory storage, without its timer thread per hit (limit_storage.py)
        cfg["RATELIMIT_STORAGE_URI"] = limit_storage.SCHEME
    if (
        cfg.get("RATELIMIT_ENABLED", True)
        and limit_storage.in_memory(cfg["RATELIMIT_STORAGE_URI"])
        and not (app.debug or app.testing)
    ):
        log.warning(
            "Rate limits are kept in memory, per worker process: with N workers a client "
            "gets N times each limit. Set EVENTHUB_REDIS_URL to share them."
        )
    # Database errors (logged, e.g. while the database is away) must not quote the
    # statement's parameters: they are addresses and token hashes.
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True, **cfg["SQLALCHEMY_ENGINE_OPTIONS"]}
    cfg["BASE_URL"] = str(cfg["BASE_URL"]).rstrip("/")
    if cfg["BASE_URL"].startswith("https://"):
        # Served over https only: cookies never travel in clear, browsers stay on https.
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg.setdefault("HSTS", "max-age=31536000; includeSubDomains")
    configure_secret_key(app)


def register_extensions(app: Flask) -> None:
    from eventhub import changes, database
    from eventhub.i18n import TranslatedFormsRequest, select_locale, select_timezone
    from eventhub.mail import wakeup

    app.request_class = TranslatedFormsRequest

    db.init_app(app)
    database.init_app(app)
    changes.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    init_csrf(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to use the organiser workspace.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    init_limiter(app)
    wakeup.init_app(app)

    from eventhub.models import User

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The account of a session, unless the session is older than its last logout or
        password change (then the version in the cookie no longer matches)."""
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version):
            return None
        return user


def register_blueprints(app: Flask) -> None:
    # Importing the views attaches their routes to the blueprints.
    from eventhub.api import bp as api_bp
    from eventhub.api import meetings as _api_meetings  # noqa: F401
    from eventhub.api import organiser as _api_organiser  # noqa: F401
    from eventhub.api import views as _api_views  # noqa: F401
    from eventhub.calendar import bp as calendar_bp
    from eventhub.calendar import views as _calendar_views  # noqa: F401
    from eventhub.events import bp as events_bp
    from eventhub.events import views as _events_views  # noqa: F401
    from eventhub.mail import bp as mail_bp
    from eventhub.mail import views as _mail_views  # noqa: F401
    from eventhub.manage import auth_bp
    from eventhub.manage import bp as manage_bp
    from eventhub.manage import views as _manage_views  # noqa: F401
    from eventhub.network import bp as network_bp
    from eventhub.network import views as _network_views  # noqa: F401
    from eventhub.privacy import bp as privacy_bp
    from eventhub.privacy import views as _privacy_views  # noqa: F401

    app.register_blueprint(events_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(manage_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(network_bp)
    app.register_blueprint(privacy_bp)
    from eventhub import health, site_icon

    health.init_app(app)
    site_icon.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from eventhub import i18n
    from eventhub.text import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    i18n.install_template_gettext(app)
    from eventhub.calendar.links import register_template_globals

    register_template_globals(app)
    from eventhub.labels import attendance_name, format_name, role_name, status_name

    app.jinja_env.globals.update(
        format_name=format_name,
        role_name=role_name,
        status_name=status_name,
        attendance_name=attendance_name,
        event_date=i18n.event_date,
        event_moment=i18n.event_moment,
        event_time=i18n.event_time,
        event_period=i18n.event_period,
        current_language=i18n.current_language,
        url_for_language=i18n.url_for_language,
        LANGUAGES=app.config["LANGUAGES"],
    )

    add_security_headers = security_headers(app)

    @app.after_request
    def remember_language(response):
        chosen = g.get("language_from_query")
        if chosen:
            response.set_cookie(
                "lang",
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=app.config.get("SESSION_COOKIE_SECURE", False),
            )
        add_security_headers(response, for_html=request.endpoint != "static")
        return response


# Every answer: (name, its lower case, value); a view's own value of any of them stays.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "x-content-type-options", "nosniff"),
    ("Referrer-Policy", "referrer-policy", "same-origin"),
)
# HTML pages (not static files) besides.
HTML_SECURITY_HEADERS = (
    ("X-Frame-Options", "x-frame-options", "DENY"),
    (
        "Content-Security-Policy",
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ),
)


def security_headers(app: Flask):
    """The function that adds the security headers a response lacks (HSTS when the site is
    served over https), built once: looking each header up with Headers.setdefault cost
    ~25 us a request."""
    always = SECURITY_HEADERS
    if app.config.get("HSTS"):
        hsts = ("Strict-Transport-Security", "strict-transport-security", app.config["HSTS"])
        always = (hsts, *always)
    with_html = always + HTML_SECURITY_HEADERS

    def add(response, *, for_html: bool) -> None:
        headers = response.headers
        present = set()
        content_type = None
        for name, value in headers:
            lowered = name.lower()
            present.add(lowered)
            if content_type is None and lowered == "content-type":
                content_type = value
        mimetype = (content_type or "").partition(";")[0].strip().lower()
        is_html = mimetype == "text/html"
        for name, lowered, value in with_html if for_html and is_html else always:
            if lowered not in present:
                headers.add(name, value)

    return add


def register_error_handlers(app: Flask) -> None:
    from eventhub.errors import register

    register(app)
