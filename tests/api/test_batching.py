"""No N+1: the number of store calls of a query depends on its shape, not on its page size.

A counting wrapper around a REAL store (SQLite, 150 papers) records every protocol call made while
the API answers; a page of 100 papers with their entities, evidence, claims and the claims' entities
must cost the same handful of calls as a page of 5.
"""

from __future__ import annotations

from collections import Counter

import pytest

from kg.store.base import GraphStore

NESTED = """
query($n: Int!) {
  papersConnection(first: $n) {
    totalCount
    nodes {
      id
      methods { entity { name ... on Method { paperCount } } role evidence { surface } }
      divergences { entity { name ... on Divergence { family { name } parents { name } } } }
      datasets { entity { name } }
      claims { type about { name } paper { title } }
    }
  }
}
"""


class CountingStore:
    """Delegates to a real store and counts the calls of each protocol method."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.name = store.name
        self.calls: Counter[str] = Counter()

    def __getattr__(self, attr: str):
        target = getattr(self._store, attr)
        if not callable(target):
            return target

        def counted(*args, **kwargs):
            self.calls[attr] += 1
            return target(*args, **kwargs)

        return counted


def _calls_for(client_for, store, n: int) -> tuple[Counter, dict]:
    counting = CountingStore(store)
    data = client_for(counting).data(NESTED, n=n)
    return counting.calls, data


@pytest.mark.parametrize("small", [1, 5])
def test_batching_store_calls_do_not_grow_with_page_size(client_for, many_store, small):
    few_calls, few = _calls_for(client_for, many_store, small)
    many_calls, many = _calls_for(client_for, many_store, 100)
    assert len(few["papersConnection"]["nodes"]) == small
    assert len(many["papersConnection"]["nodes"]) == 100
    # every 5th paper repeats the world's untagged survey (p5); the other 80 of the page carry both
    assert sum(1 for p in many["papersConnection"]["nodes"] if p["methods"] and p["claims"]) == 80
    assert many_calls == few_calls
    assert many_calls["version"] == 1  # the answer cache's key: read once per request
    assert sum(many_calls.values()) - many_calls["version"] <= 6, many_calls
    assert many_calls["papers"] == 1  # every record of the page in one batched call


def test_batching_claim_entities_load_in_one_call(client_for, many_store):
    calls, data = _calls_for_query(client_for, many_store, "{ claims(limit: 100) { about { name } paper { id } } }")
    assert len(data["claims"]) == 100
    assert calls["entities"] <= 1 and calls["papers"] <= 1, calls


def _calls_for_query(client_for, store, query: str) -> tuple[Counter, dict]:
    counting = CountingStore(store)
    data = client_for(counting).data(query)
    return counting.calls, data


@pytest.mark.parametrize("kind", ["divergences", "methods", "datasets"])
def test_batching_entity_list_families_load_in_one_call(client_for, many_store, kind):
    """Each entity of a list asks for its papers (with its subtypes'): the families of the whole list
    are read in ONE ``family_ids`` call, and no entity reads its descendants on its own."""
    query = f"{{ {kind}(limit: 50, orderBy: NAME) {{ id papers(limit: 2) {{ id }} }} }}"
    calls, data = _calls_for_query(client_for, many_store, query)
    assert len(data[kind]) >= 2, data
    assert calls["family_ids"] == 1, calls
    assert calls["descendants"] == 0, calls
    assert calls["find_papers"] == len(data[kind]), calls
