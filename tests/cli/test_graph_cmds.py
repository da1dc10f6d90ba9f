"""The graph commands through Typer's CliRunner, on a real embedded store holding the bundled seed
(and, for the lookup, on a real Neo4j): data on stdout, errors as one line with an exit code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kg.cli import app

KL = "divergence:kullback-leibler"


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def assert_one_error(stderr: str) -> None:
    """One error message and nothing else (Rich may hard-wrap it at the console width)."""
    assert stderr.startswith("error: [E") and stderr.count("error:") == 1
    assert "Traceback" not in stderr and stderr.endswith("\n")


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    """``--graph PATH`` of a store into which ``kg ingest`` (no PATH: the bundled seed) wrote."""
    path = str(tmp_path_factory.mktemp("cli") / "graph.json")
    result = run("ingest", "--graph", path)
    assert "224 papers read: 224 new, 0 updated, 0 unchanged" in result.stdout
    return path


_KL_PAPERS: dict[str, list[dict]] = {}


def kl_papers(graph: str) -> list[dict]:
    """``kg papers-using 'KL divergence' --json`` on ``graph`` (run once per graph)."""
    if graph not in _KL_PAPERS:
        out = run("papers-using", "KL divergence", "--json", "--graph", graph).stdout
        _KL_PAPERS[graph] = json.loads(out)["papers"]
    return _KL_PAPERS[graph]


def test_graph_cmds_ingest_again_changes_nothing(graph):
    report = json.loads(run("ingest", "--graph", graph, "--json").stdout)
    assert (report["papers_read"], report["new"], report["unchanged"], report["batches"]) == (224, 0, 224, 0)
    assert report["totals"]["papers"] == 224


def test_graph_cmds_ingest_reports_bad_records_and_exits_zero(tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_text('{"id": "a", "title": "T", "abstract": "We minimize the KL divergence."}\n{broken\n'
                   '{"id": "b", "title": "U", "abstract": ""}\n', encoding="utf-8")
    result = run("ingest", str(src), "--graph", str(tmp_path / "g.json"))

    assert "1 papers read: 1 new" in result.stdout
    assert f"{src}:2" in result.stderr and f"{src}:3" in result.stderr


@pytest.mark.parametrize("alias", ["KL", "Kullback-Leibler", "kullback–leibler divergence", "relative entropy"])
def test_graph_cmds_papers_using_resolves_aliases(graph, alias):
    data = json.loads(run("papers-using", alias, "--json", "--graph", graph).stdout)

    assert KL in data["ids"]
    assert data["total"] == len(data["papers"]) > 0
    assert [p["id"] for p in data["papers"]] == [p["id"] for p in kl_papers(graph)]
    for p in data["papers"]:
        assert p["matches"] and all(m["evidence"][0]["sentence"] for m in p["matches"])


def test_graph_cmds_papers_using_table_shows_paper_and_evidence(graph):
    first = kl_papers(graph)[0]
    out = run("papers-using", "KL divergence", "--graph", graph).stdout
    assert first["id"] in out and "paper(s) using" in out


def test_graph_cmds_papers_using_filters_narrow_the_answer(graph):
    family = kl_papers(graph)
    reverse = json.loads(run("papers-using", "KL", "--variant", "reverse", "--json", "--graph", graph).stdout)
    f_all = json.loads(run("papers-using", "f-divergence", "--json", "--graph", graph).stdout)
    f_exact = json.loads(run("papers-using", "f-divergence", "--exact", "--json", "--graph", graph).stdout)

    assert 0 < reverse["total"] < len(family)
    assert all(m["variant"] == "reverse" for p in reverse["papers"] for m in p["matches"])
    assert f_exact["total"] < f_all["total"]
    assert {p["id"] for p in family} <= {p["id"] for p in f_all["papers"]}


def test_graph_cmds_papers_using_unknown_name_suggests_and_fails(graph):
    result = run("papers-using", "Kullbak-Leibler", "--graph", graph, code=1)

    assert_one_error(result.stderr)
    assert "did you mean" in result.stderr and "Kullback" in result.stderr
    assert result.stdout == ""


def test_graph_cmds_paper_shows_tags_and_claims(graph):
    data = json.loads(run("paper", "p008", "--json", "--graph", graph).stdout)
    table = run("paper", "p008", "--graph", graph).stdout

    assert data["paper"]["id"] == "p008"
    assert any(t["kind"] == "divergence" for t in data["tags"])
    assert data["claims"] and all(c["type"] for c in data["claims"])
    assert data["paper"]["title"] in table


def test_graph_cmds_paper_unknown_id_fails_with_one_line(graph):
    result = run("paper", "p999", "--graph", graph, code=1)
    assert_one_error(result.stderr)
    assert "p999" in result.stderr


@pytest.mark.parametrize("kind", ["method", "divergence", "dataset"])
def test_graph_cmds_entities_most_used_first(graph, kind):
    body = json.loads(run("entities", "--kind", kind, "--top", "5", "--json", "--graph", graph).stdout)
    data = body["entities"]  # an object like every other --json answer
    assert body["total"] >= len(data)
    assert 0 < len(data) <= 5 and all(e["kind"] == kind for e in data)
    assert [e["paperCount"] for e in data] == sorted((e["paperCount"] for e in data), reverse=True)
    assert data[0]["paperCount"] > 0


def test_graph_cmds_entities_limit_is_the_head_of_the_whole_list(graph):
    every = json.loads(run("entities", "--kind", "method", "--top", "0", "--json", "--graph", graph).stdout)
    for n in (1, 3, 10):
        head = json.loads(run("entities", "--kind", "method", "--limit", str(n), "--json", "--graph", graph).stdout)
        assert head == {**every, "entities": every["entities"][:n]}
    assert every["total"] == len(every["entities"]) > 10


@pytest.mark.parametrize("ctype", ["proposal", "theoretical", "empirical"])
def test_graph_cmds_claims_by_type(graph, ctype):
    data = json.loads(run("claims", "--type", ctype, "--limit", "0", "--json", "--graph", graph).stdout)
    assert data["total"] == len(data["claims"]) > 0
    assert {c["type"] for c in data["claims"]} == {ctype}


def test_graph_cmds_claims_about_an_entity(graph):
    data = json.loads(run("claims", "--about", "KL", "--limit", "0", "--json", "--graph", graph).stdout)
    assert data["claims"] and all(KL in c["about"] for c in data["claims"])


def test_graph_cmds_claims_name_entities_and_the_papers_datasets(graph):
    """'Which claims are made about X, on which datasets?' in one command."""
    data = json.loads(run("claims", "--about", "CIFAR-10", "--limit", "0", "--json", "--graph", graph).stdout)
    assert data["claims"]
    for c in data["claims"]:
        assert len(c["about_names"]) == len(c["about"]) and "CIFAR-10" in c["about_names"]
        assert "CIFAR-10" in c["paper_datasets"]  # the claim mentions it, so the paper is tagged with it
    table = run("claims", "--about", "CIFAR-10", "--graph", graph).stdout
    assert "paper's datasets" in table and "dataset:cifar" not in table  # names, not ids


def test_graph_cmds_why_points_into_the_original_text(graph):
    paper = kl_papers(graph)[0]
    why = json.loads(run("why", paper["id"], "KL", "--json", "--graph", graph).stdout)
    full = json.loads(run("paper", paper["id"], "--json", "--graph", graph).stdout)["paper"]

    evidence = [e for t in why["tags"] for e in t["evidence"]]
    assert evidence
    for e in evidence:
        assert full[e["field"]][e["start"]:e["end"]] == e["surface"]
        assert e["rule"] and e["extractor_version"]
    assert paper["id"] in run("why", paper["id"], "KL", "--graph", graph).stdout


def test_graph_cmds_why_untagged_entity_fails(graph):
    untagged = next(f"p{i:03d}" for i in range(1, 225) if f"p{i:03d}" not in {p["id"] for p in kl_papers(graph)})
    result = run("why", untagged, "KL", "--graph", graph, code=1)
    assert "not tagged" in result.stderr


def test_graph_cmds_stats_counts(graph):
    data = json.loads(run("stats", "--json", "--graph", graph).stdout)
    assert data["papers"] == 224 and data["claims"] > 0
    assert data["links"]["USES"] > 0 and data["entities"]["divergence"] > 0
    assert "papers" in run("stats", "--graph", graph).stdout


@pytest.mark.parametrize("fmt", ["jsonl", "graphml", "gexf"])
def test_graph_cmds_export_to_stdout_and_file(graph, tmp_path, fmt):
    stdout = run("export", "--format", fmt, "--graph", graph).stdout
    target = tmp_path / f"graph.{fmt}"
    run("export", "--format", fmt, "--out", str(target), "--graph", graph, "--quiet")

    assert target.read_text(encoding="utf-8") == stdout
    if fmt == "jsonl":
        rows = [json.loads(line) for line in stdout.splitlines()]
        assert sum(r["type"] == "node" and "Paper" in r["labels"] for r in rows) == 224


def test_graph_cmds_export_csv_needs_a_directory(graph, tmp_path):
    result = run("export", "--format", "csv", "--graph", graph, code=2)
    assert "--out" in result.stderr
    run("export", "--format", "csv", "--out", str(tmp_path / "csv"), "--graph", graph)
    assert (tmp_path / "csv" / "nodes_Paper.csv").exists()


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"])
def test_graph_cmds_unreachable_neo4j_is_one_line(uri):
    result = run("stats", "--store", "neo4j", "--uri", uri, code=3)

    assert result.stdout == ""
    assert_one_error(result.stderr)
    assert "unreachable" in result.stderr


@pytest.mark.neo4j
def test_graph_cmds_papers_using_same_on_neo4j(graph, neo4j_uri):
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    store.clear()
    store.close()
    run("ingest", "--store", "neo4j", "--uri", neo4j_uri, "--quiet")
    on_neo4j = json.loads(run("papers-using", "KL divergence", "--json", "--store", "neo4j", "--uri", neo4j_uri).stdout)

    assert on_neo4j["papers"] == kl_papers(graph)


@pytest.mark.parametrize("env", [{"KG_STORE": "postgres"}, {"KG_BATCH_SIZE": "0"}])
def test_graph_cmds_bad_setting_in_env_is_one_line(env, tmp_path):
    result = CliRunner().invoke(app, ["stats", "--graph", str(tmp_path / "g.json")], env=env)

    assert result.exit_code == 2
    assert_one_error(result.stderr)
    assert "bad setting" in result.stderr and next(iter(env)).removeprefix("KG_").lower() in result.stderr


@pytest.mark.parametrize("args,message", [(["missing.jsonl"], "missing.jsonl"), (["--format", "xml"], "'xml'")])
def test_graph_cmds_ingest_bad_input_exits_2_without_traceback(args, message, tmp_path):
    result = CliRunner().invoke(app, ["ingest", *args, "--graph", str(tmp_path / "g.json")])

    assert result.exit_code == 2
    assert "Traceback" not in result.output and message in result.stderr
    assert not (tmp_path / "g.json").exists()


def test_graph_cmds_stats_on_an_empty_neo4j_keeps_stderr_clean(neo4j_uri):
    """Server notifications (unknown relationship types on an empty db) are not shown to users."""
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    try:
        store.clear()
    finally:
        store.close()
    # a real process: the driver logs through the logging module, which CliRunner does not capture
    proc = subprocess.run(
        [sys.executable, "-m", "kg", "stats", "--store", "neo4j", "--uri", neo4j_uri, "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout)["papers"] == 0
    assert "notification" not in proc.stderr.lower() and "does not exist" not in proc.stderr, proc.stderr


def test_graph_cmds_version_and_short_help():
    from kg import __version__

    assert f"kg {__version__}" in run("--version").stdout
    assert "Usage" in run("-h").stdout and "Usage" in run("papers-using", "-h").stdout


@pytest.mark.parametrize("args", [["papers-using", "KL"], ["stats"], ["entities"], ["why", "p001", "KL"]])
def test_graph_cmds_missing_graph_file_names_the_path_and_ingest(tmp_path, args):
    missing = tmp_path / "nowhere" / "graph.json"
    result = run(*args, "--graph", str(missing), code=2)
    assert f"no graph file at {missing}" in result.stderr and "kg ingest" in result.stderr
    assert "no entity named" not in result.stderr and not missing.exists()


def test_graph_cmds_filters_combine(graph):
    everything = json.loads(run("papers-using", "KL", "--json", "--graph", graph).stdout)
    narrowed = json.loads(run("papers-using", "KL", "--with", "diffusion model", "--json", "--graph", graph).stdout)
    assert 0 < narrowed["total"] < everything["total"]
    assert {p["id"] for p in narrowed["papers"]} <= {p["id"] for p in everything["papers"]}
    assert [r["as"] for r in narrowed["resolved"]] == ["subject", "with"]
    bad = run("papers-using", "KL", "--year", "2023..2020", "--graph", graph, code=2)
    assert "2023 is after 2020" in bad.stderr
    bad = run("papers-using", "KL", "--limit", "-1", "--graph", graph, code=2)
    assert "limit must be between 0 and 10000" in bad.stderr
