"""Claim rules (kg/extract/claims.py): contribution and finding sentences are claims, background,
setting and housekeeping are not; types from cue words; claims link to entities in their sentence."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.extract.claims import claim_type, type_claims
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
    "sentence, kind",
    [
        # a back-reference to a contribution is no proposal cue: the finding decides
        ("We show that the proposed sampler converges at a linear rate.", "theoretical"),
        ("With our newly introduced loss, accuracy on the benchmark improves by 3%.", "empirical"),
        # what the authors give is a method: proposal, even with a verb that otherwise derives or provides
        ("We provide a greedy pruning algorithm for sparse regression.", "proposal"),
        ("We derive a new family of stochastic estimators for the gradient.", "proposal"),
        # ... but a concept, a theory or an analysis they introduce is theoretical
        ("We introduce a notion of margin for ranking functions.", "theoretical"),
        ("We present the first unified analysis of local update schemes.", "theoretical"),
        ("Our sampler follows from a new theory we develop for tempered transitions.", "theoretical"),
        ("We build a connection between label smoothing and calibration.", "theoretical"),
        # "provably" and asymptotic orders are theoretical cues
        ("In a convex setting, this scheme provably outperforms gradient clipping.", "theoretical"),
        ("This is the first method to reach widetilde O(d/n) for nonconvex losses.", "theoretical"),
        # "we demonstrate" and "evaluate ... on" are empirical cues
        ("We demonstrate that the new sampler yields accurate approximations.", "empirical"),
        ("We instantiate one algorithm and evaluate its performance on the Atari suite.", "empirical"),
        # what a result gives, or a practical property, is "other"
        ("Our findings offer new insights into the role of depth in transformers.", "other"),
        ("Based on our theory, we discuss several configurations as special cases.", "other"),
        ("Our approach introduces no additional hyper-parameters over plain momentum.", "other"),
        # a contribution introduced by its name
        ("We present FLAME -- a sampler that reuses the score network.", "proposal"),
        ("We propose Tuckerize, which factorizes the attention weights.", "proposal"),
    ],
)
def test_claims_type_cues_round3(sentence, kind):
    assert claim_type(sentence) == kind


def test_claims_type_claims_types_a_paper_in_order():
    texts = ["We propose a fast sampler for diffusion models.", "We prove that it converges at a linear rate.",
             "Experiments on CIFAR-10 show that it outperforms the baselines."]
    assert type_claims(texts) == ["proposal", "theoretical", "empirical"]


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


def test_claims_word_gates_agree_with_the_regexes(seed_jsonl):
    """The word-set shortcuts in front of _WE, _PASSIVE and _SETTING answer as the regexes do."""
    import random
    import re

    from kg.extract import claims as C
    from kg.read import read_papers

    texts = [s.lower() for p in read_papers(seed_jsonl).papers for t in (p.title, p.abstract)
             for s in re.split(r"(?<=[.!?])\s+", t)]
    rng = random.Random(4)
    pieces = ["we", "our", "ours", "us", "this paper", "the present work", "in this", "here", "i", "is proposed",
              "are also shown", "we consider", "we study the problem", "our aim is", "aims at", "is based on",
              "builds upon", "draws inspiration", "is inspired by", "we call this", "specifically, we focus",
              "weights", "thus", "this", "é", "–", "_", "\n"]
    texts += [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    for text in texts:
        words = C._words(text)
        assert words == frozenset(re.findall(r"\w+", text)), text
        assert C._we(text, words) == (C._WE.search(text) is not None), text
        assert C._passive(text, words) == (C._PASSIVE.search(text) is not None), text
        assert C._setting_match(text, words) == (C._SETTING.search(text) is not None), text
