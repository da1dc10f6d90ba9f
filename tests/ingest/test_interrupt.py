"""An ingest killed mid-way (SIGKILL, a real subprocess) and run again converges to the graph an
uninterrupted run gives: whole batches are durable, the re-run skips them and writes the rest.
The killed ingest extracts with two worker processes: they exit when their parent dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.export import graph_records, to_jsonl

pytestmark = pytest.mark.slow


def kg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          env=env, timeout=300, check=True)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(c) for c in task.read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_and_kill_after_first_batch(args: list[str], env: dict) -> set[int]:
    """Start ``kg ingest`` and SIGKILL it as soon as it logs a written batch; return the pids of
    its child processes (the extraction workers) at that moment."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    children: set[int] = set()
    try:
        for line in proc.stderr:
            done = line.removeprefix("ingest: ").split("/")[0]
            if line.startswith("ingest: ") and done.isdigit() and int(done) > 0:
                children = _children(proc.pid)
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    return children


def _store_args(kind: str, where: str) -> list[str]:
    return ["--store", "sqlite", "--graph", where] if kind == "sqlite" else ["--store", "neo4j", "--uri", where]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, seed_jsonl):
    """The graph file of an uninterrupted ``kg ingest`` of the seed."""
    full = tmp_path_factory.mktemp("full") / "full.json"
    kg("ingest", str(seed_jsonl), "--graph", str(full), "--quiet")
    return full


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_ingest_killed_midway_then_rerun_converges(kind, request, tmp_path, seed_jsonl, uninterrupted):
    from kg.store import open_store

    env = {**os.environ, "COLUMNS": "200"}
    if kind == "sqlite":
        where = str(tmp_path / "killed.json")
        settings = {"store": "sqlite", "graph_path": where}
    else:
        where = request.getfixturevalue("neo4j_uri")
        settings = {"store": "neo4j", "neo4j_uri": where}
        s = open_store(**settings)
        s.clear()
        s.close()

    workers = start_and_kill_after_first_batch(
        ["ingest", str(seed_jsonl), *_store_args(kind, where), "--batch-size", "4", "--workers", "2"], env)
    if Path("/proc/self/task").exists():
        assert len(workers) >= 2, "the ingest ran its extraction in worker processes"
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(p) for p in workers), "extraction workers outlived their killed parent"
    store = open_store(**settings)
    try:
        partial = store.stats().papers
        assert 4 <= partial < 224
    finally:
        store.close()

    rerun = kg("ingest", str(seed_jsonl), *_store_args(kind, where), "--json", "--quiet", "--workers", "2")
    report = json.loads(rerun.stdout)
    assert report["unchanged"] == partial and report["new"] == 224 - partial

    killed, uninterrupted = open_store(**settings), open_store(store="sqlite", graph_path=uninterrupted)
    try:
        assert to_jsonl(graph_records(killed)) == to_jsonl(graph_records(uninterrupted))
    finally:
        killed.close()
        uninterrupted.close()
