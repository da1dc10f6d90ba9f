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
  form is a vocabulary name, ends in a method head noun, refines a known method, is a capitalised
  name the authors introduce, or a plain name apposed to what they propose ("a framework for ...,
  hierarchical visual foresight (HVF), which"); later bare uses of the acronym resolve to the same
  entity, as do those of an acronym whose long form another rule found ("methods called
  Counterfactual Simulation (CFS)"). A head noun after the parenthesis completes the name
  ("connectionist temporal classification (CTC) loss"). A paper's own
  definition beats the vocabulary's reading of an acronym; a long form missing the acronym's first
  letters is extended to the words that supply them.
* ``method.propose`` / ``method.called`` / ``method.our`` / ``method.apposition`` — "we propose/introduce/
  present X", "called/termed/dubbed X" (a quoted name whole), "our X", "NAME, a new/novel ...".
* ``method.apposed`` — a capitalised name apposed to the authors' lower-case description: "our frame
  prediction architecture, SpatialNet, ...", "a new model of ranking, the Random Shopper Model, ...".
* ``method.title`` — the title's named contribution ("Co-Teaching: ...", "The Sinkhorn Distance: ..."), a
  title that is only a short name, its leading name ("Adaptive Gradient Clipping") or a subtitle's
  ("...: A Smoothed Straight Through Estimator for ...").
* ``method.variant`` — a known method with distinguishing words in front that the title names and the
  abstract repeats ("Optimistic policy iteration"): the longer name wins over the known one, as it
  does in proposals ("we propose the saddle-free Newton method").
* ``method.family`` — "<known method>-type/-like/-style algorithms".
* ``method.numbered`` — a numbered family's name with a depth or size ("ResNet-50", "ResNet18", "VGG19",
  "LeNet-300-100"; the families marked ``numbered`` in ``data/vocab/families.jsonl``): a member entity of
  its own under the family, as the gold sets annotate it; one glued digit is a footnote mark, not a size.
* ``method.cited`` — a capitalised name cited right away: "Invariant Causal Prediction (Peters et al.,
  2016)", "SNIP (Lee et al., 2019)"; not after "in/on/from" (an environment or benchmark).
* ``method.list`` — coined or capitalised items of "<methods> such as/including A, B and C", or of any
  such list that names a known method.
