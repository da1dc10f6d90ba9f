"""`kg serve` over a real Neo4j that is SIGKILLed during a multi-client run and restarted.

The server is a throwaway Neo4j home of this test (scripts/neo4j-local, free ports), never the
shared test server. While clients query `kg serve` and a writer commits small batches, the Neo4j
process is killed; requirements (issue 14):

* while Neo4j is down every request answers STORE_UNAVAILABLE in under 1 s;
* `scripts/neo4j-local start` brings it back on the recorded ports, and correct answers return
  soon after Neo4j answers a direct read again: within :data:`RECOVERY_BOUND` seconds, and after at
  most :data:`RECOVERY_CPU_BOUND` CPU-seconds of work by the restarted Neo4j (the target is 5 s);
  the `kg serve` process never dies;
* every batch whose write returned is in the graph afterwards (Neo4j's transaction log).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from kg.errors import StoreError
from kg.models import Divergence, Evidence, Extraction, GraphDelta, Paper, Tag
from tests.infra.neo4j_local import parse_env, run, server_processes
from tests.serving import free_port, wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.neo4j, pytest.mark.usefixtures("java_and_maven")]

KL = Divergence(id="divergence:kl", name="KL divergence", aliases=("KL",))
QUERY = '{ papers(where: {divergence: {name: "KL"}}) { id } }'
EXPECTED = {"data": {"papers": [{"id": "a1"}, {"id": "a2"}]}}


def _paper(pid: str, tagged: bool) -> Extraction:
    text = "We minimise the KL divergence." if tagged else "A paper about nothing in particular."
    tags = ()
    if tagged:
        start = text.index("KL")
        evidence = Evidence(sentence_index=1, sentence=text, start=start, end=start + 2, surface="KL",
                            rule="test", extractor_version="t")
        tags = (Tag(entity=KL, role="used", mentions=("KL",), evidence=(evidence,)),)
    return Extraction(paper=Paper(id=pid, title=f"Paper {pid}", abstract=text, year=2024),
                      divergences=tags, extractor_version="t")


#: Seconds from Neo4j answering a direct read again to kg serve answering correctly. The target
#: (issue 14) is 5 s. The time goes to the restarted Neo4j planning the statements of the request
#: afresh on a cold JVM (kg.store.plans lets each be planned once, not once per waiting client); the
#: rest is how much CPU this niced test gets. Measured (2 shared cores, everything at nice 19):
#: 1.3-3.5 s at load average 3-8 (7 runs), 5.3 s and 6.0 s at load 9-14 (where the 1 s fail-fast
#: bound above can fail too: a request took 2.0 s at load 13). 5 s is therefore not a reliable bound
#: on this machine; this one is (with margin over the 6.0 s seen).
RECOVERY_BOUND = 10.0

#: The load-independent form of the target: CPU-seconds the restarted Neo4j spends from answering a
#: direct read to kg serve's first correct answer (all of it cold planning of the reads and of the
#: writer's statements). Measured 1.45-2.24 s at load 3-14 (9 runs, 2026-12-01/02); on 2026-12-03, a
#: machine that ran the same CPU-bound benchmarks ~1.5x slower (CPU-seconds follow the machine's
#: speed, not its load), 3.17 s before the answer cache and 4.04 s once in a full-suite run. The bound
#: is the issue's 5 s target on one free core.
RECOVERY_CPU_BOUND = 5.0


class Run:
    """Clients and a writer against the server, recording every answer with its timing."""

    def __init__(self, base: str, uri: str) -> None:
        self.base = base
        self.uri = uri
        self.stop = threading.Event()
        self.answers: list[tuple[float, float, str]] = []  # (sent, answered, ok|unavailable|other: ...)
        self.committed: list[str] = []
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(4)]
        self.threads.append(threading.Thread(target=self.writer, daemon=True))

    def client(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self.stop.is_set():
                sent = time.monotonic()
                try:
                    body = http.post("/graphql", json={"query": QUERY}).json()
                except httpx.HTTPError as exc:  # the server died or hung: recorded, then asserted
                    kind = f"other: {exc!r}"
                else:
                    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or ()}
                    if body == EXPECTED or (set(body) == {"data", "extensions"} and body["data"] == EXPECTED["data"]):
                        kind = "ok"
                    elif codes == {"STORE_UNAVAILABLE"}:
                        kind = "unavailable"
                    else:
                        kind = f"other: {body}"
                self.answers.append((sent, time.monotonic(), kind))
                time.sleep(0.02)

    def writer(self) -> None:
        from kg.store.neo4j_store import Neo4jStore

        store = Neo4jStore(self.uri, None, "neo4j", connection_timeout=1.0, retry_time=0.0)
        try:
            for k in range(100_000):
                if self.stop.is_set():
                    return
                pid = f"w{k:05d}"
                try:
                    store.write(GraphDelta(extractions=(_paper(pid, tagged=False),)))
                except StoreError:
                    time.sleep(0.2)
                    continue
                self.committed.append(pid)
                time.sleep(0.05)
        finally:
            store.close()

    def __enter__(self) -> Run:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def _first_direct_answer(uri: str, until: float) -> float:
    """When Neo4j, restarted, first answers a read over a connection of its own (not kg serve's):
    the moment the API can be expected to recover from. On an idle machine this is right after
    ``scripts/neo4j-local start`` reports ready; on a loaded one it can be many seconds later."""
    from kg.store.neo4j_store import Neo4jStore

    while time.monotonic() < until:
        try:
            with Neo4jStore(uri, None, "neo4j", connection_timeout=1.0, retry_time=0.0) as store:
                store.lookup("KL")
            return time.monotonic()
        except StoreError:
            time.sleep(0.1)
    raise AssertionError(f"the restarted Neo4j at {uri} did not answer a direct read")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_serve_fault_neo4j_sigkill_fails_fast_and_recovers(tmp_path: Path) -> None:
    from kg.store.neo4j_store import Neo4jStore

    home = tmp_path / "neo4j-fault"
    slow_machine = {"KG_NEO4J_TIMEOUT": "500"}  # a loaded 2-core machine can take minutes to start Neo4j
    started = run(home, "start", "--fresh", "--free-ports", extra_env=slow_machine, timeout=540)
    assert started.returncode == 0, started.stderr
    proc = None
    try:
        uri = parse_env(run(home, "env").stdout)["NEO4J_URI"]
        with Neo4jStore(uri, None, "neo4j") as store:
            store.write(GraphDelta(extractions=(_paper("a1", True), _paper("a2", True), _paper("b1", False)),
                                   entities=(KL,)))
        base = f"http://127.0.0.1:{free_port()}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--store", "neo4j", "--uri", uri,
             "--port", base.rsplit(":", 1)[1], "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        wait_healthy(base, proc, 300)  # a loaded machine: kg serve opens Neo4j on a cold JVM

        with Run(base, uri) as load:
            # killed while it serves: wait until kg serve has answered (a loaded machine is slow to start)
            until = time.monotonic() + 120
            while time.monotonic() < until and sum(k == "ok" for _, _, k in load.answers) < 8:
                time.sleep(0.1)
            assert any(k == "ok" for _, _, k in load.answers), f"kg serve never answered: {load.answers[:5]}"
            (pid,) = server_processes(home)
            os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            while server_processes(home):
                time.sleep(0.05)
            time.sleep(3)  # down for a while, under load
            down = httpx.get(f"{base}/healthz", timeout=5)
            restarted = run(home, "start", extra_env=slow_machine, timeout=540)  # back on the recorded ports
            assert restarted.returncode == 0, restarted.stderr
            ready = time.monotonic()
            answering = _first_direct_answer(uri, ready + 240)  # a loaded machine answers long after "ready"
            (new_pid,) = server_processes(home)
            cpu_answering = _cpu_seconds(new_pid)
            deadline = answering + 2 * RECOVERY_BOUND  # past the bound: the failure then says how late
            while time.monotonic() < deadline and not any(k == "ok" and s > ready for s, _, k in load.answers):
                time.sleep(0.05)
            cpu_first_ok = _cpu_seconds(new_pid)
            time.sleep(1)

        def at(t: float) -> str:
            return f"{t - killed:+.2f}s"

        unusual = [f"{at(s)} {e - s:.2f}s {k[:80]}" for s, e, k in load.answers if k != "ok" or e - s > 1]
        timeline = f"killed at 0s, Neo4j ready {at(ready)}; answers (sent, took, kind): " + "; ".join(unusual)[:4000]
        assert proc.poll() is None, "kg serve died"
        assert down.status_code == 503 and down.json()["error"].startswith("[E401]")
        others = [a for a in load.answers if a[2] not in ("ok", "unavailable")]
        assert not others, timeline
        # settle 0.5 s after the kill (requests in flight then may still be answered by the old server)
        while_down = [(s, e) for s, e, k in load.answers if s > killed + 0.5 and e < ready]
        assert len(while_down) >= 10
        assert all(k == "unavailable" for s, e, k in load.answers if s > killed + 0.5 and e < ready)
        slowest = max(e - s for s, e in while_down)
        assert slowest < 1.0, f"a request took {slowest:.2f}s while Neo4j was down: {timeline}"
        first_ok = min((e for s, e, k in load.answers if k == "ok" and s > ready), default=float("inf"))
        print(f"recovery: Neo4j answered {at(answering)}, kg serve correct {first_ok - answering:.2f}s later, "
              f"Neo4j CPU meanwhile {cpu_first_ok - cpu_answering:.2f}s")
        assert first_ok - answering < RECOVERY_BOUND, (
            f"correct answers {first_ok - answering:.1f}s after Neo4j answered a direct query again "
            f"({at(answering)}): {timeline}")
        assert cpu_first_ok - cpu_answering < RECOVERY_CPU_BOUND, (
            f"the restarted Neo4j worked {cpu_first_ok - cpu_answering:.1f} CPU-s before kg serve answered "
            f"correctly: {timeline}")

        with Neo4jStore(uri, None, "neo4j") as store:
            held = store.paper_versions(load.committed)
        assert load.committed and set(held) == set(load.committed)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        run(home, "stop", timeout=120)
