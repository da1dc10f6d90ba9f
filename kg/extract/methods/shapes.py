"""Shape rules of extraction round 5 (issue 12, methods recall on unseen text): names no vocabulary
holds, found by the words around them rather than by a list.

* ``method.coined`` — coined names (CamelCase, capitals, digits: "BM3D-AMP", "eNAC", "BEGAN") right
  before a method noun, alone or coordinated: "the DCGAN and BEGAN approaches", "the NACLSTD and eNAC
  algorithms", "the NIL algorithm".
* ``method.compared`` — coined names the paper compares with: "compared with NLR-CS", "outperforms
  Auto-DeepLab and DetNAS", "7.4x less than DetNAS".
* ``method.compound`` — a known acronym inside a hyphen compound with a coined part names a variant:
  "CHOCO-SGD", "D-SGD", "proximal-GDA" (never "KD-Trees": a plain word after the acronym is a head).
* ``method.head:network`` — "<distinguishing modifier> neural network(s)" ("Bayesian neural
  networks", "slimmable neural networks") and "<hyphen compound> networks" ("permutation-invariant
  networks"); size, shape and role words ("deep", "two-layer", "fully-connected", "teacher") never
  distinguish one (``data/vocab/method_network_nonmods.txt``).

Guards shared by the coined rules: generic acronyms of fields, hardware, metrics and venues ("NLP",
"GPU", "BLEU", "ICML"; ``data/vocab/method_nonacronyms.txt``) are no methods; an acronym the paper
defines as a task or a quantity ("natural language processing (NLP)") is none either; a coined name
with a model number whose base is known ("ResNet-50") is left to the vocabulary and size rules.
Speed: the methods phrase matcher's one ``NORM`` pass already finds the trigger words of these rules
(method nouns, comparison words, verbs, "network"; ``kg.extract.methods.vocab``); the rules only look at
the text around them, with anchored regex matches. None scans the text or loops over tokens.
"""

from __future__ import annotations

import functools
import re

from spacy.tokens import Doc

from kg.config import default_data_dir
from kg.extract.methods.tokens import _arrays, _token_at, _words
from kg.extract.methods.vocab import MethodRules, _Cand, _norm, _read_lines, fold
from kg.models import TextField

#: a coined word: letters and digits, hyphen- or dot-joined parts ("BM3D-AMP", "Auto-DeepLab", "DR.QA")
_WORD = r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
_SEP_END = re.compile(r"(?:,\s*(?:and|or)\s+|,\s*|\s+and\s+|\s+or\s+)$")
_FOLLOW = re.compile(r"\s*(\S+?)(?=[\s,.;:)\]]|$)|\s*([,.;:()\[\]])")
_ROMAN = re.compile(r"[IVX]+")
#: "compared with", "outperforms", "less than": what follows is a method the paper compares with (matched at
#: a compare trigger word, never searched for)
_COMPARE_RE = re.compile(
    r"(?:compared? (?:with|to|against)|comparisons? (?:with|to|against)|outperform(?:s|ed|ing)?|than|versus|vs\.?"
    r"|surpass(?:es|ed|ing)?)\s+(?:(?:the|both|existing|previous|prior|strong|popular|recent|competing|original|"
    r"standard|state-of-the-art)\s+)*(?=[A-Za-z])", re.IGNORECASE)
_ITEM_RE = re.compile(_WORD)
#: a coined name right after a singular method noun, closed by punctuation or a clause word
_AFTER_HEAD = re.compile(r" (" + _WORD + r")(?=[,.;:]|\s(?:which|that|is|was|to|for|and|with|by|in)\b)")
_SUBJECT_ADVERBS = frozenset("also consistently significantly further still then thus".split())
#: a list of coined names in brackets after a plural method noun: "robustified methods (PGD, TRADES, and FSGM)"
_PAREN_LIST = re.compile(r"\s*\(\s*((?:" + _WORD + r")(?:\s*(?:,\s*and|,\s*or|,|and|or|/)\s*" + _WORD + r")+)\s*\)")
_SEP_RE = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s*|\s+and\s+|\s+or\s+|/)")
#: what may follow a compared name: the end of the list, a clause, a citation, a figure
_AFTER_COMPARED = frozenset(", . ; : ( [ ) ] and or in on by with at for when while which that across given under "
                            "without using as even both only since because if".split())
