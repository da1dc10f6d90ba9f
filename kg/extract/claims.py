"""Claims: sentences in which the authors state a contribution or a finding, typed.

An abstract usually runs background → gap → contribution → results. A sentence is a claim when it
states a contribution or finding (first person plural or "this paper" with a contribution verb, a
result phrase such as "experiments show" / "outperforms"), or when it follows the first such
sentence and is not setting, housekeeping ("code is available") or a limitation of prior work.
Background and motivation ("Recently, ...", "X is a fundamental problem", "However, existing
methods ...") are not claims. The type comes from cue words, scored per type:
``proposal`` (introduces a method/framework/objective), ``theoretical`` (proves, derives, bounds,
characterizes), ``empirical`` (experiments, benchmarks, performance), else ``other``.
Each claim links (``about``) to the entities tagged in the same sentence.
The rule id records why the sentence counted (``claim:we-verb``, ``claim:result``, ``claim:after``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kg.extract.context import Context, Sentence
from kg.extract.regexes import first_test
from kg.models import Claim, ClaimType, Tag

# patterns are written in lower case and run on the lower-cased sentence (much faster than IGNORECASE)

_WE = first_test(re.compile(r"\b(?:we|our|us|ours)\b|\bthis (?:paper|work|article|study|note|thesis|manuscript)\b|"
                 r"\bthe present (?:paper|work|article|study|note)\b|\b(?:in this|here)\b[^.]{0,40}\b(?:we|i)\b|"
                 r"^\s*(?:i|here)\b"))
_CONTRIB_VERB = first_test(re.compile(
    r"\b(?:propos|introduc|present|develop|design|devis|formulat|establish|prov(?:e|ing|ed)|show|"
    r"demonstrat|deriv|obtain|achiev|outperform|improv|find|found|reveal|identif|characteri[sz]|"
    r"giv(?:e|es|ing)\b|generali[sz]|extend|unif|resolv|solv|provid|offer|construct|build|bridg|answer|settl|"
    r"analy[sz]|quantif|verif|validat|confirm|observ|discover|illustrat|compar|evaluat|report|"
    r"argu|conjectur|leverag|exploit|apply|lift|overcom|refin|bound|guarantee|certif|establish|"
    r"stud(?:y|ies)|investigat|examin|explor|frame|cast|view|call|term|name|dub|highlight|suggest|explain|draw|connect|relat|link|train|"
    r"benchmark|test|measure|estimat|comput|learn|use|adopt|exploit|combin|enabl|allow|make)\w*"
))
_RESULT = first_test(re.compile(
    r"\b(?:experiment\w*|empirical(?:ly)?|numerical(?:ly)?|simulations?|results?|evaluations?|"
    r"outperform\w*|state[- ]of[- ]the[- ]art|sota|achiev\w*|improv\w*|surpass\w*|significant(?:ly)?|"
    r"consistent(?:ly)?|competitive|superior|effective(?:ness)?|robust(?:ness)?|we find|we observe|"
    r"leads? to|yields?|enables?|allows?|guarantee\w*|provabl[ey]|theorem|bounds?|converge\w*|"
    r"rates?|optimal\w*|equivalen\w*|special cases?|reveals?|shows?|demonstrat\w*)\b"
))
_BACKGROUND_START = re.compile(
    r"^\s*(?:recent(?:ly)?|however|despite|although|though|while|existing|previous(?:ly)?|prior|"
    r"traditional(?:ly)?|conventional(?:ly)?|classical(?:ly)?|currently|nowadays|in recent years|"
    r"over the (?:past|last)|many|most|several|some|a (?:long|large|growing) (?:line|body|number)|"
    r"it is (?:well[- ])?known|it has been|there (?:is|are|has|have)|one of|as a result|unfortunately|"
    r"(?:these|such) (?:methods|approaches|models|works|techniques|algorithms|problems)|"
    r"this (?:problem|issue|limitation|approach|setting|phenomenon|task)|motivated)\b"
)
_VALIDATE = first_test(re.compile(r"\b(?:validat|verif|demonstrat|show|outperform|experiment)\w*"))
# a sentence that continues the authors' contribution ("This yields ...", "Our method ...")
_ANAPHOR = re.compile(
    r"^\s*(?:(?:moreover|furthermore|finally|in addition|additionally|specifically|in particular|"
    r"importantly|notably|crucially|consequently|as a (?:result|consequence|byproduct)|thus|hence|"
    r"therefore|empirically|theoretically|experimentally|numerically|overall|together|altogether),?\s+)?"
    r"(?:this|our|these (?:results|findings|bounds|observations|guarantees|insights|experiments)|"
    r"the (?:proposed|resulting|new|presented|obtained|derived)|it|they|both|all)\b"
)
_HOUSEKEEPING = first_test(re.compile(
    r"https?://|github\.com|\bcode (?:is|and|will be|are)\b|\b(?:code|implementation|data|models?)\b"
    r"[^.]{0,40}\b(?:available|released|public(?:ly)?)\b|\bproject page\b"
))
# page chrome a PDF-to-text conversion leaves in an abstract: never a claim
_PDF_LEFTOVER = re.compile(
    r"\bcopyright \d{4}|\bproceedings of the\b|\bcorrespondence to\b|\bequal contribution\b|"
    r"[\w.+-]+@[\w-]+\.[\w.]+|\b(?:pmlr|jmlr w&cp) \d+|"
    r"\b(?:university|department|school|institute|laborator(?:y|ies)|college)\b(?:[^.]*\b(?:university|department|"
    r"school|institute|laborator(?:y|ies)|college)\b){1}")
# one step of a procedure ("Specifically, we first select ...", "Then, the adapters are trained ..."):
# a description, not a claim, unless its verb states a contribution or finding
_STEP_START = re.compile(
    r"^\s*(?:specifically|first(?:ly)?|second(?:ly)?|third(?:ly)?|then|subsequently|next|afterwards|"
    r"after that|in the (?:first|second|next|final) (?:step|stage|phase)),?\s+")
_STEP_WE = re.compile(r"we\s+(?:(?:first|then|also|further|next|\w+ly)\s+)*(\w+)")
_STRONG_VERB = re.compile(
    r"(?:propos|introduc|present|develop|design|devis|establish|prov|show|demonstrat|deriv|obtain|achiev|"
    r"outperform|find|found|reveal|identif|characteri|argu|giv|provid|construct|build|formulat|discover|"
    r"observ|conclud|verif|validat|generali|extend|improv|answer|resolv|settl|bound|guarantee|analy[sz]|"
    r"evaluat|compar|appl|test|illustrat|quantif|confirm)")


def _is_step(text: str) -> bool:
    """A procedural step: a sequencing opener, then "we <procedural verb>" with no contribution verb
    coordinated to it, or (after "then"/"next"/...) a sentence with no author and no result."""
    m = _STEP_START.match(text)
    if m is None:
        return False
    rest = text[m.end():]
    we = _STEP_WE.match(rest)
    if we is not None:
        return not (_STRONG_VERB.match(we.group(1)) or _AND_STRONG.search(rest))
    return (m.group(0).strip(" ,").lower() in _LATER) and not (
        _our(rest) or _RESULT_STRONG.search(rest) or _PASSIVE.search(rest))


_LATER = {"then", "subsequently", "next", "afterwards", "after that"}
_AND_STRONG = re.compile(r"\b(?:and|then)\s+(?:\w+ly\s+)?" + _STRONG_VERB.pattern)
_RESULT_STRONG = re.compile(r"\b(?:outperform|demonstrat|show|prov|achiev|surpass|reveal|experiment|improv|characteri|"
                            r"deriv|establish)\w*")

_SETTING = first_test(re.compile(
    r"^\s*(?:(?:specifically|in particular|first|here|in this (?:paper|work|manuscript|note)),?\s*)?we "
    r"(?:consider|focus|refer|assume|ask|conduct|perform|run|carry|begin|start|call this|denote|"
    r"define|adopt|deal|follow|use the|recall|review)\b|"
    r"\bwe (?:study|investigate|consider|address|examine|revisit|tackle) (?:the |a |an |this )?"
    r"(?:(?:\w+[- ]){0,3}(?:problem|task|setting|question|phenomenon|scenario)s?\b|this phenomenon)|"
    r"\b(?:aims? (?:to|at)|our (?:aim|goal|starting point|objective) is|is based on|are based on|"
    r"draws inspiration|is inspired by|builds? (?:up)?on)\b"
))
_PASSIVE = first_test(re.compile(
    r"\b(?:is|are)\s+(?:first\s+|also\s+|then\s+|further\s+)?"
    r"(?:proposed|introduced|presented|developed|derived|shown|proved|proven|established|obtained|"
    r"demonstrated|designed|provided)\b"
))
#: The sentence's words (maximal ``\w`` runs, so a word here is exactly a ``\b``-delimited word of
#: the regexes) decide the three costliest regexes most of the time without scanning the sentence:
#: ``_WE``'s first alternative is one of :data:`_WE_WORDS`, and each other alternative needs one of
#: :data:`_WE_OTHER`; ``_PASSIVE`` needs "is"/"are" and a participle; each alternative of ``_SETTING``
#: needs "we" and one of its verbs, or one of :data:`_SETTING_ANCHORS`. Keep these in step with the
#: regexes (tests/extract/test_claims.py compares the gates with the plain regexes).
_WORD = re.compile(r"\w+")
_WE_WORDS = frozenset(("we", "our", "us", "ours"))
_WE_OTHER = frozenset(("this", "present", "here", "i"))
_PASSIVE_AUX = frozenset(("is", "are"))
_PASSIVE_VERBS = frozenset("proposed introduced presented developed derived shown proved proven established "
                           "obtained demonstrated designed provided".split())
_SETTING_VERBS = frozenset("consider focus refer assume ask conduct perform run carry begin start call denote "
                           "define adopt deal follow use recall review study investigate address examine revisit "
                           "tackle".split())
_SETTING_ANCHORS = frozenset("aim aims goal starting objective based draws inspired build builds".split())


#: byte → itself for the ASCII ``\w`` characters (``[A-Za-z0-9_]``), else a space
_NOT_WORD = bytes(c if chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_") else 32 for c in range(256))


def _words(text: str) -> frozenset[str]:
    """The words of a (lower-cased) sentence: its maximal ``\\w`` runs (for ASCII text without
    the regex: the other characters become spaces and the text is split)."""
    if text.isascii():
        return frozenset(text.encode("ascii").translate(_NOT_WORD).decode("ascii").split())
    return frozenset(_WORD.findall(text))


def _we(text: str, words: frozenset[str]) -> bool:
    """``_WE.search(text)``, decided from the sentence's ``words`` when they suffice."""
    if not _WE_WORDS.isdisjoint(words):
        return True
    return not _WE_OTHER.isdisjoint(words) and _WE.search(text) is not None


