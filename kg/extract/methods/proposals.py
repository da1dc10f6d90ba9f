"""Proposal rules: "we propose/introduce X", "called/termed X", "our X", "NAME, a novel ..."
(``method.propose``, ``method.called``, ``method.our``, ``method.apposition``)."""

from __future__ import annotations

from spacy.tokens import Doc

from kg.extract.context import Context
from kg.extract.methods.tokens import (
    _clean,
    _compound_end,
    _display,
    _glued,
    _in_compound,
    _is_cap,
    _is_methodish,
    _is_namey,
    _is_word,
    _joins_name,
    _quoted,
    _refines_known,
    _sent_bounds,
    _sentence_is_ours,
    _used_lowercase,
    _words,
)
from kg.extract.methods.vocab import (
    _ACRONYM_NOUNS,
    _AUTHOR_SUBJECTS,
    _COPULA_NEW,
    _FIELDS,
    _LATEX_CHARS,
    _NAMED,
    _NAMING_PARTICIPLES,
    _NAMING_VERBS,
    _OBJECT_END,
    _OPEN_QUOTES,
    _OUR_SKIP,
    _PROPOSE_ADVERBS,
    _PROPOSE_VERBS,
    _VERB_FORMS,
    MethodRules,
    _Cand,
    _norm,
    fold,
)


def _proposals(ctx: Context, verbs: list[int]) -> dict[str, list[tuple[int, int]]]:
    """Per field, the token windows holding the object of an authors' "we propose ..." (start, end)."""
    out: dict[str, list[tuple[int, int]]] = {f: [] for f in _FIELDS}
    doc = ctx.docs["abstract"]
    words = _words(doc)
    for i in verbs:
        low = words[i].lower()
        lemma = _VERB_FORMS.get(low)
        if lemma is None:
            continue
        j = i - 1
        while j >= 0 and words[j].lower() in _PROPOSE_ADVERBS:
            j -= 1
        prev = words[j].lower() if j >= 0 else ""
        if lemma in _NAMING_VERBS:
            if prev != "we" or _names_no_technique(doc, j):
                continue
        elif prev not in _AUTHOR_SUBJECTS:
            # "by proposing X", "and use it to develop X" in a sentence whose subject is the authors
            gerund = low.endswith("ing") and prev in ("by", "and", ",", "")
            infinitive = prev == "to"
            # "we analyze X and propose Y": a second verb of the authors' sentence
            coordinated = prev == "and" and not low.endswith(("ed", "ing")) and i > 0
            if not ((gerund or infinitive or coordinated) and _sentence_is_ours(doc, i)):
                continue
        start = i + 1
        end = start
        _, sent_end = _sent_bounds(doc, i)
        while end < sent_end and end - start < 14:
            if words[end] == "(":  # "we develop the (Stochastic) X (ACR) algorithm": step over asides
                close = next((x for x in range(end + 1, min(sent_end, end + 5)) if words[x] == ")"), None)
                if close is None:
                    break
                end = close + 1
                continue
            if words[end].lower() in _OBJECT_END and not _joins_name(doc, end):
                break
            end += 1
        out["abstract"].append((start, end))
    return out


def _proposals_wide(ctx: Context, verbs: list[int]) -> dict[str, list[tuple[int, int]]]:
    """Per field, the rest of each sentence after an authors' proposing verb ("by introducing X")."""
    doc = ctx.docs["abstract"]
    words = _words(doc)
    out: list[tuple[int, int]] = []
    for i in verbs:
        if _VERB_FORMS.get(words[i].lower()) in _PROPOSE_VERBS and _sentence_is_ours(doc, i, also=_AUTHOR_SUBJECTS):
            out.append((i + 1, _sent_bounds(doc, i)[1]))
    return {"abstract": out}


