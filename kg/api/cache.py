"""Answers kept until the graph changes: the API's cache of whole GraphQL responses.

Why: the example questions of a research index are asked again and again (the facets of a landing
page, "papers using the KL divergence"), and at a million papers even an answer read from maintained
aggregates costs tens of milliseconds of CPU — on 2 cores, 50 clients asking them queue for seconds
(bench/load.py). The graph changes only when something is ingested, so an answer stays right until
then.

How: :class:`AnswerCache` maps ``(store version, query text, variables, operation name)`` to the
encoded body of a response that had no errors. The store version (:meth:`GraphStore.version`: the
SQLite file's generation, Neo4j's ``KgMeta`` token) is read once per request, before anything else,
so an answer is served only while the graph is the one it was computed from — or a newer one, as a
write that lands during a request can only make the answer newer than its key, never older. A write
through kg by any process changes the version, so the next request misses and recomputes. Errors
(timeouts, an unavailable store, bad input) are never kept. Bounded by total size, least recently
used first out. ``kg serve --cache-mb 0`` turns it off.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

__all__ = ["AnswerCache"]

Key = tuple[str, str, bytes, str | None]


class AnswerCache:
    """Encoded GraphQL answers by ``(version, query, variables, operation)``, at most ``max_bytes``.

    Not thread-safe: the server uses it from its event loop only.

    Example::

        cache = AnswerCache(64 * 2**20)
        key = cache.key(store.version(), query, variables, None)
        body = cache.get(key)            # None: compute, then cache.put(key, body)
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Key, bytes] = OrderedDict()
        self._version: str | None = None

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def key(version: str | None, query: Any, variables: dict[str, Any] | None,
            operation_name: str | None) -> Key | None:
        """The key of a request, or None when it cannot be cached (no version, no query text,
        variables that do not encode)."""
        if version is None or not isinstance(query, str):
            return None
        try:
            encoded = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        return version, query, encoded, operation_name

    def get(self, key: Key | None) -> bytes | None:
        """The kept answer for ``key`` (then it is the most recently used), or None."""
        if key is None or not self.max_bytes:
            return None
        body = self._items.get(key)
        if body is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return body

    def put(self, key: Key | None, body: bytes) -> None:
        """Keep ``body`` (an answer without errors) for ``key``; the least recently used answers go
        when the total passes :attr:`max_bytes`. The cache holds one version at a time: an answer of
        another version empties it (once the graph has changed, older answers are never served)."""
        if key is None or not self.max_bytes:
            return
        cost = _cost(key, body)
        if cost > self.max_bytes // 4:  # one huge answer must not push out everything else
            return
        if self._version != key[0]:
            self._items.clear()
            self.size = 0
            self._version = key[0]
        old = self._items.pop(key, None)
        if old is not None:
            self.size -= _cost(key, old)
        self._items[key] = body
        self.size += cost
        while self.size > self.max_bytes:
            first, dropped = self._items.popitem(last=False)
            self.size -= _cost(first, dropped)


def _cost(key: Key, body: bytes) -> int:
    """Bytes an entry holds, roughly (its answer, query text and variables, plus the bookkeeping)."""
    return len(body) + len(key[1]) + len(key[2]) + 200
