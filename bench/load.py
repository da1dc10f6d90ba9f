#!/usr/bin/env python
"""Load benchmark (a script, not a test): concurrent clients over ``queries/*.graphql`` against a
real ``kg serve`` process.

It starts ``kg serve`` on 127.0.0.1 (a free port; loopback only) over the store you name, then:

1. **one client**: each example query alone for ``--single-seconds`` → p50/p95/p99 per query
   (target at 1,000,000 papers on 2 cores: p95 < 300 ms for every query), with the CPU ms per
   request of ``kg serve`` and, when ``KG_NEO4J_HOME`` names the local server's home, of Neo4j
   (which side to make cheaper: the 50-client run is CPU-bound on 2 cores);
2. **N clients** (``--clients``, default 50) for ``--seconds`` (default 60), each cycling through
   all example queries (from a different start) over its own keep-alive connection → requests/s,
   p50/p95/p99 and errors per query and overall (target at 1M: zero errors, p99 < 2 s).

Every loop is bounded by time and by ``--max-requests``. An answer counts as an error when the
HTTP status is not 200, the body has ``errors`` or the connection fails; the first error code of
each query is shown. Clients are threads with the stdlib ``http.client`` (least client overhead);
they share the machine's cores with the server, as real local clients would.

Stores:
* ``--store networkx --graph PATH`` — the embedded store file (build one with ``kg ingest``);
* ``--store neo4j --uri bolt://…`` — a Neo4j database;
* ``--ingest FILE`` first CLEARS that store and ingests FILE with ``kg ingest`` (e.g. the bundled
  ``data/seed/papers.jsonl``, or a ``make-scale-corpus.py`` output for the 100k/1M runs);
* any other ``kg serve`` flag after ``--`` (e.g. ``-- --time-limit 5``, ``-- --cache-mb 0``).

By default every request sends a query with its default variables, so with ``kg serve``'s answer
cache on (the default) all but the first request of each query are cache hits. ``--vary K`` makes
every request draw its variables from the store's K most used entities of the matching kind (and K
paper ids, the taxonomy's families): a researcher-shaped mix in which most requests are misses.

Usage::

    .venv/bin/python bench/load.py --store networkx --graph /tmp/seed.json --ingest data/seed/papers.jsonl
    .venv/bin/python bench/load.py --store neo4j --uri "$NEO4J_URI" --ingest data/seed/papers.jsonl
    .venv/bin/python bench/load.py --store networkx --graph /data/1m.json --clients 50 --seconds 60
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_args(args: argparse.Namespace) -> list[str]:
    out = ["--store", args.store]
    if args.graph:
        out += ["--graph", str(args.graph)]
    if args.uri:
        out += ["--uri", args.uri]
    return out


def ingest(args: argparse.Namespace) -> None:
    """Clear the named store and ingest ``args.ingest`` into it with ``kg ingest``."""
    sys.path.insert(0, str(ROOT))
    from kg.store import open_store

    with open_store(store=args.store, graph_path=args.graph, neo4j_uri=args.uri) as store:
        store.clear()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "ingest", str(args.ingest), *store_args(args), "--quiet"],
                   check=True, cwd=ROOT)
    print(f"ingested {args.ingest} into {args.store} in {time.perf_counter() - started:.1f}s", file=sys.stderr)


def start_server(args: argparse.Namespace, extra: list[str]) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    cmd = [sys.executable, "-m", "kg", "serve", *store_args(args), "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", *extra]
    # The server's log goes to a file, never to a pipe nobody reads during the run (a full pipe
    # would block the server's next log line, and every request behind it).
    log = Path(tempfile.mkstemp(prefix="kg-serve-", suffix=".log")[1])
    with log.open("w") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink, text=True)
    started = time.perf_counter()
    while time.perf_counter() - started < args.start_timeout:
        if proc.poll() is not None:
            raise SystemExit(f"kg serve exited: {log.read_text(errors='replace')}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                print(f"kg serve ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
                return proc, port, log
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"kg serve did not answer /healthz within {args.start_timeout}s")


# --vary: which pool each query variable draws from (by the variable's name in queries/*.graphql).
POOL_OF = {"about": "entity", "alias": "entity", "name": "entity", "divergence": "divergence",
           "with": "divergence", "method": "method", "dataset": "dataset", "family": "family",
           "contains": "word", "id": "paper"}

Query = tuple[str, str, list[str]]  # name, GraphQL text, variables drawn from pools (--vary)


def post(port: int, body: dict, headers: dict[str, str]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("POST", "/graphql", body=orjson.dumps(body), headers=headers)
        answer = orjson.loads(conn.getresponse().read())
    finally:
        conn.close()
    if answer.get("errors"):
        raise SystemExit(f"--vary: the pool query failed: {answer['errors'][0]}")
    return answer["data"]


def pools(port: int, k: int, headers: dict[str, str]) -> dict[str, list[str]]:
    """The K most used methods, divergences and datasets, K paper ids and the taxonomy's families,
    read through the API itself (before the timed runs)."""
    data = post(port, {"query": f"""{{
      methods(limit: {k}, orderBy: PAPER_COUNT) {{ name }}
      divergences(limit: {k}, orderBy: PAPER_COUNT) {{ name }}
      datasets(limit: {k}, orderBy: PAPER_COUNT) {{ name }}
      taxonomy {{ name children {{ name }} }}
      papersConnection(first: {k}) {{ nodes {{ id }} }}
    }}"""}, headers)
    out = {kind: [e["name"] for e in data[kind + "s"]] for kind in ("method", "divergence", "dataset")}
    out["entity"] = out["method"] + out["divergence"] + out["dataset"]
    out["family"] = [f["name"] for f in data["taxonomy"] if f["children"]]
    out["word"] = sorted({n.split()[0].lower() for n in out["divergence"]})
    out["paper"] = [n["id"] for n in data["papersConnection"]["nodes"]]
    return out


def body_maker(queries: list[Query], vary: dict[str, list[str]] | None, seed: int):
    """``make(i) -> (name, body)``: the i-th query of the list, with its default variables, or
    (``vary``) with variables drawn from the pools by a per-client seeded generator."""
    fixed = [orjson.dumps({"query": text}) for _, text, _ in queries]
    rng = random.Random(seed)

    def make(i: int) -> tuple[str, bytes]:
        name, text, variables = queries[i % len(queries)]
        if not vary or not variables:
            return name, fixed[i % len(queries)]
        drawn = {v: rng.choice(vary[POOL_OF[v]]) for v in variables if vary.get(POOL_OF[v])}
        return name, orjson.dumps({"query": text, "variables": drawn})

    return make


def query_variables(text: str) -> list[str]:
    """The variables of the operation that --vary can draw (``$name: Type``, known names only)."""
    import re

    head = text.split("{", 1)[0]
    return [v for v in re.findall(r"\$(\w+)\s*:", head) if v in POOL_OF]


class Results:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, Counter] = defaultdict(Counter)
        self.hits: Counter = Counter()  # answers served from kg serve's answer cache (x-kg-cache: hit)
        self.lock = threading.Lock()

    def add(self, name: str, seconds: float, error: str | None, hit: bool = False) -> None:
        with self.lock:
            self.latency[name].append(seconds)
            self.hits[name] += hit
            if error:
                self.errors[name][error] += 1


def client(port: int, queries: list[Query], start: int, until: float, budget: int,
           results: Results, headers: dict[str, str], vary: dict[str, list[str]] | None) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    make = body_maker(queries, vary, seed=start)
    i = start
    for _ in range(budget):
        if time.perf_counter() >= until:
            break
        name, body = make(i)
        i += 1
        sent = time.perf_counter()
        error = None
        hit = False
        try:
            conn.request("POST", "/graphql", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            hit = response.getheader("x-kg-cache") == "hit"
            if response.status != 200:
                error = f"HTTP {response.status}"
            else:
                errs = orjson.loads(payload).get("errors")
                if errs:
                    error = (errs[0].get("extensions") or {}).get("code") or "error"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        results.add(name, time.perf_counter() - sent, error, hit)
    conn.close()


def run_clients(port: int, queries: list[Query], clients: int, seconds: float, budget: int,
                headers: dict[str, str], vary: dict[str, list[str]] | None = None) -> tuple[Results, float]:
    results = Results()
    started = time.perf_counter()
    until = started + seconds
    threads = [threading.Thread(target=client, args=(port, queries, i, until, budget, results, headers, vary))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def neo4j_pid() -> int | None:
    """The local Neo4j server's pid ($KG_NEO4J_HOME/run/neo4j.pid, scripts/neo4j-local), if any."""
    home = os.environ.get("KG_NEO4J_HOME")
    try:
        return int((Path(home) / "run" / "neo4j.pid").read_text().split()[0]) if home else None
    except (OSError, ValueError, IndexError):
        return None


