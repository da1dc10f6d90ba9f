"""Methods: which techniques a paper proposes or uses, found by vocabulary AND by rules.

Why rules and not only a list: most methods worth indexing are new (a coined "Co-Teaching", a defined
"generalized method of moments (GMM)", a modified "smoothed hinge ranking loss") and no gazetteer has
them. The rule families run over the normalized docs of a :class:`~kg.extract.context.Context`; the
rule id in each evidence says which fired:

* ``method.vocab:<id>`` — the curated vocabulary (``data/vocab/methods.jsonl``, rebuilt by
  ``tools/curate_methods.py``) through a ``PhraseMatcher`` on ``NORM`` (case-, plural- and hyphen-
  tolerant) and one on ``ORTH`` for the ``cased`` aliases (acronyms such as "SGD", English words such as
  "Adam"). ``guarded`` acronyms that are common for other things ("CP", "DP", "LM", "BNN") count only
  in a paper that also names the method in full.
* ``method.acronym`` — paper-scoped acronym definitions ("generalized method of moments (GMM)") whose long
  form is a vocabulary name, ends in a method head noun, refines a known method, or is a capitalised
  name the authors introduce; later bare uses of the acronym resolve to the same entity. A paper's own
  definition beats the vocabulary's reading of an acronym; a long form missing the acronym's first
  letters is extended to the words that supply them.
* ``method.propose`` / ``method.called`` / ``method.our`` / ``method.apposition`` — "we propose/introduce/
  present X", "called/termed/dubbed X" (a quoted name whole), "our X", "NAME, a new/novel ...".
* ``method.title`` — the title's named contribution ("Co-Teaching: ...", "The Sinkhorn Distance: ..."), a
  title that is only a short name, its leading name ("Adaptive Gradient Clipping") or a subtitle's
  ("...: A Smoothed Straight Through Estimator for ...").
* ``method.variant`` — a known method with distinguishing words in front that the title names and the
  abstract repeats ("Optimistic policy iteration"): the longer name wins over the known one, as it
  does in proposals ("we propose the saddle-free Newton method").
* ``method.family`` — "<known method>-type/-like/-style algorithms".
* ``method.list`` — coined or capitalised items of "<methods> such as/including A, B and C", or of any
  such list that names a known method.
* ``method.head:<noun>`` — "<distinguishing modifier(s)> HEAD" (``data/vocab/method_heads.txt``):
  "cross-entropy loss", "straight-through estimator", and after a proper name "Gibbs algorithm";
  vague names alone never count (``method_vague.txt``), generic modifiers never distinguish
  (``method_generic.txt``), and a ``strict`` head ("loss", "descent") needs two modifiers or a hyphen
  compound ("proper loss" and "VAE loss" are no names).

Divergence and dataset spans (``exclude``) never become methods, but a method that merely contains one
("Wasserstein GAN") still does. ``role`` is "proposed" when the paper introduces the method (the
title's name, the object of "we propose", "our X", "X, a novel ...", "our algorithm, X", an acronym
the authors define while proposing), else "used"; a known method the abstract named earlier as
background stays "used" when a later proposal only builds on it ("an approximate <known> rule"), as
does "our <known method> model". The output is one :class:`~kg.models.Tag` per entity, deterministic.

Speed: no rule loops over every token in Python. One ``NORM`` phrase-matcher pass per field finds the
vocabulary AND the trigger words ("our", proposing verbs, head nouns); rules only look around those.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.config import default_data_dir
from kg.errors import VocabularyError
from kg.extract.context import Context
from kg.extract.vocab import read_rows
from kg.models import Evidence, Method, Tag, TextField, slug
from kg.models import fold as _fold_uncached

__all__ = ["find_methods", "method_entities", "MethodRules"]

CASED = "cased:"  # label prefix of the case-sensitive aliases in the phrase matcher
TRIGGER_OUR, TRIGGER_VERB, TRIGGER_HEAD, TRIGGER_PROPER, TRIGGER_NEW, TRIGGER_LIST = (
    "__our__", "__verb__", "__head__", "__proper__", "__new__", "__list__")
_TRIGGER_KEYS = {TRIGGER_OUR: "our", TRIGGER_VERB: "verb", TRIGGER_HEAD: "head", TRIGGER_PROPER: "proper",
                 TRIGGER_NEW: "new", TRIGGER_LIST: "list"}
#: plural nouns after which "such as / including / e.g." lists methods ("approaches, such as DQN, A3C")
_LIST_NOUNS = frozenset("approach method model algorithm technique baseline estimator sampler optimizer "
                        "network architecture work framework scheme variant loss objective".split())
_LIST_END = frozenset(". ; : ) ( [ ] which that to in for with inside on".split())
#: nouns that name a method after a proper name ("Gibbs algorithm", "Cholesky decomposition");
#: not "measure", "metric", "gap": after a name those are mathematical objects ("Lebesgue measure")
_PROPER_HEADS = ("algorithm", "method", "decomposition", "envelope", "projection", "sampling", "sampler",
                 "iteration", "transformation", "estimator", "embedding", "network", "bridge", "machine", "filter")

VOCAB_FILE = "methods.jsonl"
_FIELDS: tuple[TextField, ...] = ("title", "abstract")

# "we propose", "this paper introduces", "here we present": the verbs of a contribution.
_PROPOSE_VERBS = frozenset(
    "propose introduce present develop design devise formulate name call term dub".split()
)
_NAMING_VERBS = frozenset("name call term dub".split())
_NAMING_PARTICIPLES = frozenset("called named termed dubbed coined".split())
_AUTHOR_SUBJECTS = frozenset("we paper work article note study".split())
_PROPOSE_ADVERBS = frozenset(
    "also further then first here thus therefore hence instead additionally finally subsequently "
    "now next newly".split()
)
# Words that end the object of "we propose ..." (the NP before a clause or a purpose phrase).
_OBJECT_END = frozenset(
    "for that which to based using with by where whose in on from via while when who whereby "
    "and of as . ; : ( ) [ ]".split()
)
_COPULA_NEW = frozenset("novel new proposed".split())
#: words before "<vague noun>, NAME" that make NAME the authors' own: "our algorithm, NAME", "the
#: resulting method, NAME", "a new approach, the NAME"
_APPOSITION_CUES = frozenset("our resulting proposed new novel".split())
_OUR_SKIP = frozenset("results experiments analysis work findings code contributions contribution knowledge "
                      "understanding goal aim main key paper study theory theoretical empirical experimental "
                      "main best own knowledge".split())


def _verb_forms(verbs) -> dict[str, str]:
    """Inflected form → verb ("proposes"/"proposed"/"proposing" → "propose", "dubbed" → "dub")."""
    out: dict[str, str] = {}
    for v in verbs:
        stem = v[:-1] if v.endswith("e") else v
        double = v + v[-1] if re.search(r"[^aeiou][aeiou][bdgmnprt]$", v) and len(v) <= 4 else v
        for form in (v, v + "s", stem + "ed", stem + "ing", double + "ed", double + "ing", v + "d"):
            out.setdefault(form, v)
    return out


_VERB_FORMS = _verb_forms(_PROPOSE_VERBS)


@dataclass(frozen=True, slots=True)
class _Cand:
    """One candidate mention, in normalized doc offsets of ``fld``."""

    fld: TextField
    start: int  # token index
    end: int  # token index (exclusive)
    start_char: int
    end_char: int
    entity: str | None  # vocabulary id, or None for a rule-found name
    name: str  # normalized name (rule-found) or the vocabulary display name
    rule: str
    proposed: bool = False


class MethodRules:
    """The loaded methods vocabulary and rule tables (one per process, see :func:`_rules`)."""

    TIERS = {"any": 0, "strict": 0, "named": 1, "acronym": 2}

    def __init__(self, folder=None) -> None:
        folder = folder or default_data_dir() / "vocab"
        self.entities: dict[str, Method] = {}
        self.alias_index: dict[str, str] = {}  # folded alias -> id
        self.cased: dict[str, str] = {}  # exact alias (and plural) -> id
        #: guarded acronyms (and plurals): common for other things too, so they count only in a paper
        #: that also names the method in full ("conformal prediction ... CP")
        #: an ambiguous acronym may be guarded for several methods ("BNN": Bayesian or binary)
        self.guarded: dict[str, set[str]] = {}
        self.norm_patterns: dict[str, list[str]] = {}
        for row in read_rows(folder / VOCAB_FILE):
            try:
                ent = Method(id=row["id"], name=row["name"],
                             aliases=tuple(dict.fromkeys([*row.get("aliases", ()), *row.get("cased", ())])))
            except Exception as exc:  # pydantic or KeyError: a bug in the data file
                raise VocabularyError(f"{row['_where']}: invalid method: {exc}") from None
            if ent.id in self.entities:
                raise VocabularyError(f"{row['_where']}: duplicate id {ent.id}")
            self.entities[ent.id] = ent
            cased = set(row.get("cased", ()))
            for alias in [row["name"], *row.get("aliases", ()), *cased]:
                self.alias_index.setdefault(fold(alias), ent.id)
            for alias in cased:
                self.cased.setdefault(alias, ent.id)
                self.cased.setdefault(alias + "s", ent.id)
            for alias in row.get("guarded", ()):
                for form in (alias, alias + "s"):
                    self.guarded.setdefault(form, set()).add(ent.id)
            self.norm_patterns[ent.id] = [a for a in [row["name"], *row.get("aliases", ())] if a not in cased]
        self.heads: dict[str, int] = {}
        #: open-text heads that one plain modifier does not make a name ("proper loss", "VAE loss")
        self.strict: set[str] = set()
        for line in _read_lines(folder / "method_heads.txt"):
            head, _, tier = line.partition("\t")
            if tier.strip() not in self.TIERS:
                raise VocabularyError(f"method_heads.txt: unknown tier {tier.strip()!r} for {head!r}")
            self.heads[_norm(head.strip())] = self.TIERS[tier.strip()]
            if tier.strip() == "strict":
                self.strict.add(_norm(head.strip()))
        self.generic = frozenset(_norm(w) for w in _read_lines(folder / "method_generic.txt"))
        self.vague = frozenset(fold(w) for w in _read_lines(folder / "method_vague.txt"))
        self.nonheads = frozenset(_norm(w) for w in _read_lines(folder / "method_nonheads.txt"))
        self.trailing = frozenset(_norm(w) for w in _read_lines(folder / "method_trailing.txt"))
        self.containers = frozenset(_norm(w) for w in _read_lines(folder / "method_containers.txt"))
        self._matchers: dict[int, PhraseMatcher] = {}
        #: single-word triggers matched by the same NORM phrase matcher as the vocabulary, so that no
        #: rule loops over tokens in Python: "our", proposing/naming verb forms, open-text head nouns
        self.trigger_words = {
            TRIGGER_OUR: ["our"],
            TRIGGER_NEW: sorted(_COPULA_NEW | _APPOSITION_CUES),
            TRIGGER_LIST: ["such as", "including", "e.g."],
            TRIGGER_VERB: sorted(set(_VERB_FORMS) | _NAMING_PARTICIPLES),
            TRIGGER_HEAD: sorted({f for h, t in self.heads.items() if t == _ANY for f in _forms(h)}),
            TRIGGER_PROPER: sorted({f for h in _PROPER_HEADS for f in _forms(h)}),
        }

    def matcher(self, doc: Doc) -> PhraseMatcher:
        """The one NORM phrase matcher for the vocab of ``doc`` (built on first use): vocabulary
        aliases, ``cased`` aliases (label ``cased:<id>``, checked against the exact text afterwards)
        and the trigger words."""
        key = id(doc.vocab)
        if key not in self._matchers:
            from kg.extract.pipeline import get_nlp, pattern_variants

            make = get_nlp().make_doc
            by_norm = PhraseMatcher(doc.vocab, attr="NORM")
            for label, words in self.trigger_words.items():
                by_norm.add(label, [make(w) for w in words])
            for ent_id, aliases in self.norm_patterns.items():
                texts = dict.fromkeys(v for a in aliases for p in _plural_variants(a)
                                      for h in _hyphen_variants(p) for v in pattern_variants(h))
                by_norm.add(ent_id, [make(t) for t in texts])
            cased: dict[str, list[str]] = {}
            for alias, ent_id in self.cased.items():
                cased.setdefault(ent_id, []).append(alias)
            for alias, ids in self.guarded.items():
                for ent_id in ids:
                    if alias not in cased.get(ent_id, ()):
                        cased.setdefault(ent_id, []).append(alias)
            for ent_id, aliases in cased.items():
                by_norm.add(CASED + ent_id, [make(a) for a in aliases])
            self._matchers[key] = by_norm
        return self._matchers[key]

    def lookup(self, text: str) -> str | None:
        """The vocabulary id whose name or alias folds like ``text``."""
        return self.alias_index.get(fold(text))

    def head_tier(self, tok) -> int | None:
        """The tier of ``tok`` as a head noun (0 any, 1 named, 2 acronym), None if it is no head."""
        return self.heads.get(tok.norm_)


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """:func:`kg.models.fold`, memoized (the same names are folded over and over)."""
    return _fold_uncached(text)


def _forms(noun: str) -> tuple[str, ...]:
    """Singular and plural spellings of a head noun (NORM folds a plain "-s" itself)."""
    return (noun, noun + "es", noun[:-1] + "ies") if noun.endswith("y") else (noun, noun + "es")


def _read_lines(path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VocabularyError(f"cannot read rule table {path}: {exc}") from None
    return [ln.rstrip("\n") for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _norm(word: str) -> str:
    from kg.extract.pipeline import norm_key

    return norm_key(word)


def _plural_variants(alias: str) -> list[str]:
    """The alias plus the plural forms of its last word that NORM does not fold (``-es``, ``-ies``)."""
    out = [alias]
    last = alias.rsplit(" ", 1)[-1]
    if not last.isalpha() or not last.islower():
        return out
    if last.endswith(("s", "x", "ch", "sh")) and not last.endswith("ss"):
        out.append(alias + "es")
    elif last.endswith("ss"):
        out.append(alias + "es")
    elif last.endswith("y") and len(last) > 2 and last[-2] not in "aeiou":
        out.append(alias[:-1] + "ies")
    return out


def _hyphen_variants(alias: str) -> list[str]:
    """The alias with each single space or hyphen swapped ("weighted least squares" →
    "weighted least-squares", "weighted-least squares"), for aliases of up to four words."""
    out = [alias]
    seps = [i for i, c in enumerate(alias) if c in " -"]
    if len(seps) <= 3:
        for i in seps:
            out.append(alias[:i] + ("-" if alias[i] == " " else " ") + alias[i + 1 :])
    return out


@functools.lru_cache(maxsize=1)
def _rules() -> MethodRules:
    return MethodRules()


def method_entities() -> list[Method]:
    """Every method of the curated vocabulary (for ``vocabulary_entities``)."""
    return list(_rules().entities.values())


# --------------------------------------------------------------------------------------------------
# helpers on tokens

_FUNCTION_WORDS = frozenset("of the a an to and or".split())
_ACRONYM_NOUNS = frozenset("model method algorithm framework approach architecture layer metric network "
                           "estimator loss objective scheme".split())
_ADJ_SUFFIXES = ("ed", "able", "ible", "al", "ive", "ous", "ful", "less", "ary")
_ANY, _NAMED, _ACRONYM = 0, 1, 2


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
    """Token start offsets and sentence start indices of ``doc`` (computed once, kept in user_data)."""
    got = doc.user_data.get("kg.methods.arrays")
    if got is None:
        idx = doc.to_array(IDX).astype(np.int64) if len(doc) else np.zeros(0, dtype=np.int64)
        if len(doc) and doc.has_annotation("SENT_START"):
            starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
        else:
            starts = [0]
        got = (idx, starts or [0])
        doc.user_data["kg.methods.arrays"] = got
    return got


def _words(doc: Doc) -> list[str]:
    """The token texts of ``doc`` as plain strings (built once from the text; no Token objects)."""
    got = doc.user_data.get("kg.methods.words")
    if got is None:
        idx, _ = _arrays(doc)
        text = _doc_text(doc)
        lengths = doc.to_array(LENGTH).tolist()
        got = [text[a : a + n] for a, n in zip(idx.tolist(), lengths, strict=True)] if len(doc) else []
        doc.user_data["kg.methods.words"] = got
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


def _matches(rules: MethodRules, doc: Doc) -> tuple[list[tuple[str, int, int, bool]], dict[str, list[int]]]:
    """One NORM phrase-matcher pass: vocabulary matches ``(id, start, end, cased)`` (a cased alias only
    when the text is exactly the alias) and the token indices of the triggers ("our", proposing/naming
    verb forms, head nouns, list markers)."""
    strings = doc.vocab.strings
    vocab: list[tuple[str, int, int, bool]] = []
    trig: dict[str, list[int]] = {key: [] for key in _TRIGGER_KEYS.values()}
    for match_id, s, e in rules.matcher(doc)(doc):
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


_PREPOSITIONS = frozenset("of between for with in via to on under across".split())


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


# --------------------------------------------------------------------------------------------------
# what counts as a method name


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


# --------------------------------------------------------------------------------------------------
# rules


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


_FAMILY_SUFFIXES = frozenset(("type", "like", "style"))


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
            if not _is_namey(first):
                if (k == j - 1 and (first.is_stop or first.like_num)) or \
                        all(p.norm_ in rules.generic or p.is_stop or p.like_num for p in parts):
                    break
                low = doc[j - 1].text.lower()
                if k == j - 1 and (low.endswith(("ing", "ly")) or (low != doc[j - 1].norm_ and low.endswith("s"))):
                    break  # a verb form, an adverb or a plural noun: not a modifier
                if words == 0 and k == j - 1 and low.endswith(_ADJ_SUFFIXES):
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
            hits = [(a, b) for _, a, b in _word_hits(low, (span.text.lower(),))]
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
        if i == k + 1 and name.text.endswith(("ian", "ean")) and doc[i].norm_ in _GENERIC_NOUNS:
            continue  # an adjective from a name ("Bayesian methods", "Euclidean algorithm" is vocabulary)
        out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, None,
                         _display(span), f"method.head:{doc[i].norm_}"))
    return out


def _list_cands(rules: MethodRules, fld: TextField, doc: Doc, lists: list[int]) -> list[_Cand]:
    """Named items of "<methods>, such as A, B and C" / "including" / "e.g.": made-up names
    ("Co-Teaching", "DQN", "t-SNE") and capitalised ones ("Stable Diffusion")."""
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
            while k < sent_end and doc[k].text.lower() in (",", "and", "or", "etc", "etc."):
                k += 1
            if k >= sent_end or doc[k].text.lower() in _LIST_END:
                break
            m = k
            while m < sent_end and doc[m].text not in (",",) and doc[m].text.lower() not in ("and", "or") \
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
    "Pix2Pix", "BiGAN/ALI"), or one coined lower-case compound ("t-sne", "single-linkage")?"""
    item = doc[k:m]
    if not any(_is_word(t) for t in item) or any(c in item.text for c in _LATEX_CHARS):
        return False
    if all(c[:1].isupper() or any(x.isupper() or x.isdigit() for x in c) for c in item.text.split()):
        return True
    return _compound_end(doc, k, m) == m and m - k >= 3 and item.text.islower() and not item.text.endswith("ed")


