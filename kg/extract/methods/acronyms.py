"""Paper-scoped acronym definitions (``method.acronym``): "generalized method of moments (GMM)"."""

from __future__ import annotations

from kg.extract.context import Context
from kg.extract.methods.tokens import (
    _clean,
    _compound_start,
    _display,
    _extend_long,
    _glued,
    _in_proposal,
    _is_methodish,
    _refines_known,
    _sent_bounds,
    _sentence_is_ours,
    _singular_tail,
    _titleish,
    _token_at,
    _word_hits,
    _words,
)
from kg.extract.methods.vocab import (
    _ACRONYM,
    _ANY,
    _FIELDS,
    _NAMING_PARTICIPLES,
    _PROPOSE_VERBS,
    _VERB_FORMS,
    MethodRules,
    _Cand,
)

#: a lower-case "-ing" word followed by one of these inside a long form is a verb: the long form is a clause
_PREPOSITIONS = frozenset("within on in into to from with over under by at".split())


def _known_numbered(rules: MethodRules, short: str) -> str | None:
    """The known model a numbered acronym names whatever the paper spells it out as ("advantage
    actor-critic (A2C)", "Asynchronous Advantage Actor-Critic (A3C) model"): such acronyms are specific."""
    return rules.cased.get(short) if any(c.isdigit() for c in short) else None


def _apposed_proposal(doc, span) -> bool:
    """Is the long form ``span`` apposed to what the authors propose: "we propose a framework for
    subgoal generation and planning, hierarchical visual foresight (HVF), which ..."? Two to five plain
    words after a comma, in a sentence of ours whose proposing verb comes before it."""
    lo, _ = _sent_bounds(doc, span.start)
    words = _words(doc)
    if span.start - 1 <= lo or words[span.start - 1] != "," or not 2 <= len(span) <= 5 \
            or any(t.is_stop or not t.text[:1].isalpha() for t in span):
        return False
    verbs = [w for w in words[lo:span.start] if _VERB_FORMS.get(w.lower()) in _PROPOSE_VERBS
             and w.lower() not in _NAMING_PARTICIPLES]
    return bool(verbs) and _sentence_is_ours(doc, span.start)


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
        if long_span.start > 0 and doc[long_span.start - 1].text == "-" \
                and _glued(doc[long_span.start - 1], long_span[0]):
            # a long form never starts inside a hyphen compound: "Self-supervised Online ... (SOAP)"
            long_span = doc[_compound_start(doc, long_span.start, 0) : long_span.end]
        # the long form starts where the acronym's first letter does: trim only determiners and "novel"
        cleaned = _clean(rules, doc, long_span.start, long_span.end, light=True)
        if cleaned is None:
            continue
        name_span = doc[cleaned[0] : cleaned[1]]
        if any(t.text.islower() and t.text.endswith("ing") and doc[t.i + 1].text in _PREPOSITIONS
               for t in name_span[:-1]):
            continue  # a clause, not a name: "graph neural networks falling within the message-passing ..."
        # "class-balanced (CB) losses": the head follows the parenthesis
        close = short_span.end
        tail = None
        if close + 1 < len(doc) and doc[close].text == ")" and rules.head_tier(doc[close + 1]) is not None \
                and doc[close + 1].norm_ not in rules.nonheads and rules.head_tier(name_span[-1]) is None \
                and (name_span[-1].norm_ not in rules.nonheads or rules.head_tier(doc[close + 1]) == _ANY):
            # ("connectionist temporal classification (CTC) loss": a loss names a method whatever it classifies)
            tail = doc[close + 1]
        if tail is not None:
            full = doc[name_span.start : tail.i + 1]
            name = f"{_display(name_span)} {tail.text}"
            name = _singular_tail(name)
            ent_id = rules.lookup(name) or rules.lookup(name_span.text) or _known_numbered(rules, a.short)
            if ent_id:
                name = rules.entities[ent_id].name
        else:
            full = name_span
            ent_id = rules.lookup(name_span.text)
            ent_id = ent_id or _known_numbered(rules, a.short)
            if ent_id is None and rules.lookup(a.short) is not None and not _is_methodish(rules, name_span, _ACRONYM):
                continue
            name = rules.entities[ent_id].name if ent_id else _display(name_span)
            prop = _in_proposal(proposing, a.field, full.start)
            if ent_id is None and not _is_methodish(rules, name_span, _ACRONYM) and not (
                    (_titleish(name_span) and prop or _apposed_proposal(doc, name_span))
                    and name_span[-1].norm_ not in rules.nonheads) \
                    and not _refines_known(rules, doc, name_span.start, name_span.end):
                continue  # (a known method with words in front is a variant: "graph scattering transforms")
        prop = _in_proposal(proposing, a.field, full.start) or (ent_id is None and _apposed_proposal(doc, name_span))
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


def _found_acronym_cands(ctx: Context, kept: list[_Cand],
                         short_names: dict[str, str]) -> tuple[list[_Cand], dict[str, str]]:
    """The acronym of a name another rule found ("methods called Counterfactual Simulation (CFS)", "a new
    framework, Translation between Augmented Natural Languages (TANL)"): its definition and every later use
    are that method (rule ``method.acronym``), though the acronym rule alone did not take the long form
    for a method name. Returns the candidates and ``short → name`` of these definitions."""
    out: list[_Cand] = []
    names: dict[str, str] = {}
    if not ctx.acronym_defs:
        return out, names
    ends = {(c.fld, c.end_char): c for c in kept if c.rule != "method.acronym"}
    taken: set[tuple[str, int]] | None = None
    for a in ctx.acronym_defs:
        found = ends.get((a.field, a.long_end))
        if found is None or a.short in short_names or a.short in names or not a.long_start <= found.start_char:
            continue
        if taken is None:
            taken = {(c.fld, t) for c in kept for t in range(c.start, c.end)}
        names[a.short] = found.name
        for fld in _FIELDS:
            doc = ctx.docs[fld]
            for _, start, end in _word_hits(ctx.normalized[fld].text, (a.short,)):
                i = _token_at(doc, start)
                if i is None or doc[i].idx + len(doc[i].text) != end or (fld, i) in taken:
                    continue
                out.append(_Cand(fld, i, i + 1, start, end, found.entity, found.name, "method.acronym"))
    return out, names
