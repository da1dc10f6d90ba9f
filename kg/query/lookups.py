"""The other questions: one paper, why a paper is tagged, entity lists, claims, co-occurrence,
facets and the taxonomy — each one typed function returning a pydantic result.

Why here and not in the adapters: ``kg why`` and the GraphQL fields must agree (same resolution,
same NotFound with suggestions, same limit errors, same "unknown year" bucket), so the CLI and
the API only print these results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from kg.errors import InputError, NotFound
from kg.models import AnyEntity, Claim, ClaimType, EntityCount, EntityKind, Extraction, PaperQuery, Tag, fold
from kg.query.papers import MAX_LIMIT, check_limit, check_offset, resolve_name
from kg.resolve import Resolution
from kg.resolve.overrides import Override, Overrides
from kg.store.base import GraphStore


def paper(store: GraphStore, paper_id: str) -> Extraction:
    """Everything tagged in one paper. Raises NotFound for an unknown id."""
    record = store.papers([paper_id]).get(paper_id)
    if record is None:
        raise NotFound(f"no paper with id {paper_id!r} in the graph ({store.name})")
    return record


class WhyResult(BaseModel):
    """Why a paper is (or is not) tagged with an entity: its tags with evidence, the claims about
    it and the curation overrides that concern them."""

    model_config = ConfigDict(frozen=True)

    paper: Extraction
    resolution: Resolution
    tags: tuple[Tag, ...] = ()
    claims: tuple[Claim, ...] = ()
    overrides: tuple[Override, ...] = ()


def why(store: GraphStore, paper_id: str, name: str, overrides: Overrides | None = None) -> WhyResult:
    """The tags of ``paper_id`` that ``name`` resolves to, with their evidence.

    Raises:
        NotFound: unknown paper or name, or the paper is not tagged with it (the message then
            names the override that rejected the tag, if one did).
    """
    r = resolve_name(store, name)
    x = paper(store, paper_id)
    ids = set(r.ids)
    tags = tuple(t for t in x.tags if t.entity.id in ids)
    notes = tuple(overrides.concerning(paper_id, ids)) if overrides else ()
    if not tags:
        rejected = [o for o in notes if o.op == "reject"]
        if rejected:
            o = rejected[0]
            raise NotFound(f"paper {paper_id} is not tagged with {name!r}: rejected by the override at {o.where}"
                           + (f" ({o.reason})" if o.reason else ""))
        raise NotFound(f"paper {paper_id} is not tagged with {name!r}")
    claims = tuple(c for c in x.claims if ids.intersection(c.about))
    return WhyResult(paper=x, resolution=r, tags=tags, claims=claims, overrides=notes)


class EntityRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    entity: AnyEntity
    paper_count: int


class EntityList(BaseModel):
    """A page of entities with their paper counts."""

    model_config = ConfigDict(frozen=True)

    total: int
    offset: int = 0
    items: tuple[EntityRow, ...] = ()


EntityOrder = Literal["papers", "name"]


class EntityCounts(Protocol):
    """Where :func:`entities` reads paper counts: a store, or the API's per-request loader."""

    def entity_counts(self, kind: EntityKind | None = None, *, top: int | None = None) -> list[EntityCount]: ...

    def count_entities(self, kind: EntityKind | None = None) -> int: ...


def entities(
    store: GraphStore,
    kind: EntityKind | None = None,
    *,
    contains: str | None = None,
    equals: str | None = None,
    starts_with: str | None = None,
    min_papers: int | None = None,
    max_papers: int | None = None,
    order: EntityOrder = "papers",
    limit: int = 20,
    offset: int = 0,
    max_limit: int = MAX_LIMIT,
    counts: EntityCounts | None = None,
) -> EntityList:
    """Entities (of ``kind``) with the number of papers linked to each: most papers first (then
    name), or by name. Name filters compare folded keys (case-, accent-, hyphen-insensitive).
    ``counts``: where to read the counts instead of ``store`` (the API's loader, which keeps them for
    the request).

    Without filters, most used first, only the page's most used entities are read
    (``entity_counts(kind, top=offset + limit)``, with ties at the cut) and the total is
    ``count_entities(kind)``: the cost follows the page, not the number of entities."""
    check_limit(limit, max_limit)
    check_offset(offset)
    source: EntityCounts = counts if counts is not None else store
    checks = [(equals, lambda k, q: k == q), (contains, lambda k, q: q in k),
              (starts_with, lambda k, q: k.startswith(q))]
    wanted = [(fold(q), test) for q, test in checks if q is not None]
    if order == "papers" and not wanted and min_papers is None and max_papers is None:
        rows = source.entity_counts(kind, top=offset + limit)
        total = source.count_entities(kind)
    else:
        rows = source.entity_counts(kind)
        total = None
    out = [
        r for r in rows
        if all(test(fold(r.entity.name), q) for q, test in wanted)
        and (min_papers is None or r.papers >= min_papers) and (max_papers is None or r.papers <= max_papers)
    ]
    if order == "name":
        out.sort(key=lambda r: (fold(r.entity.name), r.entity.id))
    else:
        out.sort(key=lambda r: (-r.papers, fold(r.entity.name), r.entity.id))
    page = out[offset : offset + limit]
    return EntityList(total=len(out) if total is None else total, offset=offset,
                      items=tuple(EntityRow(entity=r.entity, paper_count=r.papers) for r in page))


