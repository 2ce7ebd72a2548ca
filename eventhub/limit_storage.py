"""Rate-limit counters in memory (the embedded default, one host), without a thread per hit.

limits' own MemoryStorage starts a new `threading.Timer` (10 ms) to expire counters
whenever the previous one has finished: under load, a thread start on nearly every
limited request, and a sweep over every counter a hundred times a second, all under the
GIL (about a tenth of a registration's time in a profile of the server under load).
Here expired counters are dropped when they are used (so a window ends exactly when it
should) and swept at most once a second, inline, by whichever hit comes first.

Selected by `memory://` in RATELIMIT_STORAGE_URI (the default without Redis; see
eventhub/__init__.py), which becomes `eventhub-memory://`. With Redis nothing here runs.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time

from limits.storage import MemoryStorage

SCHEME = "eventhub-memory://"
MEMORY_SCHEMES = ("memory://", SCHEME)
SWEEP_SECONDS = 1.0

log = logging.getLogger(__name__)


def in_memory(uri: str) -> bool:
    """Whether limits with this storage URI are kept per process (not shared)."""
    return str(uri).startswith(MEMORY_SCHEMES)


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["eventhub-memory"]  # registers the scheme with limits

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces limits private hook
        """What limits calls before every hit (as `self.__schedule_expiry()`): sweep
        expired counters and moving-window entries at most once a second. A failing
        sweep is logged and never fails the hit (Flask-Limiter would take any storage
        error for an outage and count on an empty fallback storage meanwhile)."""
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            self._sweep()
        except Exception:
            log.warning("sweeping expired rate-limit counters failed", exc_info=True)
        finally:
            self._sweeping.release()

    def _sweep(self) -> None:
        """limits' own expiry, written to run beside other requests: each key is looked
        at again under its lock, and removed only if still expired (limits' version
        assumed nothing else removed keys meanwhile)."""
        wall = time.time()
        # dict.copy() in one step: other threads add and drop keys meanwhile.
        for key in self.events.copy():
            with self.locks[key]:
                if entries := self.events.get(key):
                    # newest first: keep those whose expiry is still ahead
                    ahead = bisect.bisect_left(entries, -wall, key=lambda entry: -entry.expiry)
                    self.events[key] = entries[:ahead]
                if not self.events.get(key):
                    self.events.pop(key, None)
        for key, expiry in self.expirations.copy().items():
            if expiry <= wall:
                self._drop_if_expired(key)
        # The locks of keys gone (as limits does: a hit racing this gets a new lock).
        for key in self.locks.copy():
            if key not in self.storage and key not in self.events:
                self.locks.pop(key, None)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self._drop_if_expired(key)
        return super().incr(key, expiry, amount)

    def decr(self, key: str, amount: int = 1) -> int:
        self._drop_if_expired(key)
        return super().decr(key, amount)

    def _drop_if_expired(self, key: str) -> None:
        # As limits' get() does: a counter whose window has ended starts again at zero.
        with self.locks[key]:
            if self.expirations.get(key, float("inf")) <= time.time():
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
