"""The saved Neo4j Browser queries (queries/*.cypher) run on the real seed graph in a real Neo4j.

Users paste these files into Neo4j Browser; nothing else executes them, so this is where a renamed
property or relationship would be caught. Each file must say what it shows and which ``:param`` lines
to set; every query must return rows on the bundled seed; and where a query answers something the
library also answers (papers using X, most-used entities), both must agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.models import EntityFilter, PaperQuery, fold

ROOT = Path(__file__).resolve().parents[2]
QUERY_DIR = ROOT / "queries"
QUERY_FILES = sorted(p for p in QUERY_DIR.glob("*.cypher") if p.name != "schema.cypher")
PARAM_LINE = re.compile(r"^// :param (\w+) => (.+)$", re.M)

pytestmark = pytest.mark.neo4j


def header(text: str) -> list[str]:
    """The leading ``//`` comment lines of a query file."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        lines.append(line)
    return lines


def body(text: str) -> str:
    """The Cypher after the header, without the trailing semicolon."""
    return "\n".join(text.splitlines()[len(header(text)) :]).strip().rstrip(";")


@pytest.fixture(scope="module")
def seeded(neo4j_uri: str, seed_jsonl: Path) -> Iterator:
    """The real test Neo4j, emptied and loaded with the bundled seed by kg's own ingest."""
    from kg.ingest import ingest
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    store.clear()
    report = ingest(seed_jsonl, store)
    assert report.papers_read == 224 and not report.problems
    yield store
    store.close()