def _passive(text: str, words: frozenset[str]) -> bool:
    """``_PASSIVE.search(text)``, skipped when a word it needs is missing."""
    return not _PASSIVE_AUX.isdisjoint(words) and not _PASSIVE_VERBS.isdisjoint(words) \
        and _PASSIVE.search(text) is not None


def _setting_match(text: str, words: frozenset[str]) -> bool:
    """``_SETTING.search(text)``, skipped when no alternative has the words it needs."""
    if _SETTING_ANCHORS.isdisjoint(words) and ("we" not in words or _SETTING_VERBS.isdisjoint(words)):
        return False
    return _SETTING.search(text) is not None


_SETTING_RESULT = first_test(re.compile(r"\b(?:show|prove|find|demonstrat|reveal|establish|deriv|achiev|outperform|"
                             r"improv|and (?:propose|introduce|develop))\w*"))

_TYPE_CUES: dict[ClaimType, list[tuple[re.Pattern, float]]] = {
    "proposal": [
        (re.compile(r"\b(?:we|this (?:paper|work)|paper|work)\b[^.]{0,30}"
                    r"\b(?:propos|introduc|develop|design|devis)\w*"), 3.0),
        (re.compile(r"\b(?:propos|introduc|devis)\w*"), 1.5),
        (re.compile(r"\bpresent(?:s|ed)? (?:a|an|the|our|two|three|new|novel|simple)\b"
                    r"(?! (?:\w+ )?(?:analysis|evidence|results?|theor\w*|proof|bounds?|study|characteri\w*))"), 2.0),
        (re.compile(r"\b(?:we (?:call|term|dub|name)|(?:called|termed|dubbed|named))\b"), 1.5),
        (re.compile(r"\b(?:novel|new)\b[^.]{0,25}\b(?:method|framework|approach|algorithm|model|loss|objective|"
                    r"architecture|technique|estimator|family|paradigm|metric|regularizer|strategy|formulation|"
                    r"class)\b"), 1.5),
        (re.compile(r"\b(?:framework|method|approach|algorithm|architecture)\b"), 0.5),
        # a construction the authors describe: "we extend X to", "we frame X as", "our key idea is"
        (re.compile(r"\b(?:we|i)\s+(?:\w+ly\s+|also\s+|then\s+|further\s+|first\s+)?(?:extend|generali[sz]e|frame|cast|"
                    r"create|implement|describe|define|parameteri[sz]e|construct|build|formulate)\b|"
                    r"\bkey idea\b"), 1.2),
        # what the authors give is a method: "we provide an active set algorithm", "we derive a new class of
        # stochastic methods", "we give ... learning algorithms"
        (re.compile(r"\b(?:we|us to)\s+(?:\w+ly\s+|also\s+|then\s+|further\s+|first\s+)?(?:provide|give|derive|develop|"
                    r"design|devise|establish|construct|offer|obtain)\s+(?:(?:class|family|families|suite|set) of\s+|"
                    r"(?!of\b|for\b|to\b|that\b)[\w-]+\s+){0,5}?"
                    r"(?:algorithms?|methods?|estimators?|samplers?|architectures?|schemes?|procedures?|objectives?|"
                    r"loss(?:es)?|frameworks?|models?|approach(?:es)?|techniques?|strateg(?:y|ies)|ways?|"
                    r"regularizers?|formulations?|pipelines?|networks?)\b"), 2.0),
    ],
    "theoretical": [
        (re.compile(r"\b(?:prov(?:e|es|ed|ing|abl[ey])|proofs?|theorems?|lemma|derive\w*|establish\w*|"
                    r"characteri[sz]\w*)\b"), 2.5),
        (re.compile(r"\b(?:bounds?|bounded|minimax|regret|convergence|converges?|rates?|asymptotic\w*|"
                    r"complexity|guarantees?|consisten\w+|optimal(?:ity)?|equivalen\w+|necessary|sufficient|"
                    r"lower|upper|tight|theor\w+|analy[sz]\w*|special cases?|identif\w*|generali[sz]ation error|"
                    r"closed[- ]form|polynomial|exponential|sample complexity|inequalit\w+|formula\w*)\b"), 1.0),
        # a finding stated without experiments is, in the gold, a theoretical one
        (re.compile(r"\b(?:we|i|it is)\s+(?:\w+ly\s+|also\s+|then\s+|further\s+|first\s+)?(?:show|prove|find|obtain|"
                    r"determine|answer|resolve|shown)\b|\b(?:implies|impl(?:y|ies) that|reveals? that|"
                    r"approximate any|invarian\w+|in the limit|regimes?)\b"), 1.1),
        # what the authors introduce is a concept, not a method: "we introduce a notion of complexity",
        # "we present the first geometric analysis", "a new theory we develop", "we build a connection"
        (re.compile(r"\b(?:introduc|present|develop|design|defin|build|draw|establish|provid|giv|formulat)\w*\s+"
                    r"(?:(?!of\b|for\b|to\b|that\b)[\w-]+\s+){0,3}?(?:notions?|theor(?:y|ies)|criteri(?:on|a)|"
                    r"definitions?|counter-?examples?|connections?|analys[ie]s|characteri[sz]ations?|"
                    r"conditions?|measures? of \w+)\b|"
                    r"\b(?:theor(?:y|ies)|notions?|analys[ie]s)\s+(?:that\s+)?we\s+(?:\w+ly\s+)?"
                    r"(?:develop|introduce|propose|present)"), 5.0),
        # an asymptotic order: "a rate O(1/T^{1/3})", "Omega(k log log n / n)", "widetilde O(d/n)"
        (re.compile(r"(?:\b|widetilde\s?|tilde\s?)(?:o|omega|theta)\s?(?:left\s?)?\((?!\s?\))"), 1.5),
        # what is studied is a property of a model class, not a benchmark
        (re.compile(r"\b(?:properties|learnability|criteri(?:a|on)|sharp(?:ness)?|expressiv\w*|limits?|"
                    r"dynamics|separation|hierarch\w*|extends? to|first improvement)\b"), 0.8),
    ],
    "empirical": [
        (re.compile(r"\b(?:experiment\w*|empirical(?:ly)?|numerical(?:ly)?|simulations?|benchmarks?|datasets?|"
                    r"state[- ]of[- ]the[- ]art|sota|outperform\w*|baselines?|ablations?)\b"), 2.0),
        # what is measured: a finding about it may still be a theoretical one ("the accuracy is bounded")
        (re.compile(r"\b(?:real[- ]world|accuracy|performances?|fid)\b"), 1.0),
        (re.compile(r"\b(?:improv\w*|achiev\w*|surpass\w*|competitive|superior|gains?|speed-?ups?|faster|"
                    r"\d+(?:\.\d+)?\s?%|\d+(?:\.\d+)?x|effectiveness|efficiency|scal\w+|tasks?)\b"), 0.8),
        (re.compile(r"\bwe (?:\w+ly )?(?:observ|validat|evaluat|test|illustrat|appl(?:y|ie)|compar|demonstrat)\w*|"
                    r"\b(?:applying it|applicability|results (?:on|show)|trained on|evaluated on)\b"), 1.2),
        # what was run where: "evaluate its performance on the Atari suite", "tested across five tasks"
        (re.compile(r"\b(?:evaluat|test|validat|benchmark|assess)\w*\s+(?:[\w-]+\s+){0,4}?"
                    r"(?:on|against|across)\b"), 1.5),
        # a sentence that opens on how it was found: "Empirically, we show ..."
        (re.compile(r"^\s*(?:empirically|experimentally|numerically|in (?:our )?experiments)\b"), 2.5),
    ],
    # what a finding means rather than what it is: insight, implications, a perspective, a discussion
    "other": [
        (re.compile(r"\b(?:insights?|implications?|discuss\w*|sheds? light|perspectives?|understanding|"
                    r"foundations?|we hope|future (?:work|research)|paves? the way|opens? (?:up )?)\b"), 1.2),
        # what a result gives rather than what it is: "our findings offer new insights into ...", "we discuss"
        (re.compile(r"\b(?:offer|provid|giv|contribut|bring)\w*\s+(?:[\w-]+\s+){0,2}?(?:insights?|understanding|"
                    r"foundations?|perspectives?|implications?)\b|\bwe\s+(?:\w+ly\s+|also\s+)?"
                    r"discuss\b"), 1.5),
        # a practical property of the method rather than a finding: "simple to implement", "no additional
        # hyper-parameters", "can be plugged into", "an added benefit"
        (re.compile(r"\b(?:(?:simple|easy|easily) to (?:implement|use|apply)|easily implemented|plug(?:ged)? into|"
                    r"plug[- ]and[- ]play|flexib\w+|no (?:additional|extra)|benefits?|hyper-?parameter[- ]free|"
                    r"requires? (?:no|minimal|little|only)|end-to-end)\b"), 1.2),
    ],
}


