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
import pickle
import resource
import sqlite3
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
    """Real extractions of the bundled seed (and the 530-abstract corpus when present), cached in
    ``cache`` (a pickle this script wrote; delete it after changing the extractor)."""
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from kg.extract import extract
    from kg.read import read_papers

    sources = [SEED] + ([CORPUS] if CORPUS.exists() else [])
    papers = [p for s in sources for p in read_papers(s).papers]
    out = list(extract(papers))
    cache.write_bytes(pickle.dumps(out))
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


#: Runs a command and prints its peak RSS (KB) and CPU seconds: measured from a small parent process,
#: since a child of this (large) process would report the RSS of its forked copy.
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "t = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(r.returncode, u.ru_maxrss, u.ru_utime + u.ru_stime, t, r.stderr.decode()[-300:].replace(chr(10), ' '))\n"
)


def cli_call(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one ``kg`` CLI process."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "kg", *args], env=env,
                         capture_output=True, text=True, check=True).stdout.split(" ", 4)
    if out[0] != "0":
        raise SystemExit(f"kg {' '.join(args)} failed: {out[4] if len(out) > 4 else ''}")
    return float(out[3]), int(out[1]) / 1024, float(out[2])


def warm_calls(store, repeats: int) -> dict[str, tuple[float, float]]:
    from kg.query import PaperFilters, claims, find_papers, papers_by_year, papers_using

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
        "claims page about KL (kg claims, 50)": lambda: claims(store, "KL divergence"),
        "papers: f-div family + GAN, newest first": lambda: find_papers(
            store, PaperFilters(name="f-divergence", with_=("GAN",)), order="year", direction="desc", limit=20),
        "papers-by-year 'f-divergence' (facet)": lambda: papers_by_year(store, "f-divergence"),
        "papers(20 ids)": lambda: store.papers(ids),
    }
    return {name: timed(fn, repeats) for name, fn in calls.items()}


def run_size(n: int, base: list[Extraction], workdir: Path, repeats: int, neo4j: str | None,
             reuse: bool = False, grow: bool = False) -> dict:
    from kg.store.sqlite_store import SQLiteStore

    db = workdir / f"graph-{n}.db"
    out: dict = {"n": n}
    small = min((int(p.stem.split("-")[1]) for p in workdir.glob("graph-*.db") if int(p.stem.split("-")[1]) < n),
                default=None)
    if grow and not (reuse and db.exists()) and small and n % small == 0:
        print(f"  {n:,} papers: copying the {small:,}-paper database {n // small} times", flush=True)
        copy_s = grow_by_copy(workdir / f"graph-{small}.db", db, n // small)
        out.update(write_s=float("nan"), papers_s=float("nan"), cpu_s=float("nan"), copy_s=copy_s)
    elif reuse and db.exists():
        out.update(write_s=float("nan"), papers_s=float("nan"), cpu_s=float("nan"))
        SQLiteStore(db).close()  # let an index added since the build be made before timing
    else:
        for p in workdir.glob(db.name + "*"):
            p.unlink()
        store = SQLiteStore(db)
        write, cpu = write_all(store, base, n)
        store.close()
        out.update(write_s=write, papers_s=n / write, cpu_s=cpu)
    out.update(disk_mb=disk_mb(db), rss_mb=rss_mb())
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


def grow_by_copy(src: Path, dst: Path, factor: int) -> float:
    """Make ``dst`` hold ``factor`` copies of the papers of ``src`` (new ids ``s<k*n+i>``, the same
    years, links, claims), copied inside SQLite as a bulk load: the triggers are dropped, the base
    tables copied, then every aggregate is recounted (:data:`kg.store.sql.RECOUNT`, the full recount
    the triggers are tested against) and the triggers re-created. For read timings at a size whose
    write this machine cannot finish in time; the write path itself is timed at the smaller size.
    Returns the wall seconds it took."""
    from kg.store import sql as S
    from kg.store.sqlite_store import SQLiteStore

    t0 = time.perf_counter()
    for p in dst.parent.glob(dst.name + "*"):
        p.unlink()
    SQLiteStore(src).close()  # upgrade an older layout first
    dst.write_bytes(src.read_bytes())
    conn = sqlite3.connect(dst, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    conn.executescript(S.DROP_TRIGGERS)
    (n, top_paper), (top_claim,) = (conn.execute("SELECT count(*), max(rid) FROM paper").fetchone(),
                                    conn.execute("SELECT max(rid) FROM claim").fetchone())
    for k in range(1, factor):
        new_id = f"printf('s%07d', {k * n} + CAST(substr(id, 2) AS INTEGER))"
        conn.execute("BEGIN")
        conn.execute(
            f"INSERT INTO paper SELECT rid + {k * top_paper}, {new_id}, year, title, content_hash, "
            f"extractor_version, json_set(props, '$.id', {new_id}) FROM paper WHERE rid <= {top_paper} ORDER BY rid"
        )
        conn.execute(
            f"INSERT INTO link SELECT paper + {k * top_paper}, entity, type, role, variant, props FROM link "
            f"WHERE paper <= {top_paper} ORDER BY paper, entity"
        )
        new_pid = f"printf('s%07d', {k * n} + CAST(substr(paper_id, 2) AS INTEGER))"
        new_cid = f"{new_pid} || substr(id, instr(id, '#'))"
        conn.execute(
            f"INSERT INTO claim SELECT rid + {k * top_claim}, {new_cid}, {new_pid}, type, "
            f"json_set(props, '$.id', {new_cid}, '$.paper_id', {new_pid}) FROM claim WHERE rid <= {top_claim}"
        )
        conn.execute(f"INSERT INTO about SELECT entity, claim + {k * top_claim} FROM about WHERE claim <= {top_claim}")
        conn.execute("COMMIT")
        print(f"  copy {k + 1}/{factor} ({time.perf_counter() - t0:.0f} s)", flush=True)
    conn.executescript(f"BEGIN;{S.RECOUNT}{S.DDL}COMMIT;")
    print(f"  aggregates recounted ({time.perf_counter() - t0:.0f} s)", flush=True)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - t0


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
    parser.add_argument("--reuse", action="store_true", help="time reads on kept databases (no write figures)")
    parser.add_argument("--grow", action="store_true",
                        help="build a size by copying a kept smaller database inside SQLite (reads only)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = templates(args.workdir / "templates.pickle")
    print(f"{len(base)} real extractions as templates ({time.perf_counter() - t0:.1f} s)", flush=True)
    results = []
    for n in args.sizes:
        print(f"building {n:,} papers ...", flush=True)
        results.append(run_size(n, base, args.workdir, args.repeats, args.neo4j, args.reuse, args.grow))
        report(results)
    if not args.keep:
        for n in args.sizes:
            for p in args.workdir.glob(f"graph-{n}.db*"):
                p.unlink()


if __name__ == "__main__":
    main()
