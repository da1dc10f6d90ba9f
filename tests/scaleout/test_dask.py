"""The Dask engine on a real LocalCluster with 2 worker processes: output identical to the
single-process path (seed; the 530-abstract corpus), a worker terminated mid-run does not change
the output, and the CLI runs it end to end."""

from __future__ import annotations

import os
import signal
import threading
import time

from typer.testing import CliRunner

from kg.cli import app
from kg.scaleout import read_extractions, run_extract


def test_dask_cli_localcluster_seed_identical_to_single_process(seed_jsonl, seed_reference, tmp_path):
    out = tmp_path / "out"
    args = ["extract", str(seed_jsonl), "--out", str(out), "--engine", "dask", "--workers", "2",
            "--shard-size", "60"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "4 shard(s): 4 extracted, 0 already done, 0 failed — 224 papers" in result.stdout
    assert "on 2 worker(s)" in result.stdout
    assert result.stderr.count("extract: shard papers-") == 4  # progress: one line per shard
    assert list(read_extractions(out)) == seed_reference

    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "4 shard(s): 0 extracted, 4 already done, 0 failed — 0 papers" in again.stdout


def test_dask_scheduler_corpus_identical_to_single_process(cluster, corpus_path, single_process, tmp_path):
    report = run_extract([corpus_path], tmp_path / "out", engine="dask", scheduler=cluster.scheduler_address,
                         shard_size=100)
    assert (report.shards, report.extracted, report.failed, report.papers) == (6, 6, [], 530)
    assert report.scheduler == cluster.scheduler_address and report.workers == 2
    got = list(read_extractions(tmp_path / "out"))
    assert got == single_process(corpus_path)
    assert len({x.paper.id for x in got}) == 530


def test_dask_worker_terminated_mid_run_same_output(cluster, seed_jsonl, seed_reference, tmp_path):
    from distributed import Client

    out = tmp_path / "out"
    result: dict = {}

    def job() -> None:
        try:
            result["report"] = run_extract([seed_jsonl], out, engine="dask",
                                           scheduler=cluster.scheduler_address, shard_size=8)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertions below
            result["error"] = exc

    runner = threading.Thread(target=job)
    runner.start()
    killed = None
    with Client(cluster.scheduler_address) as client:
        deadline = time.monotonic() + 300
        while killed is None and runner.is_alive() and time.monotonic() < deadline:
            done = len(list((out / "shards").glob("*.json"))) if (out / "shards").exists() else 0
            busy = [w for w, keys in client.processing().items() if any("kg-shard-" in str(k) for k in keys)]
            if done >= 2 and busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGTERM)
                killed = (busy[0], done)
            else:
                time.sleep(0.2)
    runner.join(600)
    assert killed is not None, "the job ended before a worker could be terminated mid-run"
    assert killed[1] < 28, "the worker was terminated after the last shard"
    assert "error" not in result, result.get("error")
    report = result["report"]
    assert report.failed == [] and report.shards == 28
    assert list(read_extractions(out)) == seed_reference
