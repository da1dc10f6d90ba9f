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
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from itertools import pairwise

from spacy.tokens import Doc, Span

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


@dataclass(frozen=True, slots=True)
class Acronym:
    """A paper-scoped acronym definition: ``long (short)`` found in ``field``; offsets are normalized."""

    short: str
    long: str
    field: TextField
    long_start: int
    long_end: int
    short_start: int
    short_end: int


_ACRO_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9\-]*$")


def _is_acronym(text: str) -> bool:
    if not (2 <= len(text) <= 12) or not _ACRO_TOKEN.match(text):
        return False
    upper = sum(c.isupper() for c in text)
    return upper >= 2 or (upper >= 1 and any(c.isdigit() for c in text))


def _long_form(short: str, words: list) -> int | None:
    """Schwartz–Hearst: index into ``words`` (tokens before the parenthesis) where the long form
    of ``short`` starts, or None. Every acronym letter must appear in order, the first one at a
    word start."""
    letters = [c.lower() for c in short.rstrip("s") if c.isalnum()]
    if not letters:
        return None
    text = " ".join(w.text for w in words).lower()
    # position of each word start within text
    si = len(letters) - 1
    li = len(text) - 1
    while si >= 0:
        c = letters[si]
        while li >= 0 and (text[li] != c or (si == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        si -= 1
        li -= 1
    start_char = li + 1
    pos = 0
    for i, w in enumerate(words):
        if pos <= start_char < pos + len(w.text) + 1:
            return i
        pos += len(w.text) + 1
    return None


_PAREN_ACRO = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9\-]{1,11})\s*[);,]")


def find_acronyms(doc: Doc, fld: TextField, text: str | None = None) -> list[Acronym]:
    """Acronym definitions ``long form (SHORT)`` in ``doc`` (Schwartz–Hearst style, within a sentence).

    ``text`` is ``doc.text`` when the caller has it (``Doc.text`` walks every token)."""
    out: list[Acronym] = []
    text = doc.text if text is None else text
    for m in _PAREN_ACRO.finditer(text):
        short = m.group(1)
        if not _is_acronym(short):
            continue
        paren = doc.char_span(m.start(), m.start() + 1, alignment_mode="expand")
        short_span = doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
        if paren is None or short_span is None or short_span.text != short or paren.start == 0:
            continue
        i = paren.start
        sent_start = _sentence_start(doc, i)
        max_words = min(len(short) + 5, 2 * len(short))
        lo = i
        count = 0
        while lo > sent_start and count < max_words + 3:
            t = doc[lo - 1]
            if t.text in (")", "(", ";", ":", ".", ","):
                break
            lo -= 1
            if not t.is_punct:
                count += 1
        words = list(doc[lo:i])
        if not words:
            continue
        k = _long_form(short, words)
        if k is None:
            continue
        long_span = doc[words[k].i : i]
        if len([t for t in long_span if not t.is_punct]) > max_words:
            continue
        if long_span.text.lower() == short.lower():
            continue
        if len(long_span) == 1 and sum(c.isupper() for c in short) >= 2 and "-" not in long_span.text:
            continue  # "aggregation (AA)": one plain word cannot define a multi-letter acronym
        out.append(
            Acronym(short, long_span.text, fld, long_span.start_char, long_span.end_char,
                    short_span.start_char, short_span.end_char)
        )
    return out


def _sentence_start(doc: Doc, i: int) -> int:
    """Index of the first token of the sentence holding token ``i`` (without building ``doc.sents``)."""
    from kg.extract.pipeline import SENT_STARTS_KEY

    starts = doc.user_data.get(SENT_STARTS_KEY)
    if starts is None:
        return doc[i].sent.start if doc.has_annotation("SENT_START") else 0
    return starts[bisect.bisect_right(starts, i) - 1] if starts else 0


def _sentence_spans(doc: Doc) -> list[Span]:
    """The sentence spans of a doc: from the starts our sentencizer recorded, else ``doc.sents``."""
    from kg.extract.pipeline import SENT_STARTS_KEY

    starts = doc.user_data.get(SENT_STARTS_KEY)
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
    _index: dict = dc_field(default_factory=dict, repr=False)  # field → (sentence start chars, sentences)

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
        index = self._index.get(fld)
        if index is None:
            sents = self.field_sentences(fld)
            index = self._index[fld] = ([x.span.start_char for x in sents], sents)
        starts, sents = index
        if not sents:  # an empty field: a zero-length pseudo sentence
            return Sentence(fld, 0, 0, 0, "", self.docs[fld][0:0])
        return sents[max(0, bisect.bisect_right(starts, doc_char) - 1)]

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
