"""kg.scaleout.engine with the in-process engine: output identical to the single-process path, a
re-run does no extraction work, a failed shard is reported by id and re-run alone, missing extras say
which pip install fixes them. (The Dask engine on a real LocalCluster: test_dask.py.)"""

from __future__ import annotations

import sys

import pytest

from kg.errors import InputError, MissingExtra
from kg.scaleout import plan_job, read_extractions, run_extract, run_job


def _mtimes(out) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "shards").iterdir()}


@pytest.fixture
def two_inputs(make_jsonl, seed_rows):
    return make_jsonl("a.jsonl", seed_rows[:24]), make_jsonl("b.jsonl", seed_rows[24:36])


def test_engine_local_output_identical_to_single_process(two_inputs, single_process, tmp_path):
    a, b = two_inputs
    report = run_extract([a, b], tmp_path / "out", engine="local", shard_size=10)
    assert (report.shards, report.extracted, report.skipped, report.failed) == (5, 5, 0, [])
    assert report.papers == 36 and report.workers == 1
    got = list(read_extractions(tmp_path / "out"))
    assert got == single_process(a) + single_process(b)  # same records, same ids, same order


def test_engine_local_pool_output_identical_to_single_process(two_inputs, single_process, tmp_path):
    """engine="local" with workers=2: shards run in two spawned processes, same bytes as one process."""
    a, b = two_inputs
    one = run_extract([a, b], tmp_path / "one", engine="local", shard_size=10)
    pool = run_extract([a, b], tmp_path / "pool", engine="local", workers=2, shard_size=10)
    assert (pool.shards, pool.extracted, pool.failed, pool.workers) == (5, 5, [], 2)
    assert pool.cpu_seconds > 0 and one.workers == 1
    assert list(read_extractions(tmp_path / "pool")) == single_process(a) + single_process(b)
    for shard in (tmp_path / "one" / "shards").glob("*.jsonl"):
        assert (tmp_path / "pool" / "shards" / shard.name).read_bytes() == shard.read_bytes()


def test_engine_rerun_does_no_extraction_work(two_inputs, tmp_path):
    out = tmp_path / "out"
    run_extract(two_inputs, out, engine="local", shard_size=10)
    before = _mtimes(out)
    again = run_extract(two_inputs, out, engine="dask", workers=2, shard_size=10)
    assert (again.extracted, again.skipped, again.papers) == (0, 5, 0)
    assert again.scheduler is None and again.workers == 0  # no cluster was even started
    assert _mtimes(out) == before  # no shard rewritten


def test_engine_failed_shard_is_reported_and_rerun_alone(two_inputs, tmp_path):
    a, b = two_inputs
    out = tmp_path / "out"
    plan = plan_job([a, b], out, shard_size=10)
    b.write_text(b.read_text().replace("We ", "we "), encoding="utf-8")  # b changes after planning
    report = run_job(plan, engine="local")
    b_ids = [s.id for s in plan.shards if s.source == str(b)]
    assert [f.id for f in report.failed] == b_ids
    assert all("changed since the job was planned" in f.error for f in report.failed)
    assert report.extracted == 3
    with pytest.raises(InputError, match=b_ids[0]):
        list(read_extractions(out))  # an unfinished job is not loaded
    rerun = run_extract([a, b], out, engine="local", shard_size=10)
    assert (rerun.extracted, rerun.skipped, rerun.failed) == (len(b_ids), 3, [])
    assert len(list(read_extractions(out))) == 36


def test_engine_only_one_shard(two_inputs, tmp_path):
    out = tmp_path / "out"
    ids = [s.id for s in plan_job(two_inputs, out, shard_size=10).shards]
    one = run_extract(two_inputs, out, engine="local", shard_size=10, only=[ids[1]])
    assert (one.extracted, one.papers) == (1, 10)
    assert sorted(p.name for p in (out / "shards").glob("*.jsonl")) == [f"{ids[1]}.jsonl"]
    with pytest.raises(InputError, match="no shard nope"):
        plan_job(two_inputs, out, shard_size=10, only=["nope"])


def test_engine_output_on_an_fsspec_filesystem(two_inputs, single_process):
    a, _ = two_inputs
    url = "memory://kg-test-engine/run"
    report = run_extract([a], url, engine="local", shard_size=10)
    assert report.extracted == 3
    assert list(read_extractions(url)) == single_process(a)


def test_engine_dask_missing_says_which_pip_install(two_inputs, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'kg\[dask\]'"):
        run_extract(two_inputs, tmp_path / "out", engine="dask", shard_size=10)


def test_engine_a_paper_the_extractor_fails_on_costs_only_itself(make_jsonl, seed_rows, tmp_path, monkeypatch):
    import kg.extract.rules as rules

    real = rules.run_rules
    bad_id = seed_rows[3]["id"]

    def flaky(ctx):
        if ctx.paper.id == bad_id:
            raise RuntimeError("boom")
        return real(ctx)

    monkeypatch.setattr(rules, "run_rules", flaky)
    src = make_jsonl("part.jsonl", seed_rows[:6])
    report = run_extract([src], tmp_path / "out", engine="local", shard_size=10)
    assert report.failed == [] and report.papers == 5
    assert [(p["line"], "boom" in p["reason"]) for p in report.problems] == [(4, True)]
    assert bad_id not in {x.paper.id for x in read_extractions(tmp_path / "out")}
