"""Open-text method rules: vocabulary hits (``method.vocab``), head nouns (``method.head:<noun>``), known
methods with distinguishing words (``method.variant``), proper-name heads, and list items (``method.list``)."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from kg.extract.context import Context
from kg.extract.methods.tokens import (
    _compound_end,
    _compound_start,
    _display,
    _glued,
    _in_compound,
    _is_cap,
    _is_namey,
    _is_word,
    _sent_bounds,
    _used_lowercase,
    _word_hits,
    _words,
)
from kg.extract.methods.vocab import (
    _ADJ_SUFFIXES,
    _ANY,
    _FAMILY_SUFFIXES,
    _FUNCTION_WORDS,
    _GENERIC_NOUNS,
    _LATEX_CHARS,
    _LIST_END,
    _LIST_NOUNS,
    _TITLE_BREAK,
    MethodRules,
    _Cand,
    fold,
)
from kg.extract.regexes import first_test
from kg.models import TextField


def _vocab_cands(rules: MethodRules, fld: TextField, doc: Doc, acronyms: dict[str, str],
                 matches: list[tuple[str, int, int, bool]], named: set[str]) -> list[_Cand]:
    """Vocabulary matches; a guarded acronym only for a method ``named`` in full in the paper."""
    out = []
    for ent_id, s, e, cased in matches:
        span = doc[s:e]
        if cased:
            short = span.text
            if short in rules.guarded and ent_id not in named:
                continue
            if _in_hyphen_compound(doc, s, e) or _cited_author(doc, s, e):
                continue  # "KD-Trees" is no knowledge distillation; "Adams (2012)" no optimizer
            defined = acronyms.get(short) or acronyms.get(short[:-1] if short.endswith("s") else short)
            if defined is not None and rules.lookup(defined) != ent_id:
                continue  # the paper defines this acronym as something else
        if e - s == 1 and e + 2 < len(doc) and doc[e].text == "-" and _glued(doc[e - 1], doc[e]) \
                and doc[e + 1].text.lower() in _FAMILY_SUFFIXES and fold(doc[e + 2].text) in _GENERIC_NOUNS:
            fam = doc[s : e + 3]  # "Adam-type algorithms", "Newton-like methods": a family of variants
            name = f"{doc[s:e].text}-{doc[e + 1].text.lower()}"
            out.append(_Cand(fld, s, e + 3, fam.start_char, fam.end_char, None, name, "method.family"))
            continue
        out.append(_Cand(fld, s, e, span.start_char, span.end_char, ent_id,
                         rules.entities[ent_id].name, f"method.vocab:{ent_id}"))
    return out


#: words a hyphen may join to an acronym without making a new name ("GAN-based", "BERT-style")
_HYPHEN_OK = frozenset("based style like type free driven inspired guided specific only level family variant "
                       "variants model models net network networks loss objective training trained "
                       "generated pretrained fine tuned tuning large base small tiny medium xl xxl".split())
_SIZES = ("XXL", "XL", "LARGE", "BASE", "SMALL", "TINY", "MEDIUM", "HUGE", "MINI", "Large", "Base", "Small",
          "Tiny", "Medium", "Huge", "Mini", "large", "base", "small", "tiny", "medium", "xl", "xxl")
_SIZED = first_test(re.compile(
    r"\b(?P<base>[A-Z][A-Za-z0-9.]*?[A-Za-z0-9])(?:[-_ ]?)(?P<size>" + "|".join(_SIZES) + r")\b"))


#: heads whose adjective + head is itself a technique's name ("defensive distillation", "spectral
#: normalization", "temporal pooling"), unlike "expected loss" or "unbiased estimator"
_ADJ_NAMED_HEADS = frozenset("distillation normalization pooling guidance trick".split())


#: a citation right after a name: "(Peters et al., 2016)", "(Kingma & Ba, 2014)", "[Mnih et al. (2016)]"
_CITATION = re.compile(r"\s*(?:\([A-Z][A-Za-z]{1,12}\)\s*)?[(\[](?:see |e\.g\., )?[A-Z][A-Za-z\-']+"
                       r"(?: et al\.?| and [A-Z][A-Za-z\-']+| & [A-Z][A-Za-z\-']+)?,? \(?(?:19|20)\d\d[a-z]?\)?[;,)\]]")
#: words before a cited name that make it a place to run things, not a method ("tasks in VizDoom (...)")
_CITED_PLACE = frozenset("in on from at".split())
_LIST_GLUE = frozenset(", ( ) [ ] & ; . and or et al al.".split())


def _cited_cands(rules: MethodRules, fld: TextField, doc: Doc, text: str) -> list[_Cand]:
    """A capitalised name cited right away is a published technique the paper uses: "Invariant Causal
    Prediction (Peters et al., 2016)", "SNIP (Lee et al., 2019)" (rule ``method.cited``). One word must
    be a made-up name ("SynFlow", not "Smith"); a name (or a list of cited names) after "in/on/from" is
    a place (an environment, a benchmark) and a name ending in a non-method word no method."""
    out: list[_Cand] = []
    if fld != "abstract" or "(" not in text and "[" not in text:
        return out
    for m in re.finditer(r"[(\[]", text):
        if not _CITATION.match(text, m.start()):
            continue
        end = _token_at_char(doc, m.start())
        if end is None or end == 0:
            continue
        if doc[end - 1].text == ")" and end >= 3 and doc[end - 3].text == "(":
            continue  # the citation follows an acronym: the definition rule names the method
        lo, _ = _sent_bounds(doc, end - 1)
        k = end
        while k - 1 >= lo and end - k < 5 and (_is_cap(doc[k - 1]) or (
                doc[k - 1].text == "-" and k - 2 >= lo and _glued(doc[k - 2], doc[k - 1]))):
            k -= 1
        if k == end or doc[k].text == "-":
            continue
        span = doc[k:end]
        n = sum(1 for t in span if _is_word(t))
        at_start = k == lo
        j = k - 1  # the word before the name, or before the list of cited names it closes
        while j > lo and (doc[j].text in _LIST_GLUE or _is_cap(doc[j]) or doc[j].like_num):
            j -= 1
        if (n == 1 and not _is_namey(span[0])) or (at_start and n < 2) \
                or (j >= lo and doc[j].text.lower() in _CITED_PLACE) \
                or span[-1].norm_ in rules.nonheads or fold(span.text) in rules.vague \
                or any(c in span.text for c in _LATEX_CHARS) or span[0].is_stop:
            continue
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, rules.lookup(span.text),
                         _display(span), "method.cited"))
    return out


def _token_at_char(doc: Doc, char: int) -> int | None:
    """The index of the token starting at ``char`` (None inside a token)."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return span.start if span is not None and span[0].idx == char else None


