"""The tokenizer's prefix, suffix and infix searches, with exact shortcuts in front of the regexes.

Why: spaCy's affix regexes are alternations of ~100 pieces, several with lookbehinds over huge
Unicode classes, and ``suffix_search`` (``piece$|piece$|...``) tries every piece at every position
of the chunk. Each chunk the tokenizer has not cached (every new word form; every chunk of every
abstract inside ``nlp.memory_zone()``, where nothing is cached) pays for that: before these
shortcuts, the affix searches were ≈ 13 % of the instructions of an extraction.

The shortcuts never change a result; they only skip work whose answer is known:

* a chunk of ASCII letters and digits holds no prefix and no infix, and one of ASCII letters alone
  no suffix — *proven* from the pieces when the search is built (:func:`needs_outside`: every piece
  requires, in what it consumes or in a lookaround, a character outside that alphabet); when the
  proof fails for some piece (other spaCy defaults), the shortcut is simply not used;
* a suffix match must end at the end of the chunk, so a piece at most ``K`` characters wide can only
  start in the last ``K`` characters: the suffix regex is searched from there (Python's lookbehinds
  still see the characters before ``pos``), unless an unbounded piece (``\\.\\.+``) matches or the
  chunk ends in a newline (where ``$`` may match before it).

``tests/extract/test_pipeline.py`` compares every shortcut with the plain regex.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator
from typing import Any

try:  # the regex parser (private, stable since 3.11); without it no shortcut is proven
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    _parser = None

from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

__all__ = ["PrefixSearch", "SuffixSearch", "InfixFinditer", "needs_outside"]

ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
ASCII_ALPHA = frozenset(string.ascii_letters)
_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}
#: pieces wider than this are "unbounded" for the suffix search
_WIDE = 64


def _in_class(items: list, ch: str) -> bool:
    """Does the parsed character class ``items`` match ``ch``? (Unknown items count as a match.)"""
    negate = False
    hit = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit = hit or ord(ch) == av
        elif name == "RANGE":
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif name == "CATEGORY" and str(av) in _CATEGORIES:
            hit = hit or re.fullmatch(_CATEGORIES[str(av)], ch) is not None
        else:
            return True  # not understood: assume it matches
    return hit != negate


def _needs(seq: Any, alphabet: frozenset[str]) -> bool:
    """Does every match of the parsed sequence ``seq`` need a character outside ``alphabet``?"""
    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            if chr(av) not in alphabet:
                return True
        elif name == "IN":
            if not any(_in_class(av, ch) for ch in alphabet):
                return True
        elif name == "SUBPATTERN":
            _group, add_flags, _del_flags, sub = av
            if not add_flags and _needs(sub, alphabet):
                return True
        elif name == "ATOMIC_GROUP":
            if _needs(av, alphabet):
                return True
        elif name == "BRANCH":
            if all(_needs(alt, alphabet) for alt in av[1]):
                return True
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = av
            if low >= 1 and _needs(sub, alphabet):
                return True
        elif name == "ASSERT":  # a positive lookaround also reads characters of the string
            _direction, sub = av
            if _needs(sub, alphabet):
                return True
        # AT, ASSERT_NOT, ...: zero-width or not understood, nothing proven
    return False


def needs_outside(pieces: Iterable[str], alphabet: frozenset[str]) -> bool:
    """True when no piece can match inside a string made only of ``alphabet`` characters (each
    piece needs, in what it consumes or in a positive lookaround, a character outside it).
    False when that cannot be shown.

    >>> needs_outside([r"\\.\\.+", r"(?<=[0-9])(?:km|kg)", "'s"], ASCII_ALPHA)
    True
    >>> needs_outside([r"(?<=[0-9])(?:km|kg)"], ASCII_ALNUM)
    False
    """
    if _parser is None:
        return False
    try:
        return all(_needs(_parser.parse(p).data, alphabet) for p in pieces)
    except Exception:  # noqa: BLE001 - a parser we do not know: prove nothing
        return False


def _pieces(entries: Iterable[str | re.Pattern]) -> list[str]:
    texts = [p.pattern if isinstance(p, re.Pattern) else p for p in entries]
    return [p for p in texts if p.strip()]  # (what spaCy's compile_*_regex keeps)


class _Search:
    """Base: a callable with the regex's ``__self__`` so that spaCy can still serialize the pattern."""

    __slots__ = ("__self__", "_search", "_shortcut")

    def __init__(self, pattern: re.Pattern, shortcut: bool) -> None:
        self.__self__ = pattern
        self._search: Callable[..., Any] = pattern.search
        self._shortcut = shortcut


class PrefixSearch(_Search):
    """``prefix_search`` of the pieces: no regex for a chunk of ASCII letters and digits."""

    def __init__(self, entries: Iterable[str | re.Pattern]) -> None:
        pieces = _pieces(entries)
        super().__init__(compile_prefix_regex(pieces), needs_outside(pieces, ASCII_ALNUM))

    def __call__(self, text: str) -> re.Match | None:
        if self._shortcut and text.isascii() and text.isalnum():
            return None
        return self._search(text)


class InfixFinditer(_Search):
    """``infix_finditer`` of the pieces: nothing to split in a chunk of ASCII letters and digits."""

    __slots__ = ("_finditer",)

    def __init__(self, entries: Iterable[str | re.Pattern]) -> None:
        pieces = _pieces(entries)
        pattern = compile_infix_regex(pieces)
        super().__init__(pattern, needs_outside(pieces, ASCII_ALNUM))
        self._finditer = pattern.finditer

    def __call__(self, text: str) -> Iterator[re.Match]:
        if self._shortcut and text.isascii() and text.isalnum():
            return iter(())
        return self._finditer(text)


class SuffixSearch(_Search):
    """``suffix_search`` of the pieces: no regex for a chunk of ASCII letters; otherwise the search
    starts where the widest bounded piece could start (see the module docstring)."""

    __slots__ = ("_width", "_unbounded")

    def __init__(self, entries: Iterable[str | re.Pattern]) -> None:
        pieces = _pieces(entries)
        super().__init__(compile_suffix_regex(pieces), needs_outside(pieces, ASCII_ALPHA))
        widths = [_parser.parse(p).getwidth()[1] for p in pieces] if _parser is not None else [_WIDE + 1]
        wide = [p for p, w in zip(pieces, widths, strict=True) if w > _WIDE]
        self._width = max((w for w in widths if w <= _WIDE), default=0) if _parser is not None else -1
        self._unbounded = compile_suffix_regex(wide).search if wide else None

    def __call__(self, text: str) -> re.Match | None:
        if self._shortcut and text.isascii() and text.isalpha():
            return None
        start = len(text) - self._width
        if self._width < 0 or start <= 0 or text.endswith("\n") or (
                self._unbounded is not None and self._unbounded(text) is not None):
            return self._search(text)
        return self._search(text, start)
