"""`flask check-config`: exit code 0 only for a configuration fit for production."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("EVENTHUB_TEST_REDIS_URL")

PRODUCTION = {
    "TESTING": False,
    "SECRET_KEY": "k" * 48,
    "BASE_URL": "https://events.example.org",
    "SMTP_URL": "smtp://mail.example.org:587?starttls=true",
    "MAIL_FROM": "eventhub <noreply@events.example.org>",
    "RATELIMIT_ENABLED": True,
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
