#!/usr/bin/env python
"""Ingest benchmark (a script, not a test): how fast the stores take the graph, and how fast they
answer "papers using X".

In one run it prints, as medians over ``--repeats`` runs:

1. store write throughput (papers/s) for the embedded SQLite store and for Neo4j, ingesting the
   bundled seed repeated to >= 10,000 papers (each copy with distinct ids and titles). **Extraction is
   done once** for the 224 seed papers and the resulting extractions are re-labelled per copy, so what
   is timed is the store write exactly as ``kg ingest`` does it: GraphDelta batches of
   ``--batch-size`` papers, flushed as :class:`kg.ingest.Checkpoint` decides (the embedded store
   rewrites its whole file on a flush: after the first batch, then when work since the last flush
   is >= 4x that flush's cost, and at the end);
2. batched ``UNWIND`` writes vs one-MERGE-per-row writes on Neo4j: the same statements from
   :func:`kg.store.cypher.write_plan`, once with whole row lists in one transaction per batch (what
   the store does), once with row lists of size 1, one transaction per row (the naive baseline);
   the ratio is the speed-up (target >= 10x);
3. "papers using X" latency (median, p95) through :func:`kg.query.papers_using` on both stores
   holding the >= 10,000-paper graph.

Neo4j comes from ``NEO4J_URI`` (and NEO4J_USERNAME/NEO4J_PASSWORD/NEO4J_DATABASE; start one with
``eval "$(scripts/neo4j-local start && scripts/neo4j-local env)"``); without it those parts are
skipped with a message. The Neo4j database is CLEARED: do not point this at a graph you need.

Usage: .venv/bin/python bench/ingest.py [--papers 10000] [--repeats 3] [--per-row-papers 200]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.models import Extraction, GraphDelta  # noqa: E402

LOOKUPS = ("KL divergence", "f-divergence", "CIFAR-10")


def copy_extraction(x: Extraction, k: int) -> Extraction:
    """Copy ``k`` of an extraction: paper id ``<id>-c<k>``, title suffixed, claim ids re-keyed."""
    pid = f"{x.paper.id}-c{k:03d}"
    paper = x.paper.model_copy(update={"id": pid, "title": f"{x.paper.title} [copy {k}]"})
    claims = tuple(c.model_copy(update={"id": c.id.replace(x.paper.id, pid, 1), "paper_id": pid})
                   for c in x.claims)
    return x.model_copy(update={"paper": paper, "claims": claims})


def corpus(n_papers: int) -> tuple[list[Extraction], float]:
    """Seed extractions repeated to at least ``n_papers``; also the extraction rate (papers/s)."""
    from kg.config import default_data_dir
    from kg.extract import extract
    from kg.read import read_papers

    papers = read_papers(default_data_dir() / "seed" / "papers.jsonl").papers
    t0 = time.perf_counter()
    seed = list(extract(papers))
    rate = len(seed) / (time.perf_counter() - t0)
    copies = math.ceil(n_papers / len(seed))
    return [copy_extraction(x, k) for k in range(copies) for x in seed], rate


def batches(extractions: list[Extraction], size: int) -> list[GraphDelta]:
    from kg.ingest import taxonomy_entities

    out = [GraphDelta(entities=tuple(taxonomy_entities()))]
    out += [GraphDelta(extractions=tuple(extractions[i : i + size])) for i in range(0, len(extractions), size)]
    return out


def timed_write(store, deltas: list[GraphDelta]) -> float:
    """Seconds to write every delta the way ``kg ingest`` does: write each batch, flushing as
    :class:`kg.ingest.Checkpoint` decides, and at the end."""
    from kg.ingest import Checkpoint

    t0 = time.perf_counter()
    checkpoint = Checkpoint(store)
    for d in deltas:
        store.write(d)
        checkpoint.after_batch(bool(d.extractions))
    checkpoint.finish()
    return time.perf_counter() - t0


def summary(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, math.ceil(0.95 * len(xs)) - 1)]


def lookup_latency(store, repeats: int) -> dict[str, tuple[float, float, int]]:
    """``{X: (median ms, p95 ms, total papers)}`` of ``papers_using(store, X)``."""
    from kg.query import papers_using

    out = {}
    for name in LOOKUPS:
        papers_using(store, name)  # warm up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = papers_using(store, name)
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = (*summary(times), result.page.total)
    return out


def print_lookups(store_name: str, lat: dict[str, tuple[float, float, int]]) -> None:
    for name, (med, p95, total) in lat.items():
        print(f"  {store_name:8} papers-using {name!r:18} {total:6d} papers   median {med:8.2f} ms   p95 {p95:8.2f} ms")


def per_row_write(driver, database: str, deltas: list[GraphDelta]) -> None:
    """The naive baseline: every statement of write_plan with ONE row, one transaction per row."""
    from kg.store.cypher import write_plan

    for delta in deltas:
        for query, params in write_plan(delta):
            key = "rows" if "rows" in params else "ids"
            for row in params[key]:
                driver.execute_query(query, parameters_={**params, key: [row]}, database_=database)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--papers", type=int, default=10_000, help="papers to write (seed copies)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median)")
    ap.add_argument("--batch-size", type=int, default=1000, help="papers per write batch")
    ap.add_argument("--per-row-papers", type=int, default=200, help="papers in the batched-vs-per-row comparison")
    ap.add_argument("--lookups", type=int, default=30, help="timed papers-using calls per X")
    args = ap.parse_args()

    from kg.store.sqlite_store import SQLiteStore

    extractions, extract_rate = corpus(args.papers)
    n = len(extractions)
    deltas = batches(extractions, args.batch_size)
    print(f"corpus: the 224 seed papers extracted once ({extract_rate:.0f} papers/s, not timed below), "
          f"repeated to {n} papers; {len(deltas) - 1} batches of {args.batch_size} + the taxonomy")
    print("timed: store.write per batch + checkpoint flushes, as kg ingest does (medians of "
          f"{args.repeats} runs on a fresh store each)")

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    nx_times = []
    for r in range(args.repeats):
        path = tmp / f"graph-{r}.json"
        nx_times.append(timed_write(SQLiteStore(path), deltas))
    nx_med = statistics.median(nx_times)
    print(f"\nnetworkx ingest: {n / nx_med:8.0f} papers/s  (median {nx_med:.2f} s for {n} papers; "
          f"runs {', '.join(f'{t:.2f}' for t in nx_times)} s; file {path.stat().st_size / 1e6:.0f} MB)")
    mem_times = [timed_write(SQLiteStore(None), deltas) for _ in range(args.repeats)]
    mem_med = statistics.median(mem_times)
    print(f"  the same writes in memory only (no file): {n / mem_med:.0f} papers/s (median {mem_med:.2f} s); "
          f"time with persisting / in memory: {nx_med / mem_med:.2f}x")
    nx_store = SQLiteStore(path)
    nx_lat = lookup_latency(nx_store, args.lookups)

    uri = os.environ.get("NEO4J_URI")
    if not uri:
        print("\nNeo4j: skipped (NEO4J_URI is not set; start one: "
              'eval "$(scripts/neo4j-local start && scripts/neo4j-local env)")')
        print("\npapers using X (median/p95 of", args.lookups, "calls):")
        print_lookups("sqlite", nx_lat)
        return

    import neo4j

    from kg.config import load_settings
    from kg.store import open_store
    from kg.store.cypher import write_plan

    settings = load_settings(store="neo4j", batch_size=args.batch_size)
    neo = open_store(settings)
    neo_times = []
    for _ in range(args.repeats):
        neo.clear()
        neo_times.append(timed_write(neo, deltas))
    neo_med = statistics.median(neo_times)
    print(f"neo4j    ingest: {n / neo_med:8.0f} papers/s  (median {neo_med:.2f} s for {n} papers; "
          f"runs {', '.join(f'{t:.2f}' for t in neo_times)} s; {uri})")
    print(f"ratio sqlite / neo4j papers/s: {neo_med / nx_med:.2f}")

    print("\npapers using X (median/p95 of", args.lookups, "calls, graph of", n, "papers):")
    print_lookups("sqlite", nx_lat)
    neo_lat = lookup_latency(neo, args.lookups)
    print_lookups("neo4j", neo_lat)
    for name in LOOKUPS:
        assert nx_lat[name][2] == neo_lat[name][2], f"stores disagree on {name!r}"

    small = batches(extractions[: args.per_row_papers], args.batch_size)
    rows = sum(len(p.get("rows", p.get("ids", []))) for d in small for _, p in write_plan(d))

    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    auth = (settings.neo4j_username, password) if password else None
    batched_t, per_row_t = [], []
    with neo4j.GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        for _ in range(2):  # warm-up, not timed: query plans cached for both ways
            neo.clear()
            timed_write(neo, small[:2])
            neo.clear()
            per_row_write(driver, settings.neo4j_database, [small[0], GraphDelta(extractions=small[1].extractions[:2])])
        for _ in range(args.repeats):
            neo.clear()
            batched_t.append(timed_write(neo, small))
            neo.clear()
            t0 = time.perf_counter()
            per_row_write(driver, settings.neo4j_database, small)
            per_row_t.append(time.perf_counter() - t0)
    b, p = statistics.median(batched_t), statistics.median(per_row_t)
    k = args.per_row_papers
    print(f"\nNeo4j writes of {k} papers ({rows} rows; medians of {args.repeats}):")
    print(f"  batched UNWIND (one tx per batch): {b:8.3f} s  {k / b:8.0f} papers/s")
    print(f"  one MERGE per row (one tx per row): {p:8.3f} s  {k / p:8.0f} papers/s")
    print(f"  ratio batched / per-row: {p / b:.1f}x  (target >= 10x)")
    neo.clear()
    neo.close()


if __name__ == "__main__":
    main()
