"""Method and dataset families and plural lookups on both real stores (networkx and Neo4j).

A family written as vocabulary entities (``SUBTYPE_OF`` from ``parents``) answers for its members
unless ``exact``: "GAN" includes DCGAN papers, "CIFAR" includes CIFAR-10 papers. Plurals fold the
same way for lookup as for matching ("Stein discrepancies", "cross-entropy losses")."""

from __future__ import annotations

import pytest

from kg.models import Dataset, Divergence, EntityFilter, GraphDelta, Method, PaperQuery, fold
from kg.resolve import resolve
from tests import world as gd

GAN = Method(id="method:generative-adversarial-network", name="generative adversarial networks",
             aliases=("GAN", "GANs"))
DCGAN = Method(id="method:dcgan", name="DCGAN", parents=(GAN.id,), family=GAN.id)
WGAN = Method(id="method:wasserstein-gan", name="Wasserstein GAN", parents=(GAN.id,), family=GAN.id)
CIFAR = Dataset(id="dataset:cifar", name="CIFAR")
CIFAR10 = Dataset(id="dataset:cifar-10", name="CIFAR-10", parents=(CIFAR.id,), family=CIFAR.id)
STEIN = Divergence(id="divergence:stein-discrepancy", name="Stein discrepancy")
CE = Method(id="method:cross-entropy-loss", name="cross-entropy loss", aliases=("cross-entropy",))


def _world(store):
    p1 = gd.paper("f1", "DCGAN on CIFAR-10", "We train a DCGAN on CIFAR-10 with the cross-entropy loss.")
    p2 = gd.paper("f2", "Plain GANs", "We study GANs and Stein discrepancies.")
    xs = [
        gd.extraction(p1, methods=[gd.tag(p1, DCGAN, "DCGAN", role="used"),
                                   gd.tag(p1, CE, "cross-entropy loss", role="used")],
                      datasets=[gd.tag(p1, CIFAR10, "CIFAR-10")]),
        gd.extraction(p2, methods=[gd.tag(p2, GAN, "GANs", role="used")],
                      divergences=[gd.tag(p2, STEIN, "Stein discrepancies")]),
    ]
    # the taxonomy first (as ingest writes it), then the papers
    store.write(GraphDelta(entities=(GAN, DCGAN, WGAN, CIFAR, CIFAR10)))
    store.write(GraphDelta(extractions=tuple(xs)))
    return store


def _papers(store, ids) -> list[str]:
    page = store.find_papers(PaperQuery(using=(EntityFilter(ids=tuple(ids)),), limit=10))
    return sorted(h.paper.id for h in page.items)


@pytest.mark.parametrize(("text", "exact", "ids"), [
    ("GAN", False, (GAN.id, DCGAN.id, WGAN.id)),
    ("GANs", False, (GAN.id, DCGAN.id, WGAN.id)),
    ("generative adversarial network", True, (GAN.id,)),
    ("CIFAR", False, (CIFAR.id, CIFAR10.id)),
    ("CIFAR", True, (CIFAR.id,)),
    ("DCGAN", False, (DCGAN.id,)),
])
def test_families_method_and_dataset_include_members_unless_exact(empty_store, text, exact, ids):
    store = _world(empty_store)
    r = resolve(store, text, exact=exact)
    assert r.ids == tuple(sorted(ids))


def test_families_papers_using_gan_include_dcgan_papers(empty_store):
    store = _world(empty_store)
    assert _papers(store, resolve(store, "GAN").ids) == ["f1", "f2"]
    assert _papers(store, resolve(store, "GAN", exact=True).ids) == ["f2"]
    assert _papers(store, resolve(store, "CIFAR").ids) == ["f1"]


def test_families_subtype_edges_written_for_methods_and_datasets(empty_store):
    store = _world(empty_store)
    assert [e.id for e in store.parents(DCGAN.id)] == [GAN.id]
    assert [e.id for e in store.children(CIFAR.id)] == [CIFAR10.id]
    assert [e.id for e in store.descendants(GAN.id)] == [DCGAN.id, WGAN.id]


@pytest.mark.parametrize(("text", "eid"), [
    ("Stein discrepancies", STEIN.id), ("stein discrepancy", STEIN.id),
    ("cross-entropy losses", CE.id), ("Cross-Entropy Loss", CE.id),
])
def test_families_plural_lookups_fold_like_matching(empty_store, text, eid):
    store = _world(empty_store)
    r = resolve(store, text)
    assert [e.id for e in r.entities] == [eid]


@pytest.mark.parametrize(("plural", "singular"), [
    ("discrepancies", "discrepancy"), ("losses", "loss"), ("divergences", "divergence"), ("GANs", "GAN"),
])
def test_families_fold_and_norm_agree_on_plurals(plural, singular):
    from kg.extract.pipeline import norm_key

    assert fold(plural) == fold(singular)
    assert norm_key(plural) == norm_key(singular) == fold(singular)


def test_families_numbered_members_found_by_rules_answer_for_their_family(empty_store):
    """ "ResNet-50" is found by a rule (``method.numbered``), not listed in the vocabulary: ingest's
    taxonomy writes its family (ResNet) first, so `papers-using ResNet` includes ResNet-50 papers."""
    from kg.extract import extract_one
    from kg.ingest import taxonomy_entities
    from kg.models import Paper

    store = empty_store
    store.write(GraphDelta(entities=tuple(taxonomy_entities())))
    papers = [Paper(id="n1", title="Gated networks", abstract="We train a ResNet50 and a ResNet-18 on ImageNet."),
              Paper(id="n2", title="Plain networks", abstract="We train a ResNet on CIFAR-10.")]
    store.write(GraphDelta(extractions=tuple(extract_one(p) for p in papers)))
    assert _papers(store, resolve(store, "ResNet").ids) == ["n1", "n2"]
    assert _papers(store, resolve(store, "ResNet", exact=True).ids) == ["n2"]
    assert _papers(store, resolve(store, "ResNet50").ids) == ["n1"]
    assert [e.id for e in store.parents("method:resnet-18")] == ["method:resnet"]
