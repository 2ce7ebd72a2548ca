"""A real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every message it accepts; `refuse` makes DATA answer with that reply."""

    def __init__(self):
        self.messages = []
        self.refuse: str | None = None
        self.refuse_sender: str | None = None
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        with self.lock:
            self.messages.append(
                (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
            )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Started SMTP server; `.port`, `.url`, `.recorder`, `.stop()` and `.start()`."""
    recorder = Recorder()
    port = free_port()

    class Server:
        def __init__(self):
            self.port = port
            self.url = f"smtp://127.0.0.1:{port}"
            self.recorder = recorder
            self.controller = None

        def start(self, **server_kwargs):
            self.controller = Controller(recorder, hostname="127.0.0.1", port=port, **server_kwargs)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

        @property
        def messages(self):
            return [message for _rcpt, message in recorder.messages]

    server = Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    return app


def send_mail(runner) -> str:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output
