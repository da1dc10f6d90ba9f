#!/usr/bin/env python
"""Benchmark: the CPU of ``kg ingest --store neo4j --bulk`` by part, without Neo4j.

Runs :func:`kg.ingest.ingest` with ``bulk=True`` on a stand-in store (an empty "database", no
planning hits) whose bulk loader is the real :class:`kg.store.bulk.BulkImport` minus neo4j-admin: the
same reading, planning, spawned extraction workers and CSV staging (``write`` per batch, the tail of
entities, ABOUT, FAM, FAM_ABOUT, kind tags and summary nodes) as the real command, then stops before the import.
Prints CPU seconds and ms per paper of the extraction workers (``RUSAGE_CHILDREN``), of the parent
(``RUSAGE_SELF``) and, inside the parent, of the staging (``write``) and the tail; the CSV files stay
in OUTDIR, so two revisions' files can be compared byte for byte (and imported by neo4j-admin to time it).

CPU seconds on a shared 2-core VM move by up to 2x with what else runs (the same revision read 5.9
and 2.9 worker ms a paper an hour apart here): compare revisions back to back, or by instructions
(bench/icount.py).

    PYTHONPATH=<tree> .venv/bin/python bench/bulkstage.py CORPUS.jsonl OUTDIR [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    import kg.store
    from kg.ingest import ingest
    from kg.models import Stats
    from kg.store import bulk as B

    spent = {"write": 0.0, "tail": 0.0}

    class Store:  # what ingest and BulkImport ask of a Neo4j store whose database is empty
        name, database, uri = "stand-in", "neo4j", "bolt://stand-in"

        def _read(self, query, **params):
            return [{"nodes": 0}]

        def paper_versions(self, ids):
            return {}

        def stats(self):
            return Stats(papers=0, entities={}, links={}, claims=0)

        def flush(self):
            pass

    class Stage(B.BulkImport):
        def write(self, delta):
            t = time.process_time()
            super().write(delta)
            spent["write"] += time.process_time() - t

        def finish(self):  # the tail, not the import
            t = time.process_time()
            self._write_tail()
            self._close_files()
            spent["tail"] += time.process_time() - t

        def close(self):
            self._close_files()

    args.outdir.mkdir(parents=True, exist_ok=True)
    kg.store.check_bulk_load = lambda store: None  # ingest imports both at call time
    kg.store.bulk_loader = lambda store: Stage(Store(), admin=["true"], directory=args.outdir, keep=True)
    started = time.perf_counter()
    report = ingest([args.corpus], Store(), bulk=True, workers=args.workers)
    wall = time.perf_counter() - started
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    parent, workers = me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime
    n = max(1, report.new)
    per = {"workers": workers, "parent": parent, "staging write": spent["write"], "staging tail": spent["tail"]}
    print(json.dumps({"papers": report.new, "wall_s": round(wall, 1),
                      "cpu_s": {k: round(v, 2) for k, v in per.items()},
                      "ms_per_paper": {k: round(1000 * v / n, 3) for k, v in per.items()},
                      "edges": report.edges}))


if __name__ == "__main__":
    main()
