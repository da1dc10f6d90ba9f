"""The tokenizer's affix searches behind shortcuts (kg.extract.affixes) give what the plain regexes give."""

from __future__ import annotations

import random
import re

import pytest
import spacy

from kg.extract.pipeline import get_nlp
from kg.read import read_papers


@pytest.fixture(scope="module")
def chunks(seed_jsonl) -> list[str]:
    """Every whitespace chunk of the seed, its leading and trailing parts (what the tokenizer searches
    again after cutting an affix), and random strings over letters, digits, units and punctuation."""
    out: set[str] = set()
    for p in read_papers(seed_jsonl).papers:
        for text in (p.title, p.abstract):
            for c in re.split(r"(\s+)", text):
                out.update(c[i:] for i in range(len(c)))
                out.update(c[: i + 1] for i in range(len(c)))
    rng = random.Random(0)
    alphabet = "aZ09.,;:!?()[]{}'\"-–—…$%+*^/<>=_#&@°’‘“”\n\t ßé€²km"
    out.update("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(20_000))
    return sorted(out)


def test_affixes_shortcuts_are_proven_for_spacy_defaults():
    tokenizer = get_nlp().tokenizer
    assert tokenizer.prefix_search._shortcut and tokenizer.infix_finditer._shortcut
    assert tokenizer.suffix_search._shortcut and tokenizer.suffix_search._width > 0


def test_affixes_same_results_as_the_regexes(chunks):
    tokenizer = get_nlp().tokenizer
    prefix, suffix, infix = (tokenizer.prefix_search, tokenizer.suffix_search, tokenizer.infix_finditer)
    plain = spacy.blank("en").tokenizer
    assert prefix.__self__.pattern == plain.prefix_search.__self__.pattern  # spaCy's own prefixes

    def span(m):
        return None if m is None else m.span()

    for c in chunks:
        assert span(prefix(c)) == span(prefix.__self__.search(c)), c
        assert span(suffix(c)) == span(suffix.__self__.search(c)), c
        assert [m.span() for m in infix(c)] == [m.span() for m in infix.__self__.finditer(c)], c