def _named_cands(rules: MethodRules, ctx: Context, proposing: dict, trig: dict[str, list[int]]) -> list[_Cand]:
    """The object of "we propose X" and the X of "called/termed/dubbed X": a capitalised name, or a
    lower-case phrase whose head is a method head noun."""
    out = []
    doc = ctx.docs["abstract"]
    starts = [(s, e, "method.propose") for s, e in proposing["abstract"]]
    for i in trig["verb"]:
        tok = doc[i]
        low = tok.text.lower()
        so_called = tok.i > 1 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].text.lower() == "so"
        we_name = _VERB_FORMS.get(low) in _NAMING_VERBS and tok.i > 0 and doc[tok.i - 1].text.lower() == "we"
        if ((low in _NAMING_PARTICIPLES and not so_called) or we_name) \
                and not _names_no_technique(doc, tok.i - 1 if we_name else tok.i):
            _, sent_end = _sent_bounds(doc, tok.i)
            starts.append((tok.i + 1, min(sent_end, tok.i + 10), "method.called"))
    for i in trig["our"]:
        if i + 1 < len(doc) and (fold(doc[i + 1].text) in rules.vague or doc[i + 1].text.lower() in _OUR_SKIP):
            continue  # "our method shows ...", "our results": no name follows
        _, sent_end = _sent_bounds(doc, i)
        starts.append((i + 1, min(sent_end, i + 8), "method.our"))
    out += _apposed_names(rules, doc, trig["new"])
    for s, e, rule in starts:
        apposed = _apposed_after(rules, doc, s) if rule in ("method.propose", "method.our") else None
        if apposed is not None:  # "our frame prediction architecture, SpatialNet, ...": the name wins
            a, b = apposed
            ent_id = rules.lookup(doc[a:b].text)
            out.append(_Cand("abstract", a, b, doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text), ent_id,
                             _display(doc[a:b]), "method.apposed", rule == "method.propose" or ent_id is None))
            continue
        cand = _name_at(rules, doc, s, e)
        if cand is None and rule == "method.called":
            cand = _coined_word(rules, doc, s, e)
        if cand is None and rule == "method.propose":
            cand = _plain_phrase(rules, doc, s, e)

        if cand is None:
            continue
        a, b = cand
        span = doc[a:b]
        known = rules.lookup(span.text) is not None or rules.numbered_variant(span.text) is not None
        if rule == "method.our" and known and a == s:
            prop = False  # "our ResNet50": the authors' copy of a known model, not a new method
        else:
            prop = rule in ("method.propose", "method.our") or _sentence_is_ours(doc, s, also=_COPULA_NEW)
        out.append(_Cand("abstract", a, b, span.start_char, span.end_char, rules.lookup(span.text),
                         _display(span), rule, prop))
    return out


#: what a naming verb may name that is no technique: "a regime we call the Edge of Stability", "a
#: principle called Occam's razor", "a broader phenomenon we call property generalization"
_NAMED_NON_TECHNIQUES = frozenset("regime regimes phenomenon phenomena effect effects principle principles "
                                  "property properties phase phases behavior behaviour task tasks problem "
                                  "problems setting settings condition conditions space notion concept "
                                  "quantity quantities".split())


def _names_no_technique(doc: Doc, i: int) -> bool:
    """Is the noun named by the naming word at ``i`` ("called", or "we" of "we call") no technique:
    "a regime we call X", "a principle called X", "latent space, termed X"? (Skips "," "that" "which".)"""
    j = i - 1
    while j >= 0 and doc[j].text.lower() in (",", "that", "which"):
        j -= 1
    return j >= 0 and doc[j].text.lower() in _NAMED_NON_TECHNIQUES


_NOMINAL = ("ion", "ment", "ance", "ence", "ity", "ing", "ure", "ism", "sis", "ogy", "val")
#: last words of what authors propose that are no technique: findings, settings, quantities
_NOT_TECHNIQUES = frozenset("finding findings conjecture conjectures setting settings function functions bias "
                            "understanding perspective perspectives view question questions problem problems "
                            "definition definitions notion notions condition conditions measure measures".split())


def _plain_phrase(rules: MethodRules, doc: Doc, s: int, e: int) -> tuple[int, int] | None:
    """The object of "we propose" as a plain lower-case noun phrase without a method head noun:
    "we propose multi-hop dense retrieval, which ...". Two to four words ending at a clause boundary,
    a hyphen compound among them or a nominal last word ("retrieval", "alignment"), none vague,
    generic, a stop word or an adverb."""
    k = s
    while k < e and (doc[k].is_stop or doc[k].norm_ in rules.generic) and doc[k].text not in (",", "("):
        k += 1
    words: list[tuple[int, int]] = []
    m = k
    while m < e and len(words) < 5:
        t = doc[m]
        if not (t.text.isalpha() and t.text.islower()) or t.is_stop or t.text.endswith("ly"):
            break
        end = _compound_end(doc, m, e) if m + 1 < e and doc[m + 1].text == "-" else m + 1
        words.append((m, end))
        m = end
    # one coined hyphen compound closed by a clause boundary is a name too: "we introduce self-ensembling, where"
    single = len(words) == 1 and words[0][1] - words[0][0] > 2 and doc[m - 1].text.endswith(_NOMINAL)
    if not (2 <= len(words) <= 4 or single):
        return None
    if m < len(doc) and doc[m].text not in (",", ".", ";", ":", "(", "which", "that", "to", "for", "with", "in", "and",
                                            "where"):
        return None
    if single and (m >= len(doc) or doc[m].text not in (",", ".", ";", ":", "(", "which", "where")):
        return None
    last = doc[words[-1][0]:words[-1][1]].text
    compound = any(b - a > 1 for a, b in words)
    if fold(last) in rules.vague or _norm(last) in rules.generic or last in _NOT_TECHNIQUES \
            or not (compound or last.endswith(_NOMINAL)):
        return None
    if any(fold(doc[a:b].text) in rules.vague for a, b in words):
        return None
    return (k, m)


