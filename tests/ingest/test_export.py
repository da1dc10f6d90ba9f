"""kg.export: JSONL, GraphML, GEXF and the neo4j-admin CSV layout, read back by real readers
(json, networkx, and the real ``neo4j-admin database import full`` from the project's Neo4j jars)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import InputError
from kg.export import export, graph_records
from kg.ingest import ingest

ROOT = Path(__file__).resolve().parents[2]
REL_TYPES = {"USES", "PROPOSES", "EVALUATES_ON", "MAKES", "ABOUT", "SUBTYPE_OF"}


@pytest.fixture(scope="module")
def graph(tmp_path_factory, seed_jsonl):
    """An embedded store holding the first 40 seed papers."""
    from kg.store import open_store

    tmp = tmp_path_factory.mktemp("export")
    src = tmp / "part.jsonl"
    extra = {"id": "x1", "title": "Sinkhorn distances", "abstract": "We compute Sinkhorn distances on MNIST.",
             "year": 2013, "venue": "NeurIPS", "authors": ["M. Cuturi"]}
    src.write_text("".join(seed_jsonl.read_text(encoding="utf-8").splitlines(keepends=True)[:40])
                   + json.dumps(extra) + "\n")
    store = open_store(store="sqlite", graph_path=tmp / "graph.db")
    ingest(src, store)
    yield store
    store.close()


def expected_counts(store) -> tuple[int, int]:
    s = store.stats()
    return s.papers + s.claims + sum(s.entities.values()), sum(s.links.values())


def test_export_jsonl_holds_every_node_and_relationship(graph):
    _, text = export(graph, "jsonl")
    rows = [json.loads(line) for line in text.splitlines()]
    nodes = {r["id"]: r for r in rows if r["type"] == "node"}
    rels = [r for r in rows if r["type"] == "relationship"]

    assert (len(nodes), len(rels)) == expected_counts(graph)
    assert {r["label"] for r in rels} <= REL_TYPES
    assert all(r["start"] in nodes and r["end"] in nodes for r in rels)
    kl = [r for r in rels if r["end"] == "divergence:kullback-leibler" and r["label"] == "USES"]
    assert kl and all(e["rule"] and e["surface"] for r in kl for e in r["properties"]["evidence"])
    assert nodes["divergence:kullback-leibler"]["labels"] == ["Entity", "Divergence"]


def test_export_is_deterministic(graph):
    assert export(graph, "jsonl")[1] == export(graph, "jsonl")[1]
    assert export(graph, "graphml")[1] == export(graph, "graphml")[1]


@pytest.mark.parametrize("fmt", ["jsonl", "graphml"])
def test_export_is_identical_across_processes_and_hash_seeds(graph, fmt):
    """Set/dict order must not leak into exports: two processes with different hash seeds agree."""
    import sys

    graph.flush()
    outs = []
    for seed in ("1", "12345"):
        proc = subprocess.run(
            [sys.executable, "-m", "kg", "export", "--format", fmt, "--graph", str(graph.path), "--quiet"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and outs[0].count("\n") > 100


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_export_graph_files_read_back_with_json_encoded_attributes(graph, tmp_path, fmt, reader):
    path = tmp_path / f"g.{fmt}"
    result, text = export(graph, fmt, path)
    g = reader(path)

    assert text is None and result.files == [str(path)]
    assert (g.number_of_nodes(), g.number_of_edges()) == expected_counts(graph)
    uses = [d for _, v, d in g.edges(data=True) if v == "divergence:kullback-leibler"]
    assert uses
    evidence = json.loads(uses[0]["evidence"])
    assert isinstance(evidence, list) and {"sentence", "start", "end", "rule"} <= set(evidence[0])
    aliases = json.loads(g.nodes["divergence:kullback-leibler"]["aliases"])
    assert isinstance(aliases, list) and aliases


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_export_csv_uses_the_neo4j_admin_import_layout(graph, tmp_path):
    result, _ = export(graph, "csv", tmp_path / "csv")
    names = {Path(f).name for f in result.files}
    ids: set[str] = set()
    n_rels = 0
    for name in sorted(names - {"import.sh"}):
        header, rows = read_csv(tmp_path / "csv" / name)
        if name.startswith("nodes_"):
            assert header[:2] == ["id:ID", ":LABEL"]
            ids.update(r[0] for r in rows)
        else:
            assert header[:3] == [":START_ID", ":END_ID", ":TYPE"]
            assert {r[2] for r in rows} == {name.removeprefix("relationships_").removesuffix(".csv")}
            n_rels += len(rows)
    papers_header, _ = read_csv(tmp_path / "csv" / "nodes_Paper.csv")

    assert {"nodes_Paper.csv", "nodes_Divergence.csv", "nodes_Claim.csv", "relationships_USES.csv"} <= names
    assert "year:int" in papers_header and "authors:string[]" in papers_header
    assert (len(ids), n_rels) == expected_counts(graph)
    assert os.access(tmp_path / "csv" / "import.sh", os.X_OK)


@pytest.fixture
def neo4j_lib(neo4j_uri) -> Path:
    """The Neo4j jars scripts/neo4j-local cached (present whenever it started the test server)."""
    cache = Path(os.environ.get("KG_NEO4J_CACHE", ROOT / ".cache" / "neo4j"))
    libs = sorted(p.parent / "lib" for p in cache.glob("*/complete") if (p.parent / "lib").is_dir())
    if not libs:
        pytest.fail(f"no Neo4j jars under {cache} although a Neo4j server runs (scripts/neo4j-local caches them)")
    return libs[0]


@pytest.mark.neo4j
@pytest.mark.slow
def test_export_csv_imports_with_real_neo4j_admin(graph, tmp_path, neo4j_lib):
    lib = neo4j_lib
    result, _ = export(graph, "csv", tmp_path / "csv")
    home = tmp_path / "neo4j-home"
    (home / "conf").mkdir(parents=True)
    files = [f"--{'nodes' if Path(f).name.startswith('nodes_') else 'relationships'}={f}"
             for f in result.files if not f.endswith("import.sh")]
    proc = subprocess.run(
        ["java", "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", "database", "import", "full", "neo4j",
         "--multiline-fields=true", "--array-delimiter=;", "--bad-tolerance=0",
         f"--report-file={tmp_path / 'import.report'}", *files],
        env={**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}, cwd=tmp_path,
        capture_output=True, text=True, timeout=300,
    )

    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    nodes = int(re.search(r"(\d+) nodes", proc.stdout).group(1))
    rels = int(re.search(r"(\d+) relationships", proc.stdout).group(1))
    assert (nodes, rels) == expected_counts(graph)


@pytest.mark.parametrize("fmt,out", [("csv", None), ("xml", None)])
def test_export_bad_request_is_an_input_error(graph, fmt, out):
    with pytest.raises(InputError):
        export(graph, fmt, out)


def test_export_empty_store_has_no_papers(tmp_path):
    from kg.store import open_store

    store = open_store(store="sqlite", graph_path=tmp_path / "empty.db")
    records = graph_records(store)
    store.close()
    assert records.nodes == [] and records.relationships == []
