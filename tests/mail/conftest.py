"""A real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import logging
import socket
import threading
from email import message_from_bytes, policy
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert

from eventhub.extensions import db
from eventhub.models import OutboxMessage

# aiosmtpd's own connection chatter (INFO) is not what a failing test needs to show.
logging.getLogger("mail.log").setLevel(logging.WARNING)


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


def queue_copies(row: OutboxMessage, count: int) -> None:
    """Queue `count` more messages like `row` in one bulk INSERT, each to its own recipient
    (copy0@example.org, ...) and with its own Message-ID. For tests that need many queued
    messages rather than many registrations: a confirmation costs a form post each."""
    copies = []
    for n in range(count):
        recipient = f"copy{n}@example.org"
        message_id = make_msgid(idstring="copy", domain="eventhub.test")
        message = row.message.replace(row.message_id.encode(), message_id.encode())
        assert message != row.message, "the Message-ID header must be replaced"
        copies.append(
            {
                "kind": row.kind,
                "recipient": recipient,
                "subject": row.subject,
                "message": message.replace(row.recipient.encode(), recipient.encode()),
                "message_id": message_id,
                "status": "queued",
                "attempts": 0,
                "next_attempt_at": row.next_attempt_at,
                "last_error": "",
                "created_at": row.created_at,
                "event_id": row.event_id,
                "registration_id": row.registration_id,
            }
        )
    db.session.execute(insert(OutboxMessage), copies)
    db.session.commit()