_SUFFIX_NUMBER = re.compile(r"[-_ ]?v?\d+(?:\.\d+)?[A-Za-z]?$")
_NET = re.compile(r"\bnet(s?)$")


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[frozenset[str], frozenset[str]]:
    """The non-method acronyms and the words that never distinguish a network (``data/vocab``)."""
    folder = default_data_dir() / "vocab"
    nonacronyms = frozenset(_read_lines(folder / "method_nonacronyms.txt"))
    nonmods = frozenset(_norm(w) for w in _read_lines(folder / "method_network_nonmods.txt"))
    return nonacronyms, nonmods


def _coined(word: str) -> bool:
    """A made-up name: two capitals ("DCGAN", "eNAC", "DetNAS"), or a capital and a digit ("BM3D")."""
    if len(word) < 2 or word.islower() or not word[0].isalpha():
        return False  # (most words: a cheap test first)
    upper = sum(map(str.isupper, word))
    return upper >= 2 or (upper == 1 and any(map(str.isdigit, word)))


def _word_before(text: str, end: int) -> tuple[int, str]:
    """The word (letters, digits, inner hyphens and dots) ending at ``end`` and where it starts."""
    lo = max(0, end - 48)
    k = text.rfind(" ", lo, end) + 1 or lo
    while k < end and not text[k].isalnum():
        k += 1  # an opening bracket or quote
    return k, text[k:end]


def _coined_item(rules: MethodRules, word: str, acronyms: dict[str, str]) -> bool:
    """Is ``word`` a coined name that may be a method (not a field, device, metric or venue acronym, not
    an acronym the paper defines as a task or quantity, not a known model with a number)?"""
    if not _coined(word) or not _ITEM_RE.fullmatch(word):
        return False
    nonacronyms, _ = _tables()
    base = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
    if word.split("-")[-1].islower():
        return False  # "ReLU-activated", "KG-augmented": a modifier, not a name
    if not _coined(word) or base in nonacronyms or word in nonacronyms or _ROMAN.fullmatch(base):
        return False
    long = acronyms.get(base)
    if long is not None:
        last = long.split()[-1] if long.split() else ""
        if _norm(last) in rules.nonheads or fold(long) in rules.vague:
            return False
    stem = _SUFFIX_NUMBER.sub("", word)
    return not (stem != word and (rules.lookup(stem) or rules.cased.get(stem)))


def _cand(rules: MethodRules, fld: TextField, doc: Doc, text: str, start: int, end: int, rule: str,
          acronyms: dict[str, str]) -> _Cand | None:
    """The candidate for the coined name ``text[start:end]``: a known method when the vocabulary or the
    paper's own definition of the acronym names one ("the FW method" after "Frank-Wolfe (FW)")."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return None
    word = text[start:end]
    long = acronyms.get(word) or acronyms.get(word[:-1] if word.endswith("s") else word)
    ent_id = rules.cased.get(word) or rules.lookup(word) or (rules.lookup(long) if long else None)
    name = rules.entities[ent_id].name if ent_id else word
    return _Cand(fld, span.start, span.end, start, end, ent_id, name, rule)


def _is_a_name(text: str, head_start: int) -> tuple[int, int] | None:
    """The name of "NAME is a/an <up to four lower-case words> HEAD" ending at ``head_start``: what the
    sentence defines as a method."""
    lo = max(0, head_start - 80)
    k = max(text.rfind(" is a", lo, head_start), text.rfind(" was a", lo, head_start))
    if k < 0:
        return None
    rest = k + (3 if text.startswith(" is", k) else 4)
    if text.startswith(" an ", rest) or text.startswith(" a ", rest):
        rest = text.index(" ", rest + 1)
    else:
        return None  # "is another", "is applied"
    between = text[rest:head_start].split()
    if len(between) > 4 or not all(w.islower() and w.replace("-", "").isalpha() for w in between):
        return None
    a, word = _word_before(text, k)
    return (a, k) if word else None


def _coined_head_cands(rules: MethodRules, fld: TextField, doc: Doc, text: str, acronyms: dict[str, str],
                       heads: list[int]) -> list[_Cand]:
    """Coined names before a method noun, and the coined names coordinated with them (rule
    ``method.coined``): "the DCGAN and BEGAN approaches", "the NIL algorithm"; a coined name right after
    a singular one ("the active learning algorithm IWAL, ..."). ``heads``: the method nouns' token indices."""
    out: list[_Cand] = []
    if not heads:
        return out
    idx, _ = _arrays(doc)
    words = _words(doc)
    copulas = " is a" in text or " was a" in text
    for i in heads:
        start = int(idx[i])
        head_end = start + len(words[i])
        if start < 2 or text[start - 1] != " " or not text[start - 2].isalnum() or not words[i].islower():
            continue
        items: list[tuple[int, int]] = []
        end = start - 1
        plain = words[i - 1].islower() and (i < 2 or words[i - 2] != "-")  # (most heads: no name before)
        while not plain:
            a, word = _word_before(text, end)
            b = end
            if not word or text[a - 1:a] in ("-", "/") or not _coined_item(rules, word, acronyms):
                break
            if any(p.islower() for p in word.split("-")) and not items:
                b = head_end  # "Once-for-All networks": a coined phrase keeps its noun
            items.append((a, b))
            sep = _SEP_END.search(text, max(0, a - 8), a)
            if sep is None:
                break
            end = a - len(sep.group(0))
        copula = _is_a_name(text, start) if copulas else None
        if copula is not None and _coined_item(rules, text[copula[0]:copula[1]], acronyms):
            items.append(copula)  # "OSCAR is a competitive sparse modeling approach"
        nxt = words[i + 1] if i + 1 < len(words) else ""
        after = _AFTER_HEAD.match(text, head_end) if nxt[:1].isalpha() and not nxt.islower() else None
        if after is not None and not words[i].endswith("s") and _coined_item(rules, after.group(1), acronyms):
            items.append(after.span(1))  # "the active learning algorithm IWAL, which ...": the name follows
        paren = _PAREN_LIST.match(text, head_end) if nxt == "(" and words[i].endswith("s") else None
        if paren is not None:  # "robustified methods (PGD, TRADES, and FSGM)"
            found = [w for w in _ITEM_RE.finditer(paren.group(1)) if w.group(0).lower() not in ("and", "or")]
            if all(_coined_item(rules, w.group(0), acronyms) or rules.lookup(w.group(0)) for w in found):
                items += [(paren.start(1) + w.start(), paren.start(1) + w.end()) for w in found]
        for a, b in items:
            c = _cand(rules, fld, doc, text, a, b, "method.coined", acronyms)
            if c is not None:
                out.append(c)
    return out


