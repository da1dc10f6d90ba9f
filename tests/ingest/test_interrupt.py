"""An ingest killed mid-way (SIGKILL, a real subprocess) and run again converges to the graph an
uninterrupted run gives: whole batches are durable, the re-run skips them and writes the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from kg.export import graph_records, to_jsonl

pytestmark = pytest.mark.slow


def kg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          env=env, timeout=300, check=True)


def start_and_kill_after_first_batch(args: list[str], env: dict) -> None:
    """Start ``kg ingest`` and SIGKILL it as soon as it logs a written batch."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in proc.stderr:
            done = line.removeprefix("ingest: ").split("/")[0]
            if line.startswith("ingest: ") and done.isdigit() and int(done) > 0:
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"


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

    start_and_kill_after_first_batch(["ingest", str(seed_jsonl), *_store_args(kind, where), "--batch-size", "4"], env)
    store = open_store(**settings)
    try:
        partial = store.stats().papers
        assert 4 <= partial < 224
    finally:
        store.close()

    rerun = kg("ingest", str(seed_jsonl), *_store_args(kind, where), "--json", "--quiet")
    report = json.loads(rerun.stdout)
    assert report["unchanged"] == partial and report["new"] == 224 - partial

    killed, uninterrupted = open_store(**settings), open_store(store="sqlite", graph_path=uninterrupted)
    try:
        assert to_jsonl(graph_records(killed)) == to_jsonl(graph_records(uninterrupted))
    finally:
        killed.close()
        uninterrupted.close()