class ClaimList(BaseModel):
    """A page of claims, with the names of the entities they are about."""

    model_config = ConfigDict(frozen=True)

    total: int
    offset: int = 0
    resolution: Resolution | None = None
    items: tuple[Claim, ...] = ()


def claims(
    store: GraphStore,
    about: str | None = None,
    *,
    type: ClaimType | None = None,
    exact: bool = False,
    limit: int = 50,
    offset: int = 0,
    max_limit: int = MAX_LIMIT,
) -> ClaimList:
    """Claim sentences (of ``type``), about the entity ``about`` names (alias-/family-resolved)."""
    check_limit(limit, max_limit)
    check_offset(offset)
    r = resolve_name(store, about, exact=exact) if about is not None else None
    about_ids = r.ids if r else None
    found = store.claims(about=about_ids, type=type, limit=limit, offset=offset)
    total = store.count_claims(about=about_ids, type=type)
    return ClaimList(total=total, offset=offset, resolution=r, items=tuple(found))


#: A co-occurring entity and the papers it shares: the same row as :class:`EntityRow`.
CountRow = EntityRow


class Cooccurrence(BaseModel):
    model_config = ConfigDict(frozen=True)

    resolution: Resolution
    total: int
    items: tuple[CountRow, ...] = ()


def cooccurring(
    store: GraphStore,
    name: str,
    *,
    kind: EntityKind | None = None,
    exact: bool = False,
    limit: int = 20,
    max_limit: int = MAX_LIMIT,
) -> Cooccurrence:
    """Entities (of ``kind``) in papers linked to ``name``, with the number of such papers."""
    check_limit(limit, max_limit)
    r = resolve_name(store, name, exact=exact)
    rows = store.cooccurring(r.ids, kind)
    return Cooccurrence(resolution=r, total=len(rows),
                        items=tuple(CountRow(entity=c.entity, paper_count=c.papers) for c in rows[:limit]))


class YearBucket(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int | None = Field(description="None: papers without a year.")
    paper_count: int


class YearFacet(BaseModel):
    model_config = ConfigDict(frozen=True)

    resolution: Resolution | None = None
    total: int
    buckets: tuple[YearBucket, ...] = ()


def papers_by_year(store: GraphStore, name: str | None = None, *, exact: bool = False) -> YearFacet:
    """Number of papers per year (linked to ``name`` when given), with an "unknown year" bucket
    (``year=None``, last) for papers without one."""
    r = resolve_name(store, name, exact=exact) if name is not None else None
    table = store.counts_by_year(r.ids if r else None)
    from kg.models import EntityFilter

    query = PaperQuery(using=(EntityFilter(ids=r.ids),) if r else (), limit=0)
    total = store.find_papers(query).total
    buckets = [YearBucket(year=y, paper_count=n) for y, n in sorted(table.items())]
    unknown = total - sum(table.values())
    if unknown > 0:
        buckets.append(YearBucket(year=None, paper_count=unknown))
    return YearFacet(resolution=r, total=total, buckets=tuple(buckets))


class TaxonomyNode(BaseModel):
    model_config = ConfigDict(frozen=True)

    entity: AnyEntity
    children: tuple[TaxonomyNode, ...] = ()


def taxonomy(store: GraphStore, kind: EntityKind | None = None, root: str | None = None) -> tuple[TaxonomyNode, ...]:
    """The SUBTYPE_OF forest (every kind alike): roots by id, each with its subtypes; only the
    subtree of ``root`` (a name) when given."""
    all_entities = [c.entity for c in store.entity_counts(kind)]
    by_id = {e.id: e for e in all_entities}
    children: dict[str, list[str]] = {}
    has_parent: set[str] = set()
    for e in all_entities:
        for p in getattr(e, "parents", ()) or ():  # methods/datasets gain parents with their families
            if p in by_id:
                children.setdefault(p, []).append(e.id)
                has_parent.add(e.id)

    def node(i: str, seen: frozenset) -> TaxonomyNode:
        kids = sorted(c for c in children.get(i, ()) if c not in seen)
        return TaxonomyNode(entity=by_id[i], children=tuple(node(c, seen | {c}) for c in kids))

    if root is not None:
        r = resolve_name(store, root, kind, exact=True)
        starts: Sequence[str] = [e.id for e in r.entities if e.id in by_id]
    else:
        starts = sorted(i for i in by_id if i not in has_parent and i in children)
    return tuple(node(i, frozenset({i})) for i in starts)


def check_kind(kind: str | None) -> EntityKind | None:
    if kind is not None and kind not in ("method", "divergence", "dataset"):
        raise InputError(f"unknown kind {kind!r}: method, divergence or dataset")
    return kind  # type: ignore[return-value]
