#!/usr/bin/env python
"""API benchmark (a script, not a test): what the GraphQL layer costs on top of the store.

In one run, for the embedded SQLite store and (when ``NEO4J_URI`` is set) for Neo4j, both holding
the bundled seed corpus, it prints:

1. "papers using X" latency, median and p95 over ``--repeats`` calls per name, of
   * the direct library call :func:`kg.query.papers_using` (resolution + one store query), and
   * the same question through HTTP GraphQL (``papersConnection(where: {uses: …})`` with the same
     page of 20 papers and their matching tags + evidence) to ``kg serve`` running as a separate
     uvicorn process, over one keep-alive connection (the stdlib ``http.client``: httpx's own
     per-request overhead, ~1 ms, is about the size of the store call on the embedded store and
     is the client's cost, not the API's), the response decoded into Python objects;
   and the ratio GraphQL / direct (target: <= 2x). A third column runs the same GraphQL request
   in-process (parse/validate/execute, no HTTP), which splits the overhead into GraphQL and transport;
2. the HTTP floor: the round trip of the smallest query (``{ __typename }``), which the direct
   call does not pay — on the embedded store it is of the order of the store call itself;
3. throughput (requests/s) of that GraphQL query under 20 concurrent clients for ``--seconds``.

The Neo4j database named by NEO4J_URI/NEO4J_DATABASE is CLEARED and reloaded with the seed: do not
point this at a graph you need. Start a throwaway one with
``eval "$(scripts/neo4j-local start --free-ports && scripts/neo4j-local env)"``.

Usage: .venv/bin/python bench/api.py [--repeats 200] [--seconds 10] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import http.client  # noqa: E402

import httpx  # noqa: E402
import orjson  # noqa: E402

NAMES = ("KL divergence", "f-divergence", "diffusion models", "CIFAR-10")
PAGE = 20
QUERY = """query($name: String!, $first: Int!) {
  papersConnection(where: {uses: [{name: $name}]}, first: $first) {
    totalCount
    nodes { id title matches { entity { id name } role variant evidence { sentence start end rule } } }
  }
}"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fns: list, repeats: int) -> list[list[float]]:
    """Seconds per call of each ``fn()``, after 5 warm-up calls each. The calls are interleaved
    (one of each per round), so a load change on the machine hits every path alike."""
    for fn in fns:
        for _ in range(5):
            fn()
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, times in zip(fns, out, strict=True):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: list[str]) -> tuple[subprocess.Popen, str]:
    """``kg serve`` (uvicorn) in its own process; returns it and its base URL once healthy."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", str(port), "--log-level", "warning", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kg serve failed: {proc.stderr.read()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("kg serve did not start in 60 s")


def throughput(base: str, clients: int, seconds: float) -> tuple[float, int]:
    """Requests/s of the GraphQL query with ``clients`` concurrent connections; also error count."""

    async def run() -> tuple[int, int]:
        done = errors = 0
        stop = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

            async def worker(i: int) -> None:
                nonlocal done, errors
                k = i
                while time.perf_counter() < stop:
                    body = {"query": QUERY, "variables": {"name": NAMES[k % len(NAMES)], "first": PAGE}}
                    k += 1
                    r = await http.post("/graphql", json=body)
                    if r.status_code != 200 or r.json().get("errors"):
                        errors += 1
                    done += 1

            await asyncio.gather(*(worker(i) for i in range(clients)))
        return done, errors

    t0 = time.perf_counter()
    done, errors = asyncio.run(run())
    return done / (time.perf_counter() - t0), errors


class Http:
    """A minimal keep-alive HTTP/1.1 JSON client (stdlib) for the latency loop."""

    def __init__(self, base: str) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def post(self, path: str, body: dict) -> dict:
        self.conn.request("POST", path, orjson.dumps(body), {"content-type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status}: {data[:200]!r}")
        return orjson.loads(data)

    def close(self) -> None:
        self.conn.close()


def in_process(store, name: str) -> dict:
    """The GraphQL request executed in this process, as the server does it, without HTTP."""
    from kg.api.execution import execute_request
    from kg.api.loaders import RequestLoader
    from kg.api.schema import schema
    from kg.api.server import ReadOnlyStore

    context = {"loader": RequestLoader(ReadOnlyStore(store))}
    result = execute_request(schema.graphql_schema, QUERY, context=context, variables={"name": name, "first": PAGE})
    assert not result.errors, result.errors
    return result.data


def bench_store(label: str, store, serve_args: list[str], args) -> None:
    from kg.query import papers_using

    proc, base = start_server(serve_args)
    try:
        print(f"\n== {label}: {store.stats().papers} papers")
        print(f"{'papers using':<18} {'direct med':>10} {'p95':>8} {'GraphQL med':>12} {'p95':>8} {'ratio':>6}"
              f" {'in-process':>11} {'ratio':>6}")
        ratios = []
        client = Http(base)
        try:
            for name in NAMES:
                page = papers_using(store, name, limit=PAGE).page

                def over_http(name=name):
                    body = client.post("/graphql", {"query": QUERY, "variables": {"name": name, "first": PAGE}})
                    assert not body.get("errors"), body["errors"]
                    return body

                answer = over_http()["data"]["papersConnection"]
                same = [(n["id"], sorted(m["entity"]["id"] for m in n["matches"])) for n in answer["nodes"]] == [
                    (h.paper.id, sorted(t.entity.id for t in h.matches)) for h in page.items
                ]
                if answer["totalCount"] != page.total or not same:  # both paths must answer the same question
                    raise SystemExit(f"{name}: GraphQL and the direct call return different pages")
                direct, graphql, local = timed(
                    [lambda name=name: papers_using(store, name, limit=PAGE), over_http,
                     lambda name=name: in_process(store, name)],
                    args.repeats,
                )
                ratio = statistics.median(graphql) / statistics.median(direct)
                ratios.append(ratio)
                print(
                    f"{name:<18} {statistics.median(direct) * 1e3:>8.2f}ms {p95(direct) * 1e3:>6.2f}ms "
                    f"{statistics.median(graphql) * 1e3:>10.2f}ms {p95(graphql) * 1e3:>6.2f}ms {ratio:>5.2f}x"
                    f" {statistics.median(local) * 1e3:>9.2f}ms"
                    f" {statistics.median(local) / statistics.median(direct):>5.2f}x"
                )
            (floor,) = timed([lambda: client.post("/graphql", {"query": "{ __typename }"})], args.repeats)
        finally:
            client.close()
        print(f"HTTP floor (`{{ __typename }}` round trip): median {statistics.median(floor) * 1e3:.2f}ms")
        verdict = "meets" if statistics.median(ratios) <= 2 else "MISSES"
        print(f"median ratio GraphQL/direct: {statistics.median(ratios):.2f}x ({verdict} the <= 2x target)")
        rps, errors = throughput(base, args.clients, args.seconds)
        print(f"throughput, {args.clients} concurrent clients, {args.seconds:.0f}s: "
              f"{rps:.0f} requests/s ({errors} errors)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200, help="calls per name and path")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the throughput run")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients for throughput")
    args = parser.parse_args()

    from kg.config import default_data_dir
    from kg.ingest import ingest
    from kg.store.sqlite_store import SQLiteStore

    seed = default_data_dir() / "seed" / "papers.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        graph = Path(tmp) / "graph.db"
        store = SQLiteStore(graph)
        ingest(seed, store)
        store.flush()
        bench_store("sqlite (embedded)", store, ["--store", "sqlite", "--graph", str(graph)], args)

    uri = os.environ.get("NEO4J_URI")
    if not uri:
        print("\n== neo4j: skipped (set NEO4J_URI, e.g. eval \"$(scripts/neo4j-local env)\")")
        return
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=uri)
    try:
        store.clear()
        ingest(seed, store)
        bench_store(f"neo4j ({uri})", store, ["--store", "neo4j", "--uri", uri], args)
    finally:
        store.close()


if __name__ == "__main__":
    main()