def _in_hyphen_compound(doc: Doc, s: int, e: int) -> bool:
    """A cased acronym glued by a hyphen to a word that is not a size, number or family suffix:
    "KD-Trees", "PC-algorithm" name other things than "KD" and "PC"."""
    if e - s != 1:
        return False
    before = s >= 2 and doc[s - 1].text == "-" and _glued(doc[s - 2], doc[s - 1]) and _glued(doc[s - 1], doc[s]) \
        and doc[s - 2].text.isalpha() and doc[s - 2].text.lower() not in _HYPHEN_OK
    after = e + 1 < len(doc) and doc[e].text == "-" and _glued(doc[e - 1], doc[e]) and _glued(doc[e], doc[e + 1]) \
        and doc[e + 1].text.isalpha() and doc[e + 1].text.lower() not in _HYPHEN_OK and len(doc[e + 1].text) > 1
    return before or after


def _cited_author(doc: Doc, s: int, e: int) -> bool:
    """A capitalised word cited as an author: "Adams (2012)", "Adams et al.", "Adam and Smith (2019)"."""
    if e - s != 1 or not doc[s].text[:1].isupper() or doc[s].text.isupper():
        return False
    nxt = [t.text for t in doc[e:e + 4]]
    if nxt[:2] == ["et", "al"] or nxt[:2] == ["et", "al."]:
        return True
    if nxt[:1] == ["("] and len(nxt) > 1 and nxt[1][:4].isdigit() and len(nxt[1]) >= 4:
        return True
    return len(nxt) > 1 and nxt[0] == "," and nxt[1][:4].isdigit() and len(nxt[1]) == 4


