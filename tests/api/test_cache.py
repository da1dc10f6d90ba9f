"""The answer cache (kg.api.cache): answers kept until the graph changes, on both stores.

A cached answer must never outlive the graph it was computed from: every write through kg changes the
store's version, and the next request recomputes. Errors are never kept.
"""

from __future__ import annotations

import pytest

from kg.api.cache import AnswerCache
from kg.models import GraphDelta
from tests import world

STATS = "{ stats { papers } }"
USING = "query($n: String!) { papersConnection(where: {uses: [{name: $n}]}, first: 50) { totalCount nodes { id } } }"


def _paper(pid: str, year: int = 2030) -> GraphDelta:
    """A new paper that uses what the hand-made graph's first paper uses, under a new id."""
    x = world.extractions()[0]
    paper = x.paper.model_copy(update={"id": pid, "title": f"A new paper {pid}", "year": year})
    claims = tuple(c.model_copy(update={"id": f"{pid}#{c.sentence_index}", "paper_id": pid}) for c in x.claims)
    return GraphDelta(extractions=(x.model_copy(update={"paper": paper, "claims": claims}),))


@pytest.mark.parametrize("kind", world.STORE_PARAMS)
def test_a_write_changes_the_version_and_the_next_answer(kind, request, tmp_path, client_for) -> None:
    store = world.open_fresh(kind, request, tmp_path)
    try:
        store.write(world.delta())
        client = client_for(store)
        view = client.app.state.view
        first = client.post({"query": STATS})
        assert first.headers["x-kg-cache"] == "miss"
        papers = first.json()["data"]["stats"]["papers"]
        executed = view.executed
        again = client.post({"query": STATS})
        assert again.headers["x-kg-cache"] == "hit" and again.content == first.content
        assert view.executed == executed  # served without running the query

        version = store.version()
        assert version is not None and store.version() == version  # reading does not change it
        store.write(_paper("cache-new-1"))
        assert store.version() != version
        after = client.post({"query": STATS})
        assert after.headers["x-kg-cache"] == "miss"
        assert after.json()["data"]["stats"]["papers"] == papers + 1

        store.clear()
        assert client.post({"query": STATS}).json()["data"]["stats"]["papers"] == 0
    finally:
        store.close()


def test_variables_and_operation_are_part_of_the_key(sqlite_store, client_for) -> None:
    client = client_for(sqlite_store)
    kl = client.post({"query": USING, "variables": {"n": "KL divergence"}})
    w = client.post({"query": USING, "variables": {"n": "Wasserstein distance"}})
    assert kl.headers["x-kg-cache"] == w.headers["x-kg-cache"] == "miss"
    assert kl.json() != w.json()
    again = client.post({"query": USING, "variables": {"n": "Wasserstein distance"}})
    assert again.headers["x-kg-cache"] == "hit" and again.json() == w.json()


def test_errors_are_never_kept(sqlite_store, client_for) -> None:
    client = client_for(sqlite_store)
    view = client.app.state.view
    bad = {"query": USING, "variables": {"n": "no such entity at all"}}
    for _ in range(2):
        before = view.executed
        response = client.post(bad)
        assert response.json().get("errors") and "x-kg-cache" not in response.headers
        assert view.executed == before + 1
    invalid = client.post({"query": "{ nope }"})
    assert invalid.json()["errors"] and "x-kg-cache" not in invalid.headers


def test_cache_off(sqlite_store, client_for) -> None:
    client = client_for(sqlite_store, cache_bytes=0)
    view = client.app.state.view
    for _ in range(2):
        before = view.executed
        assert "x-kg-cache" not in client.post({"query": STATS}).headers
        assert view.executed == before + 1


def test_answer_cache_bounds_and_versions() -> None:
    cache = AnswerCache(10_000)
    assert cache.key(None, STATS, None, None) is None  # a store that cannot tell: nothing kept
    keys = [cache.key("v1", f"q{i}", {"b": 1, "a": 2}, None) for i in range(20)]
    assert cache.key("v1", "q0", {"a": 2, "b": 1}, None) == keys[0]  # variables in any order
    for k in keys:
        cache.put(k, b"x" * 1000)
    assert cache.size <= 10_000 and 0 < len(cache) < 20
    assert cache.get(keys[-1]) == b"x" * 1000 and cache.get(keys[0]) is None  # least recent went first
    cache.put(cache.key("v1", "huge", None, None), b"y" * 5000)  # over a quarter: not kept
    assert cache.get(cache.key("v1", "huge", None, None)) is None
    newer = cache.key("v2", "q19", {"a": 2, "b": 1}, None)
    assert cache.get(newer) is None
    cache.put(newer, b"z")
    assert len(cache) == 1 and cache.get(keys[-1]) is None and cache.get(newer) == b"z"
    assert AnswerCache(0).get(keys[0]) is None


def test_a_slow_answer_of_an_older_version_does_not_empty_the_newer_ones() -> None:
    cache = AnswerCache(100_000)
    cache.put(cache.key("v1", "q", None, None), b"old")
    newer = [cache.key("v2", f"q{i}", None, None) for i in range(3)]
    for k in newer:
        cache.put(k, b"new")
    late = cache.key("v1", "slow", None, None)  # a request that read v1 before the write, done after it
    cache.put(late, b"late")
    assert cache.get(late) is None
    assert [cache.get(k) for k in newer] == [b"new"] * 3 and len(cache) == 3
    cache.put(cache.key("v3", "q", None, None), b"newest")
    cache.put(newer[0], b"new")  # v2 is retired now too
    assert len(cache) == 1 and cache.get(newer[0]) is None


def test_cost_counts_non_ascii_queries_at_their_most() -> None:
    cache = AnswerCache(100_000)
    cache.put(cache.key("v1", "é" * 1000, None, None), b"")
    assert cache.size >= 4000


@pytest.mark.neo4j
def test_neo4j_operation_of_many_transactions_has_no_version_until_it_ends(request, tmp_path, monkeypatch) -> None:
    """A recount that fails half-way leaves no version (nothing cached from a half-changed graph);
    the next write sets one again."""
    from kg.errors import KGError
    from kg.store import cypher as Q

    store = world.open_fresh("neo4j", request, tmp_path)
    try:
        store.write(world.delta())
        assert store.version() is not None
        monkeypatch.setattr(Q, "REBUILD_AGGREGATES", (*Q.REBUILD_AGGREGATES[:1], "RETURN 1 +"))
        with pytest.raises(KGError):
            store.rebuild_aggregates()
        assert store.version() is None
        monkeypatch.undo()
        store.write(_paper("cache-after-failure"))
        assert store.version() is not None
        store.rebuild_aggregates()
        assert store.version() is not None
    finally:
        store.close()
