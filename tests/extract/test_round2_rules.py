"""One test per recall rule and per precision trap added in extraction round 2 (issue 12): dataset
contexts, name+number shapes, X-10/100 splits, version numbers, model size suffixes, "we propose
<noun phrase>", paradigms as entities, the vocabulary families; and the traps: an acronym inside a
hyphenated compound, a cited surname, "our <known model>", a different version number."""

from __future__ import annotations

import pytest

from kg.extract import extract_one, vocabulary_entities
from kg.models import Paper


def _x(abstract: str, title: str = "A study"):
    return extract_one(Paper(id="t", title=title, abstract=abstract))


def _names(tags) -> dict[str, object]:
    return {t.entity.name: t for t in tags}


@pytest.mark.parametrize(("abstract", "names"), [
    ("We evaluate on FEVER, USPTO and Douban.", {"FEVER", "USPTO", "Douban"}),
    ("Experiments on the ZeroSpeech 2019 challenge show gains.", {"ZeroSpeech 2019"}),
    ("We report results on CIFAR-10/100.", {"CIFAR-10", "CIFAR-100"}),
    ("We train on CIFAR and evaluate on WikiText-2.", {"CIFAR", "WikiText-2"}),
])
def test_round2_dataset_recall_rules(abstract, names):
    assert set(_names(_x(abstract).datasets)) == names


@pytest.mark.parametrize("abstract", [
    "Experiments on Gaussian mixtures show that the bound is tight.",
    "Experiments on ResNet and VGG show gains.",
    "We evaluate on standard benchmarks and real data.",
])
def test_round2_dataset_context_needs_a_name(abstract):
    assert _x(abstract).datasets == ()


def test_round2_dataset_version_number_that_differs_is_another_dataset():
    got = _names(_x("We evaluate on Wikitext-2.").datasets)
    assert "WikiText-103" not in got and set(got) == {"WikiText-2"}


@pytest.mark.parametrize(("abstract", "name", "mention"), [
    ("We fine-tune BERTLARGE on the data.", "BERT", "BERTLARGE"),
    ("We fine-tune BERT-Large on the data.", "BERT", "BERT-Large"),
    ("We fine-tune RoBERTa-base on the data.", "RoBERTa", "RoBERTa-base"),
])
def test_round2_model_size_suffix_names_the_model(abstract, name, mention):
    tags = _names(_x(abstract).methods)
    assert name in tags and mention in tags[name].mentions


def test_round2_we_propose_plain_noun_phrase():
    text = "Retrieval is hard. In this paper, we propose multi-hop dense retrieval, which is simple."
    tags = _names(_x(text).methods)
    assert tags["multi-hop dense retrieval"].role == "proposed"


@pytest.mark.parametrize("abstract", [
    "We propose a surprising finding, which holds in general.",
    "We propose a simple and efficient method for this.",
])
def test_round2_we_propose_vague_phrase_is_no_method(abstract):
    assert _x(abstract).methods == ()


def test_round2_defined_acronyms_are_methods():
    tags = _names(_x("We use gated graph neural networks (GGNN) and latent Dirichlet allocation (LDA).").methods)
    assert {"GGNN", "LDA"} <= {m for t in tags.values() for m in t.mentions}


@pytest.mark.parametrize(("abstract", "absent"), [
    ("We build KD-Trees for nearest neighbour search.", "knowledge distillation"),
    ("This follows Adams (2012) closely.", "Adam"),
    ("As shown by Adams et al. the bound holds.", "Adam"),
])
def test_round2_traps_give_no_method(abstract, absent):
    assert absent not in _names(_x(abstract).methods)


def test_round2_trap_hyphen_suffix_keeps_the_method():
    assert "generative adversarial networks" in _names(_x("GAN-based models are popular.").methods)


def test_round2_trap_our_known_model_is_used_not_proposed():
    tags = _names(_x("Our ResNet50 is trained with SGD.").methods)
    assert tags["ResNet-50"].role == "used"  # (a member of the ResNet family since round 6)


@pytest.mark.parametrize(("abstract", "name"), [
    ("Reinforcement learning agents learn from rewards.", "reinforcement learning"),
    ("We maximise the mutual information between views.", "mutual information"),
])
def test_round2_paradigms_and_information_measures_are_entities(abstract, name):
    assert name in _names(_x(abstract).methods)


def test_round2_cross_entropy_is_one_entity():
    ents = [e for e in vocabulary_entities() if "cross-entropy" in e.name.lower() or "cross-entropy" in e.aliases]
    named = [e.id for e in ents if e.name.lower() in ("cross-entropy", "cross-entropy loss")]
    assert named == ["method:cross-entropy-loss"]
    x = _x("We minimise the cross-entropy between the two distributions.")
    assert [t.entity.id for t in x.divergences] == []
    assert "cross-entropy loss" in _names(x.methods)


@pytest.mark.parametrize(("child", "parent"), [
    ("method:dcgan", "method:generative-adversarial-network"),
    ("method:wasserstein-gan", "method:generative-adversarial-network"),
    ("method:stylegan", "method:generative-adversarial-network"),
    ("method:score-based-generative-model", "method:diffusion-model"),
    ("method:bert", "method:transformer"),
    ("method:gpt-2", "method:transformer"),
    ("method:q-learning", "method:reinforcement-learning"),
    ("method:proximal-policy-optimization", "method:reinforcement-learning"),
    ("dataset:cifar-10", "dataset:cifar"),
    ("dataset:cifar-100", "dataset:cifar"),
    ("dataset:tiny-imagenet", "dataset:imagenet"),
    ("dataset:mini-imagenet", "dataset:imagenet"),
])
def test_round2_vocabulary_families(child, parent):
    by_id = {e.id: e for e in vocabulary_entities()}
    assert parent in by_id[child].parents


def test_round2_taxonomy_written_by_ingest_has_all_kinds():
    from kg.ingest import taxonomy_entities

    kinds = {e.kind for e in taxonomy_entities() if e.parents}
    assert kinds == {"divergence", "method", "dataset"}