# For each cue (same order as _TYPE_CUES): words one of which every match contains, checked before
# the regex runs (``None``: always run it). A pure speed-up: a cue without its words counts 0 anyway.
_CUE_WORDS: dict[ClaimType, list[tuple[str, ...] | None]] = {
    "proposal": [("propos", "introduc", "develop", "design", "devis"), ("propos", "introduc", "devis"),
                 ("present",), ("call", "term", "dub", "name"), ("novel", "new"),
                 ("framework", "method", "approach", "algorithm", "architecture"),
                 ("extend", "generali", "frame", "cast", "create", "implement", "describe", "define",
                  "parameteri", "construct", "build", "formulate", "key idea"),
                 ("provide", "give", "derive", "develop", "design", "devise", "establish", "construct", "offer",
                  "obtain")],
    "theoretical": [("prov", "proof", "theorem", "lemma", "derive", "establish", "characteri"),
                    ("bound", "minimax", "regret", "converg", "rate", "asymptot", "complexity", "guarantee",
                     "consisten", "optimal", "equivalen", "necessary", "sufficient", "lower", "upper", "tight",
                     "theor", "analy", "special case", "identif", "generali", "closed", "polynomial",
                     "exponential", "inequalit", "formula"),
                    ("show", "prove", "find", "obtain", "determine", "answer", "resolve", "impl", "reveal",
                     "approximate any", "invarian", "in the limit", "regime"),
                    ("notion", "theor", "criteri", "definition", "counter", "connection", "analys",
                     "characteri", "condition", "measure"),
                    ("o(", "oleft(", "o (", "omega", "theta"),
                    ("properties", "learnab", "criteri", "sharp", "expressiv", "limit", "dynamics",
                     "separation", "hierarch", "extend", "first improvement")],
    "other": [("insight", "implication", "discuss", "shed", "perspective", "understanding", "foundation",
               "we hope", "future", "pave", "open"),
              ("insight", "understanding", "foundation", "perspective", "implication", "discuss"),
              ("simple", "easy", "easily", "plug", "flexib", "no additional", "no extra", "benefit", "free",
               "require", "end-to-end")],
    "empirical": [("experiment", "empirical", "numerical", "simulation", "benchmark", "dataset",
                   "state", "sota", "outperform", "baseline", "ablation"),
                  ("real", "accuracy", "performance", "fid"),
                  ("improv", "achiev", "surpass", "competitive", "superior", "gain", "speed", "faster",
                   "effectiveness", "efficiency", "scal", "task", "%", "0", "1", "2", "3", "4", "5", "6", "7",
                   "8", "9"),
                  ("observ", "validat", "evaluat", "test", "illustrat", "appl", "compar", "demonstrat", "results ",
                   "trained on"),
                  ("evaluat", "test", "validat", "benchmark", "assess"),
                  None],
}
_CUES = [(kind, [(first_test(p), w, words) for (p, w), words in zip(cues, _CUE_WORDS[kind], strict=True)])
         for kind, cues in _TYPE_CUES.items()]


