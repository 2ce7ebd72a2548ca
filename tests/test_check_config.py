"""`flask check-config`: exit code 0 only for a configuration fit for production; 1 for a
setting to change, 2 when a service it names (database, SMTP, Redis) does not answer."""

from __future__ import annotations

import os
import socket

import pytest
from aiosmtpd.controller import Controller

from eventhub import create_app
from eventhub.config_check import LEGAL_SETTINGS
from eventhub.extensions import db
from tests.conftest import _config

REDIS_URL = os.environ.get("EVENTHUB_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="EVENTHUB_TEST_REDIS_URL is not set")


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Handler:
    """An SMTP server that counts the mails it was given (the check must give none)."""

    def __init__(self):
        self.mails = 0

    async def handle_DATA(self, server, session, envelope):
        self.mails += 1
        return "250 OK"


@pytest.fixture
def start_smtp():
    """Starts a real SMTP server (aiosmtpd, plain, no STARTTLS) on a free loopback port;
    keyword arguments go to its Controller."""
    started = []

    def start(**options):
        handler = Handler()
        port = closed_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        controller.url = f"smtp://127.0.0.1:{port}"
        controller.handler = handler
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp(start_smtp):
    return start_smtp()


PRODUCTION = {
    "TESTING": False,
    "SECRET_KEY": "k" * 48,
    "BASE_URL": "https://events.example.org",
    "SMTP_URL": "smtp://mail.example.org:587?starttls=true",
    "MAIL_FROM": "eventhub <noreply@events.example.org>",
    "RATELIMIT_ENABLED": True,
    # The legal pages' details (each a problem while missing or the demo's placeholder).
    "LEGAL_CONTROLLER_NAME": "IHK Musterstadt",
    "LEGAL_CONTROLLER_ADDRESS": "Kammerplatz 1; 12345 Musterstadt",
    "LEGAL_CONTROLLER_EMAIL": "info@ihk-musterstadt.de",
    "LEGAL_DPO_NAME": "Datenschutzbeauftragte der IHK",
    "LEGAL_DPO_EMAIL": "datenschutz@ihk-musterstadt.de",
    "LEGAL_MAIL_PROCESSOR": "Versandhaus IT GmbH",
    "IMPRINT_LEGAL_FORM": "Körperschaft des öffentlichen Rechts",
    "IMPRINT_REPRESENTED_BY": "Präsidentin Paula Muster",
    "IMPRINT_PHONE": "+49 123 4567-0",
    "IMPRINT_CONTENT_RESPONSIBLE": "Max Muster; Kammerplatz 1; 12345 Musterstadt",
}


def test_the_test_configuration_is_not_fit(runner):
    result = runner.invoke(args=["check-config"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("problem  secret key:") for line in lines)
    assert any(
        line.startswith("problem  base URL:") and "EVENTHUB_BASE_URL" in line for line in lines
    )
    assert any(line.startswith("problem  outgoing mail:") for line in lines)
    assert any(line.startswith("problem  rate limits:") for line in lines)
    assert any(line.startswith("ok       database:") for line in lines)
    assert "not fit for production" in result.output


def test_memory_rate_limits_are_a_problem(app_factory):
    app = app_factory(**PRODUCTION)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert "problem  rate limits: kept in memory, per worker process" in result.output
    assert "set EVENTHUB_REDIS_URL" in result.output
    assert "ok       secret key:" in result.output
    assert "ok       base URL:" in result.output


def test_a_short_secret_key_is_a_problem(app_factory):
    app = app_factory(**{**PRODUCTION, "SECRET_KEY": "short"})
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert "problem  secret key: only 5 characters" in result.output


@needs_redis
def test_a_production_configuration_passes(app_factory, smtp):
    app = app_factory(**{**PRODUCTION, "SMTP_URL": smtp.url}, REDIS_URL=REDIS_URL)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert "problem" not in result.output
    assert "ok       outgoing mail: the SMTP server answers (connected, no mail sent)" in (
        result.output.splitlines()
    )
    assert "ok       Redis: answers" in result.output
    assert "fit for production" in result.output
    assert smtp.handler.mails == 0  # talked to, never sent to


@needs_redis
def test_an_smtp_server_that_does_not_answer_is_exit_code_2(app_factory):
    url = f"smtp://127.0.0.1:{closed_port()}?starttls=true"
    app = app_factory(**{**PRODUCTION, "SMTP_URL": url}, REDIS_URL=REDIS_URL)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 2, result.output
    line = next(line for line in result.output.splitlines() if "outgoing mail" in line)
    assert line.startswith("problem  outgoing mail: the SMTP server does not answer (")
    assert "check EVENTHUB_SMTP_URL" in line
    assert "service(s) not answering" in result.output


@needs_redis
def test_redis_that_does_not_answer_is_exit_code_2(app_factory, smtp):
    redis_url = f"redis://127.0.0.1:{closed_port()}/0"
    app = app_factory(**{**PRODUCTION, "SMTP_URL": smtp.url}, REDIS_URL=redis_url)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 2, result.output
    assert "problem  Redis: does not answer (" in result.output
    assert "ok       outgoing mail:" in result.output


def test_starttls_asked_of_a_server_without_it_is_a_setting_to_change(app_factory, smtp):
    app = app_factory(**{**PRODUCTION, "SMTP_URL": smtp.url + "?starttls=true"})
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert "problem  outgoing mail: the server answers but STARTTLS" in result.output
    assert smtp.handler.mails == 0


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_smtp_login_is_a_setting_to_change(app_factory, start_smtp):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == b"right", handled=False)

    server = start_smtp(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    for password, code, line in [
        ("wrong", 1, "problem  outgoing mail: the server refused the login (535)"),
        ("right", None, "ok       outgoing mail: the SMTP server answers"),
    ]:
        url = server.url.replace("//", f"//eventhub:{password}@")
        result = (
            app_factory(**{**PRODUCTION, "SMTP_URL": url})
            .test_cli_runner()
            .invoke(args=["check-config"])
        )
        assert any(row.startswith(line) for row in result.output.splitlines()), result.output
        if code is not None:
            assert result.exit_code == code
    assert server.handler.mails == 0


def test_a_malformed_smtp_url_is_a_setting_to_change(app_factory):
    app = app_factory(**{**PRODUCTION, "SMTP_URL": "mail.example.org:587"})
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert "problem  outgoing mail: EVENTHUB_SMTP_URL must start with smtp://" in result.output


def check_config_with_database_away(*, key_from_file: bool = False, **overrides):
    """`check-config` of a production app whose PostgreSQL listens nowhere."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/eventhub"
    app = create_app(_config(url, **{**PRODUCTION, **overrides}))
    if key_from_file:  # as when no EVENTHUB_SECRET_KEY is set and instance/secret_key is
        app.config["SIGNING_KEY_ORIGIN"] = "instance"
    try:
        return app.test_cli_runner().invoke(args=["check-config"])
    finally:
        with app.app_context():
            db.engine.dispose()


@needs_redis
def test_a_database_that_does_not_answer_is_exit_code_2(smtp):
    result = check_config_with_database_away(SMTP_URL=smtp.url, REDIS_URL=REDIS_URL)
    assert result.exit_code == 2, result.output
    assert "problem  database: does not answer (" in result.output
    assert "check EVENTHUB_DATABASE_URL" in result.output


def test_a_setting_to_change_wins_over_a_service_away():
    """A missing secret key and a database away: 1, as trying again would not help."""
    result = check_config_with_database_away(
        key_from_file=True, SMTP_URL=f"smtp://127.0.0.1:{closed_port()}"
    )
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("problem  secret key: taken from") for line in lines)
    assert any(line.startswith("problem  database: does not answer") for line in lines)
    assert any(
        line.startswith("problem  outgoing mail: the SMTP server does not") for line in lines
    )
    assert "not fit for production" in result.output


def test_the_demo_placeholders_of_the_legal_pages_are_problems(runner):
    result = runner.invoke(args=["check-config"])
    assert result.exit_code == 1
    for name in (
        "LEGAL_CONTROLLER_NAME",
        "LEGAL_CONTROLLER_ADDRESS",
        "LEGAL_CONTROLLER_EMAIL",
        "LEGAL_DPO_NAME",
        "LEGAL_DPO_EMAIL",
        "LEGAL_MAIL_PROCESSOR",
        "IMPRINT_LEGAL_FORM",
        "IMPRINT_REPRESENTED_BY",
        "IMPRINT_PHONE",
        "IMPRINT_CONTENT_RESPONSIBLE",
    ):
        line = f"problem  {LEGAL_SETTINGS[name]}: still the placeholder: set EVENTHUB_{name}"
        assert line in result.output.splitlines(), name
    # Real defaults (the NRW authority, the federal arbitration body) are not placeholders.
    assert "ok       supervisory authority: Landesbeauftragte für Datenschutz" in result.output


def test_legal_details_set_pass_and_a_missing_one_is_named(app_factory, smtp):
    app = app_factory(**{**PRODUCTION, "SMTP_URL": smtp.url})
    lines = app.test_cli_runner().invoke(args=["check-config"]).output.splitlines()
    for label in LEGAL_SETTINGS.values():
        assert any(line.startswith(f"ok       {label}:") for line in lines), label

    app = app_factory(**{**PRODUCTION, "LEGAL_DPO_EMAIL": "", "ACCESSIBILITY_COMPLIANCE": "mostly"})
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        "problem  data-protection officer's email: missing: set EVENTHUB_LEGAL_DPO_EMAIL" in lines
    )
    assert (
        "problem  accessibility compliance: 'mostly': set EVENTHUB_ACCESSIBILITY_COMPLIANCE "
        "to one of full, partial, none"
    ) in lines
