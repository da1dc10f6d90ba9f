#!/usr/bin/env python
"""Scale benchmark (a script, not a test): ``kg ingest`` and ``kg papers-using`` at 100k and 1M abstracts.

For each corpus size (built once with ``make-scale-corpus.py N OUT.jsonl`` from real abstracts, cached
in ``--work``) and each store — the embedded default (``embedded``; ``embedded-bulk``: ``--bulk``,
aggregates counted at the end, in ``store-N-bulk``), Neo4j transactional (``UNWIND`` batches), Neo4j
bulk (``--bulk``: neo4j-admin database import) — it runs the real CLI in a subprocess and prints:

* ingest wall time, the CPU seconds of the ingest process and its workers (the machines are shared:
  CPU time is the load-independent figure) and of the local Neo4j server (``server_cpu_s``, read
  from ``$KG_NEO4J_HOME/run/neo4j.pid``; after ``--bulk``, the restarted server's), papers/s, and
  the peak RSS of the ingest *process tree* (parent + extraction
  workers, summed, sampled every 0.2 s; the Neo4j server is not counted);
* the store's size on disk (embedded: its files; Neo4j: the database and transaction-log folders);
* ``kg papers-using "KL divergence"``: a cold CLI call (wall, Python start-up included, and its peak
  RSS), and warm p50/p95 of the library call (:func:`kg.query.papers_using`) in one process;
* with two sizes, the growth ratios (largest / smallest) of each figure.

Also printed: the machine's load average before and after each run (the machines are shared: read
the figures with it). Neo4j parts need ``NEO4J_URI`` and, for bulk, ``KG_NEO4J_ADMIN`` and
``KG_NEO4J_HOME`` (``eval "$(scripts/neo4j-local env)"``); the Neo4j database is CLEARED.

Usage: .venv/bin/python bench/scale.py [--sizes 100000 1000000] [--stores embedded embedded-bulk neo4j neo4j-bulk]
                                       [--workers N] [--work DIR] [--queries 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAKE = Path(os.environ.get("KG_SCALE_TOOL", ROOT.parent.parent / "shared" / "tools" / "make-scale-corpus.py"))
if not MAKE.exists():
    MAKE = Path("/work/shared/tools/make-scale-corpus.py")
QUERY = "KL divergence"


def tree_rss(pid: int) -> tuple[int, dict[str, int]]:
    """Summed RSS (bytes) of ``pid`` and all its descendants, and that sum by kind of process
    (``python``, ``neo4j-admin``, other) so a peak says who made it. A Neo4j server restarted by
    the admin command is a descendant until its launcher exits: it is listed (``neo4j server``) but
    not summed, as the server is not part of the ingest."""
    total, todo, parts = 0, [pid], {}
    while todo:
        p = todo.pop()
        try:
            rss = int(Path(f"/proc/{p}/statm").read_text().split()[1]) * 4096
            cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            kind = ("neo4j-admin" if b"AdminTool" in cmd else "neo4j server" if b"EntryPoint" in cmd
                    else "python" if b"python" in cmd else "other")
            total += 0 if kind == "neo4j server" else rss
            parts[kind] = parts.get(kind, 0) + rss
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total, parts


def children_cpu() -> float:
    """CPU seconds (user + system) of every waited-for descendant so far (the CLI waits for its workers)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


PEAK_PARTS: dict[str, int] = {}  # the breakdown of the last run's peak (see tree_rss)


