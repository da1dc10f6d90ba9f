"""Token keys shared by matching and lookup: the ``NORM`` of a token and the surface variants of a
vocabulary alias. A leaf module (it imports only :mod:`kg.models`), so the vocabulary loaders and the
pipeline both use it without importing each other."""

from __future__ import annotations

import unicodedata

from kg.models import singular

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


def norm_key(text: str) -> str:
    """The ``NORM`` of one token: lower case, no accents, dashes as ``-``, in-word hyphens dropped,
    and a simple plural fold (``divergences``→``divergence``, ``discrepancies``→``discrepancy``).

    >>> [norm_key(t) for t in ["Rényi", "CIFAR-10", "Divergences", "losses", "MMDs", "–"]]
    ['renyi', 'cifar10', 'divergence', 'loss', 'mmd', '-']
    """
    t = text.lower().translate(_DASHES)
    if not t.isascii():
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    if len(t) > 1 and "-" in t:
        stripped = t.replace("-", "")
        t = stripped or t
    return singular(t)  # the plural fold lookups use too (kg.models.fold)


def pattern_variants(alias: str) -> list[str]:
    """Surface variants of a vocabulary alias that tokenize differently: as given, with hyphens as
    spaces, and with spaces as hyphens ("Kullback Leibler" / "Kullback-Leibler")."""
    out = [alias]
    for v in (alias.replace("-", " "), alias.replace(" ", "-")):
        if v not in out:
            out.append(v)
    return out
