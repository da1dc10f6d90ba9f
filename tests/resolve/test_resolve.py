"""kg.resolve on real stores (SQLite and Neo4j): aliases, folded keys, head words, KL variant
words, family expansion, suggestions — and on the real bundled vocabulary."""

from __future__ import annotations

import pytest

from kg.models import GraphDelta
from kg.resolve import resolve, variants
from tests import world as gd

KL = "divergence:kullback-leibler"
F = "divergence:f-divergence"
OT = "divergence:optimal-transport"
W, W1 = "divergence:wasserstein", "divergence:wasserstein-1"
IPM, MMD = "divergence:integral-probability-metric", "divergence:mmd"


@pytest.mark.parametrize(
    "text",
    ["KL", "kl", "Kullback-Leibler", "kullback–leibler divergence", "Kullback Leibler divergences",
     "relative entropy", "RELATIVE ENTROPY", "the KL divergence", "KL distance"],
)
def test_resolve_kl_aliases_name_one_entity(store, text):
    r = resolve(store, text)
    assert r.found and [e.id for e in r.entities] == [KL]
    assert r.ids == (KL,) and r.members == () and r.suggestions == ()


@pytest.mark.parametrize(
    ("text", "exact", "ids"),
    [
        ("f-divergence", False, ("divergence:chi-squared", F, KL)),
        ("f-divergences", False, ("divergence:chi-squared", F, KL)),
        ("phi divergence", False, ("divergence:chi-squared", F, KL)),
        ("f-divergence", True, (F,)),
        ("optimal transport", False, (OT, W, W1)),
        ("optimal transport", True, (OT,)),
        ("integral probability metrics", False, (IPM, MMD, W1)),
        ("Wasserstein", False, (W, W1)),
        ("Wasserstein", True, (W,)),
        ("W1 distance", False, (W1,)),
    ],
)
def test_resolve_family_includes_members_unless_exact(store, text, exact, ids):
    r = resolve(store, text, exact=exact)
    assert r.ids == ids
    assert {e.id for e in r.members} == set(ids) - {e.id for e in r.entities}


@pytest.mark.parametrize(
    ("text", "variant"),
    [("reverse KL", "reverse"), ("the reverse KL divergence", "reverse"), ("forward KL", "forward"),
     ("exclusive KL", "reverse"), ("inclusive KL divergence", "forward"), ("KL", None),
     ("relative entropy", None)],
)
def test_resolve_reads_kl_variant_words(store, text, variant):
    r = resolve(store, text)
    assert r.ids == (KL,) and r.variant == variant


@pytest.mark.parametrize(
    ("text", "kind", "ids"),
    [("CIFAR10", "dataset", ("dataset:cifar-10",)), ("cifar 10 dataset", None, ("dataset:cifar-10",)),
     ("GANs", "method", ("method:gan",)), ("MMD", "divergence", (MMD,)), ("MMD", None, (MMD,))],
)
def test_resolve_kind_and_head_words(store, text, kind, ids):
    assert resolve(store, text, kind).ids == ids


@pytest.mark.parametrize(
    ("text", "kind", "suggested"),
    [
        ("wasserstien", None, "Wasserstein distance"),
        ("kulback leibler", None, "Kullback-Leibler divergence"),
        ("MMD", "method", "MMD GAN"),
        ("CIFAR-100", None, "CIFAR-10"),
        ("adversarial", "method", "generative adversarial network"),
    ],
)
def test_resolve_unknown_name_suggests_close_names(store, text, kind, suggested):
    r = resolve(store, text, kind)
    assert not r.found and r.ids == () and r.entities == ()
    assert suggested in r.suggestions


def test_resolve_nothing_close_has_no_suggestions(store):
    r = resolve(store, "qqqqzzzz")
    assert not r.found and r.suggestions == ()


def test_resolve_empty_store(empty_store):
    r = resolve(empty_store, "KL")
    assert not r.found and r.suggestions == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KL", ["kl"]),
        ("the KL divergence", ["the kl divergence", "kl divergence", "the kl", "kl"]),
        ("reverse KL", ["reverse kl", "kl", "reverse kl divergence"]),
    ],
)
def test_resolve_variants_order(text, expected):
    assert list(variants(text))[: len(expected)] == expected


@pytest.fixture(scope="module")
def vocabulary_store():
    """An embedded store holding the real bundled vocabulary (kg.extract.vocabulary_entities)."""
    import kg.extract as extract
    from kg.store.sqlite_store import SQLiteStore

    store = SQLiteStore(None)
    store.write(GraphDelta(entities=tuple(extract.vocabulary_entities())))
    return store


@pytest.mark.parametrize(
    "text", ["KL", "Kullback-Leibler", "kullback–leibler divergence", "relative entropy", "KL-divergence"]
)
def test_resolve_real_vocabulary_kl(vocabulary_store, text):
    assert [e.id for e in resolve(vocabulary_store, text).entities] == [KL]


@pytest.mark.parametrize(
    ("family", "member"),
    [("f-divergence", KL), ("f-divergence", "divergence:hellinger"), ("optimal transport", W),
     ("optimal transport", W1)],
)
def test_resolve_real_vocabulary_families(vocabulary_store, family, member):
    r = resolve(vocabulary_store, family)
    assert member in r.ids
    assert member not in resolve(vocabulary_store, family, exact=True).ids


def test_resolve_method_name_also_names_divergence_family(store):
    store.write(GraphDelta(entities=(gd.Method(id="method:optimal-transport", name="optimal transport"),)))
    r = resolve(store, "optimal transport")
    assert [e.id for e in r.entities] == [OT, "method:optimal-transport"]
    assert r.ids == (OT, W, W1, "method:optimal-transport")
    assert resolve(store, "optimal transport", "method").ids == ("method:optimal-transport",)
