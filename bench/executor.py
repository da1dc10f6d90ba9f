#!/usr/bin/env python
"""Executor benchmark (a script, not a test): kg's fast-path executor against stock graphql-core.

For each example query (``queries/*.graphql``) over an embedded store file, in one process, the
median and p95 of executing the (already parsed and validated) request with:

* ``fast``  — :class:`kg.api.fastexec.FastExecutionContext` + the coroutine-only awaitable check
  (what the server uses on graphql-core 3.2);
* ``stock`` — graphql-core's own ``ExecutionContext`` and awaitable check (what it uses otherwise);

and the ratio stock / fast. Each run gets a fresh per-request loader (as the server does), so the
store calls are included: the ratio is what a request saves, not what the executor alone saves.

Usage: .venv/bin/python bench/executor.py GRAPH.json [--repeats 30]
(build GRAPH.json with ``kg ingest`` of a ``make-scale-corpus.py`` output)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphql import ExecutionContext, execute  # noqa: E402

from kg.api.execution import Limits, prepare  # noqa: E402
from kg.api.fastexec import FastExecutionContext, is_coroutine  # noqa: E402
from kg.api.loaders import RequestLoader  # noqa: E402
from kg.api.schema import schema  # noqa: E402
from kg.api.server import ReadOnlyStore  # noqa: E402
from kg.store.sqlite_store import SQLiteStore  # noqa: E402


def run(store, document, context_class, awaitable) -> object:
    kw = {"is_awaitable": awaitable} if awaitable is not None else {}
    result = execute(schema.graphql_schema, document, context_value={"loader": RequestLoader(ReadOnlyStore(store))},
                     execution_context_class=context_class, **kw)
    assert not result.errors, result.errors
    return result.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", type=Path)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    store = SQLiteStore(args.graph)
    started = time.perf_counter()
    papers = store.stats().papers
    print(f"{args.graph}: {papers} papers (loaded in {time.perf_counter() - started:.1f}s)")
    print(f"{'query':<26} {'fast ms':>9} {'stock ms':>9} {'stock/fast':>10}   "
          f"(median of {args.repeats}; p95 in brackets)")
    ratios = []
    for path in sorted((ROOT / "queries").glob("*.graphql")):
        document, errors = prepare(schema.graphql_schema, path.read_text(encoding="utf-8"), (), Limits())
        assert not errors, errors
        assert run(store, document, FastExecutionContext, is_coroutine) == run(store, document, ExecutionContext, None)
        times: dict[str, list[float]] = {"fast": [], "stock": []}
        for _ in range(args.repeats):  # interleaved: drift on a noisy machine hits both alike
            for label, cls, aw in (("fast", FastExecutionContext, is_coroutine), ("stock", ExecutionContext, None)):
                t = time.perf_counter()
                run(store, document, cls, aw)
                times[label].append(time.perf_counter() - t)
        fast, stock = statistics.median(times["fast"]), statistics.median(times["stock"])
        p95 = {k: sorted(v)[int(0.95 * (len(v) - 1))] for k, v in times.items()}
        ratios.append(stock / fast)
        print(f"{path.stem:<26} {fast * 1e3:>9.2f} {stock * 1e3:>9.2f} {stock / fast:>10.2f}   "
              f"[{p95['fast'] * 1e3:.2f} / {p95['stock'] * 1e3:.2f}]")
    print(f"{'geometric mean ratio':<46} {statistics.geometric_mean(ratios):>10.2f}")


if __name__ == "__main__":
    main()
