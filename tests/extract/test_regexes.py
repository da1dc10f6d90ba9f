"""kg.extract.regexes: the first-character test never changes a match, and needs_outside proves only
what holds. Checked on every regex of the extraction modules, over the seed's text."""

from __future__ import annotations

import importlib
import pkgutil
import random
import re

import pytest

import kg.extract
from kg.extract import claims
from kg.extract.regexes import first_test, needs_outside
from kg.read import read_papers

#: what first_test puts in front (its class is written with \U escapes, unlike the hand-written ones)
_PREFIX = re.compile(r"^(\(\?[aiLmsux]+\))?\(\?=\[(?:\\U[0-9a-f]{8}|\\[dDsSwW]|-)+\]\)\(\?:")


def _original(pattern: re.Pattern) -> re.Pattern:
    """The pattern :func:`first_test` was given (its lookahead and outer group taken off again)."""
    m = _PREFIX.match(pattern.pattern)
    if m is None:
        return pattern
    return re.compile((m.group(1) or "") + pattern.pattern[m.end():-1], pattern.flags)


def _module_patterns() -> dict[str, re.Pattern]:
    out = {}
    for info in pkgutil.walk_packages(kg.extract.__path__, "kg.extract."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                out[f"{info.name}.{name}"] = value
    for kind, cues in claims._TYPE_CUES.items():  # (the originals of the claim-type cues)
        for i, (pattern, _weight) in enumerate(cues):
            out[f"claims.cue.{kind}.{i}"] = pattern
    return out


@pytest.fixture(scope="module")
def texts(seed_jsonl) -> list[str]:
    out = []
    for p in read_papers(seed_jsonl).papers[:120]:
        for text in (p.title, p.abstract):
            out += [text, text.lower(), *re.split(r"(?<=[.!?])\s+", text.lower())]
    rng = random.Random(2)
    words = "we our this paper is proposed KL( divergence data sets benchmark CIFAR-10/100 BERT-Large " \
            "Jeffreys Divergence such as: (e.g., O(n) \\emph{x} $x$ \n".split(" ")
    out += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    return out


def _matches(pattern: re.Pattern, text: str) -> list:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_regexes_first_test_keeps_every_match(texts):
    patterns = _module_patterns()
    wrapped = [name for name, p in patterns.items() if _original(p) is not p]
    assert len(wrapped) >= 15  # the modules use it
    for name, pattern in patterns.items():
        original = _original(pattern)
        fast = first_test(original)
        assert fast.pattern == pattern.pattern or pattern is original, name  # what the module holds
        if fast is original:
            continue
        for text in texts:
            assert _matches(fast, text) == _matches(original, text), (name, text)
            assert len(fast.findall(text)) == len(original.findall(text)), (name, text)


def test_regexes_first_test_leaves_fast_or_unknown_patterns():
    for text in (r"(?:we|our)", r"[A-Z]\w+", r"^\s*we", r"\bx*", r"\b[^a]b", r"\b.x"):
        assert first_test(re.compile(text)).pattern == text
    fast = first_test(re.compile(r"(?i)\b(?:data|corpus)\b"))
    assert fast.pattern.startswith("(?i)(?=[") and fast.search("the DATA set").span() == (4, 8)


def test_regexes_needs_outside():
    letters = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert needs_outside([r"\.\.+", r"(?<=[0-9])(?:km|kg)", "'s", r"(?<=[A-Z][A-Z])\."], letters)
    assert not needs_outside([r"(?<=[0-9])(?:km|kg)"], letters | frozenset("0123456789"))
    assert not needs_outside(["US\\$", "k"], letters)  # "k" alone is a letter
    assert not needs_outside([r"(?i:\.)"], letters)  # local flags: nothing is proven
