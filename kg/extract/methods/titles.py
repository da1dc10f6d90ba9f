"""Title rules (``method.title``) and which candidates the paper proposes (the ``proposed`` role)."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from kg.extract.context import Context
from kg.extract.methods.tokens import (
    _clean,
    _display,
    _glued,
    _is_cap,
    _is_methodish,
    _is_namey,
    _is_word,
    _of_known,
    _refines_known,
    _sent_bounds,
    _sentence_is_ours,
    _token_at,
    _used_lowercase,
    _word_hits,
    _words,
)
from kg.extract.methods.vocab import (
    _ACRONYM,
    _ACRONYM_NOUNS,
    _APPOSITION_CUES,
    _COPULA_NEW,
    _LATEX_GLUED,
    _LETTERS,
    _NAMED,
    _NAMING_PARTICIPLES,
    _PROPOSE_VERBS,
    _TITLE_BREAK_RE,
    _TITLE_CUT,
    _TITLE_STOP,
    _UPPER,
    _VERB_FORMS,
    MethodRules,
    _Cand,
    fold,
)
from kg.models import TextField


def _title_cands(rules: MethodRules, ctx: Context) -> list[_Cand]:
    """The title's named contribution: the part before ':' / ' -- ' when it is a short name, else the
    title's leading capitalised phrase when it names a method ("Adaptive Gradient Clipping")."""
    doc = ctx.docs["title"]
    title = ctx.normalized["title"].text
    letters = len(_LETTERS.findall(title))
    if not letters or len(_UPPER.findall(title)) > 0.6 * letters:
        return []  # empty or an all-capitals title: no casing to go by
    m = _TITLE_CUT.search(title)
    cut = _token_at(doc, m.start(1)) if m else None
    out = []
    if cut:
        s = 1 if doc[0].text.lower() == "the" else 0
        span = doc[s:cut]
        words = [t for t in span if _is_word(t)]
        # a multi-word name the abstract repeats as written is the paper's own ("Sample and Aggregate")
        repeated = len(words) > 1 and span.text in ctx.normalized["abstract"].text
        if words and len(words) <= 5 and words[0].text.lower() not in _TITLE_STOP and \
                (repeated or not (words[0].text.lower().endswith("ing") and len(words) > 1)) and \
                fold(span.text) not in rules.vague and \
                all(_is_cap(t) or t.text.lower() in ("of", "to", "and", "while", "for") or _version_no(words, t)
                    for t in words) and \
                span[-1].norm_ not in rules.nonheads and not _LATEX_GLUED.search(span.text) and \
                not _of_known(rules, span):
            hyphen = any(t.text == "-" and _glued(doc[t.i - 1], t) for t in span[1:])
            named = not any(t.text.lower() == "of" for t in span) and len(words) <= 4 and (
                any(_is_namey(t) for t in words) or hyphen or (
                    # "Tacotron 2: ...", "Deep Voice 2: ..." when the abstract names the model
                    _version_no(words, words[-1])
                    and doc[words[0].i:words[-2].i + 1].text in ctx.normalized["abstract"].text))
            abstract = ctx.docs["abstract"]
            if len(words) == 1 and words[0].text[:1].islower() and any(c.isupper() for c in words[0].text[1:]):
                named = True  # "meProp: ...", "iCaRL: ...": a capital inside a lower-case word is coined
            if len(words) == 1 and words[0].text.isalpha() and not named:
                # "Word2Vec: ...": a coined word the abstract uses, never in lower case
                named = next(_word_hits(ctx.normalized["abstract"].text, (words[0].text,)), None) is not None \
                    and not _used_lowercase(abstract, words[0].text)
            if named or repeated or _is_methodish(rules, span, _ACRONYM):
                out.append(_Cand("title", span.start, span.end, span.start_char, span.end_char,
                                 rules.lookup(span.text), _display(span), "method.title", True))
                return out
    # a title that is only a short capitalised name ("Soft Actor Critic") names the contribution,
    # known or not
    words = [t for t in doc if _is_word(t)]
    if not m and 2 <= len(words) <= 3 and all(_is_cap(t) for t in words) and "?" not in title \
            and "'" not in title and "’" not in title and words[0].text.lower() not in _TITLE_STOP \
            and not words[0].text.lower().endswith("ing") \
            and not any(t.is_stop or t.text.lower().endswith("ly") for t in words):
        end = words[-1].i + 1
        span = doc[words[0].i : end]
        if span[-1].norm_ not in rules.nonheads and fold(span.text) not in rules.vague:
            out.append(_Cand("title", span.start, span.end, span.start_char, span.end_char,
                             rules.lookup(span.text), _display(span), "method.title", True))
            return out
    # the leading noun phrase of the title, up to a preposition; else that of a subtitle introducing
    # something new ("...: A Smoothed Straight Through Estimator for ...")
    out += _leading_name(rules, doc, title, 0)
    if not out and cut and cut + 2 < len(doc) and doc[cut + 1].text.lower() in ("a", "an"):
        out += _leading_name(rules, doc, title, cut + 1)
    return out


