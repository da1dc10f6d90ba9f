"""One test per method rule added in extraction round 3 (issue 12, left-overs): a slash separates two
models in a list ("BiGAN/ALI"), "<modifier> bandit(s)" and "<Proper name> ... process" shapes, and the
"-wise" fold that makes "block-wise coordinate descent" the same entity as "block coordinate descent"."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.models import Paper, fold, slug


def _methods(abstract: str) -> dict[str, object]:
    x = extract_one(Paper(id="t", title="A study", abstract=abstract))
    return {t.entity.name: t for t in x.methods}


def test_round3_slash_separates_two_models_in_a_list():
    names = _methods("It studies encoder-decoder architectures (e.g., BiGAN/ALI), which learn features.")
    assert {"BiGAN", "ALI"} <= set(names) and "BiGAN/ALI" not in names


@pytest.mark.parametrize(("abstract", "name"), [
    ("We study regret minimisation in contextual linear bandits with safety constraints.", "contextual linear bandit"),
    ("The environment is modelled as a Markov decision process with finite horizon.", "Markov decision process"),
])
def test_round3_head_shapes(abstract, name):
    assert fold(name) in {fold(n) for n in _methods(abstract)}


def test_round3_process_needs_a_proper_name():
    assert not any("process" in n for n in _methods("The training process is slow and the learning process is noisy."))


def test_round3_wise_fold_makes_one_entity():
    assert fold("block-wise coordinate descent") == fold("block coordinate descent")
    assert slug("Layer-wise Training") == slug("layer training")
    assert fold("wise choices") == "wise choice"  # a leading "wise" is a word, not a suffix
