"""What the registration area tells the areas that build on it, without importing them
(imports run one way: network → events). Receivers run inside the sender's write
transaction, so their changes commit or roll back with it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by the app (the sender) with `registration_ids`: registrations that were just
# cancelled (by the person, the organisers, a bulk cancel) inside the open transaction;
# `notify` False when the organisers chose to mail the cancelled people nothing.
registrations_cancelled = _signals.signal("registrations-cancelled")

# Sent by the app with `event_id`: the event was just cancelled (workspace or import),
# inside the open transaction.
event_cancelled = _signals.signal("event-cancelled")