def _acronym_cands(rules: MethodRules, ctx: Context, proposing: dict) -> tuple[list[_Cand], dict[str, str]]:
    """Acronym definitions whose long form is a method, and every use of the short form.
    Returns the candidates and ``short → name`` of the accepted definitions."""
    out = []
    defined: dict[str, tuple[str | None, str, str | None]] = {}
    for a in ctx.acronym_defs:
        doc = ctx.docs[a.field]
        long_span = doc.char_span(a.long_start, a.long_end, alignment_mode="expand")
        short_span = doc.char_span(a.short_start, a.short_end, alignment_mode="expand")
        if long_span is None or short_span is None or a.short in defined:
            continue
        long_span = doc[_extend_long(doc, a.short, long_span.start, long_span.end) : long_span.end]
        # the long form starts where the acronym's first letter does: trim only determiners and "novel"
        cleaned = _clean(rules, doc, long_span.start, long_span.end, light=True)
        if cleaned is None:
            continue
        name_span = doc[cleaned[0] : cleaned[1]]
        # "class-balanced (CB) losses": the head follows the parenthesis
        close = short_span.end
        tail = None
        if close + 1 < len(doc) and doc[close].text == ")" and rules.head_tier(doc[close + 1]) is not None \
                and doc[close + 1].norm_ not in rules.nonheads and rules.head_tier(name_span[-1]) is None \
                and name_span[-1].norm_ not in rules.nonheads:
            tail = doc[close + 1]
        if tail is not None:
            full = doc[name_span.start : tail.i + 1]
            name = f"{_display(name_span)} {tail.text}"
            name = _singular_tail(name)
            ent_id = rules.lookup(name) or rules.lookup(name_span.text)
            if ent_id:
                name = rules.entities[ent_id].name
        else:
            full = name_span
            ent_id = rules.lookup(name_span.text)
            if ent_id is None and rules.lookup(a.short) is not None and not _is_methodish(rules, name_span, _ACRONYM):
                continue
            name = rules.entities[ent_id].name if ent_id else _display(name_span)
            prop = _in_proposal(proposing, a.field, full.start)
            if ent_id is None and not _is_methodish(rules, name_span, _ACRONYM) and not (
                    _titleish(name_span) and prop and name_span[-1].norm_ not in rules.nonheads) \
                    and not _refines_known(rules, doc, name_span.start, name_span.end):
                continue  # (a known method with words in front is a variant: "graph scattering transforms")
        prop = _in_proposal(proposing, a.field, full.start)
        defined[a.short] = (ent_id, name, tail.norm_ if tail is not None else None)
        out.append(_Cand(a.field, full.start, full.end, full.start_char, full.end_char, ent_id,
                         name, "method.acronym", prop))
        out.append(_Cand(a.field, short_span.start, short_span.end, short_span.start_char,
                         short_span.end_char, ent_id, name, "method.acronym", prop))
        if tail is not None:
            out.append(_Cand(a.field, short_span.start, tail.i + 1, short_span.start_char,
                             tail.idx + len(tail.text), ent_id, name, "method.acronym", prop))
    if defined:
        for fld in _FIELDS:
            doc = ctx.docs[fld]
            text = ctx.normalized[fld].text
            for key, start, end in _word_hits(text, defined):
                i = _token_at(doc, start)
                if i is None or doc[i].idx + len(doc[i].text) != end:
                    continue
                if key in defined:
                    tok = doc[i]
                    ent_id, name, tail_norm = defined[key]
                    end = tok.i + 1
                    if tail_norm is not None and end < len(doc) and doc[end].norm_ == tail_norm:
                        end += 1
                    span = doc[tok.i : end]
                    out.append(_Cand(fld, span.start, span.end, span.start_char, span.end_char, ent_id, name,
                                     "method.acronym"))
    short_names = {k: v[1] for k, v in defined.items()}
    short_names.update({f"{k} {v[2]}": v[1] for k, v in defined.items() if v[2]})
    return out, short_names


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
            if prev != "we":
                continue
        elif prev not in _AUTHOR_SUBJECTS:
            # "by proposing X", "and use it to develop X" in a sentence whose subject is the authors
            gerund = low.endswith("ing") and prev in ("by", "and", ",", "")
            infinitive = prev == "to"
            if not ((gerund or infinitive) and _sentence_is_ours(doc, i)):
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


