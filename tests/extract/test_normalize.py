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


@pytest.mark.parametrize(
    "original, clean",
    [
        # hard wraps: a single newline is a space, a blank line a break, indentation dropped
        ("  An important paradigm of natural\n  language processing.\n",
         "  An important paradigm of natural language processing. "),
        ("First paragraph.\n\n  Second one.", "First paragraph.\nSecond one."),
        # a word split across a line break is joined; a compound keeps its hyphen
        ("by regu-\nlarization of the", "by regularization of the"),
        ("a KL-\ndivergence and a score-\nbased model", "a KL-divergence and a score-based model"),
        ("the distri-\nbution and the distribution", "the distribution and the distribution"),
        ("self-\nsupervised and self-supervised", "self-supervised and self-supervised"),
        # JATS/HTML markup and entities
        ("<jats:p>We use the <jats:italic>KL</jats:italic> divergence &amp; MMD.</jats:p>",
         "\nWe use the KL divergence & MMD.\n"),
        ("x<sub>2</sub> &lt; 3 &#955;", "x2 < 3 λ"),
        # headers are not sentences
        ("Abstract\nWe propose a method.", "We propose a method."),
        ("ABSTRACT. We propose a method.", "We propose a method."),
        ("Background: GANs are hard. Methods: We train one.", "GANs are hard. We train one."),
        ("Abstract models of computation are studied.", "Abstract models of computation are studied."),
        ("Results show that it works.", "Results show that it works."),
        # LaTeX math read as what it names
        ("minimise $\\mathrm{KL}(p\\|q)$ here", "minimise KL (p‖q) here"),
        ("the $\\mathcal{D}_{KL}$ term", "the D_{KL} term"),
        ("costs $5 and $6", "costs $5 and $6"),
    ],
)
def test_normalize_real_corpora_layout(original, clean):
    n = normalize(original)
    assert n.text == clean
    for i, ch in enumerate(n.text):  # every normalized character maps back into the original
        s, e = n.to_original(i, i + 1)
        assert 0 <= s < e <= len(original)
        if ch.isalnum() and original[s:e].isalnum():
            assert original[s:e].lower().startswith(ch.lower()) or len(original[s:e]) > 1


def test_normalize_wrapped_kl_divergence_is_found_with_exact_offsets(run_text):
    abstract = "We study generative models and minimise the reverse Kullback-\nLeibler divergence\nbetween them."
    x = run_text(abstract)
    [tag] = [t for t in x.divergences if t.entity.id == "divergence:kullback-leibler"]
    ev = tag.evidence[0]
    assert abstract[ev.start:ev.end] == ev.surface == "reverse Kullback-\nLeibler divergence" or \
        abstract[ev.start:ev.end] == ev.surface == "Kullback-\nLeibler divergence"
    assert tag.variant == "reverse"
