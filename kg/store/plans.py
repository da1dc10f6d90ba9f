"""One first run per Cypher statement at a time: concurrent requests do not plan the same statement
twice, and only a few statements are planned at once.

Why: Neo4j plans a statement on its first run and caches the plan per statement text and parameter
types; its cache does not coalesce concurrent misses — every request that misses plans the statement
itself (``QueryCache.computeIfAbsentOrStale`` in Neo4j 5 compiles in each missing thread). Planning
costs 0.05–1 CPU-second per kg statement on a warm JVM and about three times that on the cold JVM of
a freshly restarted server. So right after a restart, N clients asking the same question made Neo4j
plan each of its statements N times, and questions asked together planned all their statements at
once on a 2-core machine: the first answers came back only after all of that work, and planning that
outran the transaction timeout was thrown away and started again (bench/recovery.py).

:class:`PlanGate` sits in front of every read of :class:`kg.store.neo4j_store.Neo4jStore`:

* a statement (text + parameter types, as Neo4j keys its cache) already run since the store last
  reached the server runs at once, with no lock but one set lookup;
* the first run of any other statement holds that statement's lock: concurrent requests with the same
  statement wait for it and then find the plan cached;
* at most ``slots`` first runs of different statements proceed at once (the rest wait their turn), so
  a cold server plans a few statements at full speed instead of all of them at a crawl;
* :meth:`PlanGate.forget` (the store calls it when the server stops answering) starts over: a
  restarted server has an empty plan cache.

A first run that runs long (a heavy read on a large graph) holds its slot for its whole run, so other
statements' first runs wait for it; once the statements a server sees are warm, the gate costs one
set lookup per read.

A plan Neo4j evicts or replans later (cache size, changed statistics) is planned again without the
gate's help; that is rare and costs what it cost before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def value_type(value: Any) -> Hashable:
    """A parameter's type as Neo4j tells plans apart (null, boolean, integer, float, string, list of
    element types, map). Finer than Neo4j's own is harmless: the gate then just waits less."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, (list, tuple)):
        return ("list", frozenset(value_type(v) for v in value))
    return type(value).__name__


def statement_key(query: str, params: Mapping[str, Any]) -> Hashable:
    """What Neo4j caches a plan under: the statement text and its parameters' types."""
    return query, frozenset((name, value_type(v)) for name, v in params.items())


class PlanGate:
    """Serialises the first runs of statements (see the module docstring).

    Args:
        slots: how many first runs of different statements may proceed at once.

    Example::

        gate = PlanGate()
        rows = gate.run(statement_key(query, params), lambda: session_run(query, params))
    """

    def __init__(self, slots: int = 2) -> None:
        self._warm: set[Hashable] = set()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self._slots = threading.BoundedSemaphore(slots)
        self._epoch = 0
        #: How many first runs went through the gate (each one planned by Neo4j).
        self.first_runs = 0

    def is_warm(self, key: Hashable) -> bool:
        """Has this statement run since the store last reached the server?"""
        return key in self._warm

    def run(self, key: Hashable, call: Callable[[], T]) -> T:
        """``call()`` — directly when ``key`` ran before, else as its one first run."""
        if key in self._warm:
            return call()
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._warm:
                with self._slots:
                    epoch = self._epoch
                    result = call()
                with self._guard:
                    self.first_runs += 1
                    if epoch == self._epoch:
                        self._warm.add(key)
                return result
        return call()

    def forget(self) -> None:
        """The server stopped answering (it may come back with an empty plan cache): every
        statement is cold again."""
        with self._guard:
            self._warm.clear()
            self._epoch += 1
