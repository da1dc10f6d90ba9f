"""Per-paper context shared by every rule module (divergences, datasets, methods, claims).

Rules never touch raw strings or offsets themselves: a :class:`Context` holds the paper, the spaCy
``Doc`` of the *normalized* text of each field, the sentences (with their ORIGINAL offsets and text),
the acronyms the paper defines ("maximum mean discrepancy (MMD)"), and :meth:`Context.evidence`, which
turns a span of the normalized doc into an :class:`~kg.models.Evidence` pointing into the original
text. This keeps the invariant ``paper.<field>[ev.start:ev.end] == ev.surface`` in one place.

The API is stable: rule modules written by other people build on it (add, don't rename).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from dataclasses import field as dc_field
from itertools import pairwise

from spacy.tokens import Doc, Span

from kg.extract import docext
from kg.extract.acronyms import Acronym, find_acronyms
from kg.extract.docext import VOCAB_KEY
from kg.extract.normalize import Normalized
from kg.models import Evidence, Paper, TextField

FIELDS: tuple[TextField, ...] = ("title", "abstract")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a field. ``start``/``end``/``text`` are in the ORIGINAL field text;
    ``span`` is the sentence in the normalized ``Doc`` (``span.start_char`` etc. are normalized offsets)."""

    field: TextField
    index: int
    start: int
    end: int
    text: str
    span: Span

    @property
    def is_title(self) -> bool:
        return self.field == "title"


def _sentence_spans(doc: Doc) -> list[Span]:
    """The sentence spans of a doc: from the starts our sentencizer recorded, else ``doc.sents``."""
    starts = docext.get(doc, "kg_sent_starts")
    if starts is None:
        return list(doc.sents)
    bounds = [*starts, len(doc)]
    return [doc[a:b] for a, b in pairwise(bounds) if b > a]


