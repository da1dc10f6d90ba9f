"""The ``Doc`` extensions kg's pipeline components write and its rules read (``doc._.kg_*``).

spaCy's way to attach derived data to a ``Doc`` is a registered extension, not ``doc.user_data``
keys: every attribute a component writes is declared here once, with its meaning, and nothing
else is stashed on shared objects. The module imports nothing else from kg, so any layer may use it.

* ``kg_sent_starts`` — token indices of the sentence starts (``kg_sentencizer``).
* ``kg_text`` — the doc's text, computed once (``Doc.text`` walks every token).
* ``kg_acronyms`` — ``(long form Span, short form Span)`` pairs, as scispaCy's ``doc._.abbreviations``
  (``kg_acronym_detector``).
* ``kg_method_matches`` — the methods phrase-matcher pass: vocabulary matches and trigger token indices
  (``kg_method_matcher``).
* ``kg_token_arrays`` / ``kg_words`` — token start offsets and sentence starts as arrays, and the token
  texts, computed once by the method rules that need them.
"""

from __future__ import annotations

from typing import cast

from spacy.tokens import Doc

#: the ``doc.spans`` key of the vocabulary span rulers (``kg_vocab``, ``kg_vocab_cased``)
VOCAB_KEY = "kg_vocab"

EXTENSIONS = ("kg_sent_starts", "kg_text", "kg_acronyms", "kg_method_matches", "kg_token_arrays", "kg_words")

for _name in EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def get(doc: Doc, name: str):
    """``doc._.<name>`` at the cost of a dict lookup: the rules read these in tight loops, and each
    ``doc._`` access builds an ``Underscore`` object. spaCy keeps a doc extension's value in
    ``doc.user_data[("._.", name, None, None)]`` (tests/extract/test_pipeline.py checks it still does)."""
    return cast(dict, doc.user_data).get(("._.", name, None, None))


def put(doc: Doc, name: str, value) -> None:
    """``doc._.<name> = value`` (see :func:`get`)."""
    cast(dict, doc.user_data)[("._.", name, None, None)] = value


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per doc (kept in ``doc._.kg_text``; the pipeline's tokenizer sets it)."""
    text = get(doc, "kg_text")
    if text is None:
        text = doc.text
        put(doc, "kg_text", text)
    return text