def _joins_name(doc: Doc, i: int) -> bool:
    """Is token ``i`` an "of"/"&" inside a capitalised name ("Mixture of Experts")?"""
    return doc[i].text.lower() in ("of", "&") and 0 < i < len(doc) - 1 and _is_cap(doc[i - 1]) \
        and _is_cap(doc[i + 1])


def _in_proposal(proposing: dict, fld: str, tok_i: int) -> bool:
    return any(s <= tok_i < e for s, e in proposing.get(fld, ()))


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
        if (low in _NAMING_PARTICIPLES and not so_called) or (
                _VERB_FORMS.get(low) in _NAMING_VERBS and tok.i > 0 and doc[tok.i - 1].text.lower() == "we"):
            _, sent_end = _sent_bounds(doc, tok.i)
            starts.append((tok.i + 1, min(sent_end, tok.i + 10), "method.called"))
    for i in trig["our"]:
        if i + 1 < len(doc) and (fold(doc[i + 1].text) in rules.vague or doc[i + 1].text.lower() in _OUR_SKIP):
            continue  # "our method shows ...", "our results": no name follows
        _, sent_end = _sent_bounds(doc, i)
        starts.append((i + 1, min(sent_end, i + 8), "method.our"))
    out += _apposed_names(rules, doc, trig["new"])
    for s, e, rule in starts:
        cand = _name_at(rules, doc, s, e)
        if cand is None and rule == "method.called":
            cand = _coined_word(rules, doc, s, e)

        if cand is None:
            continue
        a, b = cand
        span = doc[a:b]
        prop = rule in ("method.propose", "method.our") or _sentence_is_ours(doc, s, also=_COPULA_NEW)
        out.append(_Cand("abstract", a, b, span.start_char, span.end_char, rules.lookup(span.text),
                         _display(span), rule, prop))
    return out


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


