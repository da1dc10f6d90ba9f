"""Divergence rules (kg/extract/divergences.py): vocabulary aliases and variants, KL direction,
lists of family names, eponymous and generic divergences, and the non-distributional traps."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.models import Paper


def run(abstract: str, title: str = "A study of things"):
    return extract_one(Paper(id="t", title=title, abstract=abstract))


def _divs(abstract: str, title: str = "A study of things") -> dict[str, object]:
    return {t.entity.name: t for t in run(abstract, title).divergences}


@pytest.mark.parametrize(
    "abstract, name",
    [
        ("We minimize the Kullback-Leibler divergence between the posteriors.", "Kullback-Leibler divergence"),
        ("We use the KL-divergence as a regularizer.", "Kullback-Leibler divergence"),
        ("The bound holds in relative entropy.", "Kullback-Leibler divergence"),
        ("Our estimator minimizes a varphi-divergence to the data.", "f-divergence"),
        ("We treat all f-divergences at once.", "f-divergence"),
        ("We sample in q-R\\'enyi divergence for small q.", "Rényi divergence"),
        ("We train by minimizing the maximum mean discrepancy to the data.", "maximum mean discrepancy"),
        ("The 1-Wasserstein distance between the two laws is bounded.", "Wasserstein-1 distance"),
        ("We bound the Wasserstein distance between the measures.", "Wasserstein distance"),
        ("We use the Sinkhorn divergence as a loss.", "Sinkhorn divergence"),
        ("The model reaches a Frechet Inception Distance (FID) of 2.1 on CIFAR-10.", "Frechet Inception Distance"),
        ("We report FID on all benchmarks.", "Frechet Inception Distance"),
        ("We use the Cauchy-Schwarz (CS) divergence for regression.", "Cauchy-Schwarz divergence"),
        ("The operator is nonexpansive with respect to a Bregman divergence.", "Bregman divergence"),
        ("We minimize the Jensen-Shannon divergence between generator and data.", "Jensen-Shannon divergence"),
        ("We use the Hilbert Schmidt Independence Criterion (HSIC) to compare.",
         "Hilbert-Schmidt Independence Criterion"),
        ("We estimate the kernel Stein discrepancy of the sampler.", "Stein discrepancy"),
        ("We bound the chi-squared divergence of the iterates.", "chi-squared divergence"),
        ("The sampler converges in total variation to the target distribution.", "total variation distance"),
        ("We compute the entropic optimal transport (EOT) plan.", "entropic optimal transport"),
        ("We bound the H-divergence between domains.", "H-divergence"),
        ("We minimize the Fisher divergence to the data.", "Fisher divergence"),
        ("Samples are compared with the energy distance.", "energy distance"),
        ("We introduce the Fr\\'echet Wrenformer Distance for crystals.", "Fréchet Wrenformer Distance"),
        ("It relies on an expected transportation divergence between estimators.", "transportation divergence"),
        ("The flow follows a vector field given by the first variation of the f -divergence between them.",
         "f-divergence"),
    ],
)
def test_divergences_vocabulary_and_rules(abstract, name):
    found = _divs(abstract)
    assert name in found, sorted(found)


@pytest.mark.parametrize(
    "abstract, variant",
    [
        ("We avoid the reverse Kullback-Leibler divergence, which is mode seeking.", "reverse"),
        ("Training minimizes the forward KL divergence to the data.", "forward"),
        ("We use the exclusive KL as the objective.", "reverse"),
        ("We minimize the KL divergence between the posteriors.", None),
        ("We balance the reverse KL and the forward KL divergences.", None),
    ],
)
def test_divergences_kl_variant(abstract, variant):
    assert _divs(abstract)["Kullback-Leibler divergence"].variant == variant


def test_divergences_list_of_family_names():
    found = _divs("We solve it for all smooth f-divergences, including KL-, L_2-, Chi-squared, Hellinger, "
                  "and Alpha-divergences.")
    assert {"f-divergence", "Kullback-Leibler divergence", "L2 distance", "chi-squared divergence",
            "Hellinger distance", "alpha-divergence"} <= set(found)
    assert found["L2 distance"].evidence[0].rule == "div:list"


def test_divergences_generic_family_word():
    found = _divs("We introduce a variational formulation based on divergences between path space measures.")
    assert set(found) == {"divergence (generic)"}
    assert found["divergence (generic)"].evidence[0].rule == "div:generic"


def test_divergences_generic_not_when_specific_named():
    found = _divs("We consider divergences other than the reverse Kullback-Leibler divergence.")
    assert set(found) == {"Kullback-Leibler divergence"}


@pytest.mark.parametrize(
    "abstract",
    [
        "We study vector fields whose divergence is a finite Radon measure, and the Gauss-Green formula.",
        "Fractional divergence-measure fields satisfy a Leibniz rule.",
        "The velocity must satisfy strict divergence-free constraints.",
        "We identify divergences in a current vector field from drifter data.",
        "Without care, training diverges and the loss explodes.",
        "Highly divergent gradients harm training.",
        "The divergence of class centers matters for contrastive learning.",
        "We relate criticality to the logarithmic divergence of the largest principal component.",
        "Previous integrals diverge; we repair them.",
        "A distance-based approach uses Euclidean distances between points.",
        "We apply total variation regularization to denoise images.",
        "The L_2 distance of the iterate to the optimum shrinks linearly.",
        "We extend divergence-based likelihood training to bounded domains.",
        "Code: https://github.com/someone/WassersteinUniformityMetric.",
    ],
)
def test_divergences_non_distributional_traps(abstract):
    assert _divs(abstract) == {}


def test_divergences_bare_parent_dropped_when_child_named():
    found = _divs("We bound the 1-Wasserstein distance. The Wasserstein bound implies a funnel.")
    assert set(found) == {"Wasserstein-1 distance"}


def test_divergences_mentions_and_evidence_are_original_text():
    abstract = "We use the Kullback–Leibler divergence and KL terms, and the KL divergence again."
    x = run(abstract)
    (tag,) = x.divergences
    assert tag.mentions == ("Kullback–Leibler divergence", "KL terms", "KL divergence")
    for ev in tag.evidence:
        assert abstract[ev.start:ev.end] == ev.surface
        assert ev.rule == "vocab:divergence:kullback-leibler"
    assert tag.entity.family == "divergence:f-divergence"


def test_divergences_acronym_defined_as_something_else():
    assert _divs("We use empirical mode decomposition (EMD) on the signal. EMD is fast.") == {}
    assert "Wasserstein distance" in _divs("The earth mover's distance (EMD) is used. EMD is robust.")


@pytest.mark.parametrize(
    "abstract, expected",
    [
        ("We solve the LP with an IPM in polynomial time.", set()),
        ("We use the integral probability metric (IPM). The IPM is estimated.", {"integral probability metric"}),
        ("We analyse KL-UCB for bandits.", set()),
    ],
)
def test_divergences_ambiguous_acronyms(abstract, expected):
    assert set(_divs(abstract)) == expected