# "the proposed algorithm", "our newly introduced loss": a reference back to a contribution, no cue of one;
# nor is a negated one ("introduces no additional hyper-parameters")
_BACK_REFERENCE = first_test(re.compile(r"\b(?:the|our|this|these|its|their|newly|recently)[\s-]+"
                             r"(?:proposed|introduced|presented|developed|designed|devised|derived)\b|"
                             r"\b(?:introduc|propos|present)(?:es|e|ed|ing) (?=no\b|neither\b|none\b)"))


# a contribution introduced by its name: "We present SLCD -- ...", "we propose Prospect, a ..." (case matters)
_NAMED_PROPOSAL = first_test(re.compile(
    r"\b(?:[Ww]e|[Pp]aper|[Ww]ork)\s+(?:\w+ly\s+)?(?:propose|present|introduce)s?\s+"
    r"(?:[A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+[\w-]*\s*(?:--|\u2014|,|:|\())"))
NAMED_PROPOSAL_WEIGHT = 2.0

_BACK_REFERENCE_WORDS = ("propos", "introduc", "present", "develop", "design", "devis", "deriv")


def type_scores(text: str) -> dict[ClaimType, float]:
    """The cue score of each claim type in one sentence (a type without cues scores 0)."""
    named = ("propose" in text or "present" in text or "introduce" in text) and _NAMED_PROPOSAL.search(text) is not None
    text = text.lower()
    if any(w in text for w in _BACK_REFERENCE_WORDS):
        text = _BACK_REFERENCE.sub(lambda m: "adds " if m.group(0).endswith(" ") else "the said", text)
    out: dict[ClaimType, float] = {}
    for kind, cues in _CUES:
        score = 0.0
        for p, w, words in cues:
            if words is not None and not _maybe(text, words):
                continue
            score += w * len(p.findall(text)) ** 0.5
        out[kind] = score
    if named:
        out["proposal"] += NAMED_PROPOSAL_WEIGHT
    return out


