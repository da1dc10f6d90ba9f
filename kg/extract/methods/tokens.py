"""Helpers on tokens, spans and sentences shared by the method rule families (no rule lives here)."""

from __future__ import annotations

import bisect
import re

import numpy as np
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.errors import ExtractionError
from kg.extract import docext
from kg.extract.docext import doc_text
from kg.extract.methods.vocab import (
    _ACRONYM_NOUNS,
    _CLOSE_QUOTES,
    _COPULA_NEW,
    _LATEX_CHARS,
    _OPEN_QUOTES,
    _OURS,
    _OURS_WORDS,
    _PREPOSITIONS,
    _TRIGGER_KEYS,
    CASED,
    MethodRules,
    fold,
)


def _is_word(tok) -> bool:
    return tok.text[:1].isalnum()


def _is_cap(tok) -> bool:
    t = tok.text
    return t[:1].isupper() or (len(t) > 1 and any(c.isupper() for c in t[1:]))


def _is_namey(tok) -> bool:
    """CamelCase, ALL-CAPS or digit-bearing words: "DropConnect", "BERT", "GPT2", "ResNet"."""
    t = tok.text
    if len(t) < 2 or not t[0].isalpha():
        return False
    upper = sum(c.isupper() for c in t)
    return upper >= 2 or (upper >= 1 and any(c.isdigit() for c in t))


def _glued(a, b) -> bool:
    """Tokens ``a`` and ``b`` are written without a space between them."""
    return not a.whitespace_ and b.i == a.i + 1


def _compound_start(doc: Doc, i: int, lo: int) -> int:
    """Start of the hyphen compound ending at token ``i`` ("log - variance" → index of "log")."""
    while i - 2 >= lo and doc[i - 1].text == "-" and _is_word(doc[i - 2]) and _glued(doc[i - 2], doc[i - 1]) \
            and _glued(doc[i - 1], doc[i]):
        i -= 2
    return i


def _arrays(doc: Doc) -> tuple[np.ndarray, list[int]]:
    """Token start offsets and sentence start indices of ``doc`` (computed once, ``doc._.kg_token_arrays``)."""
    got = docext.get(doc, "kg_token_arrays")
    if got is None:
        idx = doc.to_array(IDX).astype(np.int64) if len(doc) else np.zeros(0, dtype=np.int64)
        if len(doc) and doc.has_annotation("SENT_START"):
            starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
        else:
            starts = [0]
        got = (idx, starts or [0])
        docext.put(doc, "kg_token_arrays", got)
    return got


def _words(doc: Doc) -> list[str]:
    """The token texts of ``doc`` as plain strings (built once from the text; no Token objects)."""
    got = docext.get(doc, "kg_words")
    if got is None:
        idx, _ = _arrays(doc)
        text = _doc_text(doc)
        lengths = doc.to_array(LENGTH).tolist()
        got = [text[a : a + n] for a, n in zip(idx.tolist(), lengths, strict=True)] if len(doc) else []
        docext.put(doc, "kg_words", got)
    return got


def _token_at(doc: Doc, char: int) -> int | None:
    """Index of the token starting exactly at normalized character ``char`` (None: mid-token)."""
    idx, _ = _arrays(doc)
    i = int(np.searchsorted(idx, char, side="right")) - 1
    return i if i >= 0 and idx[i] == char else None


def _sent_bounds(doc: Doc, i: int) -> tuple[int, int]:
    """Token bounds ``[start, end)`` of the sentence holding token ``i``."""
    _, starts = _arrays(doc)
    k = bisect.bisect_right(starts, i) - 1
    return starts[max(k, 0)], starts[k + 1] if k + 1 < len(starts) else len(doc)


MethodMatches = tuple[list[tuple[str, int, int, bool]], dict[str, list[int]]]


