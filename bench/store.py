"""Benchmark: the embedded SQLite store (and optionally Neo4j) at 100,000 and 1,000,000 papers.

Not a test. Extraction is not what is measured here: real abstracts (the bundled seed and, when it
is beside the checkout, ../shared/corpora/ml-abstracts-ccby.jsonl) are extracted ONCE, and their
extractions are replicated under new paper ids, years (a few percent unknown) and claim ids until
the size is reached — the same shape of graph an ingest of that many real abstracts gives. For each
size it prints:

* write: wall time of ``store.write`` over batches of 1,000 papers, papers/s, file size on disk,
  peak RSS of this process;
* ``kg papers-using "KL divergence"`` as a fresh CLI process (Python start-up included; OS file
  cache warm): wall time and peak RSS (medians of 3);
* warm library calls on an open store, p50/p95 over ``--repeats`` calls: papers-using (resolution,
  family expansion, one page), entity_counts, cooccurring (one entity, and a family), counts_by_year
  (all, one entity, a family), claims-about, paper page;
* the ratios of the largest size to the smallest.

Usage::

    .venv/bin/python bench/store.py --sizes 100000 1000000 --workdir /tmp/kg-bench
    .venv/bin/python bench/store.py --sizes 100000 --neo4j bolt://127.0.0.1:7687   # also Neo4j
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.models import Extraction, GraphDelta, PaperQuery  # noqa: E402

SEED = ROOT / "data" / "seed" / "papers.jsonl"
#: The 530 CC-BY abstracts, beside the checkout (../shared) or beside the worktrees (../../shared).
CORPUS = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared"
) / "corpora" / "ml-abstracts-ccby.jsonl"
KL = "divergence:kullback-leibler"
F_DIV = "divergence:f-divergence"


def templates(cache: Path) -> list[Extraction]:
    """Real extractions of the bundled seed (and the 530-abstract corpus when present), cached as
    JSON lines in ``cache`` (delete it after changing the extractor)."""
    if cache.exists():
        return [Extraction.model_validate_json(line) for line in cache.read_text().splitlines()]
    from kg.extract import extract
    from kg.read import read_papers

    sources = [SEED] + ([CORPUS] if CORPUS.exists() else [])
    papers = [p for s in sources for p in read_papers(s).papers]
    out = list(extract(papers))
    cache.write_text("".join(x.model_dump_json() + "\n" for x in out))
    return out


def replicate(base: list[Extraction], n: int, batch: int = 1000) -> Iterator[GraphDelta]:
    """``n`` papers in deltas of ``batch``: template ``i % len(base)`` under id ``s<i>``, a year from
    1990-2025 (every 37th unknown) and claim ids of the new paper."""
    from kg.extract import vocabulary_entities

    taxonomy = tuple(vocabulary_entities())
    for start in range(0, n, batch):
        xs = []
        for i in range(start, min(start + batch, n)):
            t = base[i % len(base)]
            pid = f"s{i:07d}"
            year = None if i % 37 == 0 else 1990 + (i * 7919) % 36
            paper = t.paper.model_copy(update={"id": pid, "year": year, "source": f"bench:{i}"})
            claims = tuple(
                c.model_copy(update={"id": f"{pid}#{c.sentence_index}", "paper_id": pid}) for c in t.claims
            )
            xs.append(t.model_copy(update={"paper": paper, "claims": claims}))
        yield GraphDelta(extractions=tuple(xs), entities=taxonomy if start == 0 else ())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Wall p50 and p95 and CPU p50 (ms) of ``repeats`` calls after one warm-up call. On a shared,
    overloaded machine wall time includes waiting for a core; CPU time does not."""
    fn()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], statistics.median(cpu)