def _version_no(words: list, tok) -> bool:
    """Is ``tok`` the version number closing a capitalised title name ("Deep Voice 2", "Tacotron 2")?"""
    return tok.i == words[-1].i and len(words) >= 2 and tok.text.isdigit() and len(tok.text) <= 2 \
        and _is_cap(words[-2])


def _leading_name(rules: MethodRules, doc: Doc, title: str, s: int) -> list[_Cand]:
    """The capitalised noun phrase starting the title at token ``s``, up to a preposition, when it
    names a method (proposed unless it is a known one)."""
    m = _TITLE_BREAK_RE.search(title, doc[s].idx)
    end = _token_at(doc, m.start()) if m else None
    end = len(doc) if end is None else end
    span = doc[s:end]
    words = [t for t in span if _is_word(t)]
    if 2 <= len(words) <= 6 and all(_is_cap(t) for t in words) and words[0].text.lower() not in _TITLE_STOP \
            and not words[0].text.lower().endswith("ing") \
            and not (words[0].is_stop and words[0].text.lower() not in ("the", "a", "an")
                     and not (len(doc) > s + 1 and doc[s + 1].text == "-" and _glued(doc[s], doc[s + 1]))):
        c = _clean(rules, doc, s, end, keep_caps=False)
        if c and _LATEX_GLUED.search(doc[c[0]:c[1]].text):
            return []
        if c and (_is_methodish(rules, doc[c[0]:c[1]], _NAMED) or _refines_known(rules, doc, *c)):
            span = doc[c[0]:c[1]]
            ent_id = rules.lookup(span.text)
            return [_Cand("title", span.start, span.end, span.start_char, span.end_char,
                          ent_id, _display(span), "method.title",
                          ent_id is None or doc[s].text.lower() in ("a", "an"))]  # "X: A Fast <known method> ..."
    return []


def _apposition(rules: MethodRules, doc: Doc, start: int) -> bool:
    """Is the name at token ``start`` in apposition to the authors' vague noun: "<our|the resulting|
    a new> <algorithm|method|...>, [the] NAME"?"""
    j = start - 1
    if j >= 0 and doc[j].text.lower() in ("the", "a", "an"):
        j -= 1
    if j < 1 or doc[j].text != "," or not (doc[j - 1].norm_ in _ACRONYM_NOUNS or fold(doc[j - 1].text) in rules.vague):
        return False
    before = [doc[x].text.lower() for x in range(max(0, j - 6), j - 1)]
    return any(w in _APPOSITION_CUES for w in before[-3:]) or any(
        _VERB_FORMS.get(w) in _PROPOSE_VERBS and w not in _NAMING_PARTICIPLES for w in before)


def _named_here(doc: Doc, start: int, verbs: list[int]) -> bool:  # verbs: the naming participles' indices
    """Is the known method at token ``start`` what the authors name their own: right after "called/named/
    termed/dubbed" (quotes or an article between) in a sentence of ours? A vocabulary drawn from papers
    holds the names papers coined; the paper that says "called X" is the one that coined X. Never after
    "so-called" (a name already in use)."""
    for x in verbs:
        if not start - 3 <= x < start:
            continue
        if any(t.text.lower() not in ("the", "a", "an", '"', "“", "``", "'") for t in doc[x + 1:start]):
            continue
        if x > 1 and doc[x - 1].text == "-" and doc[x - 2].text.lower() == "so":
            continue
        return _sentence_is_ours(doc, start, also=_COPULA_NEW)
    return False


