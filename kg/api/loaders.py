"""Per-request batching and caching between GraphQL resolvers and the store (no N+1).

GraphQL resolves a page of papers one paper at a time; if each paper's ``methods`` field asked the
store for its own record, a page of 100 papers would cost 100 store calls (the N+1 problem). A
:class:`RequestLoader` instead *primes* the ids a parent resolver is about to hand out (the 100 paper
ids of a page, the entity ids every claim of a list is about) and, on the first access to any of
them, loads all pending ids with ONE batched store call (``store.papers(ids)`` /
``store.entities(ids)``; the families of a list of entities whose ``papers`` are asked for,
``store.family_ids(ids)``). Entity paper counts and the divergence taxonomy come from one
``entity_counts`` call per kind and request (an entity list ordered by paper count asks only for its
page's most used entities, ``entity_counts(kind, top=n)``).

The number of store calls of a query therefore depends on its *shape* (how many nested levels ask for
records), never on the page size — ``tests/api/test_batching.py`` pins that with a counting wrapper
around a real store. Resolvers of a request run synchronously in one thread (a worker thread, or the
event loop itself for the in-memory store), so a loader needs no locking; it lives in the GraphQL
context and dies with the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kg.models import Claim, Entity, EntityCount, EntityKind, Extraction, Paper, Tag
from kg.store.base import GraphStore
from kg.store.records import top_counts


@dataclass(frozen=True)
class PaperNode:
    """What a ``Paper`` GraphQL object resolves from: the paper plus the tags that matched the
    query's filters (empty when the paper was reached another way). Attribute access falls through
    to the :class:`kg.models.Paper` so that plain fields use graphene's default resolver."""

    paper: Paper
    matches: tuple[Tag, ...] = ()

    def __getattr__(self, name: str):
        return getattr(self.paper, name)


@dataclass
class Taxonomy:
    """The divergence taxonomy of one request: entities by id, direct parents and children."""

    by_id: dict[str, Entity] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_entities(cls, entities: Iterable[Entity]) -> Taxonomy:
        tax = cls()
        for e in entities:
            tax.by_id[e.id] = e
        for e in tax.by_id.values():
            for p in getattr(e, "parents", ()) or ():
                if p in tax.by_id:
                    tax.parents.setdefault(e.id, []).append(p)
                    tax.children.setdefault(p, []).append(e.id)
        for table in (tax.parents, tax.children):
            for k in table:
                table[k] = sorted(set(table[k]))
        return tax

    def roots(self) -> list[Entity]:
        """Divergences without a parent, by id."""
        return [self.by_id[i] for i in sorted(self.by_id) if not self.parents.get(i)]

    def parents_of(self, entity_id: str) -> list[Entity]:
        return [self.by_id[i] for i in self.parents.get(entity_id, [])]

    def children_of(self, entity_id: str) -> list[Entity]:
        return [self.by_id[i] for i in self.children.get(entity_id, [])]

    def descendants_of(self, entity_id: str) -> list[Entity]:
        """Transitive children (not the entity itself), by id; safe on cycles."""
        seen: set[str] = set()
        todo = list(self.children.get(entity_id, []))
        while todo:
            i = todo.pop()
            if i in seen or i == entity_id:
                continue
            seen.add(i)
            todo.extend(self.children.get(i, []))
        return [self.by_id[i] for i in sorted(seen)]


def _load_pending(key: str, pending: set[str], cache: dict, fetch: Callable[[list[str]], dict]) -> dict:
    """Load ``key`` and every pending key with ONE ``fetch`` call; missing ones are cached as None."""
    pending.add(key)
    ids = sorted(pending)
    pending.clear()
    found = fetch(ids)
    for i in ids:
        cache[i] = found.get(i)
    return found