@dataclass
class Context:
    """Everything a rule module needs about one paper.

    Attributes:
        paper: the paper as read.
        docs: the spaCy ``Doc`` of the normalized text of each field ("title", "abstract").
        normalized: the :class:`Normalized` text (with offset map) of each field.
        sentences: title sentence (field "title", index 0) then the abstract sentences (index 0..n).
        acronyms: paper-scoped ``short → long`` definitions (normalized text).
        acronym_defs: the same with their positions.
        version: the extractor version recorded in every evidence.
    """

    paper: Paper
    docs: dict[TextField, Doc]
    normalized: dict[TextField, Normalized]
    version: str
    sentences: list[Sentence] = dc_field(default_factory=list)
    acronyms: dict[str, str] = dc_field(default_factory=dict)
    acronym_defs: list[Acronym] = dc_field(default_factory=list)
    #: per field: the normalized start character of each sentence, and the sentences (for :meth:`sentence_at`)
    sentence_index: dict[TextField, tuple[list[int], list[Sentence]]] = dc_field(default_factory=dict, repr=False)
    #: per field: the maximal vocabulary spans by label (for :meth:`vocab_spans`)
    vocab_by_label: dict[TextField, dict[str, list[Span]]] = dc_field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, paper: Paper, docs: dict[TextField, Doc], normalized: dict[TextField, Normalized],
              version: str) -> Context:
        """Assemble a context from docs already run through the pipeline."""
        ctx = cls(paper=paper, docs=docs, normalized=normalized, version=version)
        for fld in FIELDS:
            doc = docs[fld]
            spans = [doc[:]] if fld == "title" else _sentence_spans(doc)
            text = normalized[fld].text  # == doc.text, without a walk over the tokens
            for idx, span in enumerate(s for s in spans if text[s.start_char:s.end_char].strip()):
                s, e = ctx.to_original(fld, span.start_char, span.end_char)
                original = ctx.text(fld)
                # trim whitespace that a span may carry at its edges
                while s < e and original[s].isspace():
                    s += 1
                while e > s and original[e - 1].isspace():
                    e -= 1
                ctx.sentences.append(Sentence(fld, idx, s, e, original[s:e], span))
            for acro in find_acronyms(doc, fld, text):
                ctx.acronym_defs.append(acro)
                ctx.acronyms.setdefault(acro.short, acro.long)
        return ctx

    # ---------------------------------------------------------------------------------------------
    def doc_text(self, fld: TextField) -> str:
        """The NORMALIZED text of a field (the text of ``docs[fld]``; cheaper than ``Doc.text``)."""
        return self.normalized[fld].text

    def text(self, fld: TextField) -> str:
        """The ORIGINAL text of a field."""
        return self.paper.title if fld == "title" else self.paper.abstract

    def to_original(self, fld: TextField, start: int, end: int) -> tuple[int, int]:
        """Map normalized doc character offsets ``[start, end)`` to original offsets."""
        return self.normalized[fld].to_original(start, end)

    def surface(self, fld: TextField, start: int, end: int) -> str:
        """The original text under a normalized span."""
        s, e = self.to_original(fld, start, end)
        return self.text(fld)[s:e]

    def field_sentences(self, fld: TextField) -> list[Sentence]:
        """The sentences of one field, in order."""
        return [s for s in self.sentences if s.field == fld]

    def sentence_at(self, fld: TextField, doc_char: int) -> Sentence:
        """The sentence of ``fld`` that contains normalized character ``doc_char``."""
        index = self.sentence_index.get(fld)
        if index is None:
            sents = self.field_sentences(fld)
            index = self.sentence_index[fld] = ([x.span.start_char for x in sents], sents)
        starts, sents = index
        if not sents:  # an empty field: a zero-length pseudo sentence
            return Sentence(fld, 0, 0, 0, "", self.docs[fld][0:0])
        return sents[max(0, bisect.bisect_right(starts, doc_char) - 1)]

    def vocab_spans(self, fld: TextField, label: str) -> list[Span]:
        """Maximal vocabulary spans of ``label`` ("divergence", "dataset") in a field, in text order: a
        span inside a longer one is dropped (computed once per field, shared by the rule modules)."""
        by_label = self.vocab_by_label.get(fld)
        if by_label is None:
            spans = sorted(self.docs[fld].spans[VOCAB_KEY], key=lambda s: (-(s.end - s.start), s.start))
            taken: set[int] = set()
            by_label = self.vocab_by_label[fld] = {}
            for s in spans:
                if taken and not taken.isdisjoint(range(s.start, s.end)):
                    continue
                taken.update(range(s.start, s.end))
                by_label.setdefault(s.label_, []).append(s)
            for group in by_label.values():
                group.sort(key=lambda s: s.start)
        return list(by_label.get(label, ()))

    def sentence_of(self, span: Span) -> Sentence:
        """The sentence containing a span of one of this context's docs."""
        fld: TextField = "title" if span.doc is self.docs["title"] else "abstract"
        return self.sentence_at(fld, span.start_char)

    def sentence_span(self, span: Span) -> Span:
        """The (normalized) sentence span containing ``span``; cheaper than ``span.sent``."""
        return self.sentence_of(span).span

    def sentence_text(self, span: Span) -> str:
        """The normalized text of the sentence containing ``span``."""
        sent = self.sentence_span(span)
        return self.normalized[self.field_of(span)].text[sent.start_char:sent.end_char]

    def field_of(self, span: Span) -> TextField:
        """Which field's doc a span belongs to."""
        return "title" if span.doc is self.docs["title"] else "abstract"

    def evidence(self, fld: TextField, doc_start_char: int, doc_end_char: int, rule: str) -> Evidence:
        """Evidence for a normalized span: the sentence, the ORIGINAL span and surface, the rule id."""
        s, e = self.to_original(fld, doc_start_char, doc_end_char)
        sent = self.sentence_at(fld, doc_start_char)
        return Evidence(
            field=fld,
            sentence_index=sent.index,
            sentence=sent.text,
            start=s,
            end=e,
            surface=self.text(fld)[s:e],
            rule=rule,
            extractor_version=self.version,
        )

    def span_evidence(self, span: Span, rule: str) -> Evidence:
        """:meth:`evidence` for a spaCy span of one of this context's docs."""
        return self.evidence(self.field_of(span), span.start_char, span.end_char, rule)
