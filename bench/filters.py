#!/usr/bin/env python
"""Benchmark (a script, not a test): the two-filter paper searches of ``queries/papers-filters.graphql``
and ``queries/papers-combined-filters.graphql``, with the total counted (the plan before kind tags and
pair counts) and maintained (now), interleaved call by call on the same store in one process.

The searches, as the API builds them (names resolved and families expanded by :mod:`kg.query`):

* "proposes any method" × "evaluated on CIFAR-10", first 10 by id, with the total;
* "diffusion model" × "KL divergence", first 10 by relevance, with the total;
* "diffusion model" × "optimal transport", first 20 newest first, with the total.

*counted*: the page as now, the total counted over the lead key's papers (``SELECT count(*)`` /
``total="count"``), and for the embedded store the kind filter checked on each paper's links (the
statement before layout 4). *maintained*: the store's own plan (``fam_pair`` / ``FamPair``). Both
answers are checked equal. Prints the median wall and CPU ms of each and the counted/maintained ratio,
and the load average before and after (the machine is shared: compare ratios).

Usage::

    .venv/bin/python bench/filters.py --graph var/100k.db [--repeats 15]
    .venv/bin/python bench/filters.py --uri "$NEO4J_URI" [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.models import PaperQuery  # noqa: E402
from kg.query.papers import NameFilter, PaperFilters, build_query  # noqa: E402
from kg.store import cypher as Q  # noqa: E402
from kg.store import records as R  # noqa: E402
from kg.store import sql as S  # noqa: E402

SEARCHES: dict[str, tuple[PaperFilters, str, str, int]] = {
    "proposed x CIFAR-10": (PaperFilters(any_kind="method", role="proposed", datasets=("CIFAR-10",)), "id", "asc", 10),
    "diffusion x KL": (PaperFilters(name="diffusion model", with_=("KL divergence",)), "relevance", "desc", 10),
    "diffusion x OT": (PaperFilters(name="diffusion model", kind="method",
                                    also=(NameFilter(text="optimal transport", kind="divergence"),)),
                       "year", "desc", 20),
}


def counted_sqlite(store, query: PaperQuery):
    """The page and total as the embedded store answered before layout 4 (``_plan`` of then): the
    search driven by the smallest family, a kind filter checked on the paper's links, the total a
    count of the matches."""
    with store._lock:
        keys = [store._family(f.ids) if f.ids and f.role is None and f.variant is None else None
                for f in query.using]
        candidates = [0] if query.order == "relevance" else range(len(keys))
        sizes = {i: store._rows(S.FAM_TOTAL, (keys[i],))[0][0] for i in candidates if keys[i] is not None}
        lead = min(sizes, key=lambda i: (sizes[i], i))
        others = [S.exists_condition(keys[i], list(f.ids), f.kind, f.role, f.variant)
                  for i, f in enumerate(query.using) if i != lead]
        select, count, params = S.fam_papers_sql(keys[lead], others, query)  # type: ignore[arg-type]
        total = store._rows(count, params)[0][0]
        page = [r[:2] for r in store._rows(f"{select} LIMIT ? OFFSET ?", [*params, query.limit, query.offset])]
        xs = store._assemble(page, R.filter_ids(query), claims=False, kinds=R.filter_kinds(query))
    return total, [x.paper.id for x in xs]


def counted_neo4j(store, query: PaperQuery):
    """The page as now, the total counted over the lead key's papers (``total="count"``)."""
    statement, params = store._find_papers_statement(query)
    if "pair" in params:
        statement = Q.fam_papers(query.order, query.direction, True, total="count",
                                 head="KgTag" if str(params["anc"]).startswith("tag:") else "Entity")
    (row,) = store._read(statement, **params)
    return row["total"], [r["paper"]["id"] for r in row["rows"]]


def maintained(store, query: PaperQuery):
    page = store.find_papers(query)
    return page.total, [h.paper.id for h in page.items]


def timed(fn: Callable, store, query: PaperQuery) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(store, query)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, help="an embedded store file")
    parser.add_argument("--uri", help="a Neo4j URI")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    from kg.store import open_store

    if args.uri:
        store = open_store(store="neo4j", neo4j_uri=args.uri)
        counted: Callable = counted_neo4j
    else:
        store = open_store(store="networkx", graph_path=args.graph)
        counted = counted_sqlite
    print(f"{store.name} ({args.graph or args.uri}), {args.repeats} interleaved calls each; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"  {'search':<22} {'total':>7} {'counted ms':>11} {'cpu':>7} {'maintained ms':>14} {'cpu':>7} {'ratio':>6}")
    with store:
        for name, (filters, order, direction, limit) in SEARCHES.items():
            query, _ = build_query(store, filters, order=order, direction=direction, limit=limit, offset=0)  # type: ignore[arg-type]
            before, after = counted(store, query), maintained(store, query)
            assert before == after, (name, before, after)
            runs: dict[str, list[tuple[float, float]]] = {"counted": [], "maintained": []}
            for _ in range(args.repeats):
                for label, fn in (("counted", counted), ("maintained", maintained)):
                    wall, cpu, out = timed(fn, store, query)
                    assert out == after
                    runs[label].append((wall, cpu))
            med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
            print(f"  {name:<22} {after[0]:>7} {med['counted'][0]:>11.1f} {med['counted'][1]:>7.1f} "
                  f"{med['maintained'][0]:>14.1f} {med['maintained'][1]:>7.1f} "
                  f"{med['counted'][0] / med['maintained'][0]:>5.1f}x")
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