def _sized_cands(rules: MethodRules, fld: TextField, doc: Doc, text: str) -> list[_Cand]:
    """A known model name with a size suffix is that model: "BERTLARGE", "BERT-Large", "T5-XXL"
    (rule ``method.size``)."""
    out = []
    for m in _SIZED.finditer(text):
        ent_id = rules.cased.get(m.group("base")) or rules.lookup(m.group("base"))
        if ent_id is None:
            continue
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None:
            continue
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, ent_id,
                         rules.entities[ent_id].name, "method.size"))
    return out




def _numbered_cands(rules: MethodRules, fld: TextField, doc: Doc, text: str) -> list[_Cand]:
    """A numbered family's name with a depth or size is that member, an entity of its own under the
    family: "ResNet-50", "ResNet18", "VGG-16", "LeNet-300-100" (rule ``method.numbered``). Not one
    digit glued to the name (a footnote mark: "ResNet2"), nor a name in another case ("resnet50")."""
    out: list[_Cand] = []
    if rules.numbered_re is None:
        return out
    for m in rules.numbered_re.finditer(text):
        found = rules.numbered_variant(m.group())
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if found is None or span is None:
            continue
        name, fam = found
        known = rules.lookup(name)  # a member the vocabulary has ("VGG-16")
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, known,
                         rules.entities[known].name if known else name, "method.numbered",
                         parent=None if known else fam))
    return out


#: subjects before which a lower-case word is a verb, not a modifier ("we explore <head>", "to harden <head>")
_SUBJECTS = frozenset("we they i to".split())


def _head_cands(rules: MethodRules, fld: TextField, doc: Doc, heads: list[int]) -> list[_Cand]:
    """"<modifiers> HEAD" for the heads allowed anywhere: up to three modifiers (a hyphen compound is
    one), none generic, no verb forms, and the word next to the head not an adjective."""
    out = []
    for i in heads:
        tok = doc[i]
        if rules.head_tier(tok) != _ANY:
            continue
        lo, _ = _sent_bounds(doc, i)
        j = i
        words = 0
        while j > lo and (words < 3 or (words < 5 and fld == "abstract" and doc[j].text[:1].isupper()
                                        and doc[j - 1].text[:1].isupper())):
            # (a capitalised name may be longer: "Accelerated Proximal Block Coordinate Descent")
            k = j - 1
            if not _is_word(doc[k]):
                break
            k = _compound_start(doc, k, lo)
            first = doc[k]
            parts = [doc[x] for x in range(k, j) if _is_word(doc[x])]
            if k < j - 1 and (parts[-1].norm_ in rules.generic or parts[-1].text.endswith("ed")
                              or any(p.text.lower() in _FUNCTION_WORDS for p in parts)):
                break  # "model-based", "bell-shaped", "real-world", "state-of-the-art"
            if k > lo and k == j - 1 and doc[k - 1].text.lower() in _SUBJECTS and first.text.islower():
                break  # a verb after its subject: "we explore knowledge distillation"
            if not _is_namey(first):
                if (k == j - 1 and (first.is_stop or first.like_num)) or \
                        all(p.norm_ in rules.generic or p.is_stop or p.like_num for p in parts):
                    break
                low = doc[j - 1].text.lower()
                if k == j - 1 and (low.endswith(("ing", "ly")) or (low != doc[j - 1].norm_ and low.endswith("s"))):
                    break  # a verb form, an adverb or a plural noun: not a modifier
                if words == 0 and k == j - 1 and low.endswith(_ADJ_SUFFIXES) \
                        and not (tok.norm_ in _ADJ_NAMED_HEADS and not low.endswith(("ed", "able", "ible"))):
                    break  # "expected loss", "unbounded losses"
            j = k
            words += 1
        if words == 0:
            continue
        span = doc[j : i + 1]
        if fold(span.text) in rules.vague or (words > 1 and span.text.isupper()):
            continue
        if tok.norm_ in rules.strict and not _specific_modifiers(doc, j, i, words):
            continue
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, None,
                         _display(span), f"method.head:{tok.norm_}"))
    return out


