"""One test per rule added in extraction round 6 (issue 12, recall on unseen text), and one per trap each
rule must not fall into. The abstracts are made up in the shapes seen in the corpus (none is a gold
sentence)."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.extract.normalize import normalize
from kg.models import Paper


def _x(abstract: str, title: str = "A study"):
    return extract_one(Paper(id="t", title=title, abstract=abstract))


def _methods(abstract: str, title: str = "A study") -> dict[str, object]:
    return {t.entity.name: t for t in _x(abstract, title).methods}


# --- method.numbered: a numbered family's name with a depth or size is a member of its own -------------

@pytest.mark.parametrize(("abstract", "name", "family"), [
    ("We fine-tune a ResNet-50 on the target domain.", "ResNet-50", "method:resnet"),
    ("The baseline ResNet18 model reaches 69.8% top-1 accuracy.", "ResNet-18", "method:resnet"),
    ("Features come from a pretrained VGG19 network.", "VGG-19", "method:vgg"),
    ("We prune DenseNet-121 by half.", "DenseNet-121", "method:densenet"),
    ("On LeNet-300-100 the pruned network keeps its accuracy.", "LeNet-300-100", "method:lenet"),
])
def test_round6_numbered_member_is_its_own_entity_under_the_family(abstract, name, family):
    tag = _methods(abstract)[name]
    assert tag.entity.parents == (family,) and tag.entity.family == family
    assert tag.role == "used"


def test_round6_numbered_member_the_vocabulary_knows_keeps_its_entity():
    tag = _methods("We extract features with VGG-16 and a ResNeXt-101.")["VGG-16"]
    assert tag.entity.id == "method:vgg-16"


def test_round6_numbered_members_and_the_family_name_are_separate_tags():
    names = _methods("Our ResNet50 and ResNet34 gated networks beat the ResNet baseline and a ResNet-50.")
    assert {"ResNet-50", "ResNet-34", "ResNet"} <= set(names)
    assert names["ResNet-50"].mentions == ("ResNet50", "ResNet-50")
    assert names["ResNet-50"].role == "used"  # "our ResNet50": the authors' copy of a known model


@pytest.mark.parametrize("abstract", [
    "We compare with ResNet2 on three tasks.",           # one glued digit: a footnote mark
    "We use resnet50 features from a checkpoint.",       # not the family's name as written
    "Training a GAN2 needs care.",                       # no numbered family
])
def test_round6_numbered_guard(abstract):
    assert not [n for n in _methods(abstract) if any(c.isdigit() for c in n)]


# --- naming verbs: what a regime, phenomenon or principle is called is no technique --------------------

@pytest.mark.parametrize(("abstract", "absent"), [
    ("Training typically operates in a regime we call the Edge of Stability.", "Edge of Stability"),
    ("This follows a principle called Occam's razor for models.", "Occam"),
    ("These bounds depend on quantities called minimizability gaps.", "minimizability gaps"),
    ("We find a broader phenomenon we call property generalization in all models.", "property generalization"),
])
def test_round6_naming_a_regime_or_phenomenon_is_no_method(abstract, absent):
    assert not {n for n in _methods(abstract) if absent.lower() in n.lower() or n.lower() in absent.lower()}


@pytest.mark.parametrize(("abstract", "name"), [
    ("We present a new algorithm called AdaFom for nonconvex problems.", "AdaFom"),
    ("We describe a policy evaluation algorithm called Distributional Retrace.", "Distributional Retrace"),
    ("We study a sampler, called Tempered Flow Sampling, for multimodal targets.", "Tempered Flow Sampling"),
])
def test_round6_naming_a_technique_still_proposes_it(abstract, name):
    assert _methods(abstract)[name].role == "proposed"


# --- divergences: the Chernoff divergence and information ----------------------------------------------

@pytest.mark.parametrize("abstract", [
    "Using Chernoff information, a tool in information theory, we derive the error exponent.",
    "We bound the Chernoff distance between the two hypotheses.",
])
def test_round6_chernoff_divergence(abstract):
    divs = {t.entity.id: t for t in _x(abstract).divergences}
    assert set(divs) == {"divergence:chernoff"}
    assert divs["divergence:chernoff"].entity.parents == ("divergence:renyi",)


def test_round6_chernoff_guard_bounds_and_authors():
    x = _x("A Chernoff bound and the Chernoff-Hoeffding inequality give the rate, as Chernoff (1952) showed.")
    assert not x.divergences


# --- normalization: a footnote mark glued to a sentence end ---------------------------------------------

@pytest.mark.parametrize(("text", "clean"), [
    ("federated learning of Bayesian neural networks.1", "federated learning of Bayesian neural networks."),
    ("models that mask gradients.1 Next, we attack.", "models that mask gradients. Next, we attack."),
    ("faster at inference time.12", "faster at inference time."),
])
def test_round6_footnote_mark_dropped(text, clean):
    n = normalize(text)
    assert n.text == clean
    cut = clean.index(".")
    assert n.original[slice(*n.to_original(0, cut + 1))] == clean[: cut + 1]


@pytest.mark.parametrize("text", [
    "as shown in Fig.1 We see",          # a capitalised abbreviation
    "see eqn.2 and the proof.",          # inside a sentence
    "a rate of 1.5 We see",              # a decimal number
    "version v1.2 The end",              # a version
    "in networks.123 We see",            # three digits: no footnote mark
])
def test_round6_footnote_guard(text):
    assert normalize(text).text == text


def test_round6_footnote_mark_no_longer_hides_the_last_words():
    abstract = ("We study inference in several models. We apply it to topic modeling and federated learning "
                "of Bayesian neural networks.1")
    assert "Bayesian neural networks" in _methods(abstract)
