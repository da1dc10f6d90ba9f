"""The spaCy pipeline (kg/extract/pipeline.py): named components, the sentencizer's hard cases,
and the NORM key that makes vocabulary matching case-, accent-, hyphen- and plural-tolerant."""

from __future__ import annotations

import pytest

from kg.extract.normalize import normalize
from kg.extract.pipeline import get_nlp, norm_key


def _sents(text: str) -> list[str]:
    return [s.text for s in get_nlp()(normalize(text).text).sents]


def test_pipeline_components_registered_by_name():
    assert get_nlp().pipe_names == ["kg_sentencizer", "kg_vocab", "kg_vocab_cased"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("As shown by Smith et al. in 2020, it works. We agree.", 2),
        ("We use priors, i.e. Gaussian ones, and e.g. Laplace. Then we stop.", 2),
        ("We differentiate w.r.t. the parameters. It is fast.", 2),
        ("The FID drops from 2.35 to 1.02 in 3.5 hours. Good.", 2),
        ("It works on many tasks.Our code is online.", 2),
        ("It reaches 1.46 FID.Our code is online.", 2),
        ("We pretrain on ImageNet-1K. We also test.", 2),
        ("A classifier over labels mathcal A. We show more.", 2),
        ("See Fig. 2 for details. Done.", 2),
        ('It asks "is a picture worth a thousand words?"; (b) then more. End.', 2),
        ("One sentence only without a final period", 1),
    ],
)
def test_pipeline_sentencizer_hard_cases(text, expected):
    assert len(_sents(text)) == expected, _sents(text)


@pytest.mark.parametrize(
    "token, key",
    [("Rényi", "renyi"), ("CIFAR-10", "cifar10"), ("Divergences", "divergence"), ("losses", "loss"),
     ("discrepancies", "discrepancy"), ("MMDs", "mmd"), ("–", "-"), ("analysis", "analysis"), ("KL", "kl")],
)
def test_pipeline_norm_key(token, key):
    assert norm_key(token) == key


@pytest.mark.parametrize(
    "text, entity",
    [
        ("the Kullback–Leibler Divergences", "divergence:kullback-leibler"),
        ("the kullback leibler divergence", "divergence:kullback-leibler"),
        ("on CIFAR10 and", "dataset:cifar-10"),
        ("the MMD", "divergence:mmd"),
    ],
)
def test_pipeline_vocab_ruler_matches_on_norm(text, entity):
    doc = get_nlp()(text)
    assert entity in {s.id_ for s in doc.spans["kg_vocab"]}


@pytest.mark.parametrize("text", ["the mmd of", "a Fid value", "the kl of"])
def test_pipeline_cased_aliases_only_as_written(text):
    assert not get_nlp()(text).spans["kg_vocab"]