def claim_type(text: str, prior: dict[ClaimType, float] | None = None,
               scores: dict[ClaimType, float] | None = None) -> ClaimType:
    """The claim type suggested by the cue words of a sentence (``other`` when none fires).

    ``prior`` is the paper's leaning (:func:`paper_prior`): a sentence whose own cues are weak
    takes the type the paper's other claims speak in ("Depth improves separation power up to a
    threshold" in a theory paper is a theoretical finding). ``scores`` are the sentence's
    :func:`type_scores` when the caller has them already.
    """
    scores = dict(scores if scores is not None else type_scores(text))
    for kind, w in (prior or {}).items():
        scores[kind] = scores.get(kind, 0.0) + w
    best: ClaimType = "other"
    best_score = 0.0
    for kind, score in scores.items():
        if score > best_score + 1e-9:
            best, best_score = kind, score
    return best if best_score >= 1.0 else "other"


PRIOR_WEIGHT = 0.5


def paper_prior(scored: Sequence[dict[ClaimType, float]]) -> dict[ClaimType, float]:
    """How theoretical or empirical a paper's claims are: each type's share of the cue scores of its
    claim sentences, times :data:`PRIOR_WEIGHT` (proposal cues say nothing about findings)."""
    totals: dict[ClaimType, float] = {"theoretical": 0.0, "empirical": 0.0}
    for sc in scored:
        for k in totals:
            totals[k] += sc[k]
    whole = sum(totals.values())
    if whole <= 0:
        return {}
    return {k: PRIOR_WEIGHT * v / whole for k, v in totals.items()}


