#!/usr/bin/env python
"""Benchmark (a script, not a test): the most used entities of a kind (facets, ``kg entities``,
``methods(orderBy: PAPER_COUNT, limit: 10)``) read whole vs read from the top.

* **before**: what every entity list did until now — ``store.entity_counts(kind)`` ships every
  entity of the kind with its count, and ``kg.query.entities`` sorts them all to cut the page;
* **after**: ``kg.query.entities`` asks only for the page's most used ones
  (``entity_counts(kind, top=offset + limit)``, ties at the cut included) and the total from
  ``count_entities(kind)``.

Both sides run in one process against the same store, interleaved call by call, and must give the
same :class:`~kg.query.EntityList` (it stops if not). Printed per case: median and p95 wall ms,
median CPU ms of this process, and before/after ratios. The embedded store keeps the whole sorted list
between writes, so on it "before" is mostly the sort in ``kg.query.entities``; ``--fresh`` bumps the
store's write count before every call to measure it without that cache (a server under ingest).

``--make PAPERS METHODS`` first CLEARS the store and writes a synthetic graph: each paper uses 3
methods drawn from METHODS with a Zipf-like skew (a few methods in many papers, a long tail), one of
12 divergences and one of 40 datasets.

Usage::

    .venv/bin/python bench/entity_top.py --graph /tmp/top.db --make 20000 5000
    .venv/bin/python bench/entity_top.py --store neo4j --uri "$NEO4J_URI" --make 5000 3000   # CLEARS it
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.models import (  # noqa: E402
    Dataset,
    Divergence,
    EntityCount,
    EntityKind,
    Evidence,
    Extraction,
    GraphDelta,
    Method,
    Paper,
    Tag,
)
from kg.query import entities  # noqa: E402


class WholeList:
    """The counts source of "before": every entity of the kind, whatever the page needs."""

    def __init__(self, store) -> None:
        self.store = store

    def entity_counts(self, kind: EntityKind | None = None, *, top: int | None = None) -> list[EntityCount]:
        return self.store.entity_counts(kind)

    def count_entities(self, kind: EntityKind | None = None) -> int:
        return len(self.store.entity_counts(kind))


def tag(paper: Paper, entity, rng: random.Random) -> Tag:
    surface = entity.name
    start = paper.abstract.index(surface)
    evidence = Evidence(sentence_index=0, sentence=paper.abstract, start=start, end=start + len(surface),
                        surface=surface, rule="bench", extractor_version="bench")
    return Tag(entity=entity, role="used", mentions=(surface,), evidence=(evidence,))


def make(store, papers: int, methods: int, seed: int = 7) -> None:
    """CLEAR ``store`` and write the synthetic graph (batches of 500 papers)."""
    rng = random.Random(seed)
    ms = [Method(id=f"method:m{i:05d}", name=f"Method {i:05d}") for i in range(methods)]
    ds = [Divergence(id=f"divergence:d{i:02d}", name=f"Divergence {i:02d}") for i in range(12)]
    sets = [Dataset(id=f"dataset:s{i:02d}", name=f"Dataset {i:02d}") for i in range(40)]
    weights = [1 / (i + 1) for i in range(methods)]
    store.clear()
    batch: list[Extraction] = []
    started = time.perf_counter()
    for k in range(papers):
        chosen = list(dict.fromkeys(rng.choices(ms, weights, k=3)))
        d, s = rng.choice(ds), rng.choice(sets)
        text = " ".join(e.name for e in (*chosen, d, s)) + "."
        p = Paper(id=f"b{k:07d}", title=f"Paper {k}", abstract=text, year=2000 + k % 25)
        batch.append(Extraction(paper=p, methods=tuple(tag(p, m, rng) for m in chosen),
                                divergences=(tag(p, d, rng),), datasets=(tag(p, s, rng),), extractor_version="bench"))
        if len(batch) == 500 or k == papers - 1:
            store.write(GraphDelta(extractions=tuple(batch), entities=(*ms, *ds, *sets) if k < 500 else ()))
            batch = []
    print(f"wrote {papers} papers over {methods} methods in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def timed(call, fresh) -> tuple[float, float, object]:
    fresh()
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["sqlite", "neo4j"], default="sqlite")
    parser.add_argument("--graph", type=Path, help="the embedded store file (--store sqlite)")
    parser.add_argument("--uri", help="Neo4j URI (--store neo4j)")
    parser.add_argument("--make", nargs=2, type=int, metavar=("PAPERS", "METHODS"),
                        help="CLEAR the store and write a synthetic graph first")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--fresh", action="store_true", help="embedded store: no kept list between calls")
    args = parser.parse_args()
    from kg.store import open_store

    store = open_store(store=args.store, graph_path=args.graph, neo4j_uri=args.uri)
    try:
        if args.make:
            make(store, *args.make)
        counts = store.stats().entities
        print(f"{args.store}: {store.stats().papers} papers, entities {counts}")

        def fresh() -> None:
            if args.fresh and hasattr(store, "_writes"):
                store._writes += 1  # the kept sorted list is stale, as after a write

        before_src = WholeList(store)
        cases = [(f"{kind} top {n}", kind, n) for kind in ("method", "dataset", "divergence") for n in (10, 50)]
        cases.append(("every kind top 20 (kg entities)", None, 20))
        print(f"{'case':<32} {'before p50/p95 ms':>18} {'after p50/p95 ms':>17} {'CPU ms b/a':>12} {'ratio':>6}")
        for label, kind, n in cases:
            sides = {"before": ([], []), "after": ([], [])}
            for _ in range(args.repeats):
                w, c, want = timed(lambda k=kind, n=n: entities(store, k, limit=n, counts=before_src), fresh)
                sides["before"][0].append(w)
                sides["before"][1].append(c)
                w, c, got = timed(lambda k=kind, n=n: entities(store, k, limit=n), fresh)
                sides["after"][0].append(w)
                sides["after"][1].append(c)
                if got != want:
                    raise SystemExit(f"{label}: the answers differ\nbefore {want}\nafter {got}")

            def ms(xs: list[float], q: float) -> float:
                return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1e3

            b, a = sides["before"], sides["after"]
            print(f"{label:<32} {ms(b[0], .5):>8.2f} / {ms(b[0], .95):>7.2f} "
                  f"{ms(a[0], .5):>7.2f} / {ms(a[0], .95):>7.2f} "
                  f"{statistics.median(b[1]) * 1e3:>5.1f}/{statistics.median(a[1]) * 1e3:<5.1f} "
                  f"{statistics.median(b[0]) / statistics.median(a[0]):>5.1f}x")
    finally:
        store.close()


if __name__ == "__main__":
    main()