def _specific_modifiers(doc: Doc, j: int, i: int, groups: int) -> bool:
    """Do the modifiers ``doc[j:i]`` of a strict head name something: two or more of them
    ("smoothed hinge ranking loss"), or one coined lower-case hyphen compound ("cross-entropy loss"), but
    not one plain word ("proper loss", "ranking loss") nor an acronym ("VAE loss")?"""
    if groups >= 2:
        return True
    parts = [t.text for t in doc[j:i] if _is_word(t)]
    return len(parts) > 1 and all(p.isalpha() and p.islower() and len(p) > 1 for p in parts)


def _variant_cands(rules: MethodRules, ctx: Context, known: list[_Cand]) -> list[_Cand]:
    """A known method with one or two distinguishing words in front in the title, that the abstract
    repeats ("Optimistic policy iteration" ... "optimistic policy iteration"; the longest such): the
    paper's subject is that variant, so the longer name wins (rule ``method.variant``)."""
    out: list[_Cand] = []
    if not known:
        return out
    doc = ctx.docs["title"]
    abstract = ctx.normalized["abstract"].text
    low = abstract.lower()
    if len(low) != len(abstract):
        return out
    adoc = ctx.docs["abstract"]
    for c in known:
        k = c.start
        starts: list[int] = []
        for _ in range(2):
            j = _compound_start(doc, k - 1, 0) if k > 0 else k
            if j >= k or not all(_is_word(t) or t.text == "-" for t in doc[j:k]):
                break
            words = [t for t in doc[j:k] if _is_word(t)]
            if any((t.is_stop and not _in_compound(t)) or t.norm_ in rules.generic or t.text.lower() in _TITLE_BREAK
                   or t.like_num
                   or (t.text.endswith("ing") and not t.text.islower()) or (_is_namey(t) and t.text.isupper())
                   for t in words):
                break
            k = j
            starts.append(k)
        # the longest variant the abstract repeats
        span, hits = doc[c.start : c.end], []
        for k in reversed(starts):
            span = doc[k : c.end]
            hits = [(a, b) for _, a, b in _word_hits(low, _spellings(span.text.lower()))]
            if hits:
                break
        if not hits:
            continue
        spans = [x for x in (adoc.char_span(a, b, alignment_mode="expand") for a, b in hits) if x is not None]
        # the name as written mid-sentence (a sentence start capitalises it)
        inner = [x for x in spans if _sent_bounds(adoc, x.start)[0] != x.start]
        name = _display((inner or spans or [span])[0])
        out.append(_Cand("title", span.start, span.end, span.start_char, span.end_char, None, name,
                         "method.variant"))
        for a, b in hits:
            hit = adoc.char_span(a, b, alignment_mode="expand")
            if hit is not None:
                out.append(_Cand("abstract", hit.start, hit.end, hit.start_char, hit.end_char, None, name,
                                 "method.variant"))
    return out


def _spellings(name: str) -> tuple[str, ...]:
    """A title name as the abstract may write it: with or without its hyphens, singular or plural
    ("doubly-recurrent neural networks" ... "a doubly recurrent neural network model")."""
    forms = dict.fromkeys((name, name.replace("-", " ")))
    for f in list(forms):
        if f.endswith("s") and not f.endswith("ss"):
            forms[f[:-1]] = None
    return tuple(forms)


