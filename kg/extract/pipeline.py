"""The spaCy pipeline: a blank English tokenizer plus small rule components registered by name.

No trained model: ``spacy.blank("en")`` → ``kg_sentencizer`` (sentence starts that survive "et al.", "i.e.",
"e.g.", "w.r.t.", "Fig. 2", decimals and "tasks.Our") → ``kg_acronym_detector`` ("long form (SHORT)"
definitions, :mod:`kg.extract.acronyms`) → ``kg_vocab`` / ``kg_vocab_cased`` (span rulers over the vocabulary
files, matching on ``NORM`` / as written: :class:`VocabRuler`, spaCy's ``SpanRuler`` for less) →
``kg_method_matcher`` (the methods vocabulary and trigger words, :mod:`kg.extract.methods.component`).
Components write to the ``Doc`` extensions declared in :mod:`kg.extract.docext`. ``NORM`` is our own cheap key
(:func:`kg.extract.keys.norm_key`) — lower case, accents and in-word hyphens dropped, a simple plural fold —
computed once per lexeme (cached in the vocab), so "Kullback–Leibler Divergences" matches the pattern
"Kullback-Leibler divergence" without a lemmatizer. The tokenizer's affix searches and the lexeme attribute
getters are spaCy's behind exact shortcuts (:mod:`kg.extract.affixes`, :mod:`kg.extract.lexattrs`): the same
tokens and attributes, for fewer instructions. Build the pipeline with :func:`get_nlp` (one per process).
"""

from __future__ import annotations

import functools
from typing import cast

import numpy as np
import spacy
from spacy.attrs import IS_SPACE, NORM, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import SpanRuler
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from thinc.types import Ints2d

from kg.extract import docext, lexattrs
from kg.extract.acronyms import make_acronym_detector  # noqa: F401  (registers kg_acronym_detector)
from kg.extract.affixes import InfixFinditer, PrefixSearch, SuffixSearch
from kg.extract.docext import VOCAB_KEY
from kg.extract.keys import norm_key, pattern_variants
from kg.extract.methods.component import make_method_matcher  # noqa: F401  (registers kg_method_matcher)
from kg.extract.vocab import ruler_patterns

__all__ = ["VOCAB_KEY", "build_nlp", "get_nlp", "norm_key", "pattern_variants"]

TOKENIZER_CACHE = 60_000  # chunks; spaCy's default of 10,000 is filled by our vocabulary patterns

# Tokens that end with an abbreviation period (the "." is a separate token after these).
ABBREVIATIONS = frozenset(
    "al e.g i.e w.r.t wrt cf vs resp fig figs eq eqs sec secs ref refs approx no nos etc. viz "
    "et i.i.d iid thm def prop lem cor appx app ch st dr prof mr ms".split()
)
_ENDERS = frozenset({".", "?", "!", "...", "…"})
_OPENERS = frozenset('("[“‘\'')
_QUOTES = frozenset('"”’\'“‘`')


def _is_boundary(prev2: str, prev: str, cur: str, nxt: str = "") -> bool:
    """Does a sentence start at ``cur``, given the two tokens before it and the one after?"""
    if prev not in _ENDERS:
        # "... labels A. We show": a one-letter token with its period ("A.", "d.")
        if not (len(prev) == 2 and prev[1] == "." and prev[0].isalpha()):
            return False
        return len(cur) > 1 and cur[0].isupper() and cur[1:].islower()
    if prev == "." and prev2.lower() in ABBREVIATIONS:
        return False
    first = cur[0]
    if first.islower():
        return False
    if first in _QUOTES and nxt and not nxt[0].isupper():
        return False  # a closing quote: 'worth a thousand words?"; (b) ...'
    return first.isupper() or first.isdigit() or first in _OPENERS or not first.isalnum()


_HASHES: dict[int, frozenset[int]] = {}


