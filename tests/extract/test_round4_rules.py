"""One test per method rule added in extraction round 4 (issue 12, fresh methods recall): a capitalised
name apposed to the authors' lower-case description ("our frame prediction architecture, SpatialNet,")."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.models import Paper


def _methods(abstract: str, title: str = "A study") -> dict[str, object]:
    x = extract_one(Paper(id="t", title=title, abstract=abstract))
    return {t.entity.name: t for t in x.methods}


@pytest.mark.parametrize(("abstract", "name"), [
    ("Our frame prediction architecture, SpatialNet, is designed to capture local physics.", "SpatialNet"),
    ("We propose a new model of ranking, the Random Shopper Model, that explains such behavior.",
     "Random Shopper Model"),
])
def test_round4_apposed_name_after_a_description_is_proposed(abstract, name):
    names = _methods(abstract)
    assert name in names and names[name].role == "proposed"
    assert not any(n.startswith(("frame prediction", "new model")) for n in names)  # the description is no name


def test_round4_apposed_known_model_after_our_is_used_or_known():
    names = _methods("Our pretrained encoder, BERT, is fine-tuned on the task.")
    assert "BERT" in names


@pytest.mark.parametrize("abstract", [
    "Our experiments, Section 4 and Table 2, show gains.",                # no method noun in the description
    "We propose a simple loss, Which Works, in theory.",                  # a sentence-like capitalised pair
    "Our main model, which is new, works.",                                # no capitalised name
])
def test_round4_apposed_name_needs_a_method_description_and_a_name(abstract):
    assert not any(n in _methods(abstract) for n in ("Section", "Which Works", "Table"))


@pytest.mark.parametrize(("abstract", "name"), [
    ("We observe that binary networks behave like the original defensive distillation procedure.",
     "defensive distillation"),
    ("Our model uses a convolutional network coupled with a novel temporal pooling layer.", "temporal pooling"),
])
def test_round4_adjective_names_a_technique_before_some_heads(abstract, name):
    assert name in _methods(abstract)


@pytest.mark.parametrize("abstract", [
    "The expected loss is bounded and unbounded losses are not.",        # "loss" keeps the adjective guard
    "It learns a learnable normalization function and an unbiased estimator.",  # -able, and "estimator"
])
def test_round4_adjective_guard_stays_for_other_heads(abstract):
    assert not any(n.startswith(("expected", "unbounded", "learnable", "unbiased")) for n in _methods(abstract))


def test_round4_proper_name_heads_scaling_approximation_regression():
    names = _methods("On most datasets, temperature scaling, a variant of Platt Scaling, is effective; we also "
                     "compare with a Laplace approximation and with Poisson regression.")
    assert {"Platt Scaling", "Laplace approximation", "Poisson regression"} <= set(names)


def test_round4_proper_head_not_the_start_of_a_capitalised_title():
    assert not _methods("This paper is the second in the series Commutative Scaling of Width and Depth.")


def test_round4_title_name_with_a_version_number():
    names = _methods("We introduce Deep Voice 2, which builds on a similar pipeline with better blocks.",
                     title="Deep Voice 2: Multi-Speaker Neural Text-to-Speech")
    assert "Deep Voice 2" in names and names["Deep Voice 2"].role == "proposed"


def test_round4_title_version_number_needs_a_capitalised_name():
    assert not _methods("We study the convergence of the method in two phases.", title="Part 2: convergence")


@pytest.mark.parametrize(("abstract", "name"), [
    ("The method relies on bundle adjustment (BA), and BA is slow.", "bundle adjustment"),
    ("We solve it with mixed integer programming (MIP); MIP scales.", "mixed integer programming"),
    ("Neighbours are found by locality-sensitivity hashing (LSH).", "locality-sensitivity hashing"),
    ("We use Bayesian quadrature (BQ) to integrate.", "Bayesian quadrature"),
    ("We study gradient descent-ascent (GDA) for min-max games.", "gradient descent-ascent"),
    ("It uses denoising-based approximate message passing (D-AMP).", "denoising-based approximate message passing"),
])
def test_round4_acronym_heads(abstract, name):
    assert name in _methods(abstract)


def test_round4_acronym_heads_are_acronym_tier_only():
    assert not _methods("Bundle adjustment is discussed, and so are integer programming and quadrature.")


def test_round4_acronym_long_form_that_is_a_clause_is_no_name():
    names = _methods("This paper studies graph neural networks falling within the message-passing framework (GNNmp).")
    assert not any("falling" in n for n in names)


def test_round4_acronym_long_form_starts_at_the_hyphen_compound():
    names = _methods("We present Self-supervised Online Adversarial Purification (SOAP), a novel defense.")
    assert "Self-supervised Online Adversarial Purification" in names


def test_round4_title_camel_case_word_is_a_coined_name():
    names = _methods("We propose a simple yet effective technique for neural network learning.",
                     title="meProp: Sparsified Back Propagation for Accelerated Deep Learning")
    assert "meProp" in names and names["meProp"].role == "proposed"


def test_round4_cited_names_are_used_methods():
    names = _methods("Invariant Causal Prediction (Peters et al., 2016) is a technique for generalization. We assess "
                     "SNIP (Lee et al., 2019), GraSP (Wang et al., 2020) and magnitude pruning.")
    assert {"Invariant Causal Prediction", "SNIP", "GraSP"} <= set(names)
    assert all(names[n].role == "used" for n in ("Invariant Causal Prediction", "SNIP", "GraSP"))


@pytest.mark.parametrize("abstract", [
    "We evaluate on maze tasks in VizDoom (Kempka et al., 2016) and DMLab (Beattie et al., 2016).",  # places
    "As Smith (Jones, 2010) argued, the bound is loose.",                                          # a person
    "Theorem (Smith et al., 2019) gives the bound.",                                                # one plain word
])
def test_round4_cited_name_guards(abstract):
    assert not any(n in _methods(abstract) for n in ("VizDoom", "DMLab", "Smith", "Theorem"))


def test_round4_apposed_name_with_joiners_defined_by_an_acronym():
    names = _methods("We propose a new framework, Translation between Augmented Natural Languages (TANL), to "
                     "solve structured prediction tasks.")
    assert "Translation between Augmented Natural Languages" in names


@pytest.mark.parametrize(("abstract", "name"), [
    ("Inference in probabilistic graphical models is hard.", "graphical models"),
    ("Topic models based on latent Dirichlet allocation assume a fixed vocabulary.", "topic models"),
    ("We learn Bayesian networks of bounded treewidth.", "Bayesian networks"),
    ("Loopy belief updates are message passing algorithms.", "message passing"),
    ("We fit finite mixture models to the counts.", "mixture models"),
    ("The encoder is made of recurrent networks.", "recurrent neural networks"),
])
def test_round4_curated_model_families(abstract, name):
    assert name in _methods(abstract)


def test_round4_bayesian_networks_are_not_bayesian_neural_networks():
    names = _methods("We compare Bayesian neural networks with deep ensembles.")
    assert "Bayesian networks" not in names


def test_round4_acronym_digit_counts_the_letter_before_it():
    names = _methods("We introduce a factor model we call spike-and-slab sparse coding (S3C). S3C is slow.")
    assert "spike-and-slab sparse coding" in names and "S3C" in names["spike-and-slab sparse coding"].mentions


def test_round4_numbered_known_acronym_spelled_out_is_the_known_model():
    names = _methods("Our agent combines Asynchronous Advantage Actor-Critic (A3C) model with curriculum learning.")
    assert "A3C" in names and not any(n.startswith("Advantage") for n in names)


def test_round4_embed_to_control_defined_by_e2c_is_one_name():
    names = _methods("We introduce Embed to Control (E2C), a method for model learning and control.",
                     title="Embed to Control: A Locally Linear Latent Dynamics Model")
    assert "Embed to Control" in names and "Embed" not in names


def test_round4_proposed_single_hyphen_compound_and_ensembling_head():
    names = _methods("We introduce self-ensembling, where we form a consensus prediction of the labels.",
                     title="Temporal Ensembling for Semi-Supervised Learning")
    assert {"self-ensembling", "Temporal Ensembling"} <= set(names)
    assert names["self-ensembling"].role == "proposed"


def test_round4_single_compound_needs_a_clause_boundary():
    assert not any("state-of-the" in n for n in _methods("We introduce state-of-the-art results on the benchmark."))