def _skip_generic(rules: MethodRules, doc: Doc, s: int, e: int) -> int:
    """The first token of ``[s, e)`` after generic words, stop words, commas and opening quotes."""
    k = s
    while k < e and not _is_namey(doc[k]) and (doc[k].norm_ in rules.generic or doc[k].is_stop
                                               or doc[k].text in (",", "-", *_OPEN_QUOTES)
                                               or doc[k].text.lower() in ("i.e.", "namely", "viz.")) \
            and not (_is_word(doc[k]) and _compound_end(doc, k, e) > k + 1
                     and _norm(doc[k:_compound_end(doc, k, e)].text) not in rules.generic):
        k += 1  # (a hyphen compound is kept whole: "top-k", "one-shot")
    return k


def _object_stop(doc: Doc, k: int, e: int) -> int:
    """Where the object phrase starting at ``k`` ends (a clause word, a naming participle or a comma)."""
    stop = k
    words = _words(doc)
    while stop < e and (words[stop].lower() not in _OBJECT_END or _joins_name(doc, stop)) and \
            words[stop].lower() not in _NAMING_PARTICIPLES and words[stop] != ",":
        stop += 1
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
    m = _cap_end(doc, k, stop)
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


_LATEX_CHARS = "{}^_\\$"
_OPEN_QUOTES = ("``", "`", "“", '"', "'")
_CLOSE_QUOTES = ("''", "”", '"', "'")


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


