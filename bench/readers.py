#!/usr/bin/env python
"""Concurrent reads of the embedded store (a benchmark, not a test): one reader connection vs a pool.

``kg serve`` runs each request in a worker thread. Until the pool of read-only connections
(kg/store/sqlite_readers.py) the embedded store read through one connection, so requests took turns:
a slow read held every request behind it. This script measures that effect alone, in one process,
so that the machine's load hits both sides alike: N threads each run the example queries
(``queries/*.graphql``, through :func:`kg.api.execution.execute_request` with the server's
per-request store wrapper and time limit) for T seconds against

* ``one``: ``SQLiteStore(path, readers=1)`` — one reader connection; a read holds it for the whole
  store call, as the single locked connection did;
* ``pool``: ``SQLiteStore(path)`` — the default pool.

The two alternate for ``--rounds`` rounds (one, pool, one, pool, …; a warm-up round each first).
Printed per side: requests/s and p50/p95/p99 latency per query and overall (medians over the
rounds), errors, and the pool/one ratios. No HTTP: ``bench/load.py`` measures the whole server.

Usage::

    .venv/bin/python bench/readers.py --graph var/100k.db --threads 50 --seconds 30 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.api.execution import Limits, execute_request  # noqa: E402
from kg.api.health import GuardedStore, StoreHealth  # noqa: E402
from kg.api.loaders import RequestLoader  # noqa: E402
from kg.api.schema import schema  # noqa: E402
from kg.api.server import ReadOnlyStore  # noqa: E402
from kg.store.sqlite_store import SQLiteStore  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def one_round(store: SQLiteStore, queries: list[tuple[str, str]], threads: int, seconds: float,
              limits: Limits) -> tuple[dict[str, list[float]], int, float]:
    """Every thread cycles through the queries (from its own start) until the time is up."""
    health = StoreHealth(store.stats)
    latency: dict[str, list[float]] = defaultdict(list)
    errors = 0
    lock = threading.Lock()
    until = time.perf_counter() + seconds

    def worker(start: int) -> None:
        nonlocal errors
        i = start
        while time.perf_counter() < until:
            name, text = queries[i % len(queries)]
            i += 1
            sent = time.perf_counter()
            context = {"loader": RequestLoader(GuardedStore(ReadOnlyStore(store), health,
                                                            time.monotonic() + limits.time_limit))}
            result = execute_request(schema.graphql_schema, text, context=context, limits=limits)
            took = time.perf_counter() - sent
            with lock:
                latency[name].append(took)
                errors += bool(result.errors)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latency, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, required=True, help="embedded store file")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    queries = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(args.queries.glob("*.graphql"))]
    limits = Limits(time_limit=args.time_limit)
    stores = {"one": SQLiteStore(args.graph, readers=1), "pool": SQLiteStore(args.graph)}
    print(f"{args.graph}: {args.threads} threads x {args.seconds:g}s, {args.rounds} rounds a side, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for store in stores.values():
        one_round(store, queries, min(args.threads, 4), 3.0, limits)  # warm-up
    stats: dict[str, dict[str, list[float]]] = {side: defaultdict(list) for side in stores}
    for r in range(args.rounds):
        for side, store in stores.items():
            latency, errors, elapsed = one_round(store, queries, args.threads, args.seconds, limits)
            every = [x for xs in latency.values() for x in xs]
            row = stats[side]
            row["req/s"].append(len(every) / elapsed)
            row["errors"].append(errors)
            for q in (0.5, 0.95, 0.99):
                row[f"p{int(q * 100)}"].append(percentile(every, q))
            for name, xs in latency.items():
                row[f"{name} p50"].append(percentile(xs, 0.5))
            p50, p99 = percentile(every, .5) * 1e3, percentile(every, .99) * 1e3
            print(f"  round {r + 1} {side:>4}: {len(every) / elapsed:6.1f} req/s, p50 {p50:7.0f} ms, "
                  f"p99 {p99:7.0f} ms, {errors} errors, load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n  {'(median of rounds)':<34} {'one':>10} {'pool':>10} {'pool/one':>9}")
    for key in stats["one"]:
        one, pool = statistics.median(stats["one"][key]), statistics.median(stats["pool"][key])
        scale = 1 if key in ("req/s", "errors") else 1e3
        ratio = f"{pool / one:9.2f}" if one else f"{'-':>9}"
        print(f"  {key:<34} {one * scale:>10.1f} {pool * scale:>10.1f} {ratio}")
    for store in stores.values():
        store.close()


if __name__ == "__main__":
    main()
