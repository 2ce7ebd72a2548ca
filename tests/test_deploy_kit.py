"""The deployment kit in deploy/ fits the app: gunicorn loads its settings and serves the
app with them, the environment example names only real settings, the systemd units run
commands that exist, static URLs carry a content hash (so nginx may cache them for a
year), and the mail worker stops cleanly on SIGTERM. nginx itself is not needed here
(`nginx -t` on the site file is a step in the README)."""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import runpy
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config as GunicornConfig

from eventhub.config import Config
from tests.mail.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))


def gunicorn_settings(monkeypatch, **environment) -> GunicornConfig:
    """deploy/gunicorn.conf.py read as gunicorn reads it, under this environment."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = GunicornConfig()
    for name, value in runpy.run_path(str(DEPLOY / "gunicorn.conf.py")).items():
        if name in settings.settings:
            settings.set(name, value)
    return settings


def test_gunicorn_settings_default_to_a_small_two_core_host(monkeypatch):
    for name in ("EVENTHUB_WEB_WORKERS", "EVENTHUB_WEB_THREADS", "EVENTHUB_WEB_BIND"):
        monkeypatch.delenv(name, raising=False)
    settings = gunicorn_settings(monkeypatch)
    assert settings.worker_class_str == "gthread"
    assert (settings.workers, settings.threads) == (2, 4)
    assert settings.address == [("127.0.0.1", 8000)]
    assert settings.preload_app is False  # nothing opened before the fork to share
    assert settings.max_requests and settings.max_requests_jitter
    assert settings.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert settings.keepalive > 60  # longer than nginx's upstream keepalive_timeout
    nginx = (DEPLOY / "nginx-eventhub.conf").read_text()
    assert "keepalive_timeout 60s;" in nginx and "server 127.0.0.1:8000;" in nginx


def test_gunicorn_settings_follow_the_environment(monkeypatch):
    settings = gunicorn_settings(
        monkeypatch,
        EVENTHUB_WEB_WORKERS="3",
        EVENTHUB_WEB_THREADS="8",
        EVENTHUB_WEB_BIND="unix:/run/eventhub/web.sock",
    )
    assert (settings.workers, settings.threads) == (3, 8)
    assert settings.address == ["/run/eventhub/web.sock"]


def clean_environment(**settings) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EVENTHUB_")}
    environment.pop("FLASK_DEBUG", None)
    return {**environment, **settings}


def get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, dict(response.headers), response.read()


def test_gunicorn_serves_the_app_with_the_kit_settings(tmp_path):
    port = free_port()
    environment = clean_environment(
        EVENTHUB_SECRET_KEY="s" * 48,
        EVENTHUB_DATABASE_URL=f"sqlite:///{tmp_path / 'eventhub.sqlite3'}",
        EVENTHUB_WEB_BIND=f"127.0.0.1:{port}",
        EVENTHUB_WEB_WORKERS="1",
        EVENTHUB_WEB_THREADS="2",
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    checked = subprocess.run(
        [*command, "--check-config"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # waiting for the server to come up, not timing it
            try:
                status, _headers, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        assert status == 200 and b'"ok"' in body
        assert get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "Using worker: gthread" in output
    assert "Control socket" not in output


def test_the_environment_example_names_only_real_settings():
    text = (DEPLOY / "eventhub.env.example").read_text(encoding="utf-8")
    named = re.findall(r"^#?(EVENTHUB_[A-Z0-9_]+)=", text, flags=re.M)
    server = set(
        re.findall(r"\"(EVENTHUB_WEB_[A-Z]+)\"", (DEPLOY / "gunicorn.conf.py").read_text())
    )
    unknown = [
        name
        for name in named
        if name not in server and not hasattr(Config, name[len("EVENTHUB_") :])
    ]
    assert unknown == []
    assert server == {"EVENTHUB_WEB_WORKERS", "EVENTHUB_WEB_THREADS", "EVENTHUB_WEB_BIND"}
    # What production cannot do without, set (not commented out).
    for name in ("SECRET_KEY", "BASE_URL", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "MAIL_FROM"):
        assert re.search(rf"^EVENTHUB_{name}=", text, flags=re.M), name
    assert re.search(r"^EVENTHUB_PROXY_COUNT=1$", text, flags=re.M)
    assert (
        "proxy_set_header X-Forwarded-For $remote_addr;"
        in (DEPLOY / "nginx-eventhub.conf").read_text()
    )


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path)
    return parser


def flask_commands() -> list[list[str]]:
    """The `flask --app app ...` command lines of the units, without the prefix."""
    found = []
    for path in DEPLOY.glob("*.service"):
        words = shlex.split(unit(path)["Service"]["ExecStart"])
        if words[0].endswith("/flask"):
            assert words[1:3] == ["--app", "app"], path.name
            found.append(words[3:])
    return found


def test_the_systemd_units_run_commands_that_exist(app):
    commands = flask_commands()
    assert ["mail", "send", "--loop", "--no-scheduled"] in commands
    assert ["mail", "scheduled"] in commands and ["privacy", "purge"] in commands
    runner = app.test_cli_runner()
    for command in commands:  # --help: parsed (unknown options fail), not run
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
    web = shlex.split(unit(DEPLOY / "eventhub-web.service")["Service"]["ExecStart"])
    assert web[0].endswith("/gunicorn") and web[1:] == ["-c", "deploy/gunicorn.conf.py"]
    for path in DEPLOY.glob("*.service"):
        service = unit(path)["Service"]
        assert service["EnvironmentFile"] == "/etc/eventhub/eventhub.env", path.name
        assert service["WorkingDirectory"] == "/opt/eventhub", path.name
    for path in DEPLOY.glob("*.timer"):
        assert path.with_suffix(".service").exists(), path.name


def test_static_urls_carry_the_files_content_hash(client):
    html = client.get("/events/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"', html)
    assert {path for path, _ in links} >= {"/static/css/eventhub.css", "/static/js/menu.js"}
    for path, version in links:
        content = (ROOT / path.lstrip("/")).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12], path
        with client.get(f"{path}?v={version}") as response:
            assert response.status_code == 200


def test_a_changed_static_file_gets_a_new_url(app, tmp_path):
    from flask import url_for

    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text("body { color: black }")
    app.static_folder = str(static)
    with app.test_request_context():
        from eventhub import static_files

        static_files.init_app(app)  # bound to the folder above
        before = url_for("static", filename="site.css")
        (static / "site.css").write_text("body { color: navy }")
        os.utime(static / "site.css", ns=(1, 1))  # a new mtime, whatever the clock
        after = url_for("static", filename="site.css")
    assert before != after and before.split("?")[0] == after.split("?")[0]


def catches_sigterm(pid: int) -> bool:
    """Whether the process installed a SIGTERM handler (Linux: SigCgt in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, flags=re.M).group(1), 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_the_mail_worker_stops_cleanly_on_sigterm(tmp_path):
    """`systemctl stop eventhub-mail` sends SIGTERM: the loop ends, the exit code is 0."""
    environment = clean_environment(
        EVENTHUB_SECRET_KEY="s" * 48,
        EVENTHUB_DATABASE_URL=f"sqlite:///{tmp_path / 'eventhub.sqlite3'}",
        EVENTHUB_SMTP_URL=f"smtp://127.0.0.1:{free_port()}",
    )
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "init-db"], cwd=ROOT, env=environment, check=True, capture_output=True)
    worker = subprocess.Popen(
        [*flask, "mail", "send", "--loop", "--no-scheduled", "--interval", "0.2"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not catches_sigterm(worker.pid):  # the loop has started (its handler is in place)
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "the worker did not start its loop"
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "0 sent, 0 to retry, 0 failed." in out


@pytest.mark.parametrize("command", [["check-config"], ["mail", "scheduled"]])
def test_without_a_secret_key_every_command_stops_and_says_what_to_set(tmp_path, command):
    environment = clean_environment(
        EVENTHUB_DATABASE_URL=f"sqlite:///{tmp_path / 'eventhub.sqlite3'}",
        EVENTHUB_SECRET_KEY_FILE=str(tmp_path / "no-such-key"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "EVENTHUB_SECRET_KEY is not set" in result.stderr