def _apposed_names(rules: MethodRules, doc: Doc, news: list[int]) -> list[_Cand]:
    """Capitalised names followed by ", a new/novel ...": "We describe Recursive Adaptive Coverage, a new
    algorithm that ..." (rule ``method.apposition``, proposed)."""
    out = []
    words = _words(doc)
    for i in news:
        if i < 3 or words[i].lower() not in ("new", "novel") or words[i - 1].lower() not in ("a", "an") \
                or words[i - 2] != ",":
            continue
        lo, _ = _sent_bounds(doc, i)
        end = i - 2
        k = end
        while k - 1 >= lo and end - k < 6 and (_is_cap(doc[k - 1]) or (
                words[k - 1] == "-" and k - 2 >= lo and _glued(doc[k - 2], doc[k - 1]) and _glued(doc[k - 1], doc[k]))):
            k -= 1
        if k < end and words[k] == "-":
            k += 1
        span = doc[k:end]
        if not len(span) or not (len([t for t in span if _is_word(t)]) >= 2 or _is_namey(span[0])) \
                or any(c in span.text for c in _LATEX_CHARS) or span[0].is_stop \
                or fold(span.text) in rules.vague or rules.lookup(span.text):
            continue
        out.append(_Cand("abstract", k, end, span.start_char, span.end_char, None, _display(span),
                         "method.apposition", True))
    return out


#: what may follow an apposed name: the end of the apposition or of the sentence, or a clause
_APPOSED_END = frozenset(", . ; : ( which that is".split())
#: words allowed before the name inside the apposition ("..., the Random Shopper Model, ...")
_NAME_JOINERS = frozenset("between for and with in on".split())
_APPOSED_LEAD = frozenset("the namely i.e. called termed dubbed".split())


def _apposed_after(rules: MethodRules, doc: Doc, s: int) -> tuple[int, int] | None:
    """The capitalised name apposed to a lower-case description that starts the object of "we
    propose" or "our": "our frame prediction architecture, SpatialNet, is ...", "we propose a new model
    of ranking, the Random Shopper Model, that ..." (rule ``method.apposed``). The description (at most
    eight lower-case words) must hold a method noun ("model", "architecture", a head noun); the name is
    two or more capitalised words, or one made-up word ("SpatialNet"), closed by a comma, a bracket, a
    clause word or the sentence end."""
    lo, hi = _sent_bounds(doc, s)
    words = _words(doc)
    c = s
    nouny = False
    while c < hi and c - s <= 8 and words[c] != ",":
        t = doc[c]
        if not (t.text.isalpha() and t.text.islower()) and t.text != "-":
            return None  # a name or a symbol inside the description: not this shape
        nouny = nouny or t.norm_ in _ACRONYM_NOUNS or fold(t.text) in rules.vague or rules.head_tier(t) is not None
        c += 1
    if c >= hi or words[c] != "," or c == s or not nouny:
        return None
    k = c + 1
    while k < hi and words[k].lower() in _APPOSED_LEAD:
        k += 1
    if k >= hi or not _is_cap(doc[k]):
        return None
    m = _cap_end(doc, k, hi)
    while m + 1 < hi and words[m] in _NAME_JOINERS and _is_cap(doc[m + 1]):
        m = _cap_end(doc, m + 1, hi)  # "Translation between Augmented Natural Languages (TANL)"
    if m <= k or (m < hi and words[m].lower() not in _APPOSED_END):
        return None
    span = doc[k:m]
    n_words = sum(1 for t in span if _is_word(t))
    # a name the authors define by an acronym right away is a name whatever its last word
    defined = m + 2 < hi and words[m] == "(" and words[m + 2] == ")" and _is_namey(doc[m + 1])
    if not (n_words >= 2 or _is_namey(doc[k]) or not _used_lowercase(doc, doc[k].text)) or n_words > 6 \
            or any(ch in span.text for ch in _LATEX_CHARS) or fold(span.text) in rules.vague \
            or (span[-1].norm_ in rules.nonheads and not defined) or span[0].is_stop:
        return None
    return k, m