@pytest.fixture(scope="module")
def cypher(neo4j_uri: str, seeded) -> Iterator:
    """``run(query, **params) -> list[dict]`` on the seeded graph."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_uri, auth=None, notifications_min_severity="OFF") as driver:
        with driver.session(database="neo4j") as session:

            def run(query: str, **params) -> list[dict]:
                return [dict(r) for r in session.run(query, params)]

            yield run


def header_params(text: str, run) -> dict:
    """The ``:param name => value`` lines of a header, with the values evaluated by Neo4j itself."""
    return {name: run(f"RETURN {expr} AS v")[0]["v"] for name, expr in PARAM_LINE.findall(text)}


def test_cypher_queries_cover_the_brief() -> None:
    names = {p.stem for p in QUERY_FILES}
    assert {
        "papers-using",
        "divergence-family-tree",
        "divergence-method-cooccurrence",
        "datasets-per-divergence",
        "claims-about-method",
        "paper-neighbourhood",
        "most-used-entities",
    } <= names


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_cypher_queries_header_documents_params(path: Path) -> None:
    text = path.read_text()
    head = header(text)
    assert len(head) >= 2, "a header comment says what the query shows"
    assert not PARAM_LINE.search(body(text)), "the :param lines belong in the header"
    used = set(re.findall(r"\$(\w+)", body(text)))
    documented = {name for name, _ in PARAM_LINE.findall("\n".join(head))}
    assert used == documented, "every $param has a ':param' line in the header, and only those"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_cypher_queries_return_rows_on_seed(path: Path, cypher) -> None:
    text = path.read_text()
    rows = cypher(body(text), **header_params(text, cypher))
    assert rows, f"{path.name} returned no rows on the seed graph"


@pytest.mark.parametrize("name", ["KL", "f-divergence", "optimal transport", "MMD", "SGD", "CIFAR-10"])
def test_cypher_queries_papers_using_agrees_with_library(name: str, seeded, cypher) -> None:
    from kg.resolve import resolve

    rows = cypher(body((QUERY_DIR / "papers-using.cypher").read_text()), entity=name)
    resolution = resolve(seeded, name)
    page = seeded.find_papers(PaperQuery(using=(EntityFilter(ids=tuple(resolution.ids)),), limit=10_000))
    assert {r["p"]["id"] for r in rows} == {hit.paper.id for hit in page.items}
    assert page.total > 0


TRICKY_NAMES = [
    "KL", "Kullback–Leibler divergences", "Rényi α-divergence", "Jensen-Shannon (JS) divergence", "D_{KL}",
    "ImageNet 64×64", "Newton's method", "Schrödinger bridges", "MMD^2", "SVM (hinge) loss",
    "Parameter Allocation & Regularization", "  stochastic_gradient/descent  ", "classes", "Gauss", "",
    "block-wise coordinate descent", "Channel-wise Soft Attention", "wise",
]


def fold_block(text: str) -> str | None:
    """The Cypher lines of a query that fold its name parameter into ``q`` (None if it has none)."""
    lines = body(text).splitlines()
    for n, line in enumerate(lines):
        if line.endswith(" AS q"):
            return "\n".join(lines[: n + 1])
    return None


@pytest.mark.parametrize("path", [p for p in QUERY_FILES if fold_block(p.read_text())], ids=lambda p: p.stem)
def test_cypher_queries_fold_names_like_kg(path: Path, cypher) -> None:
    text = path.read_text()
    (param,) = {name for name, _ in PARAM_LINE.findall(text)}
    block = fold_block(text) + "\nRETURN q"
    for name in TRICKY_NAMES:
        assert cypher(block, **{param: name})[0]["q"] == (fold(name) or None), name


def test_cypher_queries_papers_using_resolves_names_like_kg(seeded, cypher) -> None:
    """Every divergence and dataset name and alias (and every 5th method's) resolves, in the saved query,
    to exactly the entities (with family members) that kg.resolve gives."""
    from kg.resolve import resolve

    names = set()
    for row in cypher("MATCH (e:Entity) RETURN e.kind AS kind, e.name AS name, e.aliases AS aliases ORDER BY e.id"):
        names.update([row["name"], *(row["aliases"] or [])] if row["kind"] != "method" else [])
    methods = cypher("MATCH (e:Method) RETURN e.name AS name ORDER BY e.id")
    names.update(r["name"] for r in methods[::5])
    names.update(["Wasserstein", "optimal transport", "Sinkhorn", "OT", "f-divergences", "FID"])
    query = body((QUERY_DIR / "papers-using.cypher").read_text()).split("\nMATCH (p:Paper)")[0]
    query += "\nRETURN collect(DISTINCT e.id) AS ids"
    differ = {}
    for name in sorted(names):
        got = set(cypher(query, entity=name)[0]["ids"])
        want = set(resolve(seeded, name).ids)
        if got != want:
            differ[name] = (sorted(got - want), sorted(want - got))
    assert len(names) > 200
    assert not differ, differ


def test_cypher_queries_most_used_agrees_with_store(seeded, cypher) -> None:
    rows = cypher(body((QUERY_DIR / "most-used-entities.cypher").read_text()), kind=None)
    counts = {c.entity.name: c.papers for c in seeded.entity_counts()}
    assert len(rows) == 25
    assert [r["papers"] for r in rows] == sorted((r["papers"] for r in rows), reverse=True)
    for row in rows:
        assert counts[row["entity"]] == row["papers"]
    assert rows[0]["papers"] == max(counts.values())
    divergences = cypher(body((QUERY_DIR / "most-used-entities.cypher").read_text()), kind="divergence")
    assert divergences and {r["kind"] for r in divergences} == {"divergence"}


def test_cypher_queries_family_tree_reaches_top_families(cypher) -> None:
    rows = cypher(
        "CALL { " + body((QUERY_DIR / "divergence-family-tree.cypher").read_text()) + " } "
        "RETURN [n IN nodes(path) | n.id] AS ids"
    )
    paths = [r["ids"] for r in rows]
    assert ["divergence:kullback-leibler", "divergence:f-divergence"] in paths
    assert any(p[0] == "divergence:sinkhorn" and p[-1] == "divergence:optimal-transport" for p in paths)
    every = {r["id"] for r in cypher("MATCH (d:Divergence) RETURN d.id AS id")}
    assert {i for p in paths for i in p} == every, "every divergence appears in the tree"


def test_cypher_queries_neighbourhood_has_links_and_claims(cypher) -> None:
    text = (QUERY_DIR / "paper-neighbourhood.cypher").read_text()
    (row,) = cypher(body(text), **header_params(text, cypher))
    assert row["p"]["id"] == header_params(text, cypher)["paper"]
    assert row["links"] and row["claims"]
    linked = {path.end_node["id"] for path in row["links"]}
    store_links = cypher(
        "MATCH (:Paper {id: $id})-[:USES|PROPOSES|EVALUATES_ON]->(e) RETURN collect(e.id) AS ids", id=row["p"]["id"]
    )[0]["ids"]
    assert linked == set(store_links)


def grass_rules() -> dict[str, dict[str, str]]:
    """queries/style.grass as ``{selector: {property: value}}``."""
    text = (QUERY_DIR / "style.grass").read_text()
    return {
        selector: dict(re.findall(r"([\w-]+):\s*([^;]+);", props))
        for selector, props in re.findall(r"(?ms)^([\w.]+) \{$(.*?)^\}$", text)
    }


def test_cypher_queries_style_covers_every_label_and_type(cypher) -> None:
    rules = grass_rules()
    labels = {r["label"] for r in cypher("CALL db.labels() YIELD label RETURN label")}
    types = {r["relationshipType"] for r in cypher("CALL db.relationshipTypes() YIELD relationshipType RETURN *")}
    assert {"Paper", "Entity", "Method", "Divergence", "Dataset", "Claim"} <= labels
    assert {"USES", "PROPOSES", "EVALUATES_ON", "MAKES", "ABOUT", "SUBTYPE_OF"} <= types
    colors = set()
    for label in labels:
        rule = rules[f"node.{label}"]
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", rule["color"])
        prop = re.fullmatch(r'"\{(\w+)\}"', rule["caption"]).group(1)
        missing = cypher(f"MATCH (n:`{label}`) WHERE n.{prop} IS NULL RETURN count(n) AS n")[0]["n"]
        assert missing == 0, f"{label} nodes without the caption property {prop}"
        colors.add(rule["color"].upper())
    assert len(colors) == len(labels), "one colour per label"
    for rel_type in types:
        assert rules[f"relationship.{rel_type}"]["caption"] == '"<type>"'
    expected_captions = {"Paper": "title", "Method": "name", "Divergence": "name", "Dataset": "name", "Claim": "type"}
    for label, prop in expected_captions.items():
        assert rules[f"node.{label}"]["caption"] == f'"{{{prop}}}"'
