"""Datasets and benchmarks: curated names with variants, a filtered gazetteer, and patterns.

Rules (the evidence ``rule``):

* ``vocab:<entity id>`` — a name from data/vocab/datasets.jsonl (curated) or datasets-pwc.jsonl
  (Papers with Code, filtered; matched only as written and only in a sentence about data).
* ``ds:head`` — a name-like phrase before a dataset head noun: "the Waterbirds dataset",
  "CIFAR-10 and SVHN benchmarks", "the YFCC100M corpus".
* ``ds:source`` — data recorded by a named mission, survey or instrument: "data recorded by a
  seismometer during NASA's InSight mission" → "InSight mission".
* ``ds:list`` — names listed after "datasets such as / including / like / (": "benchmarks including
  HumanEval and MBPP".
* ``ds:context`` — names listed after an experiment verb: "experiments on A, B and C", "we evaluate
  on A and B", "trained on A": every item needs a name shape, or a name shape in a sibling item
  (then a capitalised word counts too: "FEVER, USPTO and Douban"); known methods never count.
* ``ds:split`` — "X-10/100" names two datasets (CIFAR-10 and CIFAR-100) when one of them is known.
* ``ds:version`` — a known name followed by a different version number is another dataset
  ("WikiText-3" is not WikiText-103).

A name may end in a number or a year: "ZeroSpeech 2019 challenge", "WMT 14".

Generic descriptions ("image datasets", "real-world data", "synthetic benchmarks") are never names:
a name needs a capital inside it, a digit, or an all-capital form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.attrs import NORM
from spacy.tokens import Span

from kg.extract.context import FIELDS, Context
from kg.extract.divergences import vocab_spans
from kg.extract.methods.vocab import _rules as method_rules
from kg.extract.regexes import first_test
from kg.extract.tags import TagCollector
from kg.extract.vocab import alias_index, entities_by_id, flagged
from kg.models import Dataset, Evidence, Tag, fold, slug

_HEADS = {"dataset", "data set", "benchmark", "corpus", "corpora", "database", "suite", "challenge", "collection"}
_CONTEXT = re.compile(
    r"\b(?:data ?sets?|benchmark\w*|corpus|corpora|data|evaluat\w*|experiment\w*|trained|tested|"
    r"test(?:ing)? set|training set|images?|tasks?|suites?|environments?|games?|leaderboard|accuracy|"
    r"results?|classification|pre-?train\w*|fine-?tun\w*)\b",
    re.IGNORECASE,
)
_NOT_NAMES = {
    "the", "a", "an", "our", "this", "these", "that", "its", "their", "we", "new", "novel", "large",
    "real", "synthetic", "standard", "public", "popular", "benchmark", "several", "multiple", "various",
    "two", "three", "four", "five", "different", "both", "all", "each", "other", "existing", "proposed",
    "in", "on", "of", "for", "with", "and", "or", "to", "by", "from", "as", "at", "such",
    # field and model acronyms: "NLP datasets", "GAN benchmarks" are descriptions, not names
    "nlp", "cv", "rl", "ml", "ai", "qa", "gan", "gans", "llm", "llms", "rgb", "3d", "2d", "nlu", "asr",
    "mt", "vqa", "ood", "iid", "i.i.d.", "sota",
}
_LIST_CUE = first_test(re.compile(
    r"\b(?:data ?sets?|benchmarks?|corpora)\b,?\s*(?:such as|including|like|namely|e\.g\.,?|\(|:)\s*",
    re.IGNORECASE,
))


def _namelike(tok) -> bool:
    t = tok.text
    if not t or t.lower() in _NOT_NAMES or not any(c.isalnum() for c in t):
        return False
    if any(c.isdigit() for c in t) and any(c.isalpha() for c in t):
        return True
    if len(t) >= 2 and t.isupper():
        return True
    return any(c.isupper() for c in t[1:]) and any(c.islower() for c in t)


def _is_number(tok) -> bool:
    """A version number or year that can end a name ("2019", "14", "2.0")."""
    t = tok.text
    return t[:1].isdigit() and len(t) <= 6 and all(c.isdigit() or c == "." for c in t)


def _entity_for(surface: str) -> Dataset:
    hit = alias_index("dataset").get(fold(surface))
    if hit is not None:
        return hit  # type: ignore[return-value]
    return Dataset(id=f"dataset:{slug(surface)}", name=surface)


def _taken(span_start: int, span_end: int, blocked: list[tuple[int, int]]) -> bool:
    return any(s < span_end and span_start < e for s, e in blocked)


def find_datasets(ctx: Context, exclude: Sequence[Tag] = ()) -> list[Tag]:
    """Every dataset or benchmark the paper names, one :class:`Tag` per dataset."""
    vocab = entities_by_id()
    needs_context = flagged("context")
    tags = TagCollector(ctx)
    # a name that needs a data context counts everywhere in the paper once one mention has it
    # ("we introduce the SCAN domain ..." ... "networks trained on SCAN")
    pending: list = []
    for fld in FIELDS:
        blocked = [(ev.start, ev.end) for t in exclude for ev in t.evidence if ev.field == fld]
        for span in vocab_spans(ctx, fld, "dataset"):
            eid = span.id_
            ev = ctx.span_evidence(span, f"vocab:{eid}")
            if _taken(ev.start, ev.end, blocked) or _defined_otherwise(ctx, span):
                continue
            other = _other_version(ctx, fld, span)
            if other is not None:
                tags.add(*other)
                continue
            if eid in needs_context and not _CONTEXT.search(ctx.sentence_text(span)):
                pending.append((eid, ev))
                continue
            tags.add(vocab[eid], ev)
        _split_rule(ctx, tags, fld, blocked)
        if fld == "abstract":
            _head_rule(ctx, tags, fld, blocked)
            _list_rule(ctx, tags, fld, blocked)
            _context_rule(ctx, tags, fld, blocked)
            _source_rule(ctx, tags, fld, blocked)
    for eid, ev in pending:
        if eid in tags:
            tags.add(vocab[eid], ev)
    return tags.tags()


def _defined_otherwise(ctx: Context, span: Span) -> bool:
    """The paper defines this acronym as something that is not a dataset ("ARC (adaptive ...)")."""
    long = ctx.acronyms.get(span.text)
    return long is not None and not re.search(r"data|bench|corpus|challenge", long, re.IGNORECASE)


def _other_version(ctx: Context, fld, span: Span) -> tuple[Dataset, Evidence] | None:
    """(dataset, evidence) when a vocabulary name is followed by a version number it does not
    include ("Wikitext-2" after the alias "WikiText"): the known entity of the longer surface, or
    a new one. None when no number follows."""
    doc = span.doc
    j = span.end
    if j < len(doc) and doc[j].text == "-" and not doc[j - 1].whitespace_ and j + 1 < len(doc):
        j += 1
    if j >= len(doc) or not _is_number(doc[j]) or (j == span.end and doc[j - 1].whitespace_):
        return None
    if any(c.isdigit() for c in span.text):
        return None  # "ImageNet-1K 2012": the name already carries its number
    longer = doc[span.start:j + 1]
    return _entity_for(longer.text), ctx.span_evidence(longer, "ds:version")


_SPLIT = first_test(re.compile(
    r"\b(?P<stem>[A-Z][A-Za-z]*[A-Za-z])(?P<sep>[- ]?)(?P<a>\d+[A-Za-z]?)/(?P<b>\d+[A-Za-z]?)\b"))


def _split_rule(ctx: Context, tags: TagCollector, fld, blocked) -> None:
    """"CIFAR-10/100" → CIFAR-10 and CIFAR-100, when at least one of the two names is known."""
    text = ctx.doc_text(fld)
    if "/" not in text:
        return
    known = alias_index("dataset")
    for m in _SPLIT.finditer(text):
        names = [m.group("stem") + m.group("sep") + m.group(k) for k in ("a", "b")]
        if not any(fold(n) in known for n in names):
            continue
        for n, end in zip(names, (m.end("a"), m.end()), strict=True):
            ev = ctx.evidence(fld, m.start(), end, "ds:split")
            if not _taken(ev.start, ev.end, blocked):
                tags.add(_entity_for(n), ev)


_CONTEXT_CUE = re.compile(
    r"\b(?:experiments?|experimental results|evaluat(?:e|ed|ing|ion)|results|tested|trained|train|"
    r"fine-?tuned|benchmarked|validated|applied|accuracy|performance|state-of-the-art)\b"
    r"(?:\s+\w+){0,3}?\s+(?:on|across|over)\s+(?:the\s+|both\s+|several\s+)?")
_LIST_SEP = {",", "and", "or", "&", "as", "well"}
_ITEM_TAIL = {".", ";", ")", ":", "dataset", "datasets", "benchmark", "benchmarks", "corpus", "tasks",
              "task", "data", "with", "to", "for", "in", "show", "shows", "demonstrate", "demonstrates",
              "where", "which", "that", "using", "under", "we", "our", "while", "by", "at"}


def _context_rule(ctx: Context, tags: TagCollector, fld, blocked) -> None:
    """Names listed after "experiments on", "we evaluate on", "trained on" (see the module doc)."""
    doc = ctx.docs[fld]
    text = ctx.doc_text(fld)
    methods = method_rules()
    for m in _CONTEXT_CUE.finditer(text):
        span = doc.char_span(m.end(), m.end(), alignment_mode="expand")
        if span is None or span.start >= len(doc):
            continue
        i = span.start
        hi = ctx.sentence_span(doc[i:i + 1]).end
        items: list[tuple[int, int]] = []
        while i < hi:
            j = i
            while j < hi and j - i < 4 and (_namelike(doc[j]) or _capital(doc[j])
                                            or (j > i and _is_number(doc[j]))
                                            or (doc[j].text == "-" and j + 1 < hi and j > i)):
                j += 1
            if j == i:
                break
            items.append((i, j))
            k = j
            while k < hi and doc[k].text in _LIST_SEP:
                k += 1
            if k == j:
                if k < hi and doc[k].norm_ not in _ITEM_TAIL:
                    items.pop()  # "Gaussian mixtures": a word of a description, not a name
                break
            i = k
        shaped = [any(_namelike(t) for t in doc[a:b]) for a, b in items]
        if not any(shaped):
            continue
        for (a, b), ok in zip(items, shaped, strict=True):
            if doc[b - 1].text == "-":
                b -= 1
            surface = doc[a:b].text
            if methods.lookup(surface) or surface.lower() in _NOT_NAMES:
                continue  # "experiments on ResNet and VGG": models, not data
            ev = ctx.span_evidence(doc[a:b], "ds:context")
            if (ok or len(items) > 1) and not tags.covers(fld, ev.start, ev.end):
                _add_name(ctx, tags, fld, doc, a, b, "ds:context", blocked)


def _capital(tok) -> bool:
    """A capitalised word that is not sentence-initial filler ("Douban", not "The")."""
    t = tok.text
    return len(t) > 2 and t[0].isupper() and t[1:].isalpha() and t.lower() not in _NOT_NAMES


def _name_before(doc, i: int, lo: int) -> tuple[int, int] | None:
    """Token range [a, i) of a name ending just before token i (1–3 words, hyphens allowed; a
    trailing number or year belongs to the name: "the ZeroSpeech 2019 challenge")."""
    a = i
    words = 0
    if a - 1 > lo and _is_number(doc[a - 1]) and _namelike(doc[a - 2]):
        a -= 1
    while a > lo and words < 3:
        t = doc[a - 1]
        if t.text == "-" and a - 2 >= lo and _namelike(doc[a - 2]):
            a -= 2
            continue
        if _namelike(t):
            a -= 1
            words += 1
            continue
        break
    return (a, i) if a < i else None


def _add_name(ctx: Context, tags: TagCollector, fld, doc, a: int, b: int, rule: str, blocked) -> None:
    span = doc[a:b]
    if span.start == ctx.sentence_span(span).start and len(span) == 1 and not _namelike(span[0]):
        return
    ev = ctx.span_evidence(span, rule)
    if _taken(ev.start, ev.end, blocked) or _defined_otherwise(ctx, span):
        return
    ent = _entity_for(span.text)
    if ent.id in tags:
        return
    tags.add(ent, ev)


_HEAD_HASHES: dict[int, frozenset[int]] = {}


def _head_hashes(doc) -> frozenset[int]:
    """NORM hashes of the dataset head nouns (cached per vocab)."""
    key = id(doc.vocab)
    if key not in _HEAD_HASHES:
        _HEAD_HASHES[key] = frozenset(doc.vocab.strings.add(w) for w in (*_HEADS, "set"))
    return _HEAD_HASHES[key]


def _head_rule(ctx: Context, tags: TagCollector, fld, blocked) -> None:
    doc = ctx.docs[fld]
    heads = _head_hashes(doc)
    norms = doc.to_array([NORM]).tolist()
    for k in (k for k, h in enumerate(norms) if h in heads):
        tok = doc[k]
        norm = tok.norm_
        if norm not in _HEADS and not (norm == "set" and tok.i > 0 and doc[tok.i - 1].norm_ == "data"):
            continue
        i = tok.i - 1 if norm == "set" else tok.i
        lo = ctx.sentence_span(doc[tok.i:tok.i + 1]).start
        rng = _name_before(doc, i, lo)
        while rng is not None:
            _add_name(ctx, tags, fld, doc, *rng, "ds:head", blocked)
            a = rng[0]
            # coordination: "CIFAR-10, SVHN and ImageNet datasets"
            j = a
            while j > lo and doc[j - 1].text in (",", "and", "or", "&"):
                j -= 1
            rng = _name_before(doc, j, lo) if j < a else None


def _list_rule(ctx: Context, tags: TagCollector, fld, blocked) -> None:
    doc = ctx.docs[fld]
    text = ctx.doc_text(fld)
    for m in _LIST_CUE.finditer(text):
        span = doc.char_span(m.end(), m.end(), alignment_mode="expand")
        i = span.start if span is not None else None
        if i is None:
            continue
        hi = ctx.sentence_span(doc[i:i + 1]).end if i < len(doc) else len(doc)
        while i < hi:
            j = i
            while j < hi and (_namelike(doc[j]) or (doc[j].text == "-" and j + 1 < hi and _namelike(doc[j + 1]))):
                j += 1
            if j == i:
                break
            _add_name(ctx, tags, fld, doc, i, j, "ds:list", blocked)
            while j < hi and doc[j].text in (",", "and", "or", "&"):
                j += 1
            i = j


_SOURCE_HEADS = r"(?i:mission|survey|telescope|satellite|observatory|spacecraft|rover)"
_SOURCE = re.compile(
    r"\b(?:data|measurements|observations|recordings)\b[^.;]{0,60}?\b(?:by|from|during|of|in)\s"
    r"[^.;]{0,40}?(?P<name>(?:[A-Z][A-Za-z]+['’]s\s+)?(?P<core>[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*|"
    r"[A-Z][a-z]+(?:\s[A-Z][A-Za-z0-9-]+)+)\s(?P<head>" + _SOURCE_HEADS + r"))\b"
)

_SOURCE_HEAD = re.compile(r"[A-Z][A-Za-z0-9-]*\s" + _SOURCE_HEADS + r"\b")


def _source_rule(ctx: Context, tags: TagCollector, fld, blocked) -> None:
    """Data from a named mission/survey/instrument; the name needs an inner capital or a digit
    ("InSight", "Gaia DR3") or two capitalized words ("Sloan Digital Sky Survey")."""
    text = ctx.doc_text(fld)
    for head in _SOURCE_HEAD.finditer(text):  # cheap: a capitalized word before a head noun
        m = _SOURCE.search(text, max(0, head.start() - 160), head.end())
        if m is None or m.end() != head.end():
            continue
        core = m.group("core")
        if core.split()[0] in ("The", "This", "Our", "A", "An"):
            continue
        ev = ctx.evidence(fld, m.start("name"), m.end("name"), "ds:source")
        if _taken(ev.start, ev.end, blocked):
            continue
        name = f"{core} {m.group('head')}"
        tags.add(Dataset(id=f"dataset:{slug(name)}", name=name), ev)
