"""What a regex needs, read from its parse tree: exact speed-ups for the rule and tokenizer regexes.

Python's regex engine tries a pattern at every position of the text. For a pattern that starts with
``\\b`` or a lookbehind it cannot skip ahead to the characters a match may start with, so every
position costs a word-boundary test and a try of each alternative. Two facts read from the pattern
itself (``re._parser``, the parser ``re.compile`` uses) let that work be skipped without changing
any result:

* :func:`first_test` — the characters every match starts with; ``(?=[those])`` in front of the
  pattern is a cheap test that fails where the pattern would fail anyway (the same matches, groups and
  counts, for ``search``, ``finditer``, ``findall`` and ``sub`` alike);
* :func:`needs_outside` — whether every match needs a character outside an alphabet (used by the
  tokenizer's shortcuts, :mod:`kg.extract.affixes`).

Both answer "unknown" for anything they do not understand, and then nothing is changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

try:  # the regex parser (private, stable since 3.11); without it nothing is proven
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    _parser = None

__all__ = ["first_test", "needs_outside"]

_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _class_items(items: list) -> list[str] | None:
    """A character class as class-body fragments, or None (negated or not understood)."""
    out = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(_char(av))
        elif name == "RANGE":
            out.append(f"{_char(av[0])}-{_char(av[1])}")
        elif name == "CATEGORY" and str(av) in _CATEGORIES:
            out.append(_CATEGORIES[str(av)])
        else:
            return None
    return out


def _first(seq: Any) -> tuple[list[str], bool] | None:
    """The class-body fragments of the characters a match of ``seq`` can start with, and whether
    ``seq`` can match the empty string; None when not understood."""
    items: list[str] = []
    for op, av in seq:
        name = str(op)
        if name in _ZERO_WIDTH:
            continue
        if name == "LITERAL":
            return [*items, _char(av)], False
        if name == "IN":
            chars = _class_items(av)
            return None if chars is None else ([*items, *chars], False)
        if name == "BRANCH":
            alts = [_first(alt) for alt in av[1]]
            if any(a is None for a in alts):
                return None
            items += [x for a in alts if a is not None for x in a[0]]
            if not any(a is not None and a[1] for a in alts):
                return items, False
            continue
        got: tuple[list[str], bool] | None
        if name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None
            got = _first(sub)
        elif name == "ATOMIC_GROUP":
            got = _first(av)
        elif name in _REPEATS:
            low, _high, sub = av
            got = _first(sub)
            if got is not None and low == 0:
                got = (got[0], True)
        else:
            return None
        if got is None:
            return None
        items += got[0]
        if not got[1]:
            return items, False
    return items, True


def _slow_start(item: Any) -> bool:
    """Does a pattern starting with ``item`` give the engine nothing to skip ahead with (a word
    boundary or a lookaround, alone or opening a group)?"""
    op, av = item
    name = str(op)
    if name == "SUBPATTERN":
        return bool(av[3].data) and _slow_start(av[3].data[0])
    if name == "BRANCH":  # one alternative without a first character to skip to is enough
        return any(not alt.data or _slow_start(alt.data[0]) or str(alt.data[0][0]) == "AT" for alt in av[1])
    if name == "AT":
        return str(av) in ("AT_BOUNDARY", "AT_NON_BOUNDARY")
    return name in ("ASSERT", "ASSERT_NOT")


def first_test(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` with ``(?=[c...])`` in front, ``c...`` the characters every match starts with:
    the same matches, found with a cheap test at each position. Only for a pattern that starts with
    a word boundary or a lookaround (one that starts with a character or a class is already scanned
    fast by the engine, and ``^`` is tried once); ``pattern`` itself otherwise, or when those
    characters are not known (an empty match possible, a negated class, local flags, ...).

    >>> first_test(re.compile(r"\\b(?:we|our)\\b")).pattern.startswith("(?=[")
    True
    >>> first_test(re.compile(r"\\bx*")).pattern  # (may match the empty string)
    '\\\\bx*'
    >>> first_test(re.compile(r"(?:we|our)")).pattern  # (the engine skips to "w"/"o" already)
    '(?:we|our)'
    """
    if _parser is None:
        return pattern
    text = pattern.pattern
    if not isinstance(text, str):
        return pattern
    try:
        seq = _parser.parse(text, pattern.flags).data
        got = _first(seq)
    except Exception:  # noqa: BLE001 - a parser we do not know: change nothing
        return pattern
    if not seq or not _slow_start(seq[0]) or got is None or got[1] or not got[0]:
        return pattern
    flags = _FLAGS.match(text)  # global inline flags must stay at the start
    head, rest = (flags.group(0), text[flags.end():]) if flags else ("", text)
    return re.compile(f"{head}(?=[{''.join(dict.fromkeys(got[0]))}])(?:{rest})", pattern.flags)


# --- needs_outside -----------------------------------------------------------------------------


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
        elif name in _REPEATS:
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

    >>> needs_outside([r"\\.\\.+", r"(?<=[0-9])(?:km|kg)", "'s"], frozenset("abcdefghijklmnopqrstuvwxyz"))
    True
    >>> needs_outside([r"(?<=[0-9])(?:km|kg)"], frozenset("km0123456789"))
    False
    """
    if _parser is None:
        return False
    try:
        return all(_needs(_parser.parse(p).data, alphabet) for p in pieces)
    except Exception:  # noqa: BLE001 - a parser we do not know: prove nothing
        return False


def width(piece: str) -> int | None:
    """The longest match of ``piece`` (a large number when unbounded), None when unknown."""
    if _parser is None:
        return None
    try:
        return int(_parser.parse(piece).getwidth()[1])
    except Exception:  # noqa: BLE001
        return None
