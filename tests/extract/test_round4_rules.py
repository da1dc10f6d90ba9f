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