def _coined_word(rules: MethodRules, doc: Doc, s: int, e: int) -> tuple[int, int] | None:
    """After "called/termed/dubbed", one coined word, even in lower case ("termed word2vec,")."""
    k = s
    while k < e and doc[k].text.lower() in ("the", "a", "an", '"', "“", "``", "'"):
        k += 1
    if k >= e or not _is_word(doc[k]):
        return None
    m = _compound_end(doc, k, e)
    if m < e and _is_word(doc[m]) and doc[m].text.lower() not in _OBJECT_END:
        return None  # more words follow: a phrase, not a coined word
    word = doc[k:m]
    if m - k == 1 and (word[0].is_stop or word[0].norm_ in rules.generic or word[0].like_num
                       or _used_lowercase(doc, word.text.capitalize())):
        return None
    if any(c in word.text for c in _LATEX_CHARS) or fold(word.text) in rules.vague:
        return None
    return k, m


def _skip_generic(rules: MethodRules, doc: Doc, s: int, e: int) -> int:
    """The first token of ``[s, e)`` after generic words, stop words, commas and opening quotes."""
    k = s
    while k < e and not _is_namey(doc[k]) and (doc[k].norm_ in rules.generic or doc[k].is_stop
                                               or doc[k].text in (",", "-", *_OPEN_QUOTES)
                                               or doc[k].text.lower() in ("i.e.", "namely", "viz.")) \
            and not (_is_word(doc[k]) and _compound_end(doc, k, e) > k + 1
                     and _norm(doc[k:_compound_end(doc, k, e)].text) not in rules.generic) \
            and not _capitalised_name_start(doc, k, e):
        k += 1  # (a hyphen compound is kept whole: "top-k", "one-shot")
    return k


def _capitalised_name_start(doc: Doc, k: int, e: int) -> bool:
    """Does a capitalised name start at token ``k`` mid-sentence with a generic word ("We present Deep
    Voice, ...", "we propose Simple Recurrent Units")? The capital says the word belongs to the name."""
    t = doc[k]
    return t.text[:1].isupper() and t.text[1:].islower() and t.text.isalpha() and not t.is_stop \
        and k + 1 < e and _is_cap(doc[k + 1]) and _is_word(doc[k + 1]) and _sent_bounds(doc, k)[0] != k


def _object_stop(doc: Doc, k: int, e: int) -> int:
    """Where the object phrase starting at ``k`` ends (a clause word, a naming participle or a comma)."""
    stop = k
    words = _words(doc)
    while stop < e and (words[stop].lower() not in _OBJECT_END or _joins_name(doc, stop)) and \
            words[stop].lower() not in _NAMING_PARTICIPLES and words[stop] != ",":
        stop += 1
    if stop < len(words) and words[stop].lower() == "based" and stop - 1 > k and words[stop - 1] == "-":
        return k  # "an SVD-based reweighting scheme": the proposal builds on the name, which it uses
    return stop


def _cap_end(doc: Doc, k: int, stop: int) -> int:
    """The end of the capitalised name at ``k``: capitalised words, hyphen compounds, "of"/"&" between them."""
    m = k
    while m < stop and (_is_cap(doc[m]) or (m > k and m + 1 < stop and (
            # "Gradient-boosted XGBoost": a glued hyphen continues a capitalised compound
            (doc[m].text == "-" and _glued(doc[m - 1], doc[m]) and _glued(doc[m], doc[m + 1])
             and _is_word(doc[m + 1]))
            or (doc[m].text in ("&", "of", "to") and _is_cap(doc[m + 1]))))):
        m += 2 if doc[m].text == "-" else 1
    return min(m, stop)


def _named_head(rules: MethodRules, tok) -> bool:
    """Whether ``tok`` is a head noun that may end a name (tier 0 or 1)."""
    tier = rules.head_tier(tok)
    return tier is not None and tier <= _NAMED


