"""Cheaper lexical-attribute getters for the English vocab, each returning what spaCy's returns.

Why: every word form the vocab has not seen becomes a lexeme, and spaCy computes ~23 attributes
for it by calling one Python function each (``vocab.lex_attr_getters``). New forms are frequent
(≈ 12 per abstract; inside ``nlp.memory_zone()`` every form outside the permanent vocab is made again
in every batch), and a lexeme cost ≈ 90,000 instructions, ≈ 8 % of an extraction. Most of that was
in a few getters: ``like_num`` (two list scans of number words), ``like_url``, ``word_shape`` (a
Python loop per character), ``is_ascii``, and the ``functools.partial`` ones called with keywords.

:func:`install` replaces a getter only by one with the same value for every string: a ``str``
method for the plain predicates, a ``frozenset`` membership for the fixed lists, and for the others
a shortcut for the common case in front of spaCy's own function (which still decides every other
string). Attributes, order and values are unchanged; ``tests/extract/test_pipeline.py`` compares
every getter with spaCy's on the corpora's words and on generated strings.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

from spacy.attrs import (
    IS_ALPHA,
    IS_ASCII,
    IS_BRACKET,
    IS_DIGIT,
    IS_LEFT_PUNCT,
    IS_LOWER,
    IS_QUOTE,
    IS_RIGHT_PUNCT,
    IS_SPACE,
    IS_STOP,
    IS_TITLE,
    IS_UPPER,
    LANG,
    LIKE_EMAIL,
    LIKE_NUM,
    LIKE_URL,
    LOWER,
    PREFIX,
    SHAPE,
    SUFFIX,
)
from spacy.lang import lex_attrs as base
from spacy.lang.en import lex_attrs as en

__all__ = ["install"]

# spaCy's lists (spacy/lang/lex_attrs.py, as of 3.8), as sets: ``text in tuple`` == ``text in frozenset``
_BRACKETS = frozenset(("(", ")", "[", "]", "{", "}", "<", ">"))
_QUOTES = frozenset(('"', "'", "`", "«", "»", "‘", "’", "‚", "‛", "“", "”", "„", "‟", "‹", "›", "❮", "❯", "''",
                     "``"))
_LEFT_PUNCT = frozenset(("(", "[", "{", "<", '"', "'", "«", "‘", "‚", "‛", "“", "„", "‟", "‹", "❮", "``"))
_RIGHT_PUNCT = frozenset((")", "]", "}", ">", '"', "'", "»", "’", "”", "›", "❯", "''"))

#: the same value from a C-level callable for the getters that are one ``str`` call
_PLAIN: dict[int, tuple[Callable, Callable]] = {
    LOWER: (base.lower, str.lower),
    PREFIX: (base.prefix, operator.itemgetter(0)),
    SUFFIX: (base.suffix, operator.itemgetter(slice(-3, None))),
    IS_ALPHA: (base.is_alpha, str.isalpha),
    IS_DIGIT: (base.is_digit, str.isdigit),
    IS_LOWER: (base.is_lower, str.islower),
    IS_SPACE: (base.is_space, str.isspace),
    IS_TITLE: (base.is_title, str.istitle),
    IS_UPPER: (base.is_upper, str.isupper),
    IS_ASCII: (base.is_ascii, str.isascii),  # (both True for "")
    IS_BRACKET: (base.is_bracket, _BRACKETS.__contains__),
    IS_QUOTE: (base.is_quote, _QUOTES.__contains__),
    IS_LEFT_PUNCT: (base.is_left_punct, _LEFT_PUNCT.__contains__),
    IS_RIGHT_PUNCT: (base.is_right_punct, _RIGHT_PUNCT.__contains__),
}

_NUMBER_WORDS = frozenset(getattr(en, "_num_words", ())) | frozenset(getattr(en, "_ordinal_words", ()))


def like_num(text: str) -> bool:
    """English ``like_num``: for a word of letters only it is "a number word" (no sign, digit, "/"
    or "st/nd/rd/th" after digits can apply); anything else goes to spaCy's function."""
    if text.isalpha():
        return text.lower() in _NUMBER_WORDS
    return en.like_num(text)


def like_url(text: str) -> bool:
    """``like_url``: without a "." only the ``http(s)://`` test can succeed."""
    if text and "." not in text:
        return text.startswith(("http://", "https://"))
    return base.like_url(text)


def like_email(text: str) -> bool:
    """``like_email``: its regex needs an "@"."""
    return "@" in text and base.like_email(text)


_SHAPE = str.maketrans({**{c: "X" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
                        **{c: "x" for c in "abcdefghijklmnopqrstuvwxyz"},
                        **{c: "d" for c in "0123456789"}})


def word_shape(text: str) -> str:
    """``word_shape`` of an ASCII string by a translation table (upper → X, lower → x, digit → d,
    other characters as they are) and runs cut to four (replacing five by four until none is left
    shortens every longer run to exactly four); other strings go to spaCy's loop."""
    if len(text) < 100 and text.isascii():
        shape = text.translate(_SHAPE)
        if len(shape) > 4:
            for ch in set(shape):
                five = ch * 5
                while five in shape:
                    shape = shape.replace(five, ch * 4)
        return shape
    return base.word_shape(text)


def _stop_getter(getter: Callable) -> Callable | None:
    """``partial(is_stop, stops=S)`` without the keyword call: ``text.lower() in S``."""
    if isinstance(getter, functools.partial) and getter.func is base.is_stop and set(getter.keywords) == {"stops"}:
        stops = getter.keywords["stops"]

        def is_stop(text: str) -> bool:
            return text.lower() in stops

        return is_stop
    return None


def _lang_getter(getter: Callable) -> Callable | None:
    """``partial(get_lang, lang=L)`` without the keyword call."""
    if isinstance(getter, functools.partial) and getter.func is base.get_lang and set(getter.keywords) == {"lang"}:
        lang = getter.keywords["lang"]

        def get_lang(text: str) -> str:
            return lang

        return get_lang
    return None


def install(getters: dict) -> int:
    """Replace, in place (same keys, same order), each getter of ``getters`` (a vocab's
    ``lex_attr_getters``) that is spaCy's own by its cheaper equivalent; returns how many."""
    swaps: dict[int, Callable] = {}
    for attr, getter in getters.items():
        plain = _PLAIN.get(attr)
        if plain is not None and getter is plain[0]:
            swaps[attr] = plain[1]
        elif attr == LIKE_NUM and getter is en.like_num and _NUMBER_WORDS:
            swaps[attr] = like_num
        elif attr == LIKE_URL and getter is base.like_url:
            swaps[attr] = like_url
        elif attr == LIKE_EMAIL and getter is base.like_email:
            swaps[attr] = like_email
        elif attr == SHAPE and getter is base.word_shape:
            swaps[attr] = word_shape
        elif attr == IS_STOP and (fast := _stop_getter(getter)) is not None:
            swaps[attr] = fast
        elif attr == LANG and (fast := _lang_getter(getter)) is not None:
            swaps[attr] = fast
    for attr, fast in swaps.items():
        getters[attr] = fast
    return len(swaps)