_OURS = re.compile(r"[a-z]+")
_OURS_WORDS = frozenset(("we", "our"))


def _doc_text(doc: Doc) -> str:
    """``doc.text``, taken from the normalized text find_methods stored (spaCy would rebuild it)."""
    text = doc.user_data.get("kg.methods.text")
    if text is None:
        text = doc.user_data["kg.methods.text"] = doc.text
    return text


_LETTERS = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z]")
_TITLE_STOP = frozenset("on towards toward why how when what whence is are do does can beyond rethinking "
                        "revisiting understanding a an no not all every".split())
_TITLE_BREAK = frozenset("for in with via under of on from to through without using by at beyond "
                         "and : -- — –".split())
_TITLE_BREAK_RE = re.compile(r"(?<=\s)(?:{})(?=\s)|:|--|—|–".format("|".join(
    w for w in sorted(_TITLE_BREAK, key=len, reverse=True) if w.isalpha())), re.IGNORECASE)
#: where a title's name ends: ":", "--", an em/en dash, or a spaced hyphen ("NAME - A ...")
_TITLE_CUT = re.compile(r"(?:\s*)(:|--|—|–|(?<=\s)-(?=\s))")


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
                all(_is_cap(t) or t.text.lower() in ("of", "to", "and", "while", "for") for t in words) and \
                span[-1].norm_ not in rules.nonheads and not _LATEX_GLUED.search(span.text) and \
                not _of_known(rules, span):
            hyphen = any(t.text == "-" and _glued(doc[t.i - 1], t) for t in span[1:])
            named = not any(t.text.lower() == "of" for t in span) and len(words) <= 4 and (
                any(_is_namey(t) for t in words) or hyphen)
            abstract = ctx.docs["abstract"]
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