def _name_end(doc: Doc, k: int, m: int, stop: int) -> int:
    """The end of the capitalised name ``doc[k:m]``, with the version number that closes it ("we introduce
    Deep Voice 2, which ...")."""
    if k < m < stop and doc[m].text.isdigit() and len(doc[m].text) <= 2 \
            and (m + 1 >= len(doc) or not _is_word(doc[m + 1])):
        m += 1
    return m


def _name_at(rules: MethodRules, doc: Doc, s: int, e: int) -> tuple[int, int] | None:
    """The method name starting the window ``[s, e)`` (after generic words), if there is one."""
    k = _skip_generic(rules, doc, s, e)
    if k + 1 < e and doc[k].norm_ in rules.containers and doc[k + 1].text.lower() == "of":
        return _name_at(rules, doc, k + 2, e)
    if k + 2 < e and doc[k + 1].text == "," and (doc[k].norm_ in _ACRONYM_NOUNS or fold(doc[k].text) in rules.vague):
        return _name_at(rules, doc, k + 2, e)  # "a new algorithm, the NAME, ...": the apposition names it
    if k >= e:
        return None
    quoted = _quoted(doc, k, e)
    if quoted is not None:
        return quoted
    stop = _object_stop(doc, k, e)
    m = _name_end(doc, k, _cap_end(doc, k, stop), stop)
    alone = m - k == 1 and (m >= stop or not _is_word(doc[m]) or doc[m].text.lower() in _OBJECT_END)
    if m > k and any(c in doc[k:m].text for c in _LATEX_CHARS):
        return None  # LaTeX remnants ("mathrm{KL}_infty") are no names
    if alone and not _is_namey(doc[k]) and _used_lowercase(doc, doc[k].text):
        return None  # "called Balance": a common word, capitalised
    if m > k and (m - k > 1 or _is_namey(doc[k]) or (alone and _sent_bounds(doc, k)[0] != k)):
        # "Gumbel softmax trick": a capitalised word heading a lower-case name
        for last in range(min(stop, m + 3), m, -1):
            if not all(t.text.isalpha() and t.text.islower() for t in doc[m:last]):
                continue
            c = _clean(rules, doc, k, last)
            if c and rules.head_tier(doc[c[1] - 1]) is not None and _is_methodish(rules, doc[c[0]:c[1]], _NAMED):
                return c
        c = _clean(rules, doc, k, m)
        if c and doc[c[1] - 1].norm_ not in rules.nonheads:
            return c
        return None
    # a known method with distinguishing words in front is a new variant of it: the longer name wins
    c = _clean(rules, doc, k, stop)
    c = c and (c[0], max(c[1], next(x for x in range(stop, k, -1) if _is_word(doc[x - 1])), c[1]))
    if c and c[1] - c[0] <= 5 and _refines_known(rules, doc, *c) and \
            not any((t.is_stop and not _in_compound(t)) or t.text.endswith("ly") or any(x.isdigit() for x in t.text)
                    for t in doc[c[0]:c[1]]):
        return c
    # a lower-case phrase: up to the first head noun (and the head nouns right after it)
    for m in range(k, stop):
        if _named_head(rules, doc[m]) and \
                not (m + 1 < stop and doc[m + 1].text == "-" and _glued(doc[m], doc[m + 1])):
            last = m + 1
            while last < stop and _named_head(rules, doc[last]):
                last += 1
            c = _clean(rules, doc, k, last)
            if c is None or c[1] - c[0] > 7 or fold(doc[c[0]].text) in rules.vague:
                return None  # "our method predicts ...": a vague subject, not a name
            inner = doc[c[0] : m]  # the words before the head: no verbs, adverbs or plurals there
            if any(t.is_stop or t.text.endswith("ly") or (t.text.lower() != t.norm_ and t.text.endswith("s"))
                   for t in inner):
                return None
            if len(inner) == 1 and inner[0].text.islower() and inner[0].text.endswith("ed") \
                    and not rules.lookup(doc[c[0]:c[1]].text):
                return None  # "an updated loss", "a modified estimator": one participle names nothing
            if last < len(doc) and doc[last].norm_ in _ACRONYM_NOUNS and rules.lookup(doc[c[0]:c[1]].text):
                return None  # "a novel recurrent neural network architecture": a new, unnamed thing
            return c if _is_methodish(rules, doc[c[0]:c[1]], _NAMED) else None
    return None
