"""Bulk load with the real neo4j-admin of the local server, and read-after-write over neo4j://.

The bulk test restarts the local test server (``scripts/neo4j-local admin`` stops it for the
offline import and starts it again on the same ports), so it is one test that checks everything."""

from __future__ import annotations

import json
import os

import pytest

from kg.errors import StoreError
from kg.export import graph_records, to_jsonl
from kg.ingest import ingest
from kg.models import EntityFilter, Extraction, GraphDelta, Paper, PaperQuery
from kg.store import cypher as Q

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def neo4j_admin(neo4j_uri) -> str:
    admin = os.environ.get("KG_NEO4J_ADMIN")
    if not admin:
        if os.environ.get("KG_REQUIRE_NEO4J") == "1":
            pytest.fail("KG_NEO4J_ADMIN is not set: eval \"$(scripts/neo4j-local env)\" sets it")
        pytest.skip("KG_NEO4J_ADMIN is not set (eval \"$(scripts/neo4j-local env)\")")
    return admin


@pytest.fixture(scope="module")
def transactional(tmp_path_factory, wrapped_seed_jsonl):
    """The (partly hard-wrapped) seed ingested the ordinary way (embedded store), to compare against."""
    from kg.store import open_store

    store = open_store(store="networkx", graph_path=tmp_path_factory.mktemp("tx") / "graph.json")
    ingest(wrapped_seed_jsonl, store)
    yield store
    store.close()


def _families(store) -> tuple[list, list]:
    """Every FAM and FAM_ABOUT relationship (its endpoints and properties), sorted."""
    fam = store._read("MATCH (a)-[m:FAM]->(p) RETURN a.id AS a, p.id AS p, properties(m) AS m")
    about = store._read("MATCH (a)-[m:FAM_ABOUT]->(c) RETURN a.id AS a, c.id AS c, properties(m) AS m")
    return (sorted((r["a"], r["p"], sorted(r["m"].items())) for r in fam),
            sorted((r["a"], r["c"], sorted(r["m"].items())) for r in about))


def _pairs(store) -> list[tuple[str, int]]:
    """Every FamPair count that is not zero, sorted."""
    return sorted((r["k"], r["n"]) for r in store._read("MATCH (c:FamPair) WHERE c.papers <> 0 "
                                                       "RETURN c.key AS k, c.papers AS n"))


SUMMARY_LABELS = ("YearCount", "EntityYear", "Cooc", "FamYear", "FamCooc", "FamPair")


def _summaries(store) -> list[tuple[str, list]]:
    """Every summary node (its label and properties), sorted."""
    rows = store._read("MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
                       "RETURN labels(n)[0] AS label, properties(n) AS props", labels=list(SUMMARY_LABELS))
    return sorted((r["label"], sorted(r["props"].items())) for r in rows)


def _embedded_pairs(store) -> list[tuple[str, int]]:
    """The embedded store's ``fam_pair`` counts (kept by its triggers), keyed as Neo4j keys FamPair."""
    from kg.store.records import KIND_TAGS, tag_id

    names = dict(store.conn.execute("SELECT rid, id FROM entity").fetchall())
    names.update({-1 - i: tag_id(*t) for i, t in enumerate(KIND_TAGS)})
    rows = store.conn.execute("SELECT a, b, papers FROM fam_pair WHERE papers <> 0").fetchall()
    return sorted(("|".join(sorted((names[a], names[b]))), n) for a, b, n in rows)