def _proper_cands(rules: MethodRules, fld: TextField, doc: Doc, heads: list[int]) -> list[_Cand]:
    """"<Proper name> [modifier] HEAD" for the heads that need a name in front ("Gibbs algorithm",
    "Cholesky decomposition", "Bregman projection operators"): the capitalised word must not start
    the sentence (nor be in a title, where every word is capitalised)."""
    out: list[_Cand] = []
    if fld == "title":
        return out
    words = _words(doc)
    for i in heads:
        lo, _ = _sent_bounds(doc, i)
        j = i - 1
        lower = 0
        while j > lo and lower < 2 and words[j].islower() and words[j].isalpha() \
                and doc[j].norm_ not in rules.generic and not doc[j].is_stop:
            j -= 1
            lower += 1
        if j <= lo or not words[j][:1].isupper():
            continue
        k = _compound_start(doc, j, lo + 1)
        while k - 1 > lo and words[k - 1][:1].isupper() and words[k - 1].isalpha() and j - k < 3:
            k -= 1  # "Gauss Newton optimization": the whole capitalised name
        name = doc[k]
        if not all(t.text[:1].isupper() and t.text.isalpha() and not _is_namey(t) for t in doc[k : j + 1]
                   if t.text != "-") or len(name.text) < 3 or name.is_stop or name.norm_ in rules.generic \
                or k <= lo or doc[k - 1].text in (".", ":") or _used_lowercase(doc, name.text):
            continue  # a capitalised name (not an acronym, whose "X algorithm" is X itself, nor "Gradient")
        span = doc[k : i + 1]
        if span[-1].norm_ in rules.nonheads or fold(span.text) in rules.vague:
            continue
        if i + 2 < len(doc) and doc[i + 1].text == "of" and _is_cap(doc[i + 2]):
            continue  # the start of a longer capitalised title ("Commutative Scaling of Width and Depth")
        if i == k + 1 and name.text.endswith(("ian", "ean")) and doc[i].norm_ in _GENERIC_NOUNS:
            continue  # an adjective from a name ("Bayesian methods", "Euclidean algorithm" is vocabulary)
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, None,
                         _display(span), f"method.head:{doc[i].norm_}"))
    return out


def _list_cands(rules: MethodRules, fld: TextField, doc: Doc, lists: list[int]) -> list[_Cand]:
    """Named items of "<methods>, such as A, B and C" / "including" / "e.g.": made-up names
    ("Co-Teaching", "DQN", "t-SNE") and capitalised ones ("Stable Diffusion"); "A/B" is two items."""
    out = []
    for i in lists:
        j = i - 1
        while j >= 0 and doc[j].text in (",", "("):
            j -= 1
        low = doc[j].text.lower() if j >= 0 else ""
        # after a plural method noun ("approaches, such as"); else only a list naming a known method
        after_noun = low.endswith("s") and bool({low[:-1], low[:-2], low[:-3] + "y"} & _LIST_NOUNS)
        found: list[_Cand] = []
        k = i + (2 if doc[i].text.lower() == "such" else 1)
        _, sent_end = _sent_bounds(doc, i)
        while k < sent_end:
            while k < sent_end and doc[k].text.lower() in (",", "/", "and", "or", "etc", "etc."):
                k += 1
            if k >= sent_end or doc[k].text.lower() in _LIST_END:
                break
            m = k
            # (a slash separates alternatives: "BiGAN/ALI" names two models)
            while m < sent_end and doc[m].text not in (",", "/") and doc[m].text.lower() not in ("and", "or") \
                    and doc[m].text.lower() not in _LIST_END and m - k < 6:
                m += 1
            end = next((x for x in range(m, k, -1) if _list_item(doc, k, x)), None)
            if end is not None and end - k <= 4:
                item = doc[k:end]
                found.append(_Cand(fld, k, end, item.start_char, item.end_char, rules.lookup(item.text),
                                   _display(item), "method.list"))
            if end != m:
                break  # a clause follows ("..., C are based on ..."): the list is over
            k = m
        if after_noun:
            out += found
        elif len(found) >= 2 and any(c.entity for c in found):  # (and then only names, no lower-case words)
            out += [c for c in found if not doc[c.start:c.end].text.islower()]
    return out


def _list_item(doc: Doc, k: int, m: int) -> bool:
    """Is ``doc[k:m]`` a name in a list: capitalised or made-up words ("Stable Diffusion", "DQN",
    "Pix2Pix"), or one coined lower-case compound ("t-sne", "single-linkage")?"""
    item = doc[k:m]
    if not any(_is_word(t) for t in item) or any(c in item.text for c in _LATEX_CHARS):
        return False
    if all(c[:1].isupper() or any(x.isupper() or x.isdigit() for x in c) for c in item.text.split()):
        return True
    return _compound_end(doc, k, m) == m and m - k >= 3 and item.text.islower() and not item.text.endswith("ed")