* ``method.coined`` / ``method.compared`` / ``method.compound`` / ``method.head:network`` — the shape rules
  of :mod:`kg.extract.methods.shapes`: coined names next to a method noun ("the DCGAN and BEGAN
  approaches", "the algorithm IWAL", "OSCAR is a ... approach", "methods (PGD, TRADES, and FSGM)"), after a
  comparison or as the subject of what a method does ("less than DetNAS", "SSCN outperforms ..."), a
  known acronym in a coined hyphen compound ("CHOCO-SGD"), "<modifier> neural networks".
* ``method.title.via`` — what the title says the work uses: "... Using Time-Dependent Personalized PageRank",
  "... via Progressive Module Networks" (a name no vocabulary knows is the paper's own).
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

import re
from collections.abc import Sequence

from kg.extract.context import Context
from kg.extract.methods.acronyms import _acronym_cands, _found_acronym_cands
from kg.extract.methods.candidates import (
    _cited_cands,
    _head_cands,
    _list_cands,
    _numbered_cands,
    _proper_cands,
    _sized_cands,
    _variant_cands,
    _vocab_cands,
)
from kg.extract.methods.proposals import _named_cands, _proposals, _proposals_wide
from kg.extract.methods.shapes import _coined_head_cands, _compared_cands, _compound_cands, _network_cands
from kg.extract.methods.titles import _proposed_marks, _title_cands, _title_means_cands
from kg.extract.methods.tokens import _in_proposal, _matches, _sent_bounds, _words
from kg.extract.methods.vocab import _FIELDS, _GENERIC_NOUNS, MethodRules, _Cand, _norm, _rules, fold, method_entities
from kg.models import Evidence, Method, Tag, slug

__all__ = ["find_methods", "method_entities", "MethodRules", "vocabulary_entities"]


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


def _merge_title_with_noun(rules: MethodRules, groups: dict[str, dict]) -> None:
    """A title name that is a name of the abstract plus a generic noun ("Approximate Policy Iteration
    Schemes" for the defined "Approximate Policy Iteration (API)") is that method: merge it there. A
    method the abstract cites ("... (Bertsekas & Tsitsiklis, 1996)") is published work, so it stays used."""
    names = {fold(g["entity"].name): k for k, g in groups.items()}
    for k in sorted(groups):
        g = groups.get(k)
        if g is None or not all(e.field == "title" for e in g["evidence"].values()):
            continue
        head, _, last = fold(g["entity"].name).rpartition(" ")
        target = names.get(head) if head and (last in _GENERIC_NOUNS or _norm(last) in rules.trailing) else None
        if target is None or target == k or target not in groups:
            continue
        cited = any(e.rule == "method.cited" for e in groups[target]["evidence"].values())
        proposed = groups[target]["proposed"]
        _merge_groups(groups, k, target)
        if cited:
            groups[target]["proposed"] = proposed


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
        cands += _sized_cands(rules, fld, doc, ctx.doc_text(fld))
        cands += _numbered_cands(rules, fld, doc, ctx.doc_text(fld))
        cands += _cited_cands(rules, fld, doc, ctx.doc_text(fld))
        text = ctx.doc_text(fld)
        cands += _coined_head_cands(rules, fld, doc, text, ctx.acronyms, trig[fld]["coined"])
        cands += _compared_cands(rules, fld, doc, text, ctx.acronyms, trig[fld]["compare"], trig[fld]["subject"])
        cands += _compound_cands(rules, fld, doc, matched[fld][0])
        cands += _network_cands(rules, fld, doc, text, trig[fld]["net"])
    cands += _variant_cands(rules, ctx, [c for c in cands if c.fld == "title" and c.entity is not None])
    acro, short_names = _acronym_cands(rules, ctx, proposing)
    cands += acro
    cands += _named_cands(rules, ctx, proposing, trig["abstract"])
    cands += _title_cands(rules, ctx)
    cands += _title_means_cands(rules, ctx)

    excluded = _excluded(exclude)
    kept = []
    for c in cands:
        s, e = ctx.to_original(c.fld, c.start_char, c.end_char)
        if any(xs <= s and e <= xe for xs, xe in excluded.get(c.fld, ())):
            continue
        kept.append(c)
    kept = _overlap_filter(kept)
    found_acro, found_names = _found_acronym_cands(ctx, kept, short_names)
    kept += found_acro
    short_names = {**short_names, **found_names}
    marks = _proposed_marks(rules, ctx, kept, trig)

    # a name that is an accepted acronym (a coined title name defined in the abstract) is the acronym's entity
    short_folds = {fold(k): v for k, v in short_names.items()}
    proposing_at = _proposals_wide(ctx, trig["abstract"]["verb"])
    title_names = {fold(c.name) for c in kept if c.rule == "method.title" and c.proposed}
    groups: dict[str, dict] = {}
    for c in sorted(kept, key=lambda c: (c.fld != "title", c.start_char, c.rule)):
        name = short_folds.get(fold(c.name), c.name) if c.entity is None else c.name
        ent_id = c.entity or rules.lookup(name) or _known_without_noun(rules, name)
        parent = c.parent
        if ent_id is None and parent is None and (numbered := rules.numbered_variant(name)) is not None:
            name, parent = numbered  # "our ResNet50" found by another rule: the member ResNet-50
        if ent_id:
            entity = rules.entities[ent_id]
        elif parent:
            glued = name.replace("-", "", 1)  # "ResNet50" finds "ResNet-50" in lookups too
            entity = Method(id=f"method:{slug(name)}", name=name, aliases=(glued,) if "-" not in glued else (),
                            parents=(parent,), family=rules.entities[parent].family or parent)
        else:
            entity = Method(id=f"method:{slug(name)}", name=name)
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
    _merge_title_with_noun(rules, groups)
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
