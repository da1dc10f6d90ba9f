"""The same seed ingested into SQLite and into a real Neo4j gives the same graph and the same
"papers using KL divergence" answer."""

from __future__ import annotations

import pytest

from kg.export import graph_records, to_jsonl
from kg.ingest import ingest

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def both_stores(tmp_path_factory, neo4j_uri, seed_jsonl):
    from kg.store import open_store

    nx = open_store(store="sqlite", graph_path=tmp_path_factory.mktemp("nx") / "graph.db")
    neo = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    neo.clear()
    for s in (nx, neo):
        ingest(seed_jsonl, s)
    yield nx, neo
    nx.close()
    neo.clear()
    neo.close()


@pytest.mark.parametrize("name", ["KL divergence", "Kullback-Leibler", "relative entropy", "f-divergence",
                                  "optimal transport", "CIFAR-10"])
def test_ingest_stores_answer_papers_using_alike(both_stores, name):
    from kg.query import papers_using

    nx, neo = both_stores
    a = papers_using(nx, name)
    b = papers_using(neo, name)

    assert a.page.total > 0
    assert [h.paper.id for h in a.page.items] == [h.paper.id for h in b.page.items]
    assert a.page == b.page


def test_ingest_stores_hold_the_same_graph(both_stores):
    nx, neo = both_stores
    assert nx.stats() == neo.stats()
    assert to_jsonl(graph_records(nx)) == to_jsonl(graph_records(neo))
