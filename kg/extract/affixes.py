"""The tokenizer's prefix, suffix and infix searches, with exact shortcuts in front of the regexes.

Why: spaCy's affix regexes are alternations of ~100 pieces, several with lookbehinds over huge
Unicode classes, and ``suffix_search`` (``piece$|piece$|...``) tries every piece at every position
of the chunk. Each chunk the tokenizer has not cached (every new word form; every chunk of every
abstract inside ``nlp.memory_zone()``, where nothing is cached) pays for that: before these
shortcuts, the affix searches were ≈ 13 % of the instructions of an extraction.

The shortcuts never change a result; they only skip work whose answer is known:

* a chunk of ASCII letters and digits holds no prefix and no infix, and one of ASCII letters alone
  no suffix — *proven* from the pieces when the search is built (every piece
  requires, in what it consumes or in a lookaround, a character outside that alphabet); when the
  proof fails for some piece (other spaCy defaults), the shortcut is simply not used
  (:func:`kg.extract.regexes.needs_outside`);
* a suffix match must end at the end of the chunk, so a piece at most ``K`` characters wide can only
  start in the last ``K`` characters: the suffix regex is searched from there (Python's lookbehinds
  still see the characters before ``pos``), unless an unbounded piece (``\\.\\.+``) matches or the
  chunk ends in a newline (where ``$`` may match before it).

``tests/extract/test_affixes.py`` compares every shortcut with the plain regex.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from kg.extract.regexes import needs_outside, width

__all__ = ["PrefixSearch", "SuffixSearch", "InfixFinditer", "ASCII_ALNUM", "ASCII_ALPHA"]

ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
ASCII_ALPHA = frozenset(string.ascii_letters)
#: pieces wider than this are "unbounded" for the suffix search
_WIDE = 64


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
        widths = [width(p) for p in pieces]
        wide = [p for p, w in zip(pieces, widths, strict=True) if w is None or w > _WIDE]
        known = all(w is not None for w in widths)
        self._width = max((w for w in widths if w is not None and w <= _WIDE), default=0) if known else -1
        self._unbounded = compile_suffix_regex(wide).search if wide else None

    def __call__(self, text: str) -> re.Match | None:
        if self._shortcut and text.isascii() and text.isalpha():
            return None
        start = len(text) - self._width
        if self._width < 0 or start <= 0 or text.endswith("\n") or (
                self._unbounded is not None and self._unbounded(text) is not None):
            return self._search(text)
        return self._search(text, start)