#: a LaTeX command glued to a word by the normalization ("scriptsizeFLaws")
_LATEX_GLUED = re.compile(r"\b(?:text|math|script|footnote|small|large|emph|frac|mbox)[a-z]*[A-Z]")


def _of_known(rules: MethodRules, span: Span) -> bool:
    """Is ``span`` "<X> of <known method>" ("Sample Complexity of GAN"): a property of a known
    method, not a method?"""
    ofs = [t.i for t in span if t.text.lower() == "of"]
    return bool(ofs) and rules.lookup(span.doc[ofs[-1] + 1 : span.end].text) is not None


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


def _refines_known(rules: MethodRules, doc: Doc, s: int, e: int) -> bool:
    """Does ``doc[s:e]`` end in a known method with distinguishing words in front ("Distributed Stochastic
    Gradient Descent", "Sparse Gaussian Process Regression"): a new variant of it?"""
    for x in range(s + 1, e):
        if doc[x - 1].text == "-" or doc[x].text == "-":
            continue  # inside a hyphen compound ("self-attention"): no split
        if rules.lookup(doc[x:e].text):
            return any(_is_word(t) and t.norm_ not in rules.generic and not t.is_stop for t in doc[s:x])
    return False


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


def _proposed_marks(rules: MethodRules, ctx: Context, cands: list[_Cand], trig: dict) -> set[tuple[TextField, int]]:
    """Candidates the authors introduce: "our (proposed/new) X", "the proposed X", "X, a novel ...",
    "a novel ... X" in a sentence of ours, "our algorithm, X". Only candidates near an "our"/"novel"/
    "new"/"proposed"/"resulting" trigger are looked at."""
    marks = set()
    for c in cands:
        doc = ctx.docs[c.fld]
        if any(c.start - 9 <= x < c.start for x in trig[c.fld]["verb"]) and _apposition(rules, doc, c.start):
            marks.add((c.fld, c.start))
        near = trig[c.fld]["our"] + trig[c.fld]["new"]
        if not any(c.start - 7 <= x < c.start or c.end < x <= c.end + 2 for x in near):
            continue
        if _apposition(rules, doc, c.start):
            marks.add((c.fld, c.start))
        known = (c.entity or rules.lookup(c.name)) is not None
        # "our convolutional network model", "our transformer architecture": the authors' instance of a
        # known method, not a new method
        modifier = known and c.end < len(doc) and doc[c.end].norm_ in _ACRONYM_NOUNS
        j = c.start - 1
        while j >= 0 and doc[j].text.lower() in _COPULA_NEW:
            j -= 1
        if j >= 0 and (doc[j].text.lower() == "our" or (j < c.start - 1 and doc[j].text.lower() == "the"
                                                        and doc[c.start - 1].text.lower() == "proposed")) \
                and not modifier:
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