def _matches(rules: MethodRules, doc: Doc) -> MethodMatches:
    """One NORM phrase-matcher pass: vocabulary matches ``(id, start, end, cased)`` (a cased alias only
    when the text is exactly the alias) and the token indices of the triggers ("our", proposing/naming
    verb forms, head nouns, list markers). The ``kg_method_matcher`` component ran it already when
    ``doc._.kg_method_matches`` is set."""
    got = docext.get(doc, "kg_method_matches")
    if got is None:
        raise ExtractionError("the methods rules need docs from a pipeline with the kg_method_matcher component "
                              "(kg.extract.pipeline.build_nlp adds it)")
    return got


def match_doc(rules: MethodRules, matcher: PhraseMatcher, doc: Doc) -> MethodMatches:
    """Run the methods phrase matcher over ``doc`` (what ``kg_method_matcher`` stores): see :func:`_matches`."""
    strings = doc.vocab.strings
    vocab: list[tuple[str, int, int, bool]] = []
    trig: dict[str, list[int]] = {key: [] for key in _TRIGGER_KEYS.values()}
    for match_id, s, e in matcher(doc):
        key = strings[match_id]
        if key in _TRIGGER_KEYS:
            trig[_TRIGGER_KEYS[key]].append(s)
        elif key.startswith(CASED):
            text, ent_id = (_words(doc)[s] if e - s == 1 else doc[s:e].text), key[len(CASED):]
            if rules.cased.get(text) == ent_id or ent_id in rules.guarded.get(text, ()):
                vocab.append((ent_id, s, e, True))
        else:
            vocab.append((key, s, e, False))
    return vocab, trig


def _display(span: Span) -> str:
    """A rule-found name as written, without parenthesised acronyms, with a plural lower-case head
    singularized ("losses" → "loss")."""
    toks = list(span)
    out: list = []
    i = 0
    while i < len(toks):
        if toks[i].text == "(" and i + 2 < len(toks) and toks[i + 2].text == ")":
            i += 3
            continue
        out.append(toks[i])
        i += 1
    words = [t.text + t.whitespace_ for t in out]
    last = out[-1]
    if any(t.text.lower() in _PREPOSITIONS for t in out[1:]):
        return "".join(words).strip()  # "generalized method of moments": the head is not the last word
    base = last.text
    hyphened = len(out) > 1 and out[-2].text == "-"  # "Metropolis-Hastings": a name, not a plural
    if base.isalpha() and not _is_namey(last) and len(base) > 3 and base.endswith("s") and not hyphened \
            and not base.endswith(("ss", "us", "is")) and not (base.endswith("ics") and not base.endswith("rics")) \
            and (base.islower() or len(out) > 1):  # ("dynamics" stays, "metrics" is plural)
        if base.endswith("ies"):
            base = base[:-3] + "y"
        elif base.endswith(("sses", "xes", "ches", "shes")):
            base = base[:-2]
        else:
            base = base[:-1]
        words[-1] = base
    return "".join(words).strip()


def _clean(rules: MethodRules, doc: Doc, s: int, e: int, keep_caps: bool = True,
           light: bool = False) -> tuple[int, int] | None:
    """Trim a phrase to its name: drop generic leading words ("a novel", "our", "the so-called"; a
    capitalised one such as "Neural" only when ``keep_caps`` is False), "<container> of" ("a family
    of"), and trailing generic words ("algorithm", "method") when something specific is left.
    None when nothing specific is left."""
    changed = True
    while changed and s < e:
        changed = False
        while s < e and not _is_namey(doc[s]) and (not _is_word(doc[s]) or doc[s].is_stop or (
                doc[s].norm_ in (_COPULA_NEW if light else rules.generic)
                and (doc[s].text.islower() or keep_caps is False))) and not (
                _is_word(doc[s]) and s + 2 < e and doc[s + 1].text == "-" and _glued(doc[s], doc[s + 1])):
            # (a hyphen compound is kept whole: "One-Class", "Off-Policy")
            s += 1
            changed = True
        if s + 1 < e and doc[s].norm_ in rules.containers and doc[s + 1].text.lower() == "of":
            s += 2
            changed = True
    while e > s and not _is_word(doc[e - 1]):
        e -= 1
    while e - 1 > s and doc[e - 1].norm_ in rules.trailing and _is_word(doc[e - 2]) \
            and doc[e - 2].norm_ not in rules.generic and not (e - 2 == s and doc[s].text[:1].isupper()
                                                               and not _is_namey(doc[s])):
        e -= 1  # ... but "Gibbs algorithm" keeps its noun
    if e - s == 2 and _is_namey(doc[s]) and doc[e - 1].norm_ in _ACRONYM_NOUNS:
        e -= 1  # "FID metric", "BERT model": the acronym is the name
    if s >= e or fold(doc[s:e].text) in rules.vague:
        return None
    return s, e


