"""Divergences: measures of discrepancy between probability distributions.

Four rules, each recorded as the evidence ``rule``:

* ``vocab:<entity id>`` — a vocabulary alias (data/vocab/divergences.jsonl) matched on NORM or, for
  short acronyms such as "KL"/"FID", as written. Ambiguous aliases are checked against their
  context (e.g. "total variation regularization" is an image prior, not a distance).
* ``div:list`` — bare family names coordinated before a shared head ("KL-, L_2-, Chi-squared,
  Hellinger, and Alpha-divergences").
* ``div:named`` — an eponymous divergence no list has ("Jeffreys divergence", "Fréchet Wrenformer
  Distance"): capitalized name(s) + divergence/discrepancy/Distance in the abstract.
* ``div:generic`` — the family word alone in a statistical sense ("divergences between path space
  measures") when no specific divergence is named in that sentence.

Non-distributional senses are never tagged: vector-field divergence, "divergence-free", the
divergence theorem, divergent integrals, "training diverges", Euclidean distances between points.
KL divergences carry ``variant`` forward/reverse when the words around the mention say so.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from kg.extract.context import FIELDS, Context
from kg.extract.docext import VOCAB_KEY
from kg.extract.regexes import first_test
from kg.extract.tags import TagCollector
from kg.extract.vocab import ambiguous_aliases, entities_by_id
from kg.models import Divergence, Tag, fold, slug

KL = "divergence:kullback-leibler"
GENERIC = "divergence:generic"

_REVERSE = {"reverse", "reversed", "exclusive", "modeseeking", "backward"}
_FORWARD = {"forward", "inclusive", "masscovering", "moment-matching", "momentmatching"}

# words after an alias that show a non-distributional sense of that alias
_NOT_AFTER = {
    "divergence:total-variation": {"regularization", "regularizer", "regulariser", "denoising", "norm",
                                   "seminorm", "penalty", "minimization", "prior", "loss", "of",
                                   "diminishing", "flow", "model"},
    "divergence:wasserstein": {"gan", "autoencoder", "auto", "wgan"},
    KL: {"ucb", "lucb"},  # the KL-UCB bandit algorithm
}

# bare conjunct names in a divergence list → entity id
_BARE = {
    "kl": KL, "kullbackleibler": KL, "kullback leibler": KL,
    "l2": "divergence:l2-distance", "l_2": "divergence:l2-distance", "ℓ2": "divergence:l2-distance",
    "ℓ_2": "divergence:l2-distance",
    "chisquared": "divergence:chi-squared", "chisquare": "divergence:chi-squared",
    "chi squared": "divergence:chi-squared", "χ2": "divergence:chi-squared", "χ^2": "divergence:chi-squared",
    "chi^2": "divergence:chi-squared", "chi2": "divergence:chi-squared",
    "hellinger": "divergence:hellinger", "squared hellinger": "divergence:hellinger",
    "alpha": "divergence:alpha", "α": "divergence:alpha",
    "renyi": "divergence:renyi", "rényi": "divergence:renyi",
    "jensenshannon": "divergence:jensen-shannon", "js": "divergence:jensen-shannon",
    "jeffreys": "divergence:jeffreys",
    "total variation": "divergence:total-variation", "tv": "divergence:total-variation",
    "wasserstein": "divergence:wasserstein", "bregman": "divergence:bregman",
    "tsallis": "divergence:tsallis", "f": "divergence:f-divergence",
}
_HEAD = r"(?:divergences?|distances?|metrics?)"
_ITEM = r"[A-Za-zα-ωχℓ][\w^{}²\u0370-\u03ff]*(?:[- ][A-Za-z][a-z]+)?"
_LIST_HEAD = first_test(re.compile(rf"\b{_HEAD}\b"))
#: what every ``_LIST_HEAD`` / ``_NAMED`` match holds (a literal test is far cheaper than the scan)
_HEAD_LITERALS = ("divergence", "distance", "metric")
_NAMED_LITERALS = ("ivergence", "iscrepanc", "Distance")
_LIST = re.compile(
    rf"(?P<items>(?:{_ITEM}-?,\s+)+(?:(?:and|or)\s+)?)(?P<last>{_ITEM})-?\s*(?P<head>{_HEAD})\b"
)
_NAMED = first_test(re.compile(
    r"(?<![\w\-\u2010-\u2015])(?P<name>(?:[A-Z][a-zé'\\]+[- ])*[A-Z][a-zé'\\]+)"
    r"[- ](?P<head>[Dd]ivergences?|[Dd]iscrepanc(?:y|ies)|Distances?)\b"
))
_NAMED_SKIP = {"The", "This", "These", "Our", "A", "An", "We", "In", "Such", "Each", "Any", "Both",
               "New", "Novel", "Proposed", "Statistical", "Generalized", "Unified", "Diffusion",
               "Symmetric", "Mean", "Maximum", "Total", "Kernel", "Relative", "Neural", "Fractional"}

# the family word in a statistical sense
_GENERIC_AFTER = {"between", "estimation", "estimator", "minimization", "minimisation", "entropy",
                  "penalty", "regularization", "regularisation", "objective", "minimizer", "bound"}
_GENERIC_BEFORE = {"statistical", "probability", "probabilistic", "information", "informationtheoretic",
                   "class", "family", "general", "generalized", "generalised", "arbitrary", "any",
                   "distributional", "variational", "minimum", "minimize", "minimizing", "minimise",
                   "minimising", "consider", "propose"}
_DISTRIBUTIONAL = re.compile(r"(?i)distribution|measure|probabilit|densit|sampl|converge|posterior|law")
_NOUN_MODIFIER = re.compile(r"^[a-z]{3,}(?:tion|sion|ment|ity)$")
# a vector-calculus / dynamics sense anywhere in the sentence
_TRAP = first_test(re.compile(
    r"divergence[- ]free|divergence theorem|divergence[- ]measure|vector field|velocity field|"
    r"flow field|gauss[- ]green|divergence operator|divergence form|"
    r"\bdiverge(?:s|d|nt)?\b|training divergence|divergence of (?:the )?(?:training|loss|gradient|class)",
    re.IGNORECASE,
))


def vocab_spans(ctx: Context, fld, label: str) -> list[Span]:
    """Maximal vocabulary spans of ``label`` in a field (:meth:`Context.vocab_spans`)."""
    return ctx.vocab_spans(fld, label)


def _variant(span: Span, sent_start: int) -> str | None:
    doc = span.doc
    words = [t.norm_ for t in doc[max(sent_start, span.start - 4): span.start] if t.norm_ not in "-()"]
    words += [t.norm_ for t in span]
    for w in reversed(words):
        if w in _REVERSE:
            return "reverse"
        if w in _FORWARD:
            return "forward"
    return None


def _between(span: Span) -> bool:
    """The mention is followed by a statistical use ("the f-divergence between them"), which no
    vector-field sense of the sentence overrides."""
    doc = span.doc
    return span.end < len(doc) and doc[span.end].norm_ in _GENERIC_AFTER


def _plausible(span: Span, eid: str, sent_text: str) -> bool:
    after = span.doc[span.end].norm_ if span.end < len(span.doc) else ""
    if after in _NOT_AFTER.get(eid, ()):
        return False
    if after in ("-",) and span.end + 1 < len(span.doc):
        nxt = span.doc[span.end + 1].norm_
        if nxt in _NOT_AFTER.get(eid, ()) or nxt == "free":
            return False
    if eid == "divergence:total-variation" and not _HEAD_WORDS.search(span.text) \
            and not _DISTRIBUTIONAL.search(sent_text):
        return False  # bare "total variation" of a function or a graph
    # an alias glued into an identifier or URL ("github.com/x/WassersteinMetric")
    if any(("/" in t.text or "." in t.text[1:-1]) and not t.like_num for t in span):
        return False
    return True


def _defined_otherwise(ctx: Context, span: Span, entity) -> bool:
    """An acronym alias that this paper defines as something else than the entity."""
    long = ctx.acronyms.get(span.text)
    if long is None:
        return False
    key = fold(long)
    names = [fold(a) for a in (entity.name, *entity.aliases)]
    return not any(key.startswith(n) or n.startswith(key) or key.split()[0] == n.split()[0]
                   for n in names if n)


def _dynamic(name: str) -> Divergence:
    return Divergence(id=f"divergence:{slug(name)}", name=name)


def find_divergences(ctx: Context) -> list[Tag]:
    """Every divergence the paper names, one :class:`Tag` per canonical divergence."""
    vocab = entities_by_id()
    tags = TagCollector(ctx)
    for fld in FIELDS:
        for span in vocab_spans(ctx, fld, "divergence"):
            eid = span.id_
            sent = ctx.sentence_span(span)
            sent_text = ctx.sentence_text(span)
            if not _plausible(span, eid, sent_text):
                continue
            if "divergence" in span.text.lower() and _TRAP.search(sent_text) and not _between(span):
                continue  # "vector fields whose alpha-divergence is a finite Radon measure"
            if _defined_otherwise(ctx, span, vocab[eid]):
                continue  # the paper defines "EMD" as empirical mode decomposition
            variant = _variant(span, sent.start) if eid == KL else None
            tags.add_span(vocab[eid], span, f"vocab:{eid}", variant=variant)
        text = ctx.doc_text(fld)
        heads = _LIST_HEAD.finditer(text) if any(w in text for w in _HEAD_LITERALS) else ()
        for head in heads:
            # a list needs commas just before its head: only then run the (costlier) list regex
            lo = max(0, head.start() - 160)
            if "," not in text[max(lo, head.start() - 40):head.start()]:
                continue
            m = _LIST.search(text, lo, head.end())
            while m is not None and m.end() != head.end():
                m = _LIST.search(text, m.start() + 1, head.end())
            if m is not None:
                _list_items(ctx, tags, fld, m, vocab)
        if fld == "abstract" and any(w in text for w in _NAMED_LITERALS):
            _named(ctx, tags, fld, text, vocab)
    _generic(ctx, tags, vocab)
    return _drop_ambiguous_only(_drop_bare_parents(tags.tags()))


def _drop_ambiguous_only(found: list[Tag]) -> list[Tag]:
    """Drop a tag whose every mention is an ambiguous acronym of its entity ("IPM" alone)."""
    amb = ambiguous_aliases()
    return [t for t in found
            if not (t.entity.id in amb and all(m.rstrip("s") in amb[t.entity.id] or m in amb[t.entity.id]
                                               for m in t.mentions))]


_HEAD_WORDS = re.compile(r"(?i)divergence|distance|metric|discrepanc|criterion|transport")


def _drop_bare_parents(found: list[Tag]) -> list[Tag]:
    """Drop a tag whose every mention is a bare name ("Wasserstein") when a more specific
    divergence of that family is tagged too ("1-Wasserstein distance")."""
    ids = {t.entity.id for t in found}
    parents = {p for t in found for p in getattr(t.entity, "parents", ())}
    return [t for t in found
            if not (t.entity.id in parents and t.entity.id in ids
                    and not any(_HEAD_WORDS.search(m) for m in t.mentions))]


def _list_items(ctx: Context, tags: TagCollector, fld, m: re.Match, vocab) -> None:
    items_text = m.group("items")
    base = m.start("items")
    parts = [(p.start(), p.group(0)) for p in re.finditer(_ITEM, items_text)]
    parts = [(base + s, t) for s, t in parts if t not in ("and", "or")]
    parts.append((m.start("last"), m.group("last")))
    keys = [(s, t, _BARE.get(t.lower().replace("-", "").strip())
             or _BARE.get(t.lower().replace("-", " ").strip())) for s, t in parts]
    if sum(1 for *_, k in keys if k) < 2:  # a list of divergences names at least two known ones
        return
    for s, t, eid in keys:
        if eid and eid in vocab:
            tags.add_chars(vocab[eid], fld, s, s + len(t), "div:list")


def _named(ctx: Context, tags: TagCollector, fld, text: str, vocab) -> None:
    for m in _NAMED.finditer(text):
        words = re.split(r"[- ]", m.group("name"))
        while words and words[0] in _NAMED_SKIP:
            words = words[1:]
        if not words:
            continue
        start = m.end("name") - len(" ".join(words))
        sent = ctx.sentence_at(fld, start)
        if sent.span.start_char == start:  # a capital at sentence start proves nothing
            continue
        if any(e.start_char < m.end() and start < e.end_char for e in ctx.docs[fld].spans[VOCAB_KEY]):
            continue  # already a vocabulary divergence
        head = m.group("head")
        singular = re.sub(r"ies$", "y", head) if head.endswith("ies") else re.sub(r"(?<=[ce])s$", "", head)
        name = text[start:m.start("head")] + singular  # "Jeffreys divergences" → "Jeffreys divergence"
        tags.add_chars(_dynamic(name), fld, start, m.end(), "div:named")


def _generic(ctx: Context, tags: TagCollector, vocab) -> None:
    generic = vocab[GENERIC]
    for sent in ctx.sentences:
        if "iverg" not in sent.text or _TRAP.search(sent.text):
            continue
        specific = tags.ids_in_sentence(sent.field, sent.index)
        if specific:
            continue
        toks = sent.span
        for i, tok in enumerate(toks):
            if tok.norm_ != "divergence":
                continue
            before = {t.norm_.replace("-", "") for t in toks[max(0, i - 3): i]}
            after = [t.norm_ for t in toks[i + 1: i + 3]]
            nxt = after[0] if after else ""
            if nxt == "-" and len(after) > 1:
                nxt = after[1]
            if nxt == "of" or tok.text[0].isupper() and sent.is_title:
                continue
            if nxt in _GENERIC_AFTER or before & _GENERIC_BEFORE:
                prev = toks[i - 1] if i > 0 else None
                if prev is not None and prev.is_lower and _NOUN_MODIFIER.search(prev.text) \
                        and prev.norm_ not in _GENERIC_BEFORE:
                    # "expected transportation divergence": a named divergence, not the family word
                    name = f"{prev.text} {tok.text.lower().rstrip('s')}"
                    tags.add_chars(_dynamic(name), sent.field, prev.idx, tok.idx + len(tok.text), "div:named")
                else:
                    tags.add_chars(generic, sent.field, tok.idx, tok.idx + len(tok.text), "div:generic")
                break