def _proposed_marks(rules: MethodRules, ctx: Context, cands: list[_Cand], trig: dict) -> set[tuple[TextField, int]]:
    """Candidates the authors introduce: "our (proposed/new) X", "the proposed X", "X, a novel ...",
    "a novel ... X" in a sentence of ours, "our algorithm, X". Only candidates near an "our"/"novel"/
    "new"/"proposed"/"resulting" trigger are looked at."""
    marks = set()
    naming = {fld: [x for x in trig[fld]["verb"] if _words(ctx.docs[fld])[x].lower() in _NAMING_PARTICIPLES]
              for fld in trig}
    for c in cands:
        doc = ctx.docs[c.fld]
        if c.entity is not None and naming[c.fld] and _named_here(doc, c.start, naming[c.fld]):
            marks.add((c.fld, c.start))  # "our approach, called adaptive softmax, ...": the paper names it
        if any(c.start - 9 <= x < c.start for x in trig[c.fld]["verb"]) and _apposition(rules, doc, c.start):
            marks.add((c.fld, c.start))
        near = trig[c.fld]["our"] + trig[c.fld]["new"]
        if not any(c.start - 7 <= x < c.start or c.end < x <= c.end + 2 for x in near):
            continue
        if _apposition(rules, doc, c.start):
            marks.add((c.fld, c.start))
        known = (c.entity or rules.lookup(c.name) or c.parent or rules.numbered_variant(c.name)) is not None
        # "our convolutional network model", "our transformer architecture": the authors' instance of a
        # known method, not a new method
        modifier = known and c.end < len(doc) and doc[c.end].norm_ in _ACRONYM_NOUNS
        j = c.start - 1
        while j >= 0 and doc[j].text.lower() in _COPULA_NEW:
            j -= 1
        # "our ResNet50": the authors' copy of a known model; "our new/proposed X" still proposes
        plain_our = known and j == c.start - 1
        if j >= 0 and (doc[j].text.lower() == "our" or (j < c.start - 1 and doc[j].text.lower() == "the"
                                                        and doc[c.start - 1].text.lower() == "proposed")) \
                and not modifier and not plain_our:
            marks.add((c.fld, c.start))
        if c.end + 2 < len(doc) and doc[c.end].text == "," and doc[c.end + 1].text.lower() in ("a", "an") \
                and doc[c.end + 2].text.lower() in ("novel", "new"):
            marks.add((c.fld, c.start))
        lo, _ = _sent_bounds(doc, c.start)
        k = c.start - 1
        while k > max(lo, c.start - 6) and doc[k].text.lower() != "novel" and _is_word(doc[k]) \
                and (not doc[k].is_stop or doc[k].text.lower() in ("of", "the")):
            k -= 1
        # a known method after "novel" and other words is what the new thing builds on ("a novel
        # class of <modified> <known method>s"): only "novel <known method>" itself is new
        between = known and any(_is_word(t) and t.norm_ not in rules.containers and t.text.lower() not in ("of", "the")
                                for t in doc[k + 1 : c.start])
        if k >= lo and doc[k].text.lower() == "novel" and not modifier and not between \
                and _sentence_is_ours(doc, c.start):
            marks.add((c.fld, c.start))  # ... but not "a novel <known method> architecture"
    return marks


#: what a title names its means with: "Community Detection Using Time-Dependent Personalized PageRank",
#: "Machine Unlearning via Datamodel Matching", "... with Doubly-Recurrent Neural Networks"
_TITLE_MEANS = re.compile(r"\b(?:using|via|with|by|through)\s+", re.IGNORECASE)


def _not_a_name(span) -> bool:
    """A generic field, device or metric acronym first ("GPU Acceleration", "AI"), or one adjective before a
    strict head ("Unbounded Losses", "Dual Losses": like "proper loss", no name)."""
    from kg.extract.methods.shapes import _tables  # (shapes imports this module's neighbours, not titles)

    nonacronyms, _ = _tables()
    first = span[0].text
    if first in nonacronyms or (first.endswith("s") and first[:-1] in nonacronyms):
        return True
    words = [t for t in span if _is_word(t)]
    return len(words) == 2 and "-" not in span.text and words[-1].norm_ in ("loss", "descent")


def _title_means_cands(rules: MethodRules, ctx: Context) -> list[_Cand]:
    """The technique a title says the work uses, after "using/via/with/by/through", up to the next break
    word (rule ``method.title.via``): a method name by its head noun, a coined name or a known method
    with words in front. "with Large Learning Rates", "via Probabilistic Guarantees" name none."""
    doc = ctx.docs["title"]
    title = ctx.normalized["title"].text
    out: list[_Cand] = []
    for m in _TITLE_MEANS.finditer(title):
        s = _token_at(doc, m.end())
        if s is None:
            continue
        brk = _TITLE_BREAK_RE.search(title, m.end())
        end = (_token_at(doc, brk.start()) if brk else None) or len(doc)
        c = _clean(rules, doc, s, end, keep_caps=False)
        if c is None:
            continue
        span = doc[c[0]:c[1]]
        n_words = sum(1 for t in span if _is_word(t))
        if not 1 <= n_words <= 5 or span[-1].norm_ in rules.nonheads or fold(span.text) in rules.vague \
                or _LATEX_GLUED.search(span.text) or _not_a_name(span):
            continue
        if _is_methodish(rules, span, _NAMED) or _refines_known(rules, doc, *c):
            known = rules.lookup(span.text)  # (a name no vocabulary knows is the paper's own)
            out.append(_Cand("title", span.start, span.end, span.start_char, span.end_char, known,
                             _display(span), "method.title.via", known is None))
    return out
