"""Property tests: extraction never raises on arbitrary text, and every evidence span and claim
round-trips to the original text (``paper.<field>[start:end] == surface``) — also on hard-wrapped,
tagged and mis-encoded text, where the normalizer rewrites most."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.extract import extract_one
from kg.models import Paper

# fragments that exercise the normalizer, the vocabulary and the sentencizer
FRAGMENTS = st.sampled_from([
    "KL", "Kullback–Leibler divergence", "R\\'enyi", 'Schr\\"odinger', "mathcal{O}(n)", "varphi-divergence",
    "x2014", "\\emph{", "}", "64times 64", "CIFAR-10", "ImageNet-1K.", "et al.", "i.e.", "w.r.t.", "e.g.",
    "tasks.Our", "(MMD)", "maximum mean discrepancy", "We propose", "we prove", ". ", ", ", " ", "\n",
    "divergence", "diverges", "datasets such as", "FooNet", "the X dataset", "$", "\\", "{", "é", "\u2028",
    # real corpora: hard wraps and hyphenation, JATS/HTML markup and entities, headers, LaTeX math,
    # text decoded in the wrong code page (mojibake)
    "\n  ", "-\n", "regu-\nlarization", "KL-\ndivergence", "\n\n", "\r\n", "<jats:p>", "</jats:p>", "<i>", "</i>",
    "<sub>2</sub>", "<jats:title>Abstract</jats:title>", "&amp;", "&lt;", "&#955;", "&bogus;", "Abstract ", "ABSTRACT.",
    "Background:", "Methods: ", "$\\mathrm{KL}(p\\|q)$", "\\mathcal{D}_{KL}", "\\left(", "\\right)", "KL(p",
    "CafÃ©", "â€“", "Ã¯", "\x96", "\ufffd",
])
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, abstract=TEXT)
def test_properties_extraction_never_raises_and_spans_round_trip(title, abstract):
    paper = Paper(id="h", title=title, abstract=abstract)
    x = extract_one(paper)
    for tag in x.tags:
        assert tag.mentions
        for ev in tag.evidence:
            text = paper.title if ev.field == "title" else paper.abstract
            assert text[ev.start:ev.end] == ev.surface
            assert ev.surface in tag.mentions
    for claim in x.claims:
        assert paper.abstract[claim.start:claim.end] == claim.text