def type_claims(texts: Sequence[str], abstract: str = "") -> list[ClaimType]:
    """The type of each claim sentence of one paper (``texts`` in abstract order).

    Each sentence is typed by its own cues (:func:`type_scores`), leaning towards what the paper's
    claims speak of as a whole (:func:`paper_prior`).
    """
    scored = [type_scores(t) for t in texts]  # once per claim: the prior and the type
    prior = paper_prior(scored)
    return [claim_type(t, prior, sc) for t, sc in zip(texts, scored, strict=True)]


def _is_contribution(text: str, words: frozenset[str]) -> bool:
    if _passive(text, words) and not _BACKGROUND_START.search(text):
        return True
    return (_we(text, words) and _CONTRIB_VERB.search(text) is not None) or (
        _maybe(text, _FINDING_WORDS) and bool(_FINDING.search(text)))


_FINDING = first_test(re.compile(r"(?:\b(?:experiment\w*|results?|simulations?|evaluations?|analys[ie]s)\b[^.]{0,40}|"
                      r"^\s*(?:an?|our|this) (?:\w+ )?(?:investigation|study|analysis|evaluation) )\b"
                      r"(?:show|demonstrat|indicat|confirm|reveal|suggest|verif|illustrat|validat)\w*"))
_FINDING_WORDS = ("show", "demonstrat", "indicat", "confirm", "reveal", "suggest", "verif", "illustrat",
                  "validat")
