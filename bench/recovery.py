#!/usr/bin/env python
"""Recovery timeline (a script, not a test): how soon ``kg serve`` answers correctly again after the
Neo4j server under it is SIGKILLed and restarted, in wall seconds and in Neo4j CPU seconds.

It needs a local Neo4j started by ``scripts/neo4j-local`` (``KG_NEO4J_HOME``) that holds a graph
(e.g. the bundled seed: ``kg ingest --store neo4j``). It starts ``kg serve`` over it (127.0.0.1, a
free port) and records each polled query's answer; then, per round: one poller per query asks it
again and again (each over its own connection, 20 ms apart) plus ``--clients`` extra clients cycling
through them; Neo4j is SIGKILLed, stays down ``--down`` seconds and is started again with
``scripts/neo4j-local start`` (same ports). Printed per round, in seconds after the restarted Neo4j
first answered ``RETURN 1`` over a fresh driver of this script ("direct": Neo4j is back):

* ``bolt`` — its Bolt port accepted a TCP connection (the database may still be starting);
* ``ready`` — ``scripts/neo4j-local start`` returned;
* ``healthz`` — ``/healthz`` of kg serve said 200 again;
* per query, the first correct answer (same ``data`` as before the kill) to a request sent after the
  restart, and the CPU seconds Neo4j had spent since "direct" by then (the work its cold JVM did —
  load-independent, unlike the wall time on a shared machine);
* the slowest answer while Neo4j was down (the API must fail fast).

Queries: every ``queries/*.graphql`` (default variables), or ``--only NAME,...`` of them, plus
``--query TEXT`` (named ``custom``).

Usage::

    export KG_NEO4J_HOME=var/neo4j && scripts/neo4j-local start && eval "$(scripts/neo4j-local env)"
    .venv/bin/python -m kg ingest --store neo4j
    nice -n 19 .venv/bin/python bench/recovery.py --rounds 3 [-- kg serve flags]
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "neo4j-local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def neo4j_env() -> dict[str, str]:
    out = subprocess.run([str(SCRIPT), "env"], capture_output=True, text=True, check=True).stdout
    return dict(line.removeprefix("export ").partition("=")[::2] for line in out.splitlines())


def server_pids(home: Path) -> list[int]:
    """Pids of the Neo4j server of ``home`` (from /proc)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"org.neo4j.server.CommunityEntryPoint" in args and f"--home-dir={home}".encode() in args:
            pids.append(int(cmdline.parent.name))
    return pids


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(test, seconds: float, step: float = 0.02) -> float | None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if test():
            return time.monotonic()
        time.sleep(step)
    return None


def post(conn: http.client.HTTPConnection, body: bytes) -> dict:
    conn.request("POST", "/graphql", body=body, headers={"content-type": "application/json"})
    return orjson.loads(conn.getresponse().read())