def cpu_of(pids: dict[str, int | None]) -> dict[str, float]:
    """CPU seconds so far of each named process (bench/recovery.py's reader)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from recovery import cpu_seconds

    return {name: cpu_seconds(pid) or 0.0 for name, pid in pids.items() if pid is not None}


def table(results: Results, elapsed: float, all_elapsed: float | None = None,
          cpu: dict[str, dict[str, float]] | None = None) -> None:
    """Per query and overall; ``elapsed`` is each query's run time, ``all_elapsed`` the whole run's;
    ``cpu``: per query, CPU ms per request of each measured process (the one-client phase)."""
    names = sorted({k for per in (cpu or {}).values() for k in per})
    print(f"  {'query':<28} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
          f" {'hits':>5}"
          + "".join(f" {n + ' cpu ms':>15}" for n in names))
    everything: list[float] = []
    errors = 0
    for name in sorted(results.latency):
        lat = results.latency[name]
        everything += lat
        n_err = sum(results.errors[name].values())
        errors += n_err
        first = f"  {results.errors[name].most_common(1)[0][0]}" if n_err else ""
        print(f"  {name:<28} {len(lat):>9} {len(lat) / elapsed:>8.1f} {percentile(lat, .5) * 1e3:>8.1f} "
              f"{percentile(lat, .95) * 1e3:>8.1f} {percentile(lat, .99) * 1e3:>8.1f} {n_err:>7}"
              f" {results.hits[name] / max(1, len(lat)):>5.0%}"
              + "".join(f" {(cpu or {}).get(name, {}).get(n, float('nan')):>15.1f}" for n in names) + first)
    print(f"  {'ALL':<28} {len(everything):>9} {len(everything) / (all_elapsed or elapsed):>8.1f} "
          f"{percentile(everything, .5) * 1e3:>8.1f} {percentile(everything, .95) * 1e3:>8.1f} "
          f"{percentile(everything, .99) * 1e3:>8.1f} {errors:>7}"
          f" {sum(results.hits.values()) / max(1, len(everything)):>5.0%}")


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["networkx", "neo4j"], default="networkx")
    parser.add_argument("--graph", type=Path, help="embedded store file (--store networkx)")
    parser.add_argument("--uri", help="Neo4j URI (--store neo4j; default NEO4J_URI)")
    parser.add_argument("--ingest", type=Path, help="CLEAR the store and ingest this file first")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries", help="folder of *.graphql files")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the N-client run")
    parser.add_argument("--single-seconds", type=float, default=5.0, help="one-client time per query")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="per client, per phase")
    parser.add_argument("--start-timeout", type=float, default=600.0, help="seconds to wait for kg serve")
    parser.add_argument("--api-key", default=os.environ.get("KG_API_KEY"), help="Bearer key of the server")
    parser.add_argument("--vary", type=int, default=0, metavar="K",
                        help="draw each request's variables from the K (≤ 100) most used entities (0: defaults)")
    args = parser.parse_args(argv)
    if args.store == "neo4j":
        args.uri = args.uri or os.environ.get("NEO4J_URI")
        if not args.uri:
            parser.error("--store neo4j needs --uri or NEO4J_URI")
    elif args.graph is None:
        parser.error("--store networkx needs --graph PATH")
    if not 0 <= args.vary <= 100:
        parser.error("--vary K: K from 0 (default variables) to 100 (the API's page limit)")
    if args.ingest:
        ingest(args)

    queries: list[Query] = []
    for p in sorted(args.queries.glob("*.graphql")):
        text = p.read_text(encoding="utf-8")
        queries.append((p.stem, text, query_variables(text)))
    headers = {"content-type": "application/json"}
    if args.api_key:
        headers["authorization"] = f"Bearer {args.api_key}"
        extra = ["--api-key", args.api_key, *extra]
    proc, port, log = start_server(args, extra)
    try:
        vary = pools(port, args.vary, headers) if args.vary else None
        if vary:
            print("--vary pools: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(vary.items())), file=sys.stderr)
        run_clients(port, queries, 1, 2.0, args.max_requests, headers)  # warm-up (plans, default answers)
        mode = f"variables drawn from the top {args.vary}" if vary else "default variables"
        print(f"\n{args.store} ({args.graph or args.uri}), {mode}, extra {extra}, one client, "
              f"{args.single_seconds:g}s per query:")
        single = Results()
        elapsed = 0.0
        pids = {"serve": proc.pid, "neo4j": neo4j_pid() if args.store == "neo4j" else None}
        cpu: dict[str, dict[str, float]] = {}
        for q in queries:
            before = cpu_of(pids)
            part, took = run_clients(port, [q], 1, args.single_seconds, args.max_requests, headers, vary)
            after = cpu_of(pids)
            n = max(1, len(part.latency.get(q[0], [])))
            cpu[q[0]] = {k: (after[k] - before[k]) * 1e3 / n for k in after}
            single.latency.update(part.latency)
            single.errors.update(part.errors)
            single.hits.update(part.hits)
            elapsed += took
        table(single, args.single_seconds, elapsed, cpu)
        print(f"\n{args.store}, {args.clients} clients for {args.seconds:g}s over {len(queries)} queries:")
        results, elapsed = run_clients(port, queries, args.clients, args.seconds, args.max_requests, headers, vary)
        table(results, elapsed)
        lines = log.read_text(errors="replace").splitlines()
        if lines:
            print(f"kg serve logged {len(lines)} lines at warning level or above: {log}", file=sys.stderr)
            for line in lines[-5:]:
                print(f"  {line[:300]}", file=sys.stderr)
        if proc.poll() is not None:
            print("kg serve DIED during the run", file=sys.stderr)
            sys.exit(1)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