def cli_call(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one ``kg`` CLI process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kg {' '.join(args)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def warm_calls(store, repeats: int) -> dict[str, tuple[float, float]]:
    from kg.query import papers_using

    family = [F_DIV] + [e.id for e in store.descendants(F_DIV)]
    some = store.find_papers(PaperQuery(limit=20)).items
    ids = [h.paper.id for h in some]
    calls: dict[str, Callable[[], object]] = {
        "papers-using 'KL divergence'": lambda: papers_using(store, "KL divergence"),
        "papers-using 'f-divergence' (family)": lambda: papers_using(store, "f-divergence"),
        "entity_counts()": lambda: store.entity_counts(),
        "cooccurring([KL])": lambda: store.cooccurring([KL]),
        "cooccurring(f-div family)": lambda: store.cooccurring(family),
        "counts_by_year()": lambda: store.counts_by_year(),
        "counts_by_year([KL])": lambda: store.counts_by_year([KL]),
        "counts_by_year(f-div family)": lambda: store.counts_by_year(family),
        "claims(about=[KL], empirical)": lambda: store.claims(about=[KL], type="empirical"),
        "papers(20 ids)": lambda: store.papers(ids),
    }
    return {name: timed(fn, repeats) for name, fn in calls.items()}


def run_size(n: int, base: list[Extraction], workdir: Path, repeats: int, neo4j: str | None) -> dict:
    from kg.store.sqlite_store import SQLiteStore

    db = workdir / f"graph-{n}.db"
    for p in workdir.glob(db.name + "*"):
        p.unlink()
    store = SQLiteStore(db)
    write, cpu = write_all(store, base, n)
    store.close()
    out: dict = {"n": n, "write_s": write, "papers_s": n / write, "cpu_s": cpu, "disk_mb": disk_mb(db),
                 "rss_mb": rss_mb()}
    env = {**os.environ, "KG_STORE": "sqlite", "KG_GRAPH_PATH": str(db)}
    cli = [cli_call(["papers-using", "KL divergence"], env) for _ in range(3)]
    out["cli_s"] = statistics.median(c[0] for c in cli)
    out["cli_rss_mb"] = statistics.median(c[1] for c in cli)
    out["cli_cpu_s"] = statistics.median(c[2] for c in cli)
    store = SQLiteStore(db)
    out["warm"] = warm_calls(store, repeats)
    store.close()
    if neo4j:
        out["neo4j"] = run_neo4j(n, base, neo4j, repeats)
    return out


def write_all(store, base: list[Extraction], n: int) -> tuple[float, float]:
    """Wall and CPU seconds spent in ``store.write`` (building the deltas not counted)."""
    wall = cpu = 0.0
    for delta in replicate(base, n):
        t0, c0 = time.perf_counter(), time.process_time()
        store.write(delta)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
    return wall, cpu


def run_neo4j(n: int, base: list[Extraction], uri: str, repeats: int) -> dict:
    from kg.store.neo4j_store import Neo4jStore

    store = Neo4jStore(uri, None, "neo4j", batch_size=1000)
    store.clear()
    write, cpu = write_all(store, base, n)
    out = {"write_s": write, "papers_s": n / write, "warm": warm_calls(store, repeats)}
    store.close()
    return out


def report(results: list[dict]) -> None:
    print("\n== write ==")
    print(f"{'papers':>10} {'write s':>9} {'papers/s':>9} {'CPU s':>8} {'papers/CPU-s':>13} {'disk MB':>9} "
          f"{'peak RSS MB':>12} {'CLI s':>7} {'CLI CPU s':>10} {'CLI RSS MB':>11}")
    for r in results:
        print(f"{r['n']:>10,} {r['write_s']:>9.1f} {r['papers_s']:>9,.0f} {r['cpu_s']:>8.1f} "
              f"{r['n'] / r['cpu_s']:>13,.0f} {r['disk_mb']:>9,.0f} {r['rss_mb']:>12,.0f} {r['cli_s']:>7.2f} "
              f"{r['cli_cpu_s']:>10.2f} {r['cli_rss_mb']:>11,.0f}")
    for store in ("sqlite", "neo4j"):
        rows = [r if store == "sqlite" else r.get("neo4j") for r in results]
        if any(x is None for x in rows):
            continue
        print(f"\n== warm library calls, {store}: wall p50 / p95 (CPU p50) ms ==")
        names = list(rows[0]["warm"])
        print(f"{'call':<40}" + "".join(f"{r['n']:>31,}" for r in results)
              + ("   ratio p50" if len(results) > 1 else ""))
        for name in names:
            cells = "".join(
                f"{x['warm'][name][0]:>12.2f} /{x['warm'][name][1]:>7.2f} ({x['warm'][name][2]:>7.2f})" for x in rows
            )
            ratio = f"   {rows[-1]['warm'][name][0] / rows[0]['warm'][name][0]:>8.2f}x" if len(rows) > 1 else ""
            print(f"{name:<40}{cells}{ratio}")
        if store == "neo4j":
            for r, x in zip(results, rows, strict=True):
                print(f"neo4j write {r['n']:,}: {x['write_s']:.1f} s, {x['papers_s']:,.0f} papers/s")
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"\nratios {b['n']:,}/{a['n']:,} papers ({b['n'] / a['n']:.0f}x): write time "
              f"{b['write_s'] / a['write_s']:.2f}x, disk {b['disk_mb'] / a['disk_mb']:.2f}x, "
              f"CLI wall {b['cli_s'] / a['cli_s']:.2f}x, CLI RSS {b['cli_rss_mb'] / a['cli_rss_mb']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kg-bench-store"))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--neo4j", default=None, help="also a Neo4j server (bolt URI, auth disabled)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = templates(args.workdir / "templates.jsonl")
    print(f"{len(base)} real extractions as templates ({time.perf_counter() - t0:.1f} s)", flush=True)
    results = []
    for n in args.sizes:
        print(f"building {n:,} papers ...", flush=True)
        results.append(run_size(n, base, args.workdir, args.repeats, args.neo4j))
        report(results)
    if not args.keep:
        for n in args.sizes:
            for p in args.workdir.glob(f"graph-{n}.db*"):
                p.unlink()


if __name__ == "__main__":
    main()