class Poller:
    """Asks one query again and again over one connection; records (sent, answered, kind)."""

    def __init__(self, port: int, name: str, body: bytes, expected: object) -> None:
        self.port, self.name, self.body, self.expected = port, name, body, expected
        self.answers: list[tuple[float, float, str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                got = post(conn, self.body)
            except (OSError, http.client.HTTPException) as exc:
                kind = f"http: {exc!r}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            else:
                codes = sorted({str((e.get("extensions") or {}).get("code")) for e in got.get("errors") or ()})
                kind = "ok" if not codes and got.get("data") == self.expected else ",".join(codes) or "wrong"
            self.answers.append((sent, time.monotonic(), kind))
            time.sleep(0.02)

    def first_ok_after(self, t: float) -> float | None:
        return min((e for s, e, k in self.answers if k == "ok" and s >= t), default=None)


def bolt_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def direct_answers(uri: str) -> bool:
    import neo4j

    try:
        with neo4j.GraphDatabase.driver(uri, auth=None, connection_timeout=1.0,
                                        max_transaction_retry_time=0.0) as driver:
            driver.execute_query("RETURN 1 AS one", database_="neo4j")
        return True
    except Exception:  # noqa: BLE001 - not answering yet
        return False


def healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False


class CpuSampler:
    """Samples the CPU seconds of the (restarted) Neo4j server every 20 ms."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        pid = None
        while not self.stop.is_set():
            if pid is None:
                pids = server_pids(self.home)
                pid = pids[0] if pids else None
            cpu = cpu_seconds(pid) if pid is not None else None
            if cpu is not None:
                self.samples.append((time.monotonic(), cpu))
            time.sleep(0.02)

    def at(self, t: float | None) -> float | None:
        before = [c for s, c in self.samples if s <= t] if t is not None else []
        return before[-1] if before else None


def one_round(home: Path, uri: str, port: int, queries: list[tuple[str, bytes]], expected: dict[str, object],
              args: argparse.Namespace) -> dict[str, float | None]:
    bolt_port = int(uri.rsplit(":", 1)[1])
    pollers = [Poller(port, name, body, expected[name]) for name, body in queries]
    extra = [Poller(port, *queries[i % len(queries)], expected[queries[i % len(queries)][0]])
             for i in range(args.clients)]
    for p in pollers + extra:
        p.thread.start()
    time.sleep(2.0)  # every poller answered a few times on the warm server
    (pid,) = server_pids(home)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    wait_until(lambda: not server_pids(home), 60)
    time.sleep(args.down)
    marks: dict[str, float | None] = {}

    def watch() -> None:
        marks["bolt"] = wait_until(lambda: bolt_accepts(bolt_port), 600)
        marks["direct"] = wait_until(lambda: direct_answers(uri), 600, 0.05)

    def watch_health() -> None:
        wait_until(lambda: not healthy(port), 5)
        marks["healthz"] = wait_until(lambda: healthy(port), 600, 0.05)

    sampler = CpuSampler(home)
    watchers = [threading.Thread(target=watch), threading.Thread(target=watch_health), sampler.thread]
    for w in watchers:
        w.start()
    restart = time.monotonic()
    started = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr
    marks["ready"] = time.monotonic()
    for w in watchers[:2]:
        w.join()
    wait_until(lambda: all(p.first_ok_after(restart) for p in pollers), args.timeout, 0.1)
    sampler.stop.set()
    for p in pollers + extra:
        p.stop.set()
    for p in pollers + extra:
        p.thread.join(timeout=130)

    zero = marks.get("direct") or restart
    cpu_zero = sampler.at(zero) or 0.0

    def at(t: float | None) -> str:
        return "never" if t is None else f"{t - zero:+6.2f}"

    def cpu(t: float | None) -> str:
        c = sampler.at(t)
        return "?" if c is None else f"{c - cpu_zero:5.2f}"

    print(f"\nround: killed {at(killed)}, start called {at(restart)}, bolt accepts {at(marks.get('bolt'))}, "
          f"ready {at(marks['ready'])}, direct RETURN 1 = 0 (Neo4j CPU {cpu_zero:.1f} s since its start), "
          f"healthz 200 {at(marks.get('healthz'))} (Neo4j CPU since direct {cpu(marks.get('healthz'))})")
    print(f"  {'query':<28} {'first ok':>9} {'CPU s':>6} {'down: answers':>14} {'slowest s':>10}  other kinds")
    for p in pollers:
        down = [(s, e) for s, e, k in p.answers if killed + 0.5 < s and e < (marks.get("bolt") or restart)]
        kinds = sorted({k for _, _, k in p.answers if k != "ok"})
        slowest = max((e - s for s, e in down), default=float("nan"))
        first = p.first_ok_after(restart)
        print(f"  {p.name:<28} {at(first):>9} {cpu(first):>6} {len(down):>14} {slowest:>10.2f}  {kinds}")
    firsts = [p.first_ok_after(restart) for p in pollers]
    last = max(firsts) if all(firsts) else None  # type: ignore[type-var]
    print(f"  every query correct again {at(last)} (Neo4j CPU {cpu(last)} s)")
    return {"healthz": (marks["healthz"] - zero) if marks.get("healthz") else None,
            "all": (last - zero) if last else None}


def main() -> None:
    argv = sys.argv[1:]
    serve_extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--down", type=float, default=3.0, help="seconds Neo4j stays down")
    parser.add_argument("--clients", type=int, default=0, help="extra clients cycling the polled queries")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for correct answers")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--only", help="comma-separated names of example queries to poll (default: all)")
    parser.add_argument("--query", help="also poll this GraphQL text (as 'custom')")
    args = parser.parse_args(argv)
    home = Path(os.environ.get("KG_NEO4J_HOME", ROOT / "var" / "neo4j")).resolve()
    uri = neo4j_env()["NEO4J_URI"]
    only = set(args.only.split(",")) if args.only else None
    queries = [(p.stem, orjson.dumps({"query": p.read_text(encoding="utf-8")}))
               for p in sorted(args.queries.glob("*.graphql")) if only is None or p.stem in only]
    if args.query:
        queries.append(("custom", orjson.dumps({"query": args.query})))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", "neo4j", "--uri", uri,
                             "--port", str(port), "--log-level", "warning", *serve_extra],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = []
    try:
        if wait_until(lambda: healthy(port), 300, 0.2) is None:
            raise SystemExit("kg serve did not become healthy")
        expected = {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for name, body in queries:
            got = post(conn, body)
            assert not got.get("errors"), (name, got["errors"])
            expected[name] = got["data"]
        for _ in range(args.rounds):
            results.append(one_round(home, uri, port, queries, expected, args))
            assert proc.poll() is None, "kg serve died"
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    print("\nsummary (s after direct): " + "; ".join(
        f"healthz {r['healthz'] if r['healthz'] is None else round(r['healthz'], 2)}, "
        f"all correct {r['all'] if r['all'] is None else round(r['all'], 2)}" for r in results))


if __name__ == "__main__":
    main()
