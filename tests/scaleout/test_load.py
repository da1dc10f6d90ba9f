"""``kg ingest DIR --from-extractions``: the shards of a kg extract job loaded into either store give
the graph a direct ingest gives; loading twice writes nothing; an unfinished job is refused; a paper
in two shards is loaded once and reported."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.export import graph_records, to_jsonl
from kg.ingest import ingest
from kg.scaleout import load_shards, run_extract
from kg.store import open_store


@pytest.fixture
def job(make_jsonl, seed_rows, tmp_path):
    """60 seed papers with one bad line, extracted into 4 shards by the in-process engine."""
    src = make_jsonl("part.jsonl", seed_rows[:30])
    with src.open("a", encoding="utf-8") as fh:
        fh.write('{"title": "no abstract"}\n')
        fh.writelines(__import__("json").dumps(r) + "\n" for r in seed_rows[30:60])
    report = run_extract([src], tmp_path / "out", engine="local", shard_size=16)
    assert report.extracted == 4 and not report.failed
    return src, tmp_path / "out"


def test_load_from_extractions_equals_direct_ingest(empty_store, job, tmp_path):

    src, out = job
    loaded = load_shards(out, empty_store, batch_size=25)
    assert (loaded.papers_read, loaded.new, loaded.unchanged) == (60, 60, 0)
    assert loaded.batches == 1 + 3  # the taxonomy, then ceil(60 / 25)
    assert [p.line for p in loaded.problems] == [31] and "abstract" in loaded.problems[0].reason
    got = to_jsonl(graph_records(empty_store))

    direct_store = open_store(store="sqlite", graph_path=tmp_path / "direct.db")
    direct = ingest(src, direct_store, batch_size=25)
    assert direct.edges == loaded.edges and direct.entities == loaded.entities
    assert to_jsonl(graph_records(direct_store)) == got  # the same graph, node for node, edge for edge
    direct_store.close()

    again = load_shards(out, empty_store, batch_size=25)
    assert (again.new, again.updated, again.unchanged, again.batches) == (0, 0, 60, 0)
    assert to_jsonl(graph_records(empty_store)) == got


def test_load_refuses_an_unfinished_job(job, sqlite_store):
    _, out = job
    victim = sorted((out / "shards").glob("*.jsonl"))[2]
    victim.unlink()
    with pytest.raises(InputError, match=rf"1 of 4 shard\(s\) not extracted \({victim.stem}\)"):
        load_shards(out, sqlite_store)
    assert sqlite_store.stats().papers == 0
    with pytest.raises(InputError, match="no such folder"):
        load_shards(out / "nope", sqlite_store)


def test_load_paper_in_two_shards_is_loaded_once(make_jsonl, seed_rows, sqlite_store, tmp_path):
    dup = dict(seed_rows[0], id="other-id")  # same title, another id
    src = make_jsonl("dups.jsonl", [*seed_rows[:5], dup, seed_rows[1]])
    run_extract([src], tmp_path / "out", engine="local", shard_size=5)
    report = load_shards(tmp_path / "out", sqlite_store)
    assert report.new == 5 and sqlite_store.stats().papers == 5
    assert [(p.line, "same title" in p.reason or "same id" in p.reason) for p in report.problems] == \
        [(6, True), (7, True)]


def test_load_cli_from_extractions(job, tmp_path):
    _, out = job
    graph = tmp_path / "cli.json"
    result = CliRunner().invoke(app, ["ingest", str(out), "--from-extractions", "--graph", str(graph)])
    assert result.exit_code == 0, result.output
    assert "60 papers read: 60 new" in result.stdout
    assert "part.jsonl:31" in result.stderr
    twice = CliRunner().invoke(app, ["ingest", str(out), str(out), "--from-extractions", "--graph", str(graph)])
    assert twice.exit_code == 2 and "takes one folder" in twice.stderr
    bulk = CliRunner().invoke(app, ["ingest", str(out), "--from-extractions", "--bulk", "--graph", str(graph)])
    assert bulk.exit_code != 0 and "--bulk loads an EMPTY store" in bulk.stderr  # one clear line, no traceback
    assert "Traceback" not in bulk.output
    fresh = tmp_path / "bulk.db"  # into a new file, the bulk load gives the same graph
    bulk = CliRunner().invoke(app, ["ingest", str(out), "--from-extractions", "--bulk", "--graph", str(fresh)])
    assert bulk.exit_code == 0, bulk.output
    assert "60 papers read: 60 new" in bulk.stdout
    assert to_jsonl(graph_records(open_store(store="sqlite", graph_path=fresh))) == to_jsonl(
        graph_records(open_store(store="sqlite", graph_path=graph)))
