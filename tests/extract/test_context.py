"""The per-paper Context (kg/extract/context.py): sentences with original offsets, paper-scoped
acronyms, and evidence that always points into the original text."""

from __future__ import annotations

import pytest

from kg.extract import contexts
from kg.models import Paper


def _ctx(abstract: str, title: str = "A title"):
    return next(contexts([Paper(id="t", title=title, abstract=abstract)]))


def test_context_sentences_have_original_offsets():
    abstract = 'Recently, R\\\'enyi methods grew. We use the Schr\\"odinger bridge. It works.'
    ctx = _ctx(abstract)
    sents = ctx.field_sentences("abstract")
    assert [s.index for s in sents] == [0, 1, 2]
    for s in sents:
        assert abstract[s.start:s.end] == s.text
    assert sents[1].text == 'We use the Schr\\"odinger bridge.'
    assert ctx.sentences[0].field == "title" and ctx.sentences[0].text == "A title"


@pytest.mark.parametrize(
    "abstract, short, long",
    [
        ("We minimize the maximum mean discrepancy (MMD) between samples.", "MMD", "maximum mean discrepancy"),
        ("We call it neural network divergences (NNDs) here.", "NNDs", "neural network divergences"),
        ("A kernel density estimator (KDE) is used.", "KDE", "kernel density estimator"),
    ],
)
def test_context_acronym_definitions(abstract, short, long):
    assert _ctx(abstract).acronyms.get(short) == long


def test_context_acronym_needs_matching_letters():
    assert "XYZ" not in _ctx("We train a model (XYZ) on data.").acronyms


def test_context_evidence_maps_to_original_span():
    abstract = 'We study the Schr\\"odinger bridge problem.'
    ctx = _ctx(abstract)
    doc = ctx.docs["abstract"]
    start = doc.text.index("Schrödinger")
    ev = ctx.evidence("abstract", start, start + len("Schrödinger bridge"), "test:rule")
    assert ev.surface == 'Schr\\"odinger bridge' == abstract[ev.start:ev.end]
    assert ev.sentence_index == 0 and ev.rule == "test:rule" and ev.extractor_version == ctx.version
