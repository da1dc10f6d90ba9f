"""Paper questions: "papers using X", with the filters researchers combine, ordering and cursors.

Why one module: ``kg papers-using`` / ``kg papers`` and the GraphQL ``papers`` /
``papersConnection`` fields must give the same answer for the same words, so both build a
:class:`PaperFilters`, call :func:`find_papers` and print its :class:`PapersResult`. Names are
resolved here (aliases, folded keys, family expansion; :mod:`kg.resolve`); an unknown name raises
:class:`~kg.errors.NotFound` carrying close names, a bad page size or cursor an
:class:`~kg.errors.InputError` — the same errors whichever adapter asked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kg.errors import InputError, NotFound
from kg.models import (
    Direction,
    EntityFilter,
    EntityKind,
    Evidence,
    PaperHit,
    PaperOrder,
    PaperPage,
    PaperQuery,
    Role,
    Variant,
)
from kg.resolve import Resolution, resolve
from kg.store.base import GraphStore

#: Largest page any adapter may ask for (the GraphQL API asks for less: see kg.api.schema).
MAX_LIMIT = 10_000

ORDER_HELP = (
    "relevance (default when a name is given): a paper that proposes the method first, then one whose "
    "evidence is in the title or the first two sentences, then by the number of mentions; "
    "year (missing years last), title, id. Ties by paper id."
)


def check_limit(limit: int, maximum: int = MAX_LIMIT, what: str = "limit") -> int:
    """``limit`` if it is in ``0..maximum``; otherwise an InputError (never a silent clamp)."""
    if not isinstance(limit, int) or limit < 0 or limit > maximum:
        raise InputError(f"{what} must be between 0 and {maximum} (got {limit})")
    return limit


def check_offset(offset: int) -> int:
    if not isinstance(offset, int) or offset < 0:
        raise InputError(f"offset must be 0 or more (got {offset})")
    return offset


_YEARS = re.compile(r"^\s*(\d{4})?\s*(\.\.|-|–)?\s*(\d{4})?\s*$")


def parse_years(text: str) -> tuple[int | None, int | None]:
    """``"2020..2023"`` → ``(2020, 2023)``; ``"2021.."`` → ``(2021, None)``; ``"..2019"``;
    ``"2022"`` → ``(2022, 2022)``.

    >>> parse_years("2020..2023")
    (2020, 2023)
    """
    m = _YEARS.match(text or "")
    if not m or not (m.group(1) or m.group(3)):
        raise InputError(f"bad year range {text!r}: use YEAR, FROM..TO, FROM.. or ..TO (e.g. 2020..2023)")
    lo, sep, hi = m.group(1), m.group(2), m.group(3)
    if not sep:
        if lo and hi:
            raise InputError(f"bad year range {text!r}: use FROM..TO")
        lo = hi = lo or hi
    y0, y1 = (int(lo) if lo else None), (int(hi) if hi else None)
    if y0 is not None and y1 is not None and y0 > y1:
        raise InputError(f"bad year range {text!r}: {y0} is after {y1}")
    return y0, y1


class NameFilter(BaseModel):
    """One more named entity the paper must be linked to, with its own kind/exact/role/variant
    (GraphQL's ``uses`` list beyond the first)."""

    model_config = ConfigDict(frozen=True)

    text: str
    kind: EntityKind | None = None
    exact: bool = False
    role: Role | None = None
    variant: Variant | None = None


class PaperFilters(BaseModel):
    """Everything a paper question can say; filters combine with AND.

    ``name`` is the subject ("papers using X": any kind unless ``kind``; a family includes its
    members unless ``exact``); ``role``/``variant`` restrict its links. ``datasets`` must all be
    evaluated on, ``with_`` must all co-occur (any kind, alias- and family-resolved); ``any_kind``
    with ``role`` asks for papers linked to any entity of a kind ("any proposed method").
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    name: str | None = None
    entity_id: str | None = Field(default=None, description="The subject as an entity id (already resolved).")
    kind: EntityKind | None = None
    exact: bool = False
    role: Role | None = None
    variant: Variant | None = None
    any_kind: EntityKind | None = None
    also: tuple[NameFilter, ...] = ()
    datasets: tuple[str, ...] = ()
    with_: tuple[str, ...] = Field(default=(), alias="with")
    year_min: int | None = None
    year_max: int | None = None
    venue: str | None = None
    author: str | None = None
    category: str | None = None
    text: str | None = None
    ids: tuple[str, ...] | None = None

    def key(self, order: str, direction: str) -> str:
        """A short digest of these filters and the ordering (what a cursor is bound to)."""
        blob = json.dumps([self.model_dump(mode="json"), order, direction], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


class ResolvedName(BaseModel):
    """How one name of a question was understood."""

    model_config = ConfigDict(frozen=True)

    role: Literal["subject", "dataset", "with"]
    resolution: Resolution


class PapersResult(BaseModel):
    """The answer to a paper question: the resolved names, the total and one page."""

    model_config = ConfigDict(frozen=True)

    filters: PaperFilters
    resolved: tuple[ResolvedName, ...] = ()
    order: PaperOrder
    direction: Direction
    offset: int
    total: int
    items: tuple[PaperHit, ...] = ()
    explain: str | None = None

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.items)
        return end if end < self.total else None

    @property
    def page(self) -> PaperPage:
        """The page as the store returned it."""
        return PaperPage(total=self.total, items=self.items)

    @property
    def resolution(self) -> Resolution | None:
        """How the subject name was resolved (None without one)."""
        return next((r.resolution for r in self.resolved if r.role == "subject"), None)

    def rows(self) -> list[UsingRow]:
        """One row per (paper, matched entity), in page order."""
        return rows(self)

    def cursor(self, offset: int) -> str:
        """The cursor of the item at ``offset`` (bound to these filters and this ordering)."""
        return encode_cursor(self.filters.key(self.order, self.direction), offset)


# -- cursors ----------------------------------------------------------------------------------
def encode_cursor(key: str, offset: int) -> str:
    """An opaque cursor: the position and the digest of the question it belongs to."""
    return base64.urlsafe_b64encode(f"kg1:{key}:{offset}".encode()).decode()


def decode_cursor(cursor: str | None, key: str) -> int:
    """The offset just after ``cursor`` (0 without one). A malformed cursor, or one made under
    other filters or another ordering, is an InputError."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        tag, got, number = raw.split(":")
        if tag != "kg1" or not number.isdigit():
            raise ValueError(raw)
    except (ValueError, UnicodeError, binascii.Error):
        raise InputError(f"invalid cursor {cursor[:40]!r}: pass a cursor from pageInfo or edges") from None
    if got != key:
        raise InputError(
            f"cursor {cursor[:40]!r} belongs to a query with other filters or another ordering; "
            "start again without `after`"
        )
    return int(number) + 1


# -- resolution -------------------------------------------------------------------------------
def not_found_message(resolution: Resolution) -> str:
    """The one-line message for a name that resolves to nothing, with suggestions."""
    what = f"no {resolution.kind} named" if resolution.kind else "no entity named"
    if resolution.suggestions:
        return f"{what} {resolution.text!r}; did you mean: {', '.join(resolution.suggestions)}?"
    return f"{what} {resolution.text!r} (see `kg entities` for the known names)"


def resolve_name(store: GraphStore, text: str, kind: EntityKind | None = None, *, exact: bool = False) -> Resolution:
    """:func:`kg.resolve.resolve`, or NotFound (with suggestions; on an empty graph, saying so)."""
    if not text or not text.strip():
        raise InputError("an entity name must not be blank")
    found = resolve(store, text, kind, exact=exact)
    if found.found:
        return found
    if store.stats().papers == 0:  # only on the failure path: no cost for a name that resolves
        raise NotFound(f"the graph ({store.name}) holds no papers: run `kg ingest` first")
    raise NotFound(not_found_message(found), found.suggestions)


def _head(r: Resolution) -> str | None:
    """The entity whose family (it and its subtypes) a resolution's ids are, when they are one's."""
    return r.entities[0].id if len(r.entities) == 1 and not r.exact else None


def _resolved(text: str, role: Literal["subject", "dataset", "with"], r: Resolution) -> ResolvedName:
    return ResolvedName(role=role, resolution=r)


def build_query(
    store: GraphStore, filters: PaperFilters, *, order: PaperOrder, direction: Direction, limit: int, offset: int,
    family_of: Callable[[str], Sequence[str] | None] | None = None,
) -> tuple[PaperQuery, tuple[ResolvedName, ...]]:
    """The store's :class:`~kg.models.PaperQuery` for ``filters`` (names resolved). ``family_of``:
    where to read an ``entity_id``'s family (it and its subtypes; default ``store.family_ids``)."""
    using: list[EntityFilter] = []
    resolved: list[ResolvedName] = []
    if filters.name is not None:
        r = resolve_name(store, filters.name, filters.kind, exact=filters.exact)
        using.append(EntityFilter(ids=r.ids, role=filters.role, variant=filters.variant or r.variant, head=_head(r)))
        resolved.append(_resolved(filters.name, "subject", r))
    elif filters.entity_id is not None:
        ids: tuple[str, ...] = (filters.entity_id,)
        if not filters.exact:
            family = family_of(filters.entity_id) if family_of is not None else (
                store.family_ids([filters.entity_id]).get(filters.entity_id))
            ids = tuple(sorted({filters.entity_id, *(family or ())}))
        head = filters.entity_id if not filters.exact else None
        using.append(EntityFilter(ids=ids, role=filters.role, variant=filters.variant, head=head))
    elif filters.any_kind is not None or filters.role is not None or filters.variant is not None:
        kind = filters.any_kind or ("method" if filters.role else "divergence")
        using.append(EntityFilter(kind=kind, role=filters.role, variant=filters.variant))
    for nf in filters.also:
        r = resolve_name(store, nf.text, nf.kind, exact=nf.exact)
        using.append(EntityFilter(ids=r.ids, role=nf.role, variant=nf.variant or r.variant, head=_head(r)))
        resolved.append(_resolved(nf.text, "with", r))
    for text in filters.datasets:
        r = resolve_name(store, text, "dataset", exact=filters.exact)
        using.append(EntityFilter(ids=r.ids, head=_head(r)))
        resolved.append(_resolved(text, "dataset", r))
    for text in filters.with_:
        r = resolve_name(store, text, None, exact=filters.exact)
        using.append(EntityFilter(ids=r.ids, variant=r.variant, head=_head(r)))
        resolved.append(_resolved(text, "with", r))
    query = PaperQuery(
        using=tuple(using),
        year_min=filters.year_min,
        year_max=filters.year_max,
        venue=filters.venue or None,
        author=filters.author or None,
        category=filters.category or None,
        text=(filters.text or "").strip() or None,
        ids=filters.ids,
        order=order,
        direction=direction,
        limit=limit,
        offset=offset,
    )
    return query, tuple(resolved)


def default_order(filters: PaperFilters) -> tuple[PaperOrder, Direction]:
    """Relevance (best first) when a name is looked up, else id order."""
    named = filters.name is not None or filters.entity_id is not None
    return ("relevance", "desc") if named else ("id", "asc")


def find_papers(
    store: GraphStore,
    filters: PaperFilters,
    *,
    order: PaperOrder | None = None,
    direction: Direction | None = None,
    limit: int = 100,
    offset: int = 0,
    after: str | None = None,
    max_limit: int = MAX_LIMIT,
    explain: bool = False,
    family_of: Callable[[str], Sequence[str] | None] | None = None,
) -> PapersResult:
    """Papers matching ``filters``: the one function behind every paper question.

    Args:
        store: any graph store.
        filters: what to match (see :class:`PaperFilters`).
        order, direction: default :func:`default_order`; relevance is "best first" when descending.
        limit, offset: the page; ``limit`` must be within ``0..max_limit``.
        after: a cursor from an earlier page of the SAME question (then ``offset`` is ignored).
        explain: also return how the store answered (Cypher or plan) in ``explain``.
        family_of: where to read the family of ``filters.entity_id`` (default: a store read; the
            API's request loader reads those of a whole list of entities at once).

    Raises:
        NotFound: a name resolves to nothing (``suggestions`` set) or the graph is empty.
        InputError: a bad limit, offset or cursor.
        StoreError: the store failed.

    Example::

        r = find_papers(store, PaperFilters(name="GAN", datasets=("CIFAR-10",), year_min=2018))
        print(r.total, [h.paper.id for h in r.items])
    """
    order = order or default_order(filters)[0]
    direction = direction or ("desc" if order == "relevance" else "asc")
    check_limit(limit, max_limit)
    if after is not None:
        offset = decode_cursor(after, filters.key(order, direction))
    check_offset(offset)
    query, resolved = build_query(store, filters, order=order, direction=direction, limit=limit, offset=offset,
                                  family_of=family_of)
    page = store.find_papers(query)
    return PapersResult(
        filters=filters, resolved=resolved, order=order, direction=direction, offset=offset,
        total=page.total, items=page.items, explain=store.explain(query) if explain else None,
    )


class UsingRow(BaseModel):
    """One flat row of a "papers using X" answer: a paper, one matched entity, how it is used and
    the first evidence sentence (what the CLI table shows)."""

    model_config = ConfigDict(frozen=True)

    paper_id: str
    title: str
    year: int | None = None
    entity_id: str
    entity: str
    kind: EntityKind
    role: Role | None = None
    variant: Variant | None = None
    sentence: str | None = None
    rule: str | None = None
    evidence: tuple[Evidence, ...] = ()


def rows(result: PapersResult) -> list[UsingRow]:
    """One row per (paper, matched entity), in page order."""
    out = []
    for hit in result.items:
        for tag in hit.matches:
            first = tag.evidence[0] if tag.evidence else None
            out.append(UsingRow(
                paper_id=hit.paper.id, title=hit.paper.title, year=hit.paper.year, entity_id=tag.entity.id,
                entity=tag.entity.name, kind=tag.entity.kind, role=tag.role, variant=tag.variant,
                sentence=first.sentence if first else None, rule=first.rule if first else None,
                evidence=tag.evidence,
            ))
    return out


def papers_using(store: GraphStore, text: str, **kwargs) -> PapersResult:
    """Shorthand: :func:`find_papers` for the papers linked to ``text`` (``kind``, ``role``,
    ``variant``, ``exact`` and the other :class:`PaperFilters` fields as keywords; ``order``,
    ``direction``, ``limit``, ``offset`` as for find_papers)."""
    page = {k: kwargs.pop(k) for k in ("order", "direction", "limit", "offset", "explain") if k in kwargs}
    return find_papers(store, PaperFilters(name=text, **kwargs), **page)
