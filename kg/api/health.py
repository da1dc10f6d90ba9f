"""Fail fast while the store is down, come back by itself: the API's view of the store's health.

Why: with Neo4j gone, every request used to wait for the driver's retries (about 30 s) before it
answered, so a burst of requests tied up every worker thread. Now:

* :class:`StoreHealth` holds one up/down flag for the whole server. A read that fails with
  :class:`~kg.errors.StoreUnavailable` turns it down; while it is down, every read fails at once
  (no driver call) with the same error, and ``/healthz`` answers 503.
* :meth:`StoreHealth.run` is the background probe (started by the app's lifespan): while the store
  is down it calls the store's ``stats()`` every ``interval`` seconds and turns the flag up again on
  the first answer, so the API is back within about a second of Neo4j returning.
* :class:`GuardedStore` is the per-request wrapper that applies the flag and the request's deadline
  (:class:`~kg.errors.QueryTimeout` once the deadline has passed: a request stops calling the store,
  and a store call in progress stops too — :func:`kg.store.base.read_deadline`: Neo4j gets the time
  left as its transaction timeout, the embedded store interrupts its SQLite statement).

The store's own error message (which names the server's address) goes to the server log here, once
per outage; clients get the masked message of :func:`kg.api.execution.public_error`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from kg.errors import QueryTimeout, StoreUnavailable
from kg.store.base import read_deadline

log = logging.getLogger("kg.api")

#: What a client is told while the store is down (no address, no driver message).
UNAVAILABLE = "the graph store is unavailable right now; try again in a few seconds"


class StoreHealth:
    """The store's up/down state, shared by all requests of one server.

    Args:
        probe: a blocking call that succeeds when the store answers (the server passes the store's
            ``stats``); the probe runs it through ``call`` (a worker thread for a store that does I/O).
        interval: seconds between probes while the store is down.
    """

    def __init__(self, probe: Callable[[], Any], *, interval: float = 0.5) -> None:
        self.probe = probe
        self.interval = interval
        self.available = True
        self.down_since: float | None = None

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` at once while the store is known to be down."""
        if not self.available:
            raise StoreUnavailable(UNAVAILABLE)

    def failed(self, exc: BaseException) -> None:
        """Record that the store did not answer (logged once per outage, with the real reason)."""
        if self.available:
            self.available = False
            self.down_since = time.monotonic()
            log.warning("store unavailable, failing requests fast until it answers again: %s", exc)

    def recovered(self) -> None:
        if not self.available:
            took = time.monotonic() - (self.down_since or time.monotonic())
            log.warning("store available again after %.1f s", took)
        self.available = True
        self.down_since = None

    async def probe_once(self, call: Callable[..., Awaitable[Any]]) -> bool:
        """One probe through ``call`` (the view's thread offloading); True when the store answered."""
        try:
            await call(self.probe)
        except StoreUnavailable as exc:
            self.failed(exc)
            return False
        except Exception:  # noqa: BLE001 - the probe must never end the server
            log.exception("store health probe failed")
            return False
        self.recovered()
        return True

    async def run(self, call: Callable[..., Awaitable[Any]]) -> None:
        """The background probe: while the store is down, probe every :attr:`interval` seconds."""
        while True:
            await asyncio.sleep(self.interval)
            if not self.available:
                await self.probe_once(call)


class GuardedStore:
    """A request's store view (a :class:`kg.api.server.ReadOnlyStore`) that fails fast while the
    store is down and stops calling it once the request's deadline (``time.monotonic()`` value) has
    passed; each call runs under that deadline (:func:`kg.store.base.read_deadline`). Other
    attributes (``name``, ``recorded``) are the wrapped view's."""

    def __init__(self, view: Any, health: StoreHealth, deadline: float | None = None) -> None:
        self._view = view
        self._health = health
        self._deadline = deadline

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._view, attr)
        if not callable(value):
            return value
        health, deadline = self._health, self._deadline

        def guarded(*args: Any, **kwargs: Any) -> Any:
            health.check()
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeout("the request ran past the server's time limit")
            try:
                with read_deadline(deadline):
                    return value(*args, **kwargs)
            except StoreUnavailable as exc:
                health.failed(exc)
                raise

        return guarded