def _head_of(rules: MethodRules, span: Span):
    """The head noun of a name: its last word, or the word before "of" ("method of moments")."""
    for t in span[1:]:
        if t.text.lower() == "of" and t.i - 1 >= span.start:
            return span.doc[t.i - 1]
    return span[-1]


def _is_methodish(rules: MethodRules, span: Span, tier: int) -> bool:
    """Is a (cleaned) phrase a method name at this tier? Vocabulary names always are; made-up names
    ("Co-Teaching", "DropConnect") are; otherwise the head must be a head noun of this tier or lower,
    not a non-method word, and some other word must distinguish it."""
    if rules.lookup(span.text):
        return True
    if span[-1].norm_ in rules.nonheads:
        return False
    if len(span) <= 6 and any(_is_namey(t) for t in span):
        return True
    head = _head_of(rules, span)
    t = rules.head_tier(head)
    if t is None or t > tier:
        return False
    return any(_is_word(x) and x.norm_ not in rules.generic and not x.is_stop
               for x in span if x.i != head.i)


def _titleish(span: Span) -> bool:
    """Every content word capitalised: "Parameter Allocation & Regularization"."""
    words = [t for t in span if _is_word(t)]
    groups = [t for t in words if not (t.i > 0 and t.doc[t.i - 1].text == "-" and _glued(t.doc[t.i - 1], t))]
    return len(groups) >= 2 and all(_is_cap(t) or t.is_stop for t in words) and _is_cap(words[0])


def _initials(text: str) -> list[str]:
    return [w[0].lower() for w in re.split(r"[\s\-]+", text) if w and w[0].isalpha()]


def _missing_letters(short: str, long: str) -> int:
    """How many leading letters of ``short`` no word of ``long`` accounts for, aligning the word
    initials from the end ("PPO" / "Policy Optimization" → 1); 0 when they do not align at all."""
    letters = [c.lower() for c in short if c.isalpha()]
    j = len(letters)
    for ini in reversed(_initials(long)):
        j = next((x for x in range(j - 1, -1, -1) if letters[x] == ini), -1)
        if j < 0:
            return 0
    return j


def _extend_long(doc: Doc, short: str, s: int, e: int) -> int:
    """Start of an acronym's long form, moved left over up to three words when the found one misses
    the acronym's first letters ("Proximal | Policy Optimization (PPO)", "Two Step | CCA (TSCCA)")."""
    if not _missing_letters(short, doc[s:e].text):
        return s
    lo, _ = _sent_bounds(doc, s)
    k, words = s, 0
    while k - 1 >= lo and words < 3:
        k -= 1
        t = doc[k]
        if t.text == "-" and k - 1 >= lo and _glued(doc[k - 1], t):
            continue
        if not _is_word(t) or (t.is_stop and not t.like_num):
            break
        words += 1
        if not _missing_letters(short, doc[k:e].text) and t.text[:1].lower() == short[:1].lower():
            return k
    return s


def _singular_tail(name: str) -> str:
    head, _, last = name.rpartition(" ")
    if last.islower() and len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-3] + "y" if last.endswith("ies") else last[:-2] if last.endswith("sses") else last[:-1]
    return f"{head} {last}".strip()


def _joins_name(doc: Doc, i: int) -> bool:
    """Is token ``i`` an "of"/"&" inside a capitalised name ("Mixture of Experts")?"""
    return doc[i].text.lower() in ("of", "&") and 0 < i < len(doc) - 1 and _is_cap(doc[i - 1]) \
        and _is_cap(doc[i + 1])


