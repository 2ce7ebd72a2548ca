"""`flask check-config`: exit code 0 only for a configuration fit for production."""

from __future__ import annotations

import os

import pytest

from eventhub.config_check import LEGAL_SETTINGS

REDIS_URL = os.environ.get("EVENTHUB_TEST_REDIS_URL")

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


@pytest.mark.skipif(not REDIS_URL, reason="EVENTHUB_TEST_REDIS_URL is not set")
def test_a_production_configuration_passes(app_factory):
    app = app_factory(**PRODUCTION, REDIS_URL=REDIS_URL)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert "problem" not in result.output
    assert "fit for production" in result.output


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


def test_legal_details_set_pass_and_a_missing_one_is_named(app_factory):
    app = app_factory(**PRODUCTION)
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