def run(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """``(wall seconds, peak tree RSS bytes, stdout)`` of a command; raises on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            rss, parts = tree_rss(proc.pid)
            if rss > peak:
                peak = rss
                PEAK_PARTS.clear()
                PEAK_PARTS.update(parts)
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    return wall, peak, out


def du(*paths: Path) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return total


def server_cpu() -> float | None:
    """CPU seconds the local Neo4j server (``KG_NEO4J_HOME``'s run/neo4j.pid) has used so far, or None.
    A bulk import restarts the server (a new pid): its figure is then the new server's only."""
    from recovery import cpu_seconds  # bench/recovery.py, beside this script

    home = os.environ.get("KG_NEO4J_HOME")
    try:
        pid = int((Path(home) / "run" / "neo4j.pid").read_text().split()[0]) if home else None
    except (OSError, IndexError, ValueError):
        return None
    return None if pid is None else cpu_seconds(pid)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def corpus(n: int, work: Path) -> Path:
    out = work / f"scale-{n}.jsonl"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        subprocess.run([sys.executable, str(MAKE), str(n), str(tmp)], check=True)
        tmp.rename(out)
    return out


def warm_latency(store_args: dict, queries: int) -> tuple[float, float]:
    from kg.query import papers_using
    from kg.store import open_store

    store = open_store(**store_args)
    try:
        papers_using(store, QUERY, limit=100)  # first call: caches, connections
        times = []
        for _ in range(queries):
            t = time.perf_counter()
            papers_using(store, QUERY, limit=100)
            times.append(time.perf_counter() - t)
    finally:
        store.close()
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def clear_neo4j(uri: str) -> None:
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=uri)
    try:
        store.clear()
    finally:
        store.close()


def bench(n: int, kind: str, args, work: Path) -> dict:
    src = corpus(n, work)
    env = {**os.environ}
    kg = [sys.executable, "-m", "kg"]
    if kind.startswith("embedded"):
        graph = work / f"store-{n}{'-bulk' if kind == 'embedded-bulk' else ''}" / "graph.db"
        for f in graph.parent.glob("*"):
            f.unlink()
        graph.parent.mkdir(parents=True, exist_ok=True)
        env["KG_GRAPH_PATH"] = str(graph)
        store_cli = ["--store", "sqlite", "--graph", str(graph)]
        store_args: dict = {"store": "sqlite", "graph_path": graph}
    else:
        uri = os.environ["NEO4J_URI"]
        clear_neo4j(uri)
        store_cli = ["--store", "neo4j", "--uri", uri]
        store_args = {"store": "neo4j", "neo4j_uri": uri}
    extra = ["--bulk"] if kind.endswith("-bulk") else []
    before = load()
    cpu0, server0 = children_cpu(), server_cpu() if kind.startswith("neo4j") else None
    wall, peak, out = run([*kg, "ingest", str(src), *store_cli, *extra, "--workers", str(args.workers),
                           "--json", "--quiet"], env)
    cpu = children_cpu() - cpu0  # the ingest CLI and its extraction workers (not the Neo4j server)
    server1 = server_cpu() if kind.startswith("neo4j") else None
    server = None
    if server0 is not None and server1 is not None:
        server = server1 - server0 if kind == "neo4j" else server1
    peak_parts = " + ".join(f"{k} {v / 2**20:,.0f}" for k, v in sorted(PEAK_PARTS.items(), key=lambda kv: -kv[1]))
    report = json.loads(out)
    if kind.startswith("embedded"):
        size = du(*graph.parent.glob("*"))
    else:
        home = Path(os.environ.get("KG_NEO4J_HOME", ROOT / "var" / "neo4j")) / "data"
        size = du(home / "databases" / "neo4j", home / "transactions" / "neo4j")
    cold, cold_rss, _ = run([*kg, "papers-using", QUERY, *store_cli, "--json", "--limit", "100"], env)
    p50, p95 = warm_latency(store_args, args.queries)
    return {"papers": n, "store": kind, "ingest_s": wall, "cpu_s": cpu, "papers_per_s": report["new"] / wall,
            "peak_rss_mb": peak / 2**20, "size_mb": size / 2**20, "cold_cli_s": cold,
            "cold_rss_mb": cold_rss / 2**20, "warm_p50_ms": p50 * 1e3, "warm_p95_ms": p95 * 1e3,
            "new": report["new"], "failed": report["failed"], "load": f"{before} -> {load()}",
            "peak_parts_mb": peak_parts, "server_cpu_s": "-" if server is None else round(server, 1)}


COLS = ("papers", "store", "ingest_s", "cpu_s", "server_cpu_s", "papers_per_s", "peak_rss_mb", "size_mb", "cold_cli_s",
        "cold_rss_mb", "warm_p50_ms", "warm_p95_ms", "load", "peak_parts_mb")


def fmt(v) -> str:
    return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--stores", nargs="+", default=["embedded", "neo4j", "neo4j-bulk"],
                    choices=["embedded", "embedded-bulk", "neo4j", "neo4j-bulk"])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-scale")
    ap.add_argument("--queries", type=int, default=20)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    stores = [s for s in args.stores if s.startswith("embedded") or os.environ.get("NEO4J_URI")]
    if len(stores) < len(args.stores):
        print("NEO4J_URI not set: Neo4j runs skipped", file=sys.stderr)
    rows = []
    print(" | ".join(COLS))
    for n in args.sizes:
        for kind in stores:
            row = bench(n, kind, args, args.work)
            rows.append(row)
            print(" | ".join(fmt(row[c]) for c in COLS), flush=True)
    if len(args.sizes) > 1:
        lo, hi = min(args.sizes), max(args.sizes)
        print(f"\ngrowth ratios {hi:,} / {lo:,} papers ({hi / lo:.0f}x the papers):")
        for kind in stores:
            a = next(r for r in rows if r["papers"] == lo and r["store"] == kind)
            b = next(r for r in rows if r["papers"] == hi and r["store"] == kind)
            keys = ("ingest_s", "cpu_s", "peak_rss_mb", "size_mb", "cold_cli_s", "warm_p50_ms")
            ratios = {c: b[c] / a[c] for c in keys if a[c]}
            print(f"  {kind}: " + ", ".join(f"{c} {v:.2f}x" for c, v in ratios.items()))
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