class RequestLoader:
    """Batches and caches the store reads of one GraphQL request.

    Example::

        loader = RequestLoader(store)
        loader.want_papers(["p001", "p002"])
        loader.extraction("p001")   # one store.papers({"p001", "p002"}) call
        loader.extraction("p002")   # served from the cache
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._extractions: dict[str, Extraction | None] = {}
        self._pending_papers: set[str] = set()
        self._entities: dict[str, Entity | None] = {}
        self._pending_entities: set[str] = set()
        self._counts: dict[EntityKind | None, list[EntityCount]] = {}
        self._tops: dict[tuple[EntityKind | None, int], list[EntityCount]] = {}
        self._totals: dict[EntityKind | None, int] = {}
        self._count_by_id: dict[str, int] = {}
        self._taxonomy: Taxonomy | None = None
        self._families: dict[str, tuple[str, ...] | None] = {}
        self._pending_families: set[str] = set()

    # -- papers --------------------------------------------------------------------------------
    def want_papers(self, ids: Iterable[str]) -> None:
        """Announce paper ids whose full records may be asked for soon (loaded together)."""
        self._pending_papers.update(i for i in ids if i not in self._extractions)

    def extraction(self, paper_id: str) -> Extraction | None:
        """The full record of a paper (tags with evidence, claims), or None if the store lacks it."""
        if paper_id not in self._extractions:
            found = _load_pending(paper_id, self._pending_papers, self._extractions, self.store.papers)
            for x in found.values():
                self.want_entities(a for c in x.claims for a in c.about)
        return self._extractions[paper_id]

    # -- entities ------------------------------------------------------------------------------
    def want_entities(self, ids: Iterable[str]) -> None:
        """Announce entity ids that may be asked for soon (loaded together)."""
        self._pending_entities.update(i for i in ids if i not in self._entities)

    def want_claims(self, claims: Iterable[Claim]) -> None:
        """Prime the entities and papers a list of claims refers to."""
        claims = list(claims)
        self.want_entities(a for c in claims for a in c.about)
        self.want_papers(c.paper_id for c in claims)

    def entity(self, entity_id: str) -> Entity | None:
        """An entity by id, or None."""
        if entity_id not in self._entities:
            _load_pending(entity_id, self._pending_entities, self._entities, self.store.entities)
        return self._entities[entity_id]

    def entities(self, ids: Iterable[str]) -> list[Entity]:
        """Entities by id in the given order, leaving out the ones the store lacks."""
        ids = list(ids)
        self.want_entities(ids)
        return [e for e in (self.entity(i) for i in ids) if e is not None]

    def want_families(self, ids: Iterable[str]) -> None:
        """Announce entity ids whose papers (with their subtypes') may be asked for soon: their
        families are read together (a list of entities, each with ``papers``)."""
        self._pending_families.update(i for i in ids if i not in self._families)

    def family_of(self, entity_id: str) -> tuple[str, ...] | None:
        """The ids of an entity and its transitive subtypes (None if the store lacks it), read with
        every pending entity's in ONE ``store.family_ids`` call."""
        if entity_id not in self._families:
            _load_pending(entity_id, self._pending_families, self._families, self.store.family_ids)
        return self._families[entity_id]

    # -- counts and taxonomy -------------------------------------------------------------------
    def counts(self, kind: EntityKind | None) -> list[EntityCount]:
        """``store.entity_counts(kind)`` (every entity of the kind), once per request and kind."""
        if kind not in self._counts:
            self._counts[kind] = self._remember(self.store.entity_counts(kind))
        return self._counts[kind]

    def entity_counts(self, kind: EntityKind | None = None, *, top: int | None = None) -> list[EntityCount]:
        """The store's ``entity_counts(kind, top=top)``, once per request (cut from the whole list
        when the request already holds it); the counts it returns answer ``paper_count`` later."""
        if top is None:
            return self.counts(kind)
        if kind in self._counts:
            return top_counts(self._counts[kind], top)
        if (kind, top) not in self._tops:
            self._tops[kind, top] = self._remember(self.store.entity_counts(kind, top=top))
        return self._tops[kind, top]

    def count_entities(self, kind: EntityKind | None = None) -> int:
        """The store's ``count_entities(kind)``, once per request."""
        if kind not in self._totals:
            self._totals[kind] = len(self._counts[kind]) if kind in self._counts else self.store.count_entities(kind)
        return self._totals[kind]

    def _remember(self, rows: list[EntityCount]) -> list[EntityCount]:
        for row in rows:
            self._count_by_id[row.entity.id] = row.papers
            self._entities.setdefault(row.entity.id, row.entity)
        return rows

    def paper_count(self, entity: Entity) -> int:
        """Distinct papers linked to the entity (directly)."""
        if entity.id not in self._count_by_id:
            self.counts(entity.kind)
        return self._count_by_id.get(entity.id, 0)

    def taxonomy(self) -> Taxonomy:
        """The divergence taxonomy, built from one ``entity_counts('divergence')`` call."""
        if self._taxonomy is None:
            self._taxonomy = Taxonomy.from_entities(r.entity for r in self.counts("divergence"))
            self.want_families(self._taxonomy.by_id)
        return self._taxonomy
