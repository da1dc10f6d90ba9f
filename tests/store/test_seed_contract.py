"""The contract on real data: the bundled seed through the real reader and extractor, written to
both stores — exact round trip, idempotent, and the same answers from networkx and Neo4j."""

from __future__ import annotations

import pytest

from kg.models import EntityFilter, GraphDelta, PaperQuery
from kg.query import papers_using
from kg.store.neo4j_store import Neo4jStore
from kg.store.sqlite_store import SQLiteStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_delta(seed_jsonl) -> GraphDelta:
    from kg.extract import extract, vocabulary_entities
    from kg.read import read_papers

    papers = read_papers(seed_jsonl).papers
    return GraphDelta(extractions=tuple(extract(papers)), entities=tuple(vocabulary_entities()))


def answers(store) -> dict:
    """Every read of the protocol on the seed, as plain data."""
    kl = "divergence:kullback-leibler"
    ids = sorted(store.paper_versions([f"p{i:03d}" for i in range(1, 225)]))
    return {
        "stats": store.stats().model_dump(),
        "papers": {k: v.model_dump() for k, v in store.papers(ids).items()},
        "kl": papers_using(store, "KL divergence").model_dump(),
        "f": papers_using(store, "f-divergence", limit=10, offset=5).model_dump(),
        "ot": papers_using(store, "optimal transport").model_dump(),
        "counts": [c.model_dump() for c in store.entity_counts()],
        "co": [c.model_dump() for c in store.cooccurring([kl], "method")],
        "claims": [c.model_dump() for c in store.claims(about=[kl])],
        "empirical": [c.id for c in store.claims(type="empirical")],
        "years": store.counts_by_year(),
        "text": store.find_papers(PaperQuery(text="diffusion model", order="title")).model_dump(),
        "and": store.find_papers(
            PaperQuery(using=(EntityFilter(ids=(kl,)), EntityFilter(ids=("dataset:cifar-10",))))
        ).model_dump(),
        "search": [e.id for e in store.search_entities("wasser")],
        "tree": [e.id for e in store.descendants("divergence:f-divergence")],
    }


def shape(x) -> dict:
    """An extraction with each tag's entity replaced by its id: an entity node is shared by every
    paper, and holds the latest write of it (rule-found names may differ in case between papers)."""
    data = x.model_dump()
    for bucket in ("methods", "divergences", "datasets"):
        for tag in data[bucket]:
            tag["entity"] = tag["entity"]["id"]
    return data


def test_seed_contract_round_trip_and_idempotent(seed_delta, tmp_path):
    store = SQLiteStore(tmp_path / "g.json")
    store.write(seed_delta)
    expected = {x.paper.id: shape(x) for x in seed_delta.extractions}
    assert {k: shape(v) for k, v in store.papers(list(expected)).items()} == expected
    first = store.stats()
    store.write(seed_delta)
    assert store.stats() == first
    assert first.papers == 224 and first.links["USES"] > 100 and first.links["SUBTYPE_OF"] > 10
    assert papers_using(store, "KL divergence").page.total >= 10


@pytest.mark.neo4j
def test_seed_contract_same_answers_on_both_stores(seed_delta, tmp_path, neo4j_uri):
    embedded = SQLiteStore(tmp_path / "g.json")
    embedded.write(seed_delta)
    with Neo4jStore(neo4j_uri, None, "neo4j") as server:
        server.clear()
        server.write(seed_delta)
        server.write(seed_delta)
        got, want = answers(server), answers(embedded)
    for key in want:
        assert got[key] == want[key], key
