"""The methods phrase matcher as a registered spaCy component (``kg_method_matcher``).

One ``NORM`` phrase-matcher pass per doc finds the methods vocabulary AND the trigger words the rules
look around ("our", proposing verbs, head nouns, list markers). As a pipeline component (the shape of
scispaCy's ``abbreviation_detector``) it runs inside ``nlp.pipe`` with the other components and writes
its result to ``doc._.kg_method_matches``; :func:`kg.extract.methods.find_methods` reads it.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract import docext
from kg.extract.methods.tokens import match_doc
from kg.extract.methods.vocab import _rules


class MethodMatcher:
    """The ``kg_method_matcher`` pipeline component: writes ``doc._.kg_method_matches``."""

    def __init__(self, nlp: Language, name: str = "kg_method_matcher") -> None:
        self.name = name
        self.rules = _rules()
        self.matcher = self.rules.matcher(nlp)

    def __call__(self, doc: Doc) -> Doc:
        docext.put(doc, "kg_method_matches", match_doc(self.rules, self.matcher, doc))  # (= doc._.kg_method_matches)
        return doc


@Language.factory("kg_method_matcher")
def make_method_matcher(nlp: Language, name: str) -> MethodMatcher:
    """Factory of :class:`MethodMatcher` (``nlp.add_pipe("kg_method_matcher")``, after the NORM setup)."""
    return MethodMatcher(nlp, name)
