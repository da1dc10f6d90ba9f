"""Fixtures for the ingest and export tests: a fresh real store per test, on both backends."""

from __future__ import annotations

import pytest


@pytest.fixture
def nx_store(tmp_path):
    """A fresh embedded networkx store in a temporary file."""
    from kg.store import open_store

    store = open_store(store="networkx", graph_path=tmp_path / "graph.json")
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_uri):
    """The real Neo4j test server, emptied first."""
    from kg.store import open_store

    store = open_store(store="neo4j", neo4j_uri=neo4j_uri)
    store.clear()
    yield store
    store.close()


@pytest.fixture(params=["networkx", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request):
    """Each test using this runs once per store."""
    return request.getfixturevalue("nx_store" if request.param == "networkx" else "neo4j_store")
