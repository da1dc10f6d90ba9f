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

The cache holds one version at a time. A request that read an older version before a write and
finishes after it must not empty the newer answers: versions the cache has moved past are retired
(tokens never repeat), and an answer of a retired version is dropped. An operation of kg that spans
several transactions (Neo4j's ``clear``, an aggregates recount) first removes the version, so
nothing is cached while it runs or after it failed half-way.

On a Neo4j cluster read through ``neo4j://``, the version and the data of one request may come from
two members, one lagging behind the other; a lagging member then pairs a new version with older
data. Serve a cluster with ``--cache-mb 0`` (or route reads to one member).
"""

from __future__ import annotations

from collections import OrderedDict, deque
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
        self._retired: deque[str] = deque(maxlen=_RETIRED)  # versions moved past, newest last

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
        a new version empties it (once the graph has changed, older answers are never served); an
        answer of a version it has moved past (a slow request that began before a write) is dropped."""
        if key is None or not self.max_bytes:
            return
        cost = _cost(key, body)
        if cost > self.max_bytes // 4:  # one huge answer must not push out everything else
            return
        if self._version != key[0]:
            if key[0] in self._retired:
                return
            if self._version is not None:
                self._retired.append(self._version)
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


#: How many versions the cache remembers having moved past (a request slower than this many writes
#: in a row may still empty the cache once: harmless).
_RETIRED = 64


def _cost(key: Key, body: bytes) -> int:
    """Bytes an entry holds, at most (its answer, version, query text, variables and operation name,
    plus the bookkeeping; a non-ASCII character of the query counted as 4 bytes, its most in UTF-8)."""
    version, query, variables, operation = key
    chars = len(version) + len(query) + len(operation or "")
    text = chars if version.isascii() and query.isascii() and (operation or "").isascii() else 4 * chars
    return len(body) + len(variables) + text + 200