def _in_proposal(proposing: dict, fld: str, tok_i: int) -> bool:
    return any(s <= tok_i < e for s, e in proposing.get(fld, ()))


def _in_compound(tok) -> bool:
    """Is ``tok`` glued to a hyphen on either side ("top" in "top-k")?"""
    doc = tok.doc
    return (tok.i + 1 < len(doc) and doc[tok.i + 1].text == "-" and _glued(tok, doc[tok.i + 1])) or \
        (tok.i > 0 and doc[tok.i - 1].text == "-" and _glued(doc[tok.i - 1], tok))


def _compound_end(doc: Doc, k: int, e: int) -> int:
    """End of the glued hyphen compound starting at token ``k`` ("f - distill" → after "distill")."""
    m = k + 1
    while m + 1 < e and doc[m].text == "-" and _glued(doc[m - 1], doc[m]) and _glued(doc[m], doc[m + 1]) \
            and _is_word(doc[m + 1]):
        m += 2
    return m


def _quoted(doc: Doc, k: int, e: int) -> tuple[int, int] | None:
    """A name written in quotes right at token ``k`` (``dubbed “Name with lower-case words”``): the
    whole quoted phrase, up to eight tokens, when it starts with a capital."""
    if k == 0 or doc[k - 1].text not in _OPEN_QUOTES or not _is_cap(doc[k]):
        return None
    close = next((x for x in range(k + 1, min(len(doc), k + 9)) if doc[x].text in _CLOSE_QUOTES), None)
    if close is None or close - k < 2 or any(c in doc[k:close].text for c in _LATEX_CHARS + ",."):
        return None
    return k, close


def _used_lowercase(doc: Doc, word: str) -> bool:
    """Does ``word`` also occur in lower case in the doc (so its capitalised use is no proper name)?"""
    low = word.lower()
    text = _doc_text(doc)
    return low != word and next(_word_hits(text, (low,)), None) is not None


def _word_hits(text: str, words):
    """``(word, start, end)`` for each whole-word occurrence of one of ``words`` (plural "s" allowed)
    in ``text``; plain ``str.find``, no per-paper regex to compile."""
    for w in words:
        pos = text.find(w)
        while pos >= 0:
            end = pos + len(w)
            if end < len(text) and text[end] == "s":
                end += 1
            before = text[pos - 1] if pos else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before == "-") and not (after.isalnum() or after == "-"):
                yield w, pos, end
            pos = text.find(w, pos + 1)


def _sentence_is_ours(doc: Doc, i: int, also: frozenset = frozenset()) -> bool:
    """Is the sentence of token ``i`` the authors' ("we", "our"; plus the words in ``also``)?"""
    a, b = _sent_bounds(doc, i)
    idx, _ = _arrays(doc)
    text = _doc_text(doc)
    sentence = text[idx[a] : idx[b] if b < len(doc) else len(text)].lower()
    return not _OURS_WORDS.union(also).isdisjoint(_OURS.findall(sentence))


def _doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per doc (:func:`kg.extract.docext.doc_text`)."""
    return doc_text(doc)


def _of_known(rules: MethodRules, span: Span) -> bool:
    """Is ``span`` "<X> of <known method>" ("Sample Complexity of GAN"): a property of a known
    method, not a method?"""
    ofs = [t.i for t in span if t.text.lower() == "of"]
    return bool(ofs) and rules.lookup(span.doc[ofs[-1] + 1 : span.end].text) is not None


def _refines_known(rules: MethodRules, doc: Doc, s: int, e: int) -> bool:
    """Does ``doc[s:e]`` end in a known method with distinguishing words in front ("Distributed Stochastic
    Gradient Descent", "Sparse Gaussian Process Regression"): a new variant of it?"""
    for x in range(s + 1, e):
        if doc[x - 1].text == "-" or doc[x].text == "-":
            continue  # inside a hyphen compound ("self-attention"): no split
        if rules.lookup(doc[x:e].text):
            return any(_is_word(t) and t.norm_ not in rules.generic and not t.is_stop for t in doc[s:x])
    return False
