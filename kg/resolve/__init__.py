"""Resolution: what a user types ("KL", "Kullback-Leibler", "relative entropy", "f-divergence")
→ canonical entity ids in the graph.

Why a stage of its own: every lookup (CLI, GraphQL, Browser-free scripts) must understand names the
same way, and it must work on any :class:`~kg.store.base.GraphStore`, so resolution only uses the
protocol (``lookup``, ``descendants``, ``search_entities``, ``entity_counts``).

Rules, in order:

1. the folded text equals an entity's folded name or alias (``store.lookup``);
2. otherwise the same after dropping a leading article or adding/removing a generic head word
   (divergence, distance, discrepancy, metric, loss, dataset, …): "Wasserstein" →
   "Wasserstein distance"; when the text names only methods (and no kind is asked for), a divergence
   named with a head word is added ("optimal transport": the method AND the "optimal transport
   distance" family);
3. a leading ``forward``/``reverse`` (or ``inclusive``/``exclusive``) is read as the KL variant;
4. unless ``exact``, a family includes its SUBTYPE_OF descendants ("f-divergence" → KL, χ², …);
5. when nothing matches, close names are suggested (substring search, then difflib).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from kg.models import AnyEntity, EntityKind, Variant, fold
from kg.store.base import GraphStore

HEAD_WORDS: tuple[str, ...] = (
    "divergence", "distance", "discrepancy", "metric", "loss", "dataset", "benchmark", "method",
    "algorithm", "model",
)
DIVERGENCE_HEADS: tuple[str, ...] = ("divergence", "distance", "discrepancy", "metric")
_ARTICLES = ("the", "a", "an")
_VARIANT_WORDS: dict[str, Variant] = {
    "forward": "forward", "inclusive": "forward", "reverse": "reverse", "exclusive": "reverse",
}


class Resolution(BaseModel):
    """The entities a text names.

    ``entities`` are the matched canonical entities; ``ids`` are their ids plus (unless ``exact``)
    their taxonomy descendants' ids, sorted; ``members`` are those descendants; ``variant`` is the
    KL variant the text asked for (``"reverse KL"``); ``suggestions`` are close names when nothing
    matched.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    kind: EntityKind | None = None
    exact: bool = False
    entities: tuple[AnyEntity, ...] = ()
    members: tuple[AnyEntity, ...] = ()
    ids: tuple[str, ...] = ()
    variant: Variant | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        """Whether the text named at least one entity."""
        return bool(self.entities)


def _bases(text: str) -> list[str]:
    """The folded text, without a leading article, without a leading variant word."""
    key = fold(text)
    words = key.split()
    bases = [key]
    if len(words) > 1 and words[0] in _ARTICLES:
        bases.append(" ".join(words[1:]))
    for base in list(bases):
        w = base.split()
        if len(w) > 1 and w[0] in _VARIANT_WORDS:
            bases.append(" ".join(w[1:]))
    return bases


def _with_heads(bases: list[str], heads: tuple[str, ...]) -> list[str]:
    """Each base with its generic head word removed, or with each of ``heads`` added."""
    out = []
    for base in bases:
        w = base.split()
        if len(w) > 1 and w[-1] in HEAD_WORDS:
            out.append(" ".join(w[:-1]))
        elif w:
            out.extend(f"{base} {head}" for head in heads)
    return out


def variants(text: str, heads: tuple[str, ...] = HEAD_WORDS) -> Iterator[str]:
    """Folded spellings to try for ``text``, best first: the text itself, without an article or a
    variant word, then with a generic head word removed or added.

    >>> list(variants("the optimal transport"))[:3]
    ['the optimal transport', 'optimal transport', 'the optimal transport divergence']
    """
    bases = _bases(text)
    yield from dict.fromkeys(c for c in bases + _with_heads(bases, heads) if c)


def _variant(text: str) -> Variant | None:
    words = fold(text).split()
    if words and words[0] in _ARTICLES:
        words = words[1:]
    return _VARIANT_WORDS.get(words[0]) if len(words) > 1 else None


def suggest(store: GraphStore, text: str, kind: EntityKind | None = None, n: int = 8) -> list[str]:
    """Up to ``n`` entity names close to ``text``: names containing it (or one of its words),
    then names difflib finds similar (stricter for keys of 5 characters or less, where a 0.6 ratio
    pairs unrelated acronyms: USPS → muP)."""
    names: dict[str, None] = {}
    key = fold(text)
    probes = [key] + [w for w in key.split() if len(w) >= 3 and w not in HEAD_WORDS]
    for probe in probes:
        if probe:
            for e in store.search_entities(probe, kind, limit=n):
                names.setdefault(e.name)
    if len(names) < n:
        by_key: dict[str, str] = {}
        for count in store.entity_counts(kind):
            e = count.entity
            for k in (fold(e.name), *(fold(a) for a in e.aliases)):
                by_key.setdefault(k, e.name)
        # short keys (acronyms: "USPS" folds to "usp") match almost anything at 0.6 ("muP"): ask more
        cutoff = 0.6 if len(key) > 5 else 0.8
        for k in difflib.get_close_matches(key, list(by_key), n=n, cutoff=cutoff):
            names.setdefault(by_key[k])
    return list(names)[:n]


def resolve(
    store: GraphStore, text: str, kind: EntityKind | None = None, *, exact: bool = False
) -> Resolution:
    """Resolve ``text`` to canonical entities of ``store`` (see the module doc for the rules).

    Args:
        store: any graph store.
        text: what the user typed ("KL", "Kullback–Leibler divergence", "f-divergence", "CIFAR10").
        kind: only entities of this kind.
        exact: do not include taxonomy descendants of a family.

    Returns:
        A :class:`Resolution`; ``found`` is False (and ``suggestions`` filled) when nothing matched.
        Never raises for an unknown name — :func:`kg.query.papers_using` turns that into NotFound.

    Example::

        >>> r = resolve(store, "relative entropy")          # doctest: +SKIP
        >>> r.ids                                            # doctest: +SKIP
        ('divergence:kullback-leibler',)
    """
    matched: list = []
    for candidate in variants(text):
        matched = store.lookup(candidate, kind)
        if matched:
            break
    if matched and kind is None and all(e.kind == "method" for e in matched):
        # "optimal transport" names a method AND, with a head word, the divergence family
        for candidate in _with_heads(_bases(text), DIVERGENCE_HEADS):
            found = [e for e in store.lookup(candidate, "divergence") if e.id not in {m.id for m in matched}]
            if found:
                matched = sorted([*matched, *found], key=lambda e: e.id)
                break
    if not matched:
        return Resolution(text=text, kind=kind, exact=exact, suggestions=tuple(suggest(store, text, kind)))
    members: dict[str, AnyEntity] = {}
    if not exact:
        own = {e.id for e in matched}
        for e in matched:
            for d in store.descendants(e.id):
                if d.id not in own:
                    members.setdefault(d.id, d)  # type: ignore[arg-type]
    variant = _variant(text) if any(e.kind == "divergence" for e in matched) else None
    ids = sorted({e.id for e in matched} | set(members))
    return Resolution(
        text=text,
        kind=kind,
        exact=exact,
        entities=tuple(matched),
        members=tuple(members[i] for i in sorted(members)),
        ids=tuple(ids),
        variant=variant,
    )
