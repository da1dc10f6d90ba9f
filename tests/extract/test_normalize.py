"""Normalization (kg/extract/normalize.py): LaTeX/escape remnants become clean text and every
normalized span maps back to the exact original characters."""

from __future__ import annotations

import pytest

from kg.extract.normalize import normalize


@pytest.mark.parametrize(
    "original, clean",
    [
        ('the Schr\\"odinger bridge', "the Schrödinger bridge"),
        ("q-R\\'enyi divergence", "q-Rényi divergence"),
        ("Fr\\'echet distance", "Fréchet distance"),
        ('B\\"{o}hm and {\\"o}', "Böhm and ö"),
        ("a varphi-divergence", "a φ-divergence"),
        ("rate mathcal{O}(n) on mathbb R^n", "rate O(n) on R^n"),
        ("the \\emph{Uni-Instruct} model", "the Uni-Instruct model"),
        ("representation spacex2014an interpretable", "representation space—an interpretable"),
        ("ImageNet-64times 64 benchmark", "ImageNet-64×64 benchmark"),
        ("improves by 5\\% over", "improves by 5% over"),
        ("the \\alpha-divergence", "the α-divergence"),
        ("plain text stays as it is", "plain text stays as it is"),
        ("text classification and context", "text classification and context"),
    ],
)
def test_normalize_latex_remnants(original, clean):
    assert normalize(original).text == clean


@pytest.mark.parametrize(
    "original, word, surface",
    [
        ('we use the Schr\\"odinger bridge', "Schrödinger", 'Schr\\"odinger'),
        ("the \\emph{Uni-Instruct} model", "Uni-Instruct", "Uni-Instruct"),
        ("minimizing a varphi-divergence", "φ-divergence", "varphi-divergence"),
        ("ImageNet-64times 64 benchmark", "ImageNet-64×64", "ImageNet-64times 64"),
    ],
)
def test_normalize_offsets_point_into_original(original, word, surface):
    n = normalize(original)
    start = n.text.index(word)
    s, e = n.to_original(start, start + len(word))
    assert original[s:e] == surface


def test_normalize_identity_map_without_remnants():
    n = normalize("nothing to clean here")
    assert n.starts is None and n.to_original(3, 7) == (3, 7)
