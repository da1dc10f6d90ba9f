"""Acronym definitions as a registered spaCy component (``kg_acronym_detector``).

Modelled on scispaCy's ``abbreviation_detector``: the component finds ``long form (SHORT)`` definitions
(Schwartz–Hearst: every letter of the short form in order in the words before the parenthesis, the
first at a word start) and writes ``(long Span, short Span)`` pairs to ``doc._.kg_acronyms``. The
:class:`~kg.extract.context.Context` turns them into paper-scoped :class:`Acronym` records for the rules
("maximum mean discrepancy (MMD)" → later bare "MMD" resolves to the same entity).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract import docext
from kg.extract.docext import doc_text
from kg.models import TextField


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


_REPEAT = re.compile(r"([A-Za-z])([2-4])")


def _long_form(short: str, words: list) -> int | None:
    """Schwartz–Hearst: index into ``words`` (tokens before the parenthesis) where the long form
    of ``short`` starts, or None. Every acronym letter must appear in order, the first one at a
    word start. A digit after a letter may count that letter ("spike-and-slab sparse coding (S3C)",
    "advantage actor-critic (A2C)") when the digit itself is not in the words."""
    k = _letters_start([c.lower() for c in short.rstrip("s") if c.isalnum()], words)
    if k is None and _REPEAT.search(short):
        k = _letters_start([c.lower() for c in _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)),
                                                            short.rstrip("s")) if c.isalnum()], words)
    return k


def _letters_start(letters: list[str], words: list) -> int | None:
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
    """Acronym definitions ``long form (SHORT)`` in ``doc`` (Schwartz–Hearst style, within a sentence),
    from what :class:`AcronymDetector` recorded in ``doc._.kg_acronyms`` (detected now if it did not run).

    ``text`` is ``doc.text`` when the caller has it (``Doc.text`` walks every token)."""
    pairs = docext.get(doc, "kg_acronyms")
    if pairs is None:
        pairs = detect_acronyms(doc, text)
    return [Acronym(short.text, long.text, fld, long.start_char, long.end_char, short.start_char, short.end_char)
            for long, short in pairs]


def detect_acronyms(doc: Doc, text: str | None = None) -> list[tuple[Span, Span]]:
    """``(long form, short form)`` span pairs of the acronym definitions in ``doc``."""
    out: list[tuple[Span, Span]] = []
    text = doc_text(doc) if text is None else text
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
        out.append((long_span, short_span))
    return out


def _sentence_start(doc: Doc, i: int) -> int:
    """Index of the first token of the sentence holding token ``i`` (without building ``doc.sents``)."""
    starts = docext.get(doc, "kg_sent_starts")
    if starts is None:
        return doc[i].sent.start if doc.has_annotation("SENT_START") else 0
    return starts[bisect.bisect_right(starts, i) - 1] if starts else 0


class AcronymDetector:
    """The ``kg_acronym_detector`` pipeline component: writes ``doc._.kg_acronyms``."""

    def __init__(self, nlp: Language, name: str = "kg_acronym_detector") -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_acronyms = detect_acronyms(doc)
        return doc


@Language.factory("kg_acronym_detector")
def make_acronym_detector(nlp: Language, name: str) -> AcronymDetector:
    """Factory of :class:`AcronymDetector` (``nlp.add_pipe("kg_acronym_detector")``, after a sentencizer)."""
    return AcronymDetector(nlp, name)
