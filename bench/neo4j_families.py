#!/usr/bin/env python
"""Benchmark (a script, not a test): Neo4j family reads before and after the FAM materialisation.

On a Neo4j database that already holds a corpus (load one with
``/work/shared/tools/make-scale-corpus.py 20000 /tmp/x.jsonl`` and
``kg ingest --store neo4j --bulk /tmp/x.jsonl``), it times in ONE process, interleaved call by call:

* **before**: the store as it answered until the families were materialised — every family read
  falls back to the general statements (``find_papers`` expands every paper linked to the family's
  entities, collects, sorts and slices; years and co-occurrence count distinct papers through the
  links; claims expand every ABOUT edge and sort; a search without filters, which the year facet
  runs for its total, collects and sorts every paper). The same
  :class:`~kg.store.neo4j_store.Neo4jStore` with its family detection and its unfiltered-search
  shortcut switched off, so both sides run against the same database and server;
* **after**: the store as it is (family pages from the FAM index in order, totals from the FAM
  degree, FamYear / FamCooc / FAM_ABOUT for facets and claims).

Cases: ``kg.query.papers_using`` for "KL divergence", "Wasserstein distance" and "f-divergence"
(first page of 20 by relevance, and page 5 newest first), and the example GraphQL documents
queries/facets.graphql, claims-about.graphql, cooccurrence.graphql and papers-using.graphql executed
in-process as ``kg serve`` executes them. It prints the median and p95 wall ms of each side, the
ratio before/after, and checks that both sides give the same answer (it stops if not).

``--write-papers N`` instead measures the write path: the database is CLEARED, then N papers (real
extractions replicated as bench/store.py does) are written in batches of 1,000 by the old write
transaction and, after another clear, by the current one (which also files every paper and claim
under its families); papers/s of each and the ratio.

Usage::

    eval "$(scripts/neo4j-local env)"
    .venv/bin/python bench/neo4j_families.py [--repeats 15]
    .venv/bin/python bench/neo4j_families.py --write-papers 3000   # clears the database
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

from kg.store.neo4j_store import Neo4jStore  # noqa: E402

QUERIES = ROOT / "queries"


class BeforeStore(Neo4jStore):
    """The Neo4j store with family detection off and every search taken as filtered: every read takes
    the general path it took before (those statements are unchanged in kg.store.cypher)."""

    def _families(self, groups):
        return [None] * len(groups)

    @staticmethod
    def _on_top(params):
        return True

    @staticmethod
    def _write_batch(tx, batch):
        """The write transaction as it was: graph statements and per-entity summaries, no families."""
        from kg.store import cypher as Q
        from kg.store import records as R

        new = {x.paper.id: R.footprint(x) for x in batch.extractions}
        old = {}
        if new:
            for r in tx.run(Q.OLD_FOOTPRINTS, ids=list(new)):
                old[r["id"]] = (r["year"], frozenset(r["entities"]))
        for query, params in Q.write_plan(batch) + Q.aggregate_plan(*R.aggregate_deltas(old, new)):
            tx.run(query, params).consume()


def graphql(store, name: str) -> Callable[[], object]:
    """A call executing ``queries/<name>.graphql`` (its default variables) as ``kg serve`` does."""
    from kg.api.execution import execute_request
    from kg.api.loaders import RequestLoader
    from kg.api.schema import schema
    from kg.api.server import ReadOnlyStore

    text = (QUERIES / f"{name}.graphql").read_text(encoding="utf-8")

    def call() -> object:
        result = execute_request(schema.graphql_schema, text, context={"loader": RequestLoader(ReadOnlyStore(store))},
                                 variables={})
        assert not result.errors, result.errors
        return result.data

    return call


def papers(store, name: str, **kwargs) -> Callable[[], object]:
    from kg.query import papers_using

    def call() -> object:
        page = papers_using(store, name, **kwargs).page
        return page.total, [(h.paper.id, h.matches) for h in page.items]

    return call


def cases(store) -> dict[str, Callable[[], object]]:
    return {
        'papers-using "KL divergence" (20, relevance)': papers(store, "KL divergence", limit=20),
        'papers-using "Wasserstein distance" (20, relevance)': papers(store, "Wasserstein distance", limit=20),
        'papers-using "f-divergence" (20, relevance)': papers(store, "f-divergence", limit=20),
        'papers-using "KL divergence" page 5, newest first': papers(store, "KL divergence", limit=20, offset=80,
                                                                   order="year", direction="desc"),
        "facets.graphql": graphql(store, "facets"),
        "claims-about.graphql": graphql(store, "claims-about"),
        "cooccurrence.graphql": graphql(store, "cooccurrence"),
        "papers-using.graphql": graphql(store, "papers-using"),
    }


def writes(args) -> None:
    """Papers/s of the old and the current write transaction, each into a cleared database."""
    import tempfile

    from store import replicate, templates  # bench/store.py

    base = templates(Path(tempfile.gettempdir()) / "kg-bench-templates.pkl")
    deltas = list(replicate(base, args.write_papers))
    rates = {}
    for label, cls in (("before (no families)", BeforeStore), ("after (families)", Neo4jStore)):
        store = cls(args.uri, None, args.database)
        store.clear()
        t0 = time.perf_counter()
        for delta in deltas:
            store.write(delta)
        took = time.perf_counter() - t0
        rates[label] = args.write_papers / took
        print(f"{label:22} {args.write_papers:,} papers in {took:6.1f} s: {rates[label]:7.1f} papers/s", flush=True)
        store.clear()
        store.close()
    print(f"write cost after/before: {rates['before (no families)'] / rates['after (families)']:.2f}x")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    parser.add_argument("--database", default=os.environ.get("NEO4J_DATABASE", "neo4j"))
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--write-papers", type=int, default=0, help="measure writes instead (CLEARS the database)")
    args = parser.parse_args()
    if args.write_papers:
        writes(args)
        return

    before = BeforeStore(args.uri, None, args.database)
    after = Neo4jStore(args.uri, None, args.database)
    stats = after.stats()
    print(f"Neo4j {args.uri}: {stats.papers:,} papers, {stats.claims:,} claims; {args.repeats} interleaved "
          "calls per side after one warm-up each (wall ms)")
    print(f"{'case':52} {'before p50':>10} {'p95':>8} {'after p50':>10} {'p95':>8} {'before/after':>12}")
    b_cases, a_cases = cases(before), cases(after)
    for name in b_cases:
        b, a = b_cases[name], a_cases[name]
        if b() != a():  # warm-up, and the two sides must agree
            sys.exit(f"{name}: before and after give different answers")
        tb, ta = [], []
        for _ in range(args.repeats):
            for fn, out in ((b, tb), (a, ta)):
                t0 = time.perf_counter()
                fn()
                out.append((time.perf_counter() - t0) * 1e3)
        mb, ma = statistics.median(tb), statistics.median(ta)
        print(f"{name:52} {mb:10.1f} {p95(tb):8.1f} {ma:10.1f} {p95(ta):8.1f} {mb / ma:11.1f}x", flush=True)
    before.close()
    after.close()


if __name__ == "__main__":
    main()
