"""The pipeline's lexical-attribute getters (kg.extract.lexattrs) return what spaCy's return."""

from __future__ import annotations

import random
import re

import spacy
from spacy.attrs import IDS, NORM

from kg.extract.pipeline import get_nlp
from kg.read import read_papers

_NAMES = {v: k for k, v in IDS.items()}


def _strings(seed_jsonl) -> set[str]:
    out: set[str] = set()
    for p in read_papers(seed_jsonl).papers:
        for text in (p.title, p.abstract):
            for c in re.split(r"\s+", text):
                out.add(c)
                out.update(re.findall(r"\w+|\W", c))
    rng = random.Random(1)
    alphabet = "aAzZ09.,;:!?()[]{}'\"-–—…$%+*^/<>=_#&@°’‘“”\n\t ßéÉ€²½Ⅳhttpwww:s"
    out.update("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(20_000))
    for s in ("", "http://x", "https://a.b", "www.x", "www.", "a@b.org", "x.com", "1st", "22nd", "Twenty",
              "third", "+1,000.5", "3/4", "a" * 120, "aaaaaaab", "......", "''", "``", "«"):
        out.update((s, s + "x", s.upper()))
    out.update(chr(c) for c in range(0x3000))
    return out


def _value(getter, text):
    try:
        return "ok", getter(text)
    except Exception as exc:  # noqa: BLE001 - the same error is the same behaviour
        return "error", type(exc)


def test_lexattrs_getters_equal_spacys(seed_jsonl):
    ours = get_nlp().vocab.lex_attr_getters
    spacys = spacy.blank("en").vocab.lex_attr_getters
    assert list(ours) == list(spacys)  # same attributes, same order
    swapped = [attr for attr in ours if ours[attr] is not spacys[attr] and attr != NORM]
    assert len(swapped) >= 15  # the shortcuts are in place
    texts = _strings(seed_jsonl)
    for attr in swapped:
        for text in texts:
            want, got = _value(spacys[attr], text), _value(ours[attr], text)
            assert got == want and type(got[1]) is type(want[1]), (_NAMES[attr], text, got, want)
