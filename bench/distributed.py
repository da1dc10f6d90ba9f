"""Benchmark: extraction in one process vs a Dask LocalCluster of 1 and 2 workers, then shards → Neo4j.

On the same synthetic corpus (``make-scale-corpus.py N``, default N = 100,000) it runs the sharded job
three ways, each into a fresh output folder, and prints for each: wall seconds (extraction only; the
cluster's start-up is timed apart), abstracts/s, the CPU seconds the extracting processes spent
(abstracts per CPU-second is the sizing figure: the machine may be shared, wall time is not), and the
speed-up against the single process. It checks that all three wrote byte-identical shards (the
output sha256 in the manifests). With ``--neo4j-uri`` it then loads the shards into that (empty)
Neo4j database, ``--bulk`` through neo4j-admin (``kg ingest --from-extractions --bulk``) when this kg
has the bulk loader, else transactionally, and prints the load time and the end-to-end total.

Run from the repo root (the size is an argument, so a quiet machine can repeat it at 100k)::

    .venv/bin/python bench/distributed.py --size 100000 [--shard-size 5000] [--workers 1 2]
        [--corpus var/bench/scale-100000.jsonl] [--neo4j-uri bolt://127.0.0.1:7687 [--bulk]]

Not a test: speed is measured here, never asserted in timed tests.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this file is named like the `distributed` package: take bench/ off the path so that the package wins
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from kg.scaleout import load_shards, run_extract  # noqa: E402
from kg.scaleout.shards import OutputDir  # noqa: E402


def corpus(size: int, path: Path | None) -> Path:
    """The corpus of ``size`` abstracts: ``path`` if given, else made once under var/bench/."""
    if path is not None:
        return path
    out = ROOT / "var" / "bench" / f"scale-{size}.jsonl"
    if not out.exists():
        tool = next((p for p in (ROOT.parent / "shared" / "tools" / "make-scale-corpus.py",
                                 Path("/work/shared/tools/make-scale-corpus.py")) if p.exists()), None)
        if tool is None:
            sys.exit("make-scale-corpus.py not found (../shared/tools): pass --corpus PATH")
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(tool), str(size), str(out)], check=True)
    return out


def digests(out: Path) -> dict[str, str]:
    """Output sha256 of every shard, from its manifest."""
    output = OutputDir(out)
    job = output.job_manifest()
    return {s["id"]: output.read_manifest(s["id"]).output_sha256 for s in job["shards"]}  # type: ignore[union-attr]


def run(label: str, src: Path, out: Path, shard_size: int, workers: int | None) -> dict:
    """One sharded extraction into a fresh ``out``; ``workers=None`` means in this process."""
    shutil.rmtree(out, ignore_errors=True)
    row: dict = {"run": label}
    if workers is None:
        report = run_extract([src], out, engine="local", shard_size=shard_size)
    else:
        import dask
        from distributed import LocalCluster

        t0 = time.perf_counter()
        with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}), \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                             dashboard_address=None) as cluster:
            row["startup_s"] = round(time.perf_counter() - t0, 1)
            report = run_extract([src], out, engine="dask", scheduler=cluster.scheduler_address,
                                 shard_size=shard_size)
    assert not report.failed, report.failed
    row.update(papers=report.papers, wall_s=round(report.seconds, 1), cpu_s=round(report.cpu_seconds, 1),
               per_s=round(report.papers / report.seconds, 1),
               per_cpu_s=round(report.papers / report.cpu_seconds, 1) if report.cpu_seconds else None)
    return row


def load(out: Path, uri: str, bulk: bool) -> dict:
    from kg.errors import InputError
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=uri)
    try:
        store.clear()
        t0 = time.perf_counter()
        try:
            report = load_shards(out, store, bulk=bulk, batch_size=10_000)
            how = "bulk (neo4j-admin)" if bulk else "transactional UNWIND"
        except InputError as exc:
            if not bulk:
                raise
            print(f"bulk load not available here ({exc}); loading transactionally", file=sys.stderr)
            report = load_shards(out, store, batch_size=10_000)
            how = "transactional UNWIND (bulk loader not in this kg)"
        return {"load": how, "papers": report.totals.papers if report.totals else 0,
                "load_s": round(time.perf_counter() - t0, 1)}
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="abstracts in the synthetic corpus")
    ap.add_argument("--corpus", type=Path, default=None, help="use this JSONL instead of making one")
    ap.add_argument("--shard-size", type=int, default=5_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="LocalCluster sizes to run")
    ap.add_argument("--neo4j-uri", default=None, help="load the shards into this empty Neo4j afterwards")
    ap.add_argument("--bulk", action="store_true", help="load through neo4j-admin (kg --bulk)")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "distributed")
    args = ap.parse_args()

    src = corpus(args.size, args.corpus)
    n = sum(1 for line in src.open("rb") if line.strip())
    print(f"corpus: {src} ({n} abstracts), shard size {args.shard_size}", file=sys.stderr)
    rows = [run("single process", src, args.work / "single", args.shard_size, None)]
    for w in args.workers:
        rows.append(run(f"LocalCluster {w} worker(s)", src, args.work / f"dask-{w}", args.shard_size, w))
    base = rows[0]["wall_s"]
    for row in rows:
        row["speed_up"] = round(base / row["wall_s"], 2)
    same = all(digests(args.work / d) == digests(args.work / "single") for d in
               [f"dask-{w}" for w in args.workers])
    result = {"abstracts": n, "shard_size": args.shard_size, "runs": rows, "identical_output": same}
    if args.neo4j_uri:
        last = args.work / (f"dask-{args.workers[-1]}" if args.workers else "single")
        loaded = load(last, args.neo4j_uri, args.bulk)
        extract_s = rows[-1]["wall_s"] + rows[-1].get("startup_s", 0)
        loaded["end_to_end_s"] = round(extract_s + loaded["load_s"], 1)
        result["neo4j"] = loaded

    print(f"{'run':28} {'wall s':>8} {'abstracts/s':>12} {'CPU s':>8} {'per CPU-s':>10} {'speed-up':>9} "
          f"{'start-up s':>11}")
    for r in rows:
        print(f"{r['run']:28} {r['wall_s']:>8} {r['per_s']:>12} {r['cpu_s']:>8} {r['per_cpu_s'] or '-':>10} "
              f"{r['speed_up']:>8}x {r.get('startup_s', '-'):>11}")
    print(f"identical output shards across runs: {same}")
    if "neo4j" in result:
        nj = result["neo4j"]
        print(f"shards -> Neo4j, {nj['load']}: {nj['papers']} papers in {nj['load_s']} s; "
              f"extract ({rows[-1]['run']}) + load end to end: {nj['end_to_end_s']} s")
    print(json.dumps(result))


if __name__ == "__main__":  # spawned Dask workers re-import this module: keep the guard
    main()
