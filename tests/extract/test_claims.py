"""Claim rules (kg/extract/claims.py): contribution and finding sentences are claims, background,
setting and housekeeping are not; types from cue words; claims link to entities in their sentence."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.extract.claims import claim_type
from kg.models import Paper

ABSTRACT = (
    "Recently, diffusion models have attracted a lot of attention. "
    "However, existing samplers are slow. "
    "In this paper, we propose a fast sampler that minimizes the KL divergence. "
    "We prove that it converges at a linear rate. "
    "Experiments on CIFAR-10 show that it outperforms the baselines. "
    "Our code is available at https://github.com/x/y."
)


def _claims(abstract: str):
    return extract_one(Paper(id="p", title="A title", abstract=abstract)).claims


def test_claims_background_and_housekeeping_skipped():
    claims = _claims(ABSTRACT)
    assert [c.sentence_index for c in claims] == [2, 3, 4]
    assert [c.type for c in claims] == ["proposal", "theoretical", "empirical"]


def test_claims_text_is_original_and_linked_to_entities():
    claims = _claims(ABSTRACT)
    for c in claims:
        assert ABSTRACT[c.start:c.end] == c.text
        assert c.id == f"p#{c.sentence_index}" and c.paper_id == "p"
    assert "divergence:kullback-leibler" in claims[0].about
    assert "dataset:cifar-10" in claims[2].about


@pytest.mark.parametrize(
    "sentence, is_claim",
    [
        ("We propose a new loss for ranking.", True),
        ("This paper introduces a framework for federated learning.", True),
        ("A zeroth order Frank-Wolfe algorithm is proposed, which is gradient free.", True),
        ("Empirically, our method achieves state-of-the-art accuracy on ImageNet.", True),
        ("We consider the problem of estimating a Markov chain from samples.", False),
        ("How can we test whether two distributions are similar?", False),
        ("This work aims to capture the effect of depth.", False),
        ("Our code is available at https://github.com/a/b.", False),
        ("Recently, many methods have been proposed for this task.", False),
        ("Deep networks are widely used in practice.", False),
    ],
)
def test_claims_claim_or_not(sentence, is_claim):
    claims = _claims(sentence)
    assert bool(claims) is is_claim


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("We propose a novel framework for sampling.", "proposal"),
        ("We introduce a new regularizer.", "proposal"),
        ("We prove a minimax lower bound on the risk.", "theoretical"),
        ("We derive the convergence rate of the algorithm.", "theoretical"),
        ("Experiments on benchmarks show that our method outperforms baselines.", "empirical"),
        ("Our method is easy to implement and can be plugged into pipelines.", "other"),
        ("We show that the estimator is invariant to reparametrisation.", "theoretical"),
        ("Empirically, we show that language models drift as their entropy rates grow.", "empirical"),
        ("We applied the method to two matching problems and compared it with existing solvers.", "empirical"),
        ("We extend conformal prediction to the federated setting.", "proposal"),
    ],
)
def test_claims_type_cues(sentence, kind):
    assert claim_type(sentence) == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "Copyright 2019 by the author(s).",
        "Proceedings of the 36 th International Conference on Machine Learning, Long Beach, California, PMLR 97, 2019.",
        "Correspondence to: Ann Bee <ann@uni.edu>.",
        "School of Mathematics, Some University, China Department of Statistics, Other University, China.",
    ],
)
def test_claims_pdf_leftovers_are_never_claims(sentence):
    claims = _claims(f"We propose a new sampler and prove that it converges. {sentence}")
    assert [c.sentence_index for c in claims] == [0]


@pytest.mark.parametrize(
    "sentence, is_claim",
    [
        ("Specifically, we first select useful training instances from the collected data.", False),
        ("Subsequently, we align the features of the two networks.", False),
        ("Then, the adapters are trained without altering the original parameters.", False),
        ("Specifically, we propose a fast path gradient estimator.", True),
        ("Then we introduce key theories that make the loss tractable.", True),
        ("Specifically, we incorporate correlation constraints and then propose a selection method.", True),
        ("Finally, we show that our method achieves competitive performance.", True),
    ],
)
def test_claims_procedure_steps_are_not_claims(sentence, is_claim):
    claims = _claims(f"We propose a new method for federated unlearning. {sentence}")
    assert (1 in [c.sentence_index for c in claims]) is is_claim


@pytest.mark.parametrize(
    "sentence",
    [
        "An empirical investigation shows that SGD first visits increasingly sharp regions.",
        "The present work addresses these limitations by introducing a pruned transform.",
        "In this work, inspired by prior relaxations, we give a continuous relaxation of the cut problem.",
    ],
)
def test_claims_findings_without_a_we_contribution_verb(sentence):
    assert _claims(sentence)
