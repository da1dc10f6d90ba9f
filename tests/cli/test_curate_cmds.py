"""``kg curate``: overrides written by the CLI survive rebuilds — curate → re-ingest → still applied,
on every later ingest, with ``--force`` too; ``kg why`` names the override; a bad file is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


@pytest.fixture
def small(tmp_path: Path) -> tuple[str, str, str]:
    """``(papers file, graph file, overrides file)``: the first 12 seed papers, ingested."""
    from kg.config import default_data_dir

    lines = (default_data_dir() / "seed" / "papers.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    papers = tmp_path / "papers.jsonl"
    papers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    graph, overrides = tmp_path / "graph.json", tmp_path / "overrides.yaml"
    run("ingest", str(papers), "--graph", str(graph), "--overrides", str(overrides), "-q")
    return str(papers), str(graph), str(overrides)


def _tags(graph: str, pid: str) -> dict[str, dict]:
    return {t["entity"]: t for t in json.loads(run("paper", pid, "--json", "--graph", graph).stdout)["tags"]}


def test_curate_reject_survives_reingest(small):
    papers, graph, overrides = small
    pid, eid = next((f"p{i:03d}", e) for i in range(1, 13)
                    for e in _tags(graph, f"p{i:03d}") if e.startswith("method:"))
    run("curate", "reject", pid, eid, "--reason", "only cited", "--overrides", overrides, "--graph", graph)
    assert "op: reject" in Path(overrides).read_text()
    assert eid in _tags(graph, pid)  # written, not applied yet: ingest applies it

    report = json.loads(run("ingest", papers, "--graph", graph, "--overrides", overrides, "--json").stdout)
    assert report["updated"] == 12  # the overrides changed, so every paper is re-applied
    assert eid not in _tags(graph, pid)
    why = run("why", pid, eid.split(":", 1)[1].replace("-", " "), "--graph", graph, "--overrides", overrides, code=1)
    assert "rejected by the override at" in why.stderr and "only cited" in why.stderr

    again = json.loads(run("ingest", papers, "--graph", graph, "--overrides", overrides, "--json").stdout)
    assert again["unchanged"] == 12 and eid not in _tags(graph, pid)  # a rebuild keeps it
    run("ingest", papers, "--graph", graph, "--overrides", overrides, "--force", "-q")
    assert eid not in _tags(graph, pid)


def test_curate_alias_rename_and_why_shows_the_override(small):
    papers, graph, overrides = small
    pid, eid = next((f"p{i:03d}", e) for i in range(1, 13) for e in _tags(graph, f"p{i:03d}"))
    run("curate", "alias", eid, "zzq curated name", "--overrides", overrides, "--graph", graph)
    run("curate", "rename", eid, "Curated Display Name", "--overrides", overrides, "--graph", graph)
    run("ingest", papers, "--graph", graph, "--overrides", overrides, "-q")

    found = json.loads(run("papers-using", "zzq curated name", "--json", "--graph", graph).stdout)
    assert pid in [p["id"] for p in found["papers"]]
    assert _tags(graph, pid)[eid]["name"] == "Curated Display Name"
    why = json.loads(run("why", pid, "zzq curated name", "--json", "--graph", graph, "--overrides", overrides).stdout)
    assert [o["op"] for o in why["overrides"]] == ["alias", "rename"]
    assert why["overrides"][0]["where"].endswith(":3")


def test_curate_bad_file_is_one_line_with_its_line(small, tmp_path):
    papers, graph, _ = small
    bad = tmp_path / "bad.yaml"
    bad.write_text("- op: alias\n  entity: method:gan\n  alias: x\n- op: rename\n  entity: nope\n  name: y\n")
    result = run("ingest", papers, "--graph", graph, "--overrides", str(bad), code=2)
    assert f"{bad}:4: bad override" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run("curate", "list", "--overrides", str(bad), code=2)
    assert f"{bad}:4" in result.stderr


def test_curate_unknown_entity_name_is_not_found(small):
    _, graph, overrides = small
    result = run("curate", "alias", "qqqqzzzz", "x", "--overrides", overrides, "--graph", graph, code=1)
    assert "[E404]" in result.stderr and not Path(overrides).exists()