def _compared_cands(rules: MethodRules, fld: TextField, doc: Doc, text: str, acronyms: dict[str, str],
                    cues: list[int], verbs: list[int]) -> list[_Cand]:
    """Coined names right after a comparison ("compared with X", "outperforms X and Y", "than X"), and a
    coined name as the subject of what a method does ("SSCN outperforms ..."): methods the paper compares
    with or builds (rule ``method.compared``). ``cues`` / ``verbs``: the trigger words' token indices."""
    out: list[_Cand] = []
    if fld != "abstract" or not (cues or verbs):
        return out
    idx, _ = _arrays(doc)
    words = _words(doc)
    for i in cues:
        m = _COMPARE_RE.match(text, int(idx[i]))
        if m is None:
            continue
        pos = m.end()
        found: list[tuple[int, int]] = []
        while True:
            w = _ITEM_RE.match(text, pos)
            if w is None or not _coined_item(rules, w.group(0), acronyms):
                break
            nxt = _FOLLOW.match(text, w.end())
            follow = (nxt.group(1) or nxt.group(2) or "") if nxt else "."
            if follow.lower().strip() not in _AFTER_COMPARED and follow[:1] not in ",.;:()[]":
                break  # a modifier of a following noun ("than GPU implementations"): not this shape
            found.append((w.start(), w.end()))
            sep = _SEP_RE.match(text, w.end())
            if sep is None or not sep.group(0).strip():
                break
            pos = sep.end()
        for a, b in found:
            c = _cand(rules, fld, doc, text, a, b, "method.compared", acronyms)
            if c is not None:
                out.append(c)
    for i in verbs:
        start = int(idx[i])
        if start < 3 or text[start - 1] != " " or not words[i].islower():
            continue
        a, word = _word_before(text, start - 1)
        if word.lower() in _SUBJECT_ADVERBS and a > 1:
            a, word = _word_before(text, a - 1)
        if word and _coined_item(rules, word, acronyms) and text[a - 1:a] not in ("(", "[", "-"):
            c = _cand(rules, fld, doc, text, a, a + len(word), "method.compared", acronyms)
            if c is not None:
                out.append(c)
    return out


