"""Deliver queued confirmations to a local SMTP server (aiosmtpd) with one worker.

Usage: .venv/bin/python bench/mail.py [--mails 1000] [--database URL]

Registers --mails people for one event through the registration service (so each
outbox row is a real confirmation: text, HTML, QR code, iCal twice), then runs one
worker pass (`flask mail send` without --loop) against aiosmtpd on a free loopback
port and reports mails per second. Aim: at least 50/s.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventhub import create_app
from eventhub.events.records import import_events
from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.mail.delivery import run_worker
from eventhub.models import Event


class Counter:
    def __init__(self):
        self.count = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--database")
    args = parser.parse_args()
    port = free_port()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "DATABASE_URL": url,
                "TESTING": True,
                "SECRET_KEY": "bench",
                "SMTP_URL": f"smtp://127.0.0.1:{port}",
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            import_events(
                [
                    {
                        "slug": "bench",
                        "title": "Integration von Geflüchteten in Arbeit",
                        "format": "fachtagung",
                        "starts_at": "2030-01-15T10:00:00+01:00",
                        "ends_at": "2030-01-15T16:00:00+01:00",
                        "status": "published",
                        "venue": {"name": "Lohnhalle", "city": "Bottrop"},
                        "hosts": [{"name": "G.I.B.", "slug": "gib", "role": "host"}],
                        "contact": {"name": "Erika Muster", "email": "erika@example.org"},
                    }
                ]
            )
            event_id = db.session.scalar(db.select(Event.id))
            started = time.perf_counter()
            for n in range(args.mails):
                register(
                    event_id,
                    Attendee(
                        "Jürgen", f"Müller {n}", f"p{n}@example.org", organisation="Bäckerei Größe"
                    ),
                )
            queued = time.perf_counter() - started
            started = time.perf_counter()
            report = run_worker(loop=False)
            sent = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    controller.stop()
    assert report.sent == counter.count == args.mails, (report, counter.count)
    print(f"{args.mails} confirmations, {url.split(':')[0]}, one worker, aiosmtpd on loopback")
    print(f"registering (compose + outbox row): {queued:.1f} s = {args.mails / queued:.0f}/s")
    print(
        f"delivering: {sent:.2f} s = {args.mails / sent:.0f} mails/s "
        f"(average message {counter.bytes / counter.count / 1024:.1f} KiB)"
    )


if __name__ == "__main__":
    main()