_OUR = first_test(re.compile(r"\b(?:our|we)\b"))


def _our(text: str) -> bool:
    return ("we" in text or "our" in text) and bool(_OUR.search(text))


# Literal pre-checks: a regex runs only when one of the words it needs is in the sentence
# (``str.__contains__`` is ~50x cheaper than a regex scan of the sentence).
_HOUSEKEEPING_WORDS = ("http", "github", "code", "available", "released", "public", "project page")
_SETTING_WORDS = ("we ", "aim", "our ", "based on", "inspiration", "inspired by", "build")
_PDF_WORDS = ("copyright", "proceedings of", "correspondence", "equal contribution", "@", "pmlr", "jmlr")
_AFFILIATION_WORDS = ("universit", "department", "school", "institute", "laborator", "college")


def _maybe(text: str, words: tuple[str, ...]) -> bool:
    for w in words:  # (a plain loop: ~25 % cheaper than any() over a generator)
        if w in text:
            return True
    return False


def _pdf_leftover(text: str) -> bool:
    if not (_maybe(text, _PDF_WORDS) or sum(text.count(w) for w in _AFFILIATION_WORDS) >= 2):
        return False
    return bool(_PDF_LEFTOVER.search(text))


def classify(sentences: list[Sentence]) -> list[tuple[bool, str]]:
    """(is claim, rule id) for each abstract sentence, in order."""
    out: list[tuple[bool, str]] = []
    started = False
    for k, sent in enumerate(sentences):
        text = sent.text.lower()
        if len(text) < 12 or (_maybe(text, _HOUSEKEEPING_WORDS) and _HOUSEKEEPING.search(text)
                              and not _VALIDATE.search(text)):
            out.append((False, "claim:housekeeping"))
            continue
        if _pdf_leftover(text):
            out.append((False, "claim:pdf-leftover"))
            continue
        if text.rstrip().endswith("?"):
            out.append((False, "claim:question"))
            continue
        words = _words(text)
        contribution = _is_contribution(text, words)
        setting = ((_maybe(text, _SETTING_WORDS) and _setting_match(text, words)
                    and not _SETTING_RESULT.search(text)) or _is_step(text))
        background = bool(_BACKGROUND_START.search(text)) and not _we(text, words)
        if contribution and not setting:
            started = True
            out.append((True, "claim:we-verb"))
        elif setting:
            started = True
            out.append((False, "claim:setting"))
        elif started and not background and (_RESULT.search(text) or _ANAPHOR.search(text)
                                             or k >= 0.5 * len(sentences)):
            out.append((True, "claim:after"))
        elif not started and _our(text) and _RESULT.search(text):
            out.append((True, "claim:result"))
        else:
            out.append((False, "claim:background"))
    return out


def find_claims(ctx: Context, tags: Sequence[Tag] = ()) -> list[Claim]:
    """The claim sentences of the abstract, typed and linked to the entities tagged in them."""
    sentences = ctx.field_sentences("abstract")
    by_sentence: dict[int, list[str]] = {}
    for tag in tags:
        for ev in tag.evidence:
            if ev.field == "abstract":
                ids = by_sentence.setdefault(ev.sentence_index, [])
                if tag.entity.id not in ids:
                    ids.append(tag.entity.id)
    claims = []
    found = [(sent, rule) for sent, (is_claim, rule) in zip(sentences, classify(sentences), strict=True)
             if is_claim]
    types = type_claims([sent.text for sent, _ in found], ctx.paper.abstract)
    for (sent, rule), kind in zip(found, types, strict=True):
        claims.append(Claim(
            id=f"{ctx.paper.id}#{sent.index}",
            paper_id=ctx.paper.id,
            text=sent.text,
            type=kind,
            sentence_index=sent.index,
            start=sent.start,
            end=sent.end,
            rule=rule,
            about=tuple(by_sentence.get(sent.index, ())),
        ))
    return claims
