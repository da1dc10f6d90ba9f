"""``kg serve --workers N``: N spawned server processes share the port, each with its own store;
every request is answered as one process answers it; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from kg.store.sqlite_store import SQLiteStore
from tests import world as gd
from tests.serving import free_port, wait_healthy

QUERY = '{ papers(where: {divergence: {name: "KL"}}) { id } divergences(orderBy: NAME) { id papers(limit: 1) { id } } }'


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _serve(graph: Path, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--graph", str(graph), "--port", str(port), "--log-level", "warning",
         *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "KG_API_KEY": "k3y"},
    )


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_serve_workers_share_the_port_and_answer_alike(tmp_path):
    graph = tmp_path / "graph.db"
    with SQLiteStore(graph) as store:
        store.write(gd.delta())
    answers = {}
    spawned: list[int] = []
    for workers in (1, 2):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _serve(graph, port, "--workers", str(workers))
        try:
            wait_healthy(base, proc, 120)
            headers = {"authorization": "Bearer k3y"}  # the key reaches the workers (not by the command line)
            assert httpx.post(f"{base}/graphql", json={"query": QUERY}, timeout=30).status_code == 401
            with ThreadPoolExecutor(8) as pool:
                got = list(pool.map(lambda url: httpx.post(url, json={"query": QUERY}, headers=headers,  # noqa: B023
                                                           timeout=30).json(), [f"{base}/graphql"] * 40))
            assert all(g == got[0] for g in got) and "errors" not in got[0], got[0]
            answers[workers] = got[0]
            if workers == 2:
                python_children = [c for c in _children(proc.pid)
                                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text().replace("\0", " ")]
                assert len(python_children) == 2, python_children
                spawned += python_children
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
    assert spawned and not any(Path(f"/proc/{pid}").exists() for pid in spawned)  # Ctrl-C stopped the workers
    assert answers[1]["data"] == answers[2]["data"]
    assert answers[1]["data"]["papers"]
