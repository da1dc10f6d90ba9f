"""Fixtures for the API tests: real stores (SQLite, Neo4j) holding real data, served over HTTP.

* ``handmade_delta`` — the one hand-made graph of tests/world.py (five papers, the divergence
  taxonomy): small and exact, for behaviour tests.
* ``seed_delta`` — the bundled seed (data/seed/papers.jsonl) run through the real extractor: the
  corpus the example queries of queries/*.graphql must return data on.
* ``api_store`` — parametrized over ``sqlite`` and ``neo4j`` (the real server of
  tests/conftest.py's ``neo4j_uri``), both loaded with the hand-made graph: every test that uses it
  runs against both stores.
* ``seed_clients`` — the seed in both stores, one client each, to compare answers.
* ``client`` — an httpx client speaking real HTTP semantics to the ASGI app (httpx.ASGITransport).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from kg.models import GraphDelta
from tests import world


@pytest.fixture(scope="session")
def handmade_delta() -> GraphDelta:
    """The one hand-made graph of tests/world.py (five papers, the divergence taxonomy)."""
    return world.delta()


@pytest.fixture(scope="session")
def many_delta() -> GraphDelta:
    """150 papers (the hand-made five, repeated under new ids, titles and years): more than one page."""
    xs = []
    base = world.extractions()
    for i in range(150):
        x = base[i % len(base)]
        pid = f"m{i:03d}"
        paper = x.paper.model_copy(update={
            "id": pid, "title": f"{x.paper.title} ({i})",
            "year": x.paper.year + i % 5 if x.paper.year is not None else None,
        })
        claims = tuple(c.model_copy(update={"id": f"{pid}#{c.sentence_index}", "paper_id": pid}) for c in x.claims)
        xs.append(x.model_copy(update={"paper": paper, "claims": claims}))
    return GraphDelta(extractions=tuple(xs), entities=world.TAXONOMY)


@pytest.fixture(scope="session")
def seed_delta(seed_jsonl) -> GraphDelta:
    """The bundled seed through the real reader and extractor, plus the vocabulary taxonomy."""
    from kg.extract import extract, vocabulary_entities
    from kg.read import read_papers

    papers = read_papers(seed_jsonl).papers
    return GraphDelta(extractions=tuple(extract(papers)), entities=tuple(vocabulary_entities()))


open_test_store = world.open_fresh  # the one store factory (SQLite in memory here)
STORE_KINDS = world.STORE_PARAMS


def _loaded_store(request, delta_fixture: str) -> Iterator:
    store = open_test_store(request.param, request)
    store.write(request.getfixturevalue(delta_fixture))
    yield store
    store.close()


@pytest.fixture(params=STORE_KINDS, scope="module")
def api_store(request) -> Iterator:
    """The hand-made graph in a real store (both kinds)."""
    yield from _loaded_store(request, "handmade_delta")


class Client:
    """Synchronous facade over an httpx client on the ASGI app: ``gql(query, **variables)``."""

    def __init__(self, app) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kg.test")

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kw))

    def post(self, payload) -> httpx.Response:
        return self.request(
            "POST", "/graphql", content=json.dumps(payload), headers={"content-type": "application/json"}
        )

    def gql(self, query: str, **variables) -> dict:
        """Run a query; returns the JSON body (``data``/``errors``/``extensions``)."""
        response = self.post({"query": query, "variables": variables or None})
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, **variables) -> dict:
        """Run a query that must succeed; returns ``data``."""
        body = self.gql(query, **variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


def _served(store) -> Iterator[Client]:
    from kg.api import create_app

    c = Client(create_app(store))
    yield c
    c.close()


def _in_memory(delta: GraphDelta):
    store = world.open_fresh("sqlite", None)
    store.write(delta)
    return store


@pytest.fixture(scope="module")
def client(api_store) -> Iterator[Client]:
    """The app over the hand-made graph, on each store kind."""
    yield from _served(api_store)


@pytest.fixture(scope="module")
def sqlite_store(handmade_delta):
    """The hand-made graph in the embedded store only (for tests about the server, not the store)."""
    return _in_memory(handmade_delta)


@pytest.fixture(scope="module")
def sqlite_client(sqlite_store) -> Iterator[Client]:
    yield from _served(sqlite_store)


@pytest.fixture(scope="module")
def many_store(many_delta):
    return _in_memory(many_delta)


@pytest.fixture(scope="module")
def seed_like_many_papers_client(many_store) -> Iterator[Client]:
    yield from _served(many_store)


@pytest.fixture
def client_for() -> Iterator:
    """A factory: ``client_for(store, **create_app_kwargs)`` serves any store over the app; clients
    close after the test."""
    from kg.api import create_app

    made: list[Client] = []

    def make(store, **kw) -> Client:
        made.append(Client(create_app(store, **kw)))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture(scope="module")
def seed_clients(request, seed_delta) -> Iterator[dict[str, Client]]:
    """``{"sqlite": client, "neo4j": client}`` over the seed corpus, to compare answers.

    Neo4j is included when its server is there; when KG_REQUIRE_NEO4J=1 (CI) a missing server fails.
    """
    from kg.api import create_app

    kinds = ["sqlite"]
    try:
        request.getfixturevalue("neo4j_uri")
        kinds.append("neo4j")
    except pytest.skip.Exception:
        pass
    stores, clients = [], {}
    for kind in kinds:
        store = open_test_store(kind, request)
        store.write(seed_delta)
        stores.append(store)
        clients[kind] = Client(create_app(store))
    yield clients
    for c in clients.values():
        c.close()
    for s in stores:
        s.close()