# --------------------------------------------------------------------------------------------------


def _excluded(exclude: Sequence[Tag]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {f: [] for f in _FIELDS}
    for tag in exclude:
        for ev in tag.evidence:
            out.setdefault(ev.field, []).append((ev.start, ev.end))
    return out


def _overlap_filter(cands: list[_Cand]) -> list[_Cand]:
    """Where candidates overlap, keep the longest (then the earliest, then named rules over vocabulary)."""
    order = sorted(cands, key=lambda c: (-(c.end - c.start), c.start, c.rule))
    owner: dict[tuple[str, int], tuple[int, int]] = {}  # (field, token) -> the kept span covering it
    kept = []
    for c in order:
        here = (c.start, c.end)
        if any(owner.get((c.fld, t), here) != here for t in range(c.start, c.end)):
            continue
        for t in range(c.start, c.end):
            owner[(c.fld, t)] = here
        kept.append(c)
    return kept


def _abbreviates(short: str, long: str) -> bool:
    """Does ``short`` ("DVIB", "VQ-VAE") abbreviate ``long`` by word initials, first and last letters
    included ("Deep Variational Information Bottleneck")?"""
    letters = [c.lower() for c in short if c.isalpha()]
    initials = [w[0].lower() for w in re.split(r"[\s\-]+", long) if w and w[0].isalpha()]
    if len(letters) < 2 or not initials or len(initials) > len(letters) + 2:
        return False
    if letters[0] != initials[0] or letters[-1] != initials[-1]:
        return False
    it = iter(initials)
    return all(any(c == x for x in it) for c in letters)


def _merge_abbreviations(rules: MethodRules, groups: dict[str, dict]) -> None:
    """Merge a rule-found acronym-like name into the rule-found name it abbreviates, when the paper
    never defines it in parentheses (an acronym in the title, its words spelled out
    in the abstract)."""
    shorts = [k for k, g in groups.items() if k not in rules.entities and " " not in g["entity"].name
              and sum(c.isupper() for c in g["entity"].name) >= 2]
    for k in shorts:
        short = groups[k]["entity"].name
        target = next((t for t, g in sorted(groups.items()) if t != k and t not in rules.entities
                       and " " in g["entity"].name and _abbreviates(short, g["entity"].name)), None)
        if target is None:
            continue
        _merge_groups(groups, k, target)


def _known_without_noun(rules: MethodRules, name: str) -> str | None:
    """The vocabulary id of a name once a trailing generic noun is dropped ("Langevin Monte Carlo
    algorithms" → Langevin Monte Carlo, "Frank-Wolfe method" → Frank-Wolfe)."""
    head, _, last = name.rpartition(" ")
    if head and fold(last) in _GENERIC_NOUNS:
        return rules.lookup(head)
    return None


_GENERIC_NOUNS = frozenset(("algorithm", "method", "scheme", "optimizer"))  # folded (plural s dropped)


def _merge_groups(groups: dict[str, dict], src_id: str, dst_id: str) -> None:
    src, dst = groups.pop(src_id), groups[dst_id]
    dst["proposed"] = dst["proposed"] or src["proposed"]
    for m in src["mentions"]:
        dst["mentions"].setdefault(m, None)
    dst["evidence"].update(src["evidence"])


def _merge_title_into_known(rules: MethodRules, groups: dict[str, dict]) -> None:
    """A title name that is a known method of the paper with one word inserted inside it ("Classifier-
    Free Diffusion Guidance" for classifier-free guidance) is that method, named for the title; words in
    front make a variant instead ("Stochastic Normalizing Flows") and stay apart."""
    known = {k: _fold_words(g["entity"].name) for k, g in groups.items() if k in rules.entities}
    for k in sorted(groups):
        g = groups.get(k)
        if g is None or k in rules.entities or not all(e.field == "title" for e in g["evidence"].values()):
            continue
        words = _fold_words(g["entity"].name)
        for target, kw in sorted(known.items()):
            if len(kw) >= 2 and len(words) == len(kw) + 1 and words[0] == kw[0] and words[-1] == kw[-1] \
                    and any(words[:i] + words[i + 1:] == kw for i in range(1, len(words) - 1)):
                _merge_groups(groups, k, target)
                break


def _fold_words(name: str) -> list[str]:
    return fold(name.replace("-", " ")).split()


def _merge_title_into_defined(rules: MethodRules, groups: dict[str, dict]) -> None:
    """A title name that ends with a name the abstract defines by acronym is that method with extra
    words ("Noise Aware Feature Aggregation & Fusion" → "Feature Aggregation &
    Fusion (FAF)"): merge it there."""
    # (only a name the paper defines while proposing it: a defined background method with words in
    # front is a new variant of it, "Pruned <defined method>")
    defined = {fold(g["entity"].name): k for k, g in groups.items() if k not in rules.entities and g["proposed"]
               and any(e.rule == "method.acronym" for e in g["evidence"].values())}
    for k in sorted(groups):
        g = groups.get(k)
        if g is None or k in rules.entities or not all(e.rule == "method.title" for e in g["evidence"].values()):
            continue
        key = fold(g["entity"].name)
        target = next((t for name, t in sorted(defined.items()) if t != k and key.endswith(" " + name)), None)
        if target is not None:
            _merge_groups(groups, k, target)


def find_methods(ctx: Context, exclude: Sequence[Tag] = ()) -> list[Tag]:
    """The methods of one paper: one Tag per canonical method with role, mentions and evidence.

    Args:
        ctx: the paper's :class:`~kg.extract.context.Context` (normalized docs, sentences, acronyms).
        exclude: divergence/dataset tags already found; a candidate lying inside one of their
            evidence spans is not a method (one that merely contains one, "Wasserstein GAN", is).

    Returns:
        Tags sorted by entity id. Entities from the vocabulary keep their id; rule-found ones get
        ``method:<slug(name)>`` so that the same method in two papers is one node.

    Example::

        >>> from kg.extract import contexts
        >>> from kg.models import Paper
        >>> ctx = next(contexts([Paper(id="x", title="T", abstract="We propose the log-variance loss.")]))
        >>> [(t.entity.name, t.role) for t in find_methods(ctx)]
        [('log-variance loss', 'proposed')]
    """
    rules = _rules()
    for fld in _FIELDS:  # the normalized text is doc.text without spaCy rebuilding it token by token
        ctx.docs[fld].user_data["kg.methods.text"] = ctx.normalized[fld].text
    matched = {fld: _matches(rules, ctx.docs[fld]) for fld in _FIELDS}
    trig = {fld: matched[fld][1] for fld in _FIELDS}
    proposing = _proposals(ctx, trig["abstract"]["verb"])
    named = {m[0] for fld in _FIELDS for m in matched[fld][0] if not m[3] or
             (_words(ctx.docs[fld])[m[1]] if m[2] - m[1] == 1 else ctx.docs[fld][m[1]:m[2]].text) not in rules.guarded}
    cands: list[_Cand] = []
    for fld in _FIELDS:
        doc = ctx.docs[fld]
        cands += _vocab_cands(rules, fld, doc, ctx.acronyms, matched[fld][0], named)
        cands += _head_cands(rules, fld, doc, trig[fld]["head"])
        cands += _proper_cands(rules, fld, doc, trig[fld]["proper"])
        cands += _list_cands(rules, fld, doc, trig[fld]["list"])
    cands += _variant_cands(rules, ctx, [c for c in cands if c.fld == "title" and c.entity is not None])
    acro, short_names = _acronym_cands(rules, ctx, proposing)
    cands += acro
    cands += _named_cands(rules, ctx, proposing, trig["abstract"])
    cands += _title_cands(rules, ctx)

    excluded = _excluded(exclude)
    kept = []
    for c in cands:
        s, e = ctx.to_original(c.fld, c.start_char, c.end_char)
        if any(xs <= s and e <= xe for xs, xe in excluded.get(c.fld, ())):
            continue
        kept.append(c)
    kept = _overlap_filter(kept)
    marks = _proposed_marks(rules, ctx, kept, trig)

    # a name that is an accepted acronym (a coined title name defined in the abstract) is the acronym's entity
    short_folds = {fold(k): v for k, v in short_names.items()}
    proposing_at = _proposals_wide(ctx, trig["abstract"]["verb"])
    title_names = {fold(c.name) for c in kept if c.rule == "method.title" and c.proposed}
    groups: dict[str, dict] = {}
    for c in sorted(kept, key=lambda c: (c.fld != "title", c.start_char, c.rule)):
        name = short_folds.get(fold(c.name), c.name) if c.entity is None else c.name
        ent_id = c.entity or rules.lookup(name) or _known_without_noun(rules, name)
        entity = rules.entities[ent_id] if ent_id else Method(id=f"method:{slug(name)}", name=name)
        g = groups.setdefault(entity.id, {"entity": entity, "proposed": False, "mentions": {}, "evidence": {},
                                          "first": None})
        ev = ctx.evidence(c.fld, c.start_char, c.end_char, c.rule)
        proposes = c.proposed or (c.fld, c.start) in marks
        if proposes and c.fld == "abstract" and ent_id and c.rule != "method.acronym" and g["first"] is not None \
                and g["first"] < _sent_bounds(ctx.docs["abstract"], c.start)[0]:
            # a known method the abstract already named in an earlier sentence is background: "we
            # introduce an approximate <known method> rule" proposes a variant, not the method
            proposes = False
        if c.fld == "abstract" and g["first"] is None and not proposes \
                and not _in_proposal(proposing_at, c.fld, c.start):
            g["first"] = c.start
        g["proposed"] = g["proposed"] or proposes or fold(c.name) in title_names
        g["mentions"].setdefault(ev.surface, None)
        g["evidence"].setdefault((ev.field, ev.start, ev.end, ev.rule), ev)
    _merge_abbreviations(rules, groups)
    _merge_title_into_defined(rules, groups)
    _merge_title_into_known(rules, groups)
    tags = []
    for ent_id in sorted(groups):
        g = groups[ent_id]
        evidence: tuple[Evidence, ...] = tuple(g["evidence"][k] for k in sorted(g["evidence"]))
        tags.append(Tag(entity=g["entity"], role="proposed" if g["proposed"] else "used",
                        mentions=tuple(g["mentions"]), evidence=evidence))
    return tags


def vocabulary_entities() -> list[Method]:
    """Alias of :func:`method_entities` under the name :func:`kg.extract.vocabulary_entities` looks for."""
    return method_entities()