def _compound_cands(rules: MethodRules, fld: TextField, doc: Doc,
                    matches: list[tuple[str, int, int, bool]]) -> list[_Cand]:
    """A known acronym glued by hyphens to a coined part names a variant of it: "CHOCO-SGD", "D-SGD",
    "proximal-GDA" (rule ``method.compound``). A plain word after the acronym ("KD-Trees",
    "PC-algorithm") is a head noun of something else, and a family word ("GAN-based") no new name."""
    out: list[_Cand] = []
    if not any(m[3] for m in matches):
        return out
    idx, _ = _arrays(doc)
    words = _words(doc)

    def glued(a: int) -> bool:  # tokens a and a + 1 are written without a space between them
        return int(idx[a]) + len(words[a]) == int(idx[a + 1])

    for _ent, s, e, cased in matches:
        if not cased or e - s != 1:
            continue
        lo, hi = s, e
        while lo >= 2 and words[lo - 1] == "-" and glued(lo - 2) and glued(lo - 1):
            lo -= 2
        while hi + 1 < len(words) and words[hi] == "-" and glued(hi - 1) and glued(hi):
            hi += 2
        if (lo, hi) == (s, e) or hi - lo > 5:
            continue
        others = [words[i] for i in range(lo, hi, 2) if i != s]
        after = [words[i] for i in range(e + 1, hi, 2)]
        if not all(o.isalnum() for o in others) or any(not _coined(o) and not (len(o) == 1 and o.isupper())
                                                        for o in after):
            continue  # "KD-Trees", "GAN-based": a plain word after the acronym
        if any(not (_coined(o) or (len(o) == 1 and o.isupper()) or (o.islower() and len(o) >= 3)) for o in others):
            continue  # ("c-OT map": a one-letter symbol, not a name)
        span = doc[lo:hi]
        if rules.lookup(span.text) or any(_norm(o) in rules.generic for o in others):
            continue
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, None, span.text,
                         "method.compound"))
    return out


#: endings of a one-word modifier that names a kind of network ("Bayesian", "equivariant", "slimmable",
#: "recursive", "binary"); a verb or a plain noun before "neural networks" ("to harden", "the way") names
#: none, nor do most "-ous", "-ic", "-ar" words, which say what a network is like ("rigorous", "linear")
_ADJ_ENDINGS = ("al", "ian", "ive", "ary", "ant", "ent", "able", "ible")


def _plural_noun(tok) -> bool:
    """A lower-case plural noun ("generators", "models"): not a verb, which after a plural subject has no "-s"."""
    t = tok.text
    return t.isalpha() and t.islower() and len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")) \
        and not tok.is_stop


def _network_cands(rules: MethodRules, fld: TextField, doc: Doc, text: str, nets: list[int]) -> list[_Cand]:
    """"<modifier> neural network(s)" and "<hyphen compound> networks": an architecture family
    ("Bayesian neural networks", "permutation-invariant networks"; rule ``method.head:network``).
    ``nets``: the token indices of "network(s)"/"net(s)"."""
    out: list[_Cand] = []
    if not nets:
        return out
    _, nonmods = _tables()
    idx, _ = _arrays(doc)
    words = _words(doc)
    for i in nets:
        n_start = int(idx[i])
        if n_start < 3 or text[n_start - 1] != " " or not words[i].islower():
            continue
        start, mod = _word_before(text, n_start - 1)
        neural = mod == "neural"
        if neural and start > 1 and text[start - 1] == " ":
            start, mod = _word_before(text, start - 1)
        if not mod or neural and mod == "neural" or text[start - 1:start] in ("-", "."):
            continue
        end = n_start + len(words[i])
        if i + 1 < len(doc) and _plural_noun(doc[i + 1]):
            continue  # "injective neural networks generators": the phrase modifies a noun
        phrase = text[start:end]
        parts = mod.split("-")
        if not neural and (len(parts) < 2 or not phrase.endswith("s")):
            continue  # "social networks", "a two-stream network": no family name
        low = mod.lower()
        if _norm(low) in nonmods or _norm(low) in rules.generic or any(_norm(p) in nonmods for p in parts) \
                or fold(low) in rules.vague or rules.lookup(mod) or parts[0].lower().endswith("ly") \
                or not all(p.isalpha() for p in parts):
            continue  # size, shape and role words; a known method before it ("reinforcement-learning") is tagged itself
        if len(parts) == 1 and not (low.endswith(_ADJ_ENDINGS) or (mod[:1].isupper() and start > 2
                                                                   and text[start - 2] not in ".:")):
            continue
        if text[max(0, start - 3):start] == "to ":
            continue  # "to harden neural networks": a verb
        first = _token_at(doc, start)
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or first is None or (first > 0 and doc[first - 1].text == "-") or span[0].is_stop:
            continue
        ent_id = rules.lookup(phrase) or rules.lookup(_NET.sub(r"network\1", phrase))
        name = rules.entities[ent_id].name if ent_id else (phrase[:-1] if phrase.endswith("s") else phrase)
        out.append(_Cand(fld, span.start, span.end, start, end, ent_id, name, "method.head:network"))
    return out
