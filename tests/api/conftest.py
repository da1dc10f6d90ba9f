"""Fixtures for the API tests: real stores (networkx, Neo4j) holding real data, served over HTTP.

* ``handmade_delta`` — four papers written by hand as :mod:`kg.models` objects (evidence spans
  computed from the text, a small divergence taxonomy): small and exact, for behaviour tests.
* ``seed_delta`` — the bundled seed (data/seed/papers.jsonl) run through the real extractor: the
  corpus the example queries of queries/*.graphql must return data on.
* ``api_store`` — parametrized over ``networkx`` and ``neo4j`` (the real server of
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

from kg.models import (
    Claim,
    Dataset,
    Divergence,
    Evidence,
    Extraction,
    GraphDelta,
    Method,
    Paper,
    Tag,
)

VERSION = "test-1"

DIVERGENCES = {
    "f": Divergence(id="divergence:f-divergence", name="f-divergence", aliases=("f-divergences",)),
    "kl": Divergence(
        id="divergence:kullback-leibler",
        name="Kullback-Leibler divergence",
        aliases=("KL", "KL divergence", "relative entropy"),
        family="divergence:f-divergence",
        parents=("divergence:f-divergence",),
    ),
    "ot": Divergence(
        id="divergence:optimal-transport", name="optimal transport distance", aliases=("optimal transport",)
    ),
    "w": Divergence(
        id="divergence:wasserstein",
        name="Wasserstein distance",
        aliases=("Wasserstein", "earth mover's distance"),
        family="divergence:optimal-transport",
        parents=("divergence:optimal-transport",),
    ),
    "sinkhorn": Divergence(
        id="divergence:sinkhorn",
        name="Sinkhorn divergence",
        family="divergence:optimal-transport",
        parents=("divergence:optimal-transport",),
    ),
    "mmd": Divergence(id="divergence:mmd", name="maximum mean discrepancy", aliases=("MMD",)),
}
METHODS = {
    "gan": Method(id="method:gan", name="generative adversarial network", aliases=("GAN", "GANs")),
    "wgan": Method(id="method:wgan", name="WGAN-Flow"),
    "vi": Method(id="method:variational-inference", name="variational inference", aliases=("VI",)),
}
DATASETS = {
    "cifar": Dataset(id="dataset:cifar-10", name="CIFAR-10", aliases=("CIFAR10",)),
    "mnist": Dataset(id="dataset:mnist", name="MNIST"),
}

PAPERS = [
    # id, year, title, abstract, [(entity, surface, role, variant)], [(claim sentence, type)]
    (
        "h1",
        2019,
        "WGAN-Flow: Wasserstein training of generative models",
        "We propose WGAN-Flow, which trains a GAN with the Wasserstein distance. "
        "Experiments on CIFAR-10 show better samples.",
        [("wgan", "WGAN-Flow", "proposed", None), ("gan", "GAN", "used", None),
         ("w", "Wasserstein distance", None, None), ("cifar", "CIFAR-10", None, None)],
        [("We propose WGAN-Flow, which trains a GAN with the Wasserstein distance.", "proposal"),
         ("Experiments on CIFAR-10 show better samples.", "empirical")],
    ),
    (
        "h2",
        2020,
        "Mass-covering variational inference",
        "Variational inference minimizes the reverse KL divergence. "
        "We prove that the forward direction covers all modes on MNIST.",
        [("vi", "Variational inference", "used", None), ("kl", "KL divergence", None, "reverse"),
         ("mnist", "MNIST", None, None)],
        [("We prove that the forward direction covers all modes on MNIST.", "theoretical")],
    ),
    (
        "h3",
        2021,
        "Kernel two-sample tests",
        "The maximum mean discrepancy compares samples from two distributions. "
        "On CIFAR-10 our test detects GAN samples.",
        [("mmd", "maximum mean discrepancy", None, None), ("cifar", "CIFAR-10", None, None),
         ("gan", "GAN", "used", None)],
        [("On CIFAR-10 our test detects GAN samples.", "empirical")],
    ),
    (
        "h4",
        2021,
        "Entropic transport for generative models",
        "We train a GAN with the Sinkhorn divergence and relative entropy regularization.",
        [("gan", "GAN", "used", None), ("sinkhorn", "Sinkhorn divergence", None, None),
         ("kl", "relative entropy", None, None)],
        [("We train a GAN with the Sinkhorn divergence and relative entropy regularization.", "other")],
    ),
]


def _entity(key: str):
    return DIVERGENCES.get(key) or METHODS.get(key) or DATASETS[key]


def _sentence_of(abstract: str, start: int) -> tuple[int, str]:
    sentences = [s for s in abstract.split(". ")]
    pos = 0
    for i, s in enumerate(sentences):
        end = pos + len(s) + 2
        if start < end:
            return i, s if s.endswith(".") else s + "."
        pos = end
    raise AssertionError("span outside the abstract")


def _extraction(pid, year, title, abstract, tags, claims) -> Extraction:
    paper = Paper(id=pid, title=title, abstract=abstract, year=year)
    by_kind: dict[str, list[Tag]] = {"method": [], "divergence": [], "dataset": []}
    for key, surface, role, variant in tags:
        entity = _entity(key)
        start = abstract.index(surface)
        index, sentence = _sentence_of(abstract, start)
        ev = Evidence(
            sentence_index=index, sentence=sentence, start=start, end=start + len(surface),
            surface=surface, rule=f"vocab:{entity.id}", extractor_version=VERSION,
        )
        by_kind[entity.kind].append(Tag(entity=entity, role=role, variant=variant, mentions=(surface,), evidence=(ev,)))
    made = []
    for text, ctype in claims:
        start = abstract.index(text)
        index, _ = _sentence_of(abstract, start)
        about = tuple(
            sorted({_entity(k).id for k, surface, _, _ in tags if surface in text})
        )
        made.append(Claim(id=f"{pid}#{index}", paper_id=pid, text=text, type=ctype, sentence_index=index,
                          start=start, end=start + len(text), rule="claim:test", about=about))
    return Extraction(
        paper=paper,
        methods=tuple(by_kind["method"]),
        divergences=tuple(by_kind["divergence"]),
        datasets=tuple(by_kind["dataset"]),
        claims=tuple(made),
        extractor_version=VERSION,
    )


@pytest.fixture(scope="session")
def handmade_delta() -> GraphDelta:
    xs = tuple(_extraction(*p) for p in PAPERS)
    return GraphDelta(extractions=xs, entities=tuple(DIVERGENCES.values()))


@pytest.fixture(scope="session")
def many_delta() -> GraphDelta:
    """150 papers (the hand-made four, repeated under new ids and years): more than one full page."""
    xs = []
    for i in range(150):
        pid, year, title, abstract, tags, claims = PAPERS[i % len(PAPERS)]
        xs.append(_extraction(f"m{i:03d}", year + i % 5, f"{title} ({i})", abstract, tags, claims))
    return GraphDelta(extractions=tuple(xs), entities=tuple(DIVERGENCES.values()))


@pytest.fixture(scope="session")
def seed_delta(seed_jsonl) -> GraphDelta:
    """The bundled seed through the real reader and extractor, plus the vocabulary taxonomy."""
    from kg.extract import extract, vocabulary_entities
    from kg.read import read_papers

    papers = read_papers(seed_jsonl).papers
    return GraphDelta(extractions=tuple(extract(papers)), entities=tuple(vocabulary_entities()))


def open_test_store(kind: str, request: pytest.FixtureRequest):
    """A fresh, empty real store of ``kind``."""
    if kind == "networkx":
        from kg.store.nx_store import NetworkXStore

        return NetworkXStore(None)
    from kg.store.neo4j_store import Neo4jStore

    uri = request.getfixturevalue("neo4j_uri")
    store = Neo4jStore(uri, None, "neo4j")
    store.clear()
    return store


STORE_KINDS = ["networkx", pytest.param("neo4j", marks=pytest.mark.neo4j)]


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
    from kg.store.nx_store import NetworkXStore

    store = NetworkXStore(None)
    store.write(delta)
    return store


@pytest.fixture(scope="module")
def client(api_store) -> Iterator[Client]:
    """The app over the hand-made graph, on each store kind."""
    yield from _served(api_store)


@pytest.fixture(scope="module")
def nx_store(handmade_delta):
    """The hand-made graph in the embedded store only (for tests about the server, not the store)."""
    return _in_memory(handmade_delta)


@pytest.fixture(scope="module")
def nx_client(nx_store) -> Iterator[Client]:
    yield from _served(nx_store)


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
    """``{"networkx": client, "neo4j": client}`` over the seed corpus, to compare answers.

    Neo4j is included when its server is there; when KG_REQUIRE_NEO4J=1 (CI) a missing server fails.
    """
    from kg.api import create_app

    kinds = ["networkx"]
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
