"""The signing key: required in production, random per instance in development."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from eventhub import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_key_in_environment(monkeypatch):
    for name in ("EVENTHUB_SECRET_KEY", "FLASK_DEBUG", "EVENTHUB_SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def config(tmp_path: Path, **overrides) -> dict:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY_FILE": str(tmp_path / "instance" / "secret_key"),
        **overrides,
    }


def test_production_without_a_key_refuses_to_start(no_key_in_environment, tmp_path):
    with pytest.raises(RuntimeError, match="EVENTHUB_SECRET_KEY is not set"):
        create_app(config(tmp_path))
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_the_old_public_development_key_is_refused(no_key_in_environment, tmp_path):
    with pytest.raises(RuntimeError, match="EVENTHUB_SECRET_KEY"):
        create_app(config(tmp_path, SECRET_KEY="dev-not-secret"))


def test_debug_keeps_one_random_key_per_instance(no_key_in_environment, tmp_path):
    first = create_app(config(tmp_path, DEBUG=True))
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32 and key != "dev-not-secret"
    assert create_app(config(tmp_path, DEBUG=True)).config["SECRET_KEY"] == key
    # The command line without --debug beside that development server signs alike.
    assert create_app(config(tmp_path)).config["SECRET_KEY"] == key
    other = tmp_path / "other"
    other.mkdir()
    assert create_app(config(other, DEBUG=True)).config["SECRET_KEY"] != key


def test_a_configured_key_is_used_and_no_file_written(no_key_in_environment, tmp_path):
    app = create_app(config(tmp_path, SECRET_KEY="a-long-configured-production-key-0123456789"))
    assert app.config["SECRET_KEY"] == "a-long-configured-production-key-0123456789"
    assert not (tmp_path / "instance").exists()


def test_tests_get_a_random_key_without_a_file(no_key_in_environment, tmp_path):
    one = create_app(config(tmp_path, TESTING=True)).config["SECRET_KEY"]
    two = create_app(config(tmp_path, TESTING=True)).config["SECRET_KEY"]
    assert one != two and len(one) >= 32
    assert not (tmp_path / "instance").exists()


@pytest.mark.slow
def test_flask_commands_without_a_key(no_key_in_environment, tmp_path):
    """What `make run` does: the CLI says what to set, works with --debug, and then
    works without it from the instance key."""
    env = {
        **os.environ,
        "EVENTHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EVENTHUB_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
    }

    def flask(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    refused = flask("init-db")
    assert refused.returncode != 0
    assert "EVENTHUB_SECRET_KEY is not set" in refused.stderr
    assert flask("--debug", "init-db").returncode == 0
    assert (tmp_path / "secret_key").is_file()
    assert "EVENTHUB_SECRET_KEY" not in flask("--debug", "init-db").stderr
    again = flask("init-db")
    assert again.returncode == 0, again.stderr
    # Issue 11: every command warned about the key although it came from the instance file.
    assert "EVENTHUB_SECRET_KEY" not in again.stderr