@pytest.mark.slow
def test_bulk_import_gives_the_transactional_graph(neo4j_uri, neo4j_admin, wrapped_seed_jsonl, transactional,
                                                   monkeypatch, tmp_path):
    from kg.query import papers_using
    from kg.store import open_store

    monkeypatch.setenv("KG_NEO4J_ADMIN", neo4j_admin)
    monkeypatch.setenv("KG_BULK_DIR", str(tmp_path))
    monkeypatch.setenv("KG_NEO4J_ADMIN_MEMORY", "256m")  # passed as --max-off-heap-memory: the real tool takes it
    store = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    try:
        store.clear()

        def no_recount(*args, **kwargs):
            raise AssertionError("a bulk load imports its summary nodes: nothing is recounted")

        with monkeypatch.context() as patch:
            patch.setattr(type(store), "rebuild_aggregates", no_recount)
            report = ingest(wrapped_seed_jsonl, store, bulk=True, workers=2)
        assert (report.new, report.failed) == (224, 0)
        assert list(tmp_path.iterdir()) == []  # the staged CSV files are removed after the import
        # the wrapped abstracts' line breaks survived the import (files with them parsed as multi-line)
        with wrapped_seed_jsonl.open(encoding="utf-8") as fh:
            ids = [r["id"] for r in map(json.loads, fh) if "\n" in r["abstract"]]
        want = transactional.papers(ids)
        assert len(want) == len(ids) > 50 and all("\n" in x.paper.abstract for x in want.values())
        assert store.papers(ids) == want
        assert store.stats() == transactional.stats()
        assert to_jsonl(graph_records(store)) == to_jsonl(graph_records(transactional))
        for name in ("KL divergence", "f-divergence", "CIFAR-10"):
            assert papers_using(store, name).page == papers_using(transactional, name).page
            assert papers_using(store, name, order="year", direction="desc", limit=5, offset=3).page == (
                papers_using(transactional, name, order="year", direction="desc", limit=5, offset=3).page)
        family = ["divergence:f-divergence"] + [e.id for e in store.descendants("divergence:f-divergence")]
        assert store.counts_by_year(family) == transactional.counts_by_year(family)
        assert store.cooccurring(family) == transactional.cooccurring(family)
        assert store.claims(about=family, limit=7, offset=2) == transactional.claims(about=family, limit=7, offset=2)
        assert store.count_claims(about=family) == transactional.count_claims(about=family)
        # the family relationships the import loaded from CSV are those a full recount creates
        held = _families(store)
        assert held[0] and held[1] and any(a.startswith("tag:") for a, _, _ in held[0])  # kind tags too
        pairs = _pairs(store)
        assert pairs and pairs == _embedded_pairs(transactional)  # counted while staging = kept by triggers
        # every summary node the import loaded is what a full recount from the graph creates
        summaries = _summaries(store)
        assert {label for label, _ in summaries} == set(SUMMARY_LABELS)
        assert store._read(Q.AGGREGATES_MARKER)[0]["version"] == Q.AGGREGATES_VERSION
        assert store.version() is not None  # the imported graph got its version token on open
        store.rebuild_aggregates()
        assert _families(store) == held and _pairs(store) == pairs
        assert _summaries(store) == summaries
        proposing = EntityFilter(kind="method", role="proposed")
        for using in ((proposing, EntityFilter(ids=("dataset:cifar-10",))), (proposing,), (EntityFilter(kind="dataset"),
                                                                                           EntityFilter(ids=family))):
            query = PaperQuery(using=using, limit=5)
            assert store.find_papers(query) == transactional.find_papers(query)
        # constraints and indexes exist after the import
        names = {r["name"] for r in store._read("SHOW INDEXES YIELD name RETURN name")}
        assert {"paper_id", "entity_id", "entity_key", "entity_names"} <= names
        # a second bulk load into the now non-empty database is refused before any work
        with pytest.raises(StoreError, match="empty database"):
            ingest(wrapped_seed_jsonl, store, bulk=True, force=True)
        # and later deltas go through the ordinary transactional path
        again = ingest(wrapped_seed_jsonl, store)
        assert again.unchanged == 224
    finally:
        store.clear()
        store.close()


def test_bulk_without_neo4j_admin_is_a_clear_error(neo4j_uri, monkeypatch, tmp_path):
    from kg.store import open_store
    from kg.store.bulk import resolve_admin

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("NEO4J_HOME", raising=False)
    with pytest.raises(StoreError, match="neo4j-admin not found"):
        resolve_admin(None)
    with pytest.raises(StoreError, match="not found"):
        resolve_admin(str(tmp_path / "no-such-admin"))
    monkeypatch.delenv("KG_NEO4J_ADMIN", raising=False)
    store = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    try:
        store.clear()
        with pytest.raises(StoreError, match="neo4j-admin not found"):
            _bulk_one(store)
    finally:
        store.close()


def _bulk_one(store) -> None:
    from kg.ingest import load_extractions

    x = Extraction(paper=Paper(id="b1", title="T", abstract="A."), extractor_version="v")
    load_extractions([x], store, bulk=True)


def test_neo4j_routing_reads_see_earlier_writes(neo4j_uri):
    """Over neo4j:// (routing: reads may go to another cluster member) a read routed READ right
    after a write sees it, because write sessions share execute_query's bookmark manager."""
    from kg.store import open_store

    routing = neo4j_uri.replace("bolt://", "neo4j://", 1)
    store = open_store(store="neo4j", neo4j_uri=routing)
    try:
        store.clear()
        manager = store.driver.execute_query_bookmark_manager
        for i in range(5):
            before = set(manager.get_bookmarks())
            x = Extraction(paper=Paper(id=f"raw{i}", title=f"Paper {i}", abstract="We use the KL divergence."),
                           extractor_version="v")
            store.write(GraphDelta(extractions=(x,)))
            after = set(manager.get_bookmarks())
            assert after and after != before  # the write's bookmark reached the shared manager
            assert set(store.papers([f"raw{j}" for j in range(i + 1)])) == {f"raw{j}" for j in range(i + 1)}
        assert store.stats().papers == 5
    finally:
        store.clear()
        store.close()