def _ender_hashes(doc: Doc) -> frozenset[int]:
    """ORTH hashes of the tokens after which a sentence may start (cached per vocab)."""
    key = id(doc.vocab)
    if key not in _HASHES:
        words = [*_ENDERS, *(f"{c}." for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")]
        _HASHES[key] = frozenset(doc.vocab.strings.add(w) for w in words)
    return _HASHES[key]


@Language.component("kg_sentencizer")
def kg_sentencizer(doc: Doc) -> Doc:
    """Set sentence starts (rules in :func:`_is_boundary`; a newline also ends a sentence).

    Vectorized: only the few tokens after a sentence-ending token are looked at in Python. The
    token indices of the sentence starts are kept in ``doc._.kg_sent_starts``.
    """
    n = len(doc)
    if n == 0:
        docext.put(doc, "kg_sent_starts", [])
        return doc
    enders = _ender_hashes(doc)
    text = docext.get(doc, "kg_text")
    if text is not None and text.isprintable() and "  " not in text and not text.startswith(" "):
        # no whitespace token: the only whitespace is single spaces, which the tokenizer attaches to
        # the token before them (a text without other whitespace characters is printable)
        orth = doc.to_array(ORTH).tolist()
        space = [0] * n
        candidates = [i for i, h in enumerate(orth) if h in enders]
    else:
        arr = doc.to_array([ORTH, IS_SPACE])
        orth, space = arr[:, 0].tolist(), arr[:, 1].tolist()
        candidates = [i for i, (h, sp) in enumerate(zip(orth, space, strict=True)) if sp or h in enders]
    strings = doc.vocab.strings  # a token's text is the string of its ORTH: no Token objects
    starts = np.full(n, -1, dtype=np.int64)
    starts[0] = 1
    for i in candidates:
        prev = strings[orth[i]]
        newline = bool(space[i]) and "\n" in prev
        if space[i] and not newline:
            continue
        j = i + 1
        while j < n and space[j]:
            j += 1
        if j >= n:
            continue
        if newline:
            starts[j] = 1
            continue
        prev2 = strings[orth[i - 1]] if i > 0 else ""
        nxt = strings[orth[j + 1]] if j + 1 < n else ""
        if _is_boundary(prev2, prev, strings[orth[j]], nxt):
            starts[j] = 1
    doc.from_array([SENT_START], cast(Ints2d, starts.astype(np.uint64).reshape(-1, 1)))
    docext.put(doc, "kg_sent_starts", np.nonzero(starts == 1)[0].tolist())
    return doc


class VocabRuler(SpanRuler):
    """spaCy's ``SpanRuler`` for phrase patterns only, writing ``doc.spans["kg_vocab"]``: the same
    patterns (:meth:`SpanRuler.add_patterns`), the same spans in the same order, for less per doc.
    ``SpanRuler.match`` also runs its token ``Matcher`` — which has no patterns here, so on every doc
    it builds a W036 warning that a ``warnings.catch_warnings()`` block then silences. Measured by
    ``bench/icount.py`` (150 abstracts): 12.34 → 12.05 M instructions per abstract (−2.4 %)."""

    def match(self, doc: Doc) -> list[Span]:
        labels = self._match_label_id_map
        found = [*self.phrase_matcher(doc)]
        if len(self.matcher):  # token patterns (none of kg's): as spaCy does it
            found += self.matcher(doc)
        return sorted({Span(doc, start, end, label=labels[m]["label"], span_id=labels[m]["id"])
                       for m, start, end in found if start != end})


@Language.factory("kg_vocab_ruler", default_config={"attr": "NORM", "overwrite": False})
def make_vocab_ruler(nlp: Language, name: str, attr: str, overwrite: bool) -> VocabRuler:
    """A :class:`VocabRuler` matching phrases on ``attr`` into ``doc.spans["kg_vocab"]``
    (``overwrite``: replace the spans an earlier ruler put there instead of adding to them)."""
    return VocabRuler(nlp, name, spans_key=VOCAB_KEY, phrase_matcher_attr=attr, validate=False,
                      overwrite=overwrite)


def _install_norm(nlp: Language) -> None:
    getters = nlp.vocab.lex_attr_getters  # type: ignore[attr-defined]  # (missing from spaCy's vocab.pyi)
    getters[NORM] = norm_key
    lexattrs.install(getters)  # the same attribute values, computed for less (kg.extract.lexattrs)
    for lex in nlp.vocab:
        lex.norm_ = norm_key(lex.orth_)


def build_nlp(patterns: list[dict] | None = None) -> Language:
    """A fresh pipeline. ``patterns`` are span-ruler phrase patterns
    (``{"label": kind, "pattern": text, "id": entity id}``) matched on NORM into ``doc.spans["kg_vocab"]``;
    a label ending in ``|cased`` is matched as written (ORTH) by a second ruler into the same key.
    """
    nlp = spacy.blank("en")
    _install_norm(nlp)
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    # the affix regexes behind exact shortcuts (kg.extract.affixes): the same tokens, fewer regex scans
    tokenizer.prefix_search = PrefixSearch(nlp.Defaults.prefixes or ())
    # "ImageNet-1K." / "FID." end a sentence: split a final period after capitals (not "U.S.")
    suffixes = [*(nlp.Defaults.suffixes or ()), r"(?<=[^.\s][A-Z])\.", r"(?<=[0-9])\."]
    tokenizer.suffix_search = SuffixSearch(suffixes)
    # a missing space after a sentence end: "1.46 FID.Our code", "tasks.Our"
    # and an em or en dash glued to a closing bracket: "algorithm—Stochastic Subspace Cubic Newton (SSCN)—for"
    infixes = [*(nlp.Defaults.infixes or ()), r"(?<=[A-Za-z0-9])\.(?=[A-Z][a-z])",
               r"(?<=\w)[)\]](?=[—–])", r"(?<=[)\]])[—–](?=\w)"]
    tokenizer.infix_finditer = InfixFinditer(infixes)
    nlp.add_pipe("kg_sentencizer")
    nlp.add_pipe("kg_acronym_detector")
    rulers: dict[str, SpanRuler] = {}
    for name, attr, overwrite in (("kg_vocab", "NORM", True), ("kg_vocab_cased", "ORTH", False)):
        rulers[attr] = cast(SpanRuler, nlp.add_pipe(
            "kg_vocab_ruler", name=name, config={"attr": attr, "overwrite": overwrite}))
    nlp.add_pipe("kg_method_matcher")
    nlp.initialize()
    norm_pats = [p for p in patterns or () if not p["label"].endswith("|cased")]
    cased_pats = [dict(p, label=p["label"][: -len("|cased")]) for p in patterns or ()
                  if p["label"].endswith("|cased")]
    if norm_pats:
        rulers["NORM"].add_patterns(norm_pats)
    if cased_pats:
        rulers["ORTH"].add_patterns(cased_pats)
    # The tokenizer caches the tokens of each whitespace-separated chunk, but only up to
    # ``max_cache_size`` chunks: tokenizing thousands of vocabulary patterns (ours, the methods
    # module's) would fill it before any text is seen and every later chunk would be split again.
    # Start texts with an empty cache and room for the patterns plus the 10,000 chunks spaCy keeps.
    tokenizer._flush_cache()
    tokenizer.max_cache_size = TOKENIZER_CACHE
    nlp.tokenizer = TextKeepingTokenizer(tokenizer)
    return nlp


class TextKeepingTokenizer:
    """spaCy's tokenizer, keeping the text it was given in ``doc._.kg_text`` (``Doc.text`` would rebuild
    it token by token, and the components and rules need it). Every other attribute is the tokenizer's."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        docext.put(doc, "kg_text", text)
        return doc

    def __getattr__(self, name: str):
        return getattr(self.tokenizer, name)


@functools.lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The process-wide pipeline with every vocabulary pattern loaded (built once, then cached)."""
    return build_nlp(ruler_patterns())


#: The bundled abstracts whose chunks :func:`warm_tokenizer_cache` caches (relative to the data folder).
WARM_TEXTS = "seed/papers.jsonl"


def warm_tokenizer_cache() -> int:
    """Tokenize the bundled seed abstracts OUTSIDE any memory zone (refused inside one: returns 0);
    returns the texts read. Called once per process by :func:`kg.extract.parallel.warm_up`.

    spaCy's tokenizer caches the tokens of each whitespace-separated chunk, but never inside
    ``nlp.memory_zone()`` (what it would cache there is freed with the zone). Streaming ingest runs
    every batch in a zone, so without this its cache would hold only the vocabulary patterns and
    every ordinary chunk ("the", "we", "model,", "learning.") would go through the prefix/suffix/
    infix regexes again in every paper — ≈ 4× the cost of a cached chunk. The common chunks of ML
    abstracts are cached here once per process instead (a fixed few thousand strings, so memory
    stays bounded). The output of the pipeline does not depend on the cache.
    """
    import orjson

    from kg.config import default_data_dir

    nlp = get_nlp()
    path = default_data_dir() / WARM_TEXTS
    if nlp.vocab.in_memory_zone or not path.exists():  # type: ignore[attr-defined]
        return 0
    tokenizer = cast(TextKeepingTokenizer, nlp.tokenizer).tokenizer
    texts = 0
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                record = orjson.loads(line)
                for key in ("title", "abstract"):
                    value = record.get(key)
                    if isinstance(value, str):
                        tokenizer(value)
                        texts += 1
    return texts
