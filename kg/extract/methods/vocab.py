"""The methods vocabulary and rule tables (:class:`MethodRules`, one per process), the candidate record and
the word lists every method rule shares."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher

from kg.config import default_data_dir
from kg.errors import VocabularyError
from kg.extract.keys import norm_key, pattern_variants
from kg.extract.regexes import first_test
from kg.extract.vocab import FAMILIES_FILE, read_rows, to_entity
from kg.models import Method, TextField
from kg.models import fold as _fold_uncached

CASED = "cased:"  # label prefix of the case-sensitive aliases in the phrase matcher


TRIGGER_OUR, TRIGGER_VERB, TRIGGER_HEAD, TRIGGER_PROPER, TRIGGER_NEW, TRIGGER_LIST = (
    "__our__", "__verb__", "__head__", "__proper__", "__new__", "__list__")


#: triggers of the round-5 shape rules (kg/extract/methods/shapes.py)
TRIGGER_COINED, TRIGGER_COMPARE, TRIGGER_SUBJECT, TRIGGER_NET = "__coined__", "__compare__", "__subject__", "__net__"


_TRIGGER_KEYS = {TRIGGER_OUR: "our", TRIGGER_VERB: "verb", TRIGGER_HEAD: "head", TRIGGER_PROPER: "proper",
                 TRIGGER_NEW: "new", TRIGGER_LIST: "list", TRIGGER_COINED: "coined", TRIGGER_COMPARE: "compare",
                 TRIGGER_SUBJECT: "subject", TRIGGER_NET: "net"}


#: method nouns next to which a coined name is a method ("the DCGAN and BEGAN approaches", "the algorithm IWAL")
_COINED_HEADS = ("algorithm", "method", "approach", "model", "architecture", "network", "module", "framework",
                 "procedure", "scheme", "technique", "estimator", "optimizer", "agent", "classifier", "learner",
                 "sampler", "solver", "baseline", "variant", "attack", "defense")
#: words after which a coined name is what the paper compares with ("than DPC", "outperforms BM3D-AMP")
_COMPARE_WORDS = ("compared", "compare", "comparison", "comparisons", "outperform", "outperforms", "outperformed",
                  "outperforming", "than", "versus", "vs", "vs.", "surpass", "surpasses", "surpassed", "surpassing")
#: what a method does, with a coined name as subject ("SSCN outperforms ...", "MICRF obtains ...")
_SUBJECT_VERBS = ("outperforms", "achieves", "obtains", "attains", "improves", "converges", "matches", "beats",
                  "surpasses", "admits", "enjoys", "learns", "reaches", "yields", "scales")
_NET_WORDS = ("network", "networks", "net", "nets")


#: plural nouns after which "such as / including / e.g." lists methods ("approaches, such as DQN, A3C")
_LIST_NOUNS = frozenset("approach method model algorithm technique baseline estimator sampler optimizer "
                        "network architecture work framework scheme variant loss objective".split())


_LIST_END = frozenset(". ; : ) ( [ ] which that to in for with inside on".split())


#: nouns that name a method after a proper name ("Gibbs algorithm", "Cholesky decomposition");
#: not "measure", "metric", "gap": after a name those are mathematical objects ("Lebesgue measure")
_PROPER_HEADS = ("algorithm", "method", "decomposition", "envelope", "projection", "sampling", "sampler",
                 "iteration", "transformation", "estimator", "embedding", "network", "bridge", "machine", "filter",
                 "process", "scaling", "approximation", "regression")
# ("Markov decision process", "Hawkes process", "Platt scaling", "Laplace approximation", "Poisson regression")


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
    parent: str | None = None  # the family of a rule-found name that is a numbered member ("ResNet-50")


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
            ent = to_entity(row)
            if not isinstance(ent, Method):
                raise VocabularyError(f"{row['_where']}: not a method: {ent.id}")
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
        #: the names of numbered families as written ("ResNet", "VGG") -> family id, and the regex of a
        #: name with its depth or size ("ResNet-50", "ResNet18", "LeNet-300-100"); a digit glued to the
        #: name needs two, one glued digit is a footnote mark ("GAN2", "networks.1")
        self.numbered: dict[str, str] = {}
        families = folder / FAMILIES_FILE
        for fam in read_rows(families) if families.exists() else ():
            if fam.get("numbered") and fam["id"] in self.entities:
                ent = self.entities[fam["id"]]
                for form in (ent.name, *(a for a in ent.aliases if a.isalpha() and not a.islower()
                                         and a != ent.name + "s")):
                    self.numbered.setdefault(form, ent.id)
        bases = "|".join(sorted(map(re.escape, self.numbered), key=lambda b: (-len(b), b)))
        self.numbered_re = first_test(re.compile(rf"\b(?P<base>{bases})(?:-(?P<n>\d{{1,4}})|(?P<g>\d{{2,4}}))"
                                                 rf"(?P<more>(?:-\d{{1,4}})*)\b")) if bases else None
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
            TRIGGER_COINED: sorted({f for h in _COINED_HEADS for f in _forms(h)}),
            TRIGGER_COMPARE: list(_COMPARE_WORDS),
            TRIGGER_SUBJECT: list(_SUBJECT_VERBS),
            TRIGGER_NET: list(_NET_WORDS),
        }

    def matcher(self, nlp: Language) -> PhraseMatcher:
        """The one NORM phrase matcher for the vocab of ``nlp`` (built on first use, patterns made by
        ``nlp``'s tokenizer): vocabulary aliases, ``cased`` aliases (label ``cased:<id>``, checked against
        the exact text afterwards) and the trigger words."""
        key = id(nlp.vocab)
        if key not in self._matchers:
            make = nlp.make_doc
            by_norm = PhraseMatcher(nlp.vocab, attr="NORM")
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

    def numbered_variant(self, text: str) -> tuple[str, str] | None:
        """``(name, family id)`` when ``text`` is a numbered family's name with a depth or size
        ("ResNet50" → ("ResNet-50", "method:resnet")), else None."""
        m = self.numbered_re.fullmatch(text) if self.numbered_re is not None else None
        if m is None:
            return None
        fam = self.numbered[m.group("base")]
        return f"{self.entities[fam].name}-{m.group('n') or m.group('g')}{m.group('more')}", fam

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


_FUNCTION_WORDS = frozenset("of the a an to and or".split())


_ACRONYM_NOUNS = frozenset("model method algorithm framework approach architecture layer metric network "
                           "estimator loss objective scheme".split())


_ADJ_SUFFIXES = ("ed", "able", "ible", "al", "ive", "ous", "ful", "less", "ary")


_ANY, _NAMED, _ACRONYM = 0, 1, 2


_PREPOSITIONS = frozenset("of between for with in via to on under across".split())


_FAMILY_SUFFIXES = frozenset(("type", "like", "style"))


_LATEX_CHARS = "{}^_\\$"


_OPEN_QUOTES = ("``", "`", "“", '"', "'")


_CLOSE_QUOTES = ("''", "”", '"', "'")


_OURS = re.compile(r"[a-z]+")


_OURS_WORDS = frozenset(("we", "our"))


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


#: a LaTeX command glued to a word by the normalization ("scriptsizeFLaws")
_LATEX_GLUED = re.compile(r"\b(?:text|math|script|footnote|small|large|emph|frac|mbox)[a-z]*[A-Z]")


_GENERIC_NOUNS = frozenset(("algorithm", "method", "scheme", "optimizer"))  # folded (plural s dropped)
