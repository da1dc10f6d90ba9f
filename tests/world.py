"""The one fixture world of the test suite: a small hand-made graph (real models, not the
extractor, so it stays stable) and ONE store factory over both real stores.

* :func:`delta` / :func:`extractions` — five papers, the divergence taxonomy, methods and datasets;
* :func:`open_fresh` — an empty store of a kind (``sqlite``: a file in ``tmp_path`` or in memory;
  ``neo4j``: the test server of ``tests/conftest.py``'s ``neo4j_uri``, cleared);
* fixtures ``empty_store`` / ``store`` (parametrised over :data:`STORE_KINDS`) and ``neo4j_store``,
  registered for every test folder by tests/conftest.py.

Used by the store contract suite, the resolution, lookup, ingest and API tests
(``from tests import world``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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

F_DIV = Divergence(
    id="divergence:f-divergence", name="f-divergence", aliases=("phi-divergence",),
    family="divergence:f-divergence",
)
KL = Divergence(
    id="divergence:kullback-leibler", name="Kullback-Leibler divergence",
    aliases=("KL", "KL divergence", "Kullback-Leibler", "relative entropy"),
    family="divergence:f-divergence", parents=("divergence:f-divergence",),
)
CHI2 = Divergence(
    id="divergence:chi-squared", name="chi-squared divergence", aliases=("χ²-divergence",),
    family="divergence:f-divergence", parents=("divergence:f-divergence",),
)
OT = Divergence(
    id="divergence:optimal-transport", name="optimal transport distance", aliases=("OT distance",),
    family="divergence:optimal-transport",
)
IPM = Divergence(
    id="divergence:integral-probability-metric", name="integral probability metric",
    aliases=("IPM",), family="divergence:integral-probability-metric",
)
W = Divergence(
    id="divergence:wasserstein", name="Wasserstein distance",
    aliases=("earth mover's distance", "Wasserstein metric"),
    family="divergence:optimal-transport", parents=("divergence:optimal-transport",),
)
W1 = Divergence(
    id="divergence:wasserstein-1", name="Wasserstein-1 distance", aliases=("W1 distance",),
    family="divergence:optimal-transport",
    parents=("divergence:wasserstein", "divergence:integral-probability-metric"),
)
MMD = Divergence(
    id="divergence:mmd", name="maximum mean discrepancy", aliases=("MMD",),
    family="divergence:integral-probability-metric",
    parents=("divergence:integral-probability-metric",),
)
GAN = Method(id="method:gan", name="generative adversarial network", aliases=("GAN", "GANs"))
VAE = Method(id="method:vae", name="variational autoencoder", aliases=("VAE",))
ALPHANET = Method(id="method:alphanet", name="AlphaNet")
MMD_METHOD = Method(id="method:mmd-gan", name="MMD GAN", aliases=("MMD-GAN",))
CIFAR10 = Dataset(id="dataset:cifar-10", name="CIFAR-10", aliases=("CIFAR10",))
MNIST = Dataset(id="dataset:mnist", name="MNIST")

TAXONOMY = (F_DIV, KL, CHI2, OT, IPM, W, W1, MMD)


def ev(paper: Paper, surface: str, rule: str, sentence_index: int = 0) -> Evidence:
    """Evidence for the first occurrence of ``surface`` in the abstract."""
    start = paper.abstract.index(surface)
    sentences = paper.abstract.split(". ")
    return Evidence(
        field="abstract", sentence_index=sentence_index, sentence=sentences[sentence_index],
        start=start, end=start + len(surface), surface=surface, rule=rule, extractor_version=VERSION,
    )


def tag(paper: Paper, entity, surface: str, *, role=None, variant=None, sentence_index=0) -> Tag:
    return Tag(
        entity=entity, role=role, variant=variant, mentions=(surface,),
        evidence=(ev(paper, surface, f"{entity.kind}.vocab:{entity.id}", sentence_index),),
    )


def claim(paper: Paper, index: int, type_: str, about=()) -> Claim:
    text = paper.abstract.split(". ")[index]
    start = paper.abstract.index(text)
    return Claim(
        id=f"{paper.id}#{index}", paper_id=paper.id, text=text, type=type_, sentence_index=index,
        start=start, end=start + len(text), rule=f"claim.{type_}", about=tuple(e.id for e in about),
    )


def paper(pid: str, title: str, abstract: str, year: int | None = 2023) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, year=year, venue="TestConf",
                 source=f"fixture.jsonl:{pid[1:]}")


P1 = paper("p1", "AlphaNet: reverse KL for generative models",
           "We propose AlphaNet, trained with the reverse KL divergence. "
           "It beats a GAN on CIFAR-10", 2021)
P2 = paper("p2", "Chi-squared bounds for variational autoencoders",
           "We bound the chi-squared divergence of a VAE. "
           "Experiments on MNIST confirm the bound", 2022)
P3 = paper("p3", "Optimal transport for GAN training",
           "We train a GAN with the Wasserstein distance. "
           "Results on CIFAR-10 and MNIST improve over relative entropy baselines", 2022)
P4 = paper("p4", "Kernel two-sample tests",
           "The maximum mean discrepancy compares distributions. "
           "We show MMD GAN variants converge", None)
P5 = paper("p5", "A survey of deep learning", "Deep learning is popular. It has many uses", 2020)


def extraction(p: Paper, methods=(), divergences=(), datasets=(), claims=()) -> Extraction:
    return Extraction(paper=p, methods=tuple(methods), divergences=tuple(divergences),
                      datasets=tuple(datasets), claims=tuple(claims), extractor_version=VERSION)


def extractions() -> list[Extraction]:
    """The five fixture papers, fully tagged."""
    return [
        extraction(
            P1,
            methods=[tag(P1, ALPHANET, "AlphaNet", role="proposed"),
                     tag(P1, GAN, "GAN", role="used", sentence_index=1)],
            divergences=[tag(P1, KL, "reverse KL divergence", variant="reverse")],
            datasets=[tag(P1, CIFAR10, "CIFAR-10", sentence_index=1)],
            claims=[claim(P1, 0, "proposal", [ALPHANET, KL]), claim(P1, 1, "empirical", [GAN, CIFAR10])],
        ),
        extraction(
            P2,
            methods=[tag(P2, VAE, "VAE", role="used")],
            divergences=[tag(P2, CHI2, "chi-squared divergence")],
            datasets=[tag(P2, MNIST, "MNIST", sentence_index=1)],
            claims=[claim(P2, 0, "theoretical", [CHI2, VAE]), claim(P2, 1, "empirical", [MNIST])],
        ),
        extraction(
            P3,
            methods=[tag(P3, GAN, "GAN", role="used")],
            divergences=[tag(P3, W, "Wasserstein distance"),
                         tag(P3, KL, "relative entropy", sentence_index=1)],
            datasets=[tag(P3, CIFAR10, "CIFAR-10", sentence_index=1),
                      tag(P3, MNIST, "MNIST", sentence_index=1)],
            claims=[claim(P3, 1, "empirical", [CIFAR10, MNIST, KL])],
        ),
        extraction(
            P4,
            methods=[tag(P4, MMD_METHOD, "MMD GAN", role="proposed", sentence_index=1)],
            divergences=[tag(P4, MMD, "maximum mean discrepancy")],
            claims=[claim(P4, 1, "theoretical", [MMD_METHOD])],
        ),
        extraction(P5),
    ]


def delta() -> GraphDelta:
    """The fixture papers plus the whole taxonomy."""
    return GraphDelta(extractions=tuple(extractions()), entities=TAXONOMY)


STORE_KINDS = ["sqlite", "neo4j"]
#: The kinds as pytest params: the Neo4j one carries the ``neo4j`` marker.
STORE_PARAMS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def open_fresh(kind: str, request: pytest.FixtureRequest | None, tmp_path: Path | None = None):
    """An empty store of ``kind``: SQLite in ``tmp_path`` (in memory without one) or the test Neo4j,
    cleared. Neo4j needs the ``neo4j_uri`` fixture (fails when KG_REQUIRE_NEO4J=1 and no server)."""
    if kind == "sqlite":
        from kg.store.sqlite_store import SQLiteStore

        return SQLiteStore(tmp_path / "graph.db" if tmp_path is not None else None)
    from kg.store.neo4j_store import Neo4jStore

    assert request is not None, "a Neo4j store needs the test request (for the neo4j_uri fixture)"
    uri = request.getfixturevalue("neo4j_uri")
    store = Neo4jStore(uri, None, "neo4j")
    store.clear()
    return store


@pytest.fixture(params=STORE_KINDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """A fresh, empty store of each kind (Neo4j tests fail when KG_REQUIRE_NEO4J=1 and no server)."""
    if request.param == "neo4j":
        request.applymarker(pytest.mark.neo4j)
    store = open_fresh(request.param, request, tmp_path)
    yield store
    store.close()


@pytest.fixture
def store(empty_store):
    """A fresh store of each kind holding the fixture graph."""
    empty_store.write(delta())
    return empty_store


@pytest.fixture
def neo4j_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """A fresh, empty Neo4j store (schema created) for Neo4j-only tests."""
    store = open_fresh("neo4j", request, tmp_path)
    yield store
    store.close()
