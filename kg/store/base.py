"""The one store protocol. Two real implementations give the same answers:

* :class:`kg.store.nx_store.NetworkXStore` — the embedded default, a networkx graph persisted to a
  node-link JSON file (written atomically), no server needed;
* :class:`kg.store.neo4j_store.Neo4jStore` — a real Neo4j 5 server over Bolt.

Both are checked by one contract test suite (tests/store/test_contract.py) that demands identical
answers. Graph model (see docs/schema.md)::

    (:Paper)-[:USES {role?, variant?, evidence}]->(:Method|:Divergence)
    (:Paper)-[:PROPOSES {evidence}]->(:Method)
    (:Paper)-[:EVALUATES_ON {evidence}]->(:Dataset)
    (:Paper)-[:MAKES]->(:Claim)-[:ABOUT]->(:Method|:Divergence|:Dataset)
    (:Divergence)-[:SUBTYPE_OF]->(:Divergence)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol, runtime_checkable

from kg.models import (
    Claim,
    ClaimType,
    Entity,
    EntityCount,
    EntityKind,
    Extraction,
    GraphDelta,
    PaperPage,
    PaperQuery,
    Stats,
)


@runtime_checkable
class GraphStore(Protocol):
    """What every store does. All methods raise :class:`kg.errors.StoreError` subclasses only."""

    name: str

    # -- writing -------------------------------------------------------------------------------
    def write(self, delta: GraphDelta) -> None:
        """Upsert the delta's papers, entities, tags and claims in one transaction per batch.

        For each paper in the delta, the links and claims the store held before are replaced (not
        added to), so re-ingesting a changed abstract leaves no stale edge. Idempotent.
        """

    def paper_versions(self, ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """``{paper id: (content_hash, extractor_version)}`` for the ids the store holds."""

    def clear(self) -> None:
        """Delete everything."""

    def close(self) -> None:
        """Release connections / flush to disk."""

    # -- entities ------------------------------------------------------------------------------
    def lookup(self, text: str, kind: EntityKind | None = None) -> list[Entity]:
        """Entities whose folded name or folded alias equals ``fold(text)``, ordered by id."""

    def search_entities(self, text: str, kind: EntityKind | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose folded name/alias contains ``fold(text)``; best (shortest) first."""

    def entities(self, ids: Collection[str]) -> dict[str, Entity]:
        """Entities by id (missing ids are left out)."""

    def descendants(self, entity_id: str) -> list[Entity]:
        """Transitive SUBTYPE_OF children of an entity (not including itself), ordered by id."""

    def parents(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF parents, ordered by id."""

    def children(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF children, ordered by id."""

    def entity_counts(self, kind: EntityKind | None = None) -> list[EntityCount]:
        """Every entity (of ``kind``) with the number of distinct papers linked to it; most papers
        first, then by name."""

    def cooccurring(self, entity_ids: Collection[str], kind: EntityKind | None = None) -> list[EntityCount]:
        """Entities (of ``kind``) linked to papers that are linked to any of ``entity_ids``, with the
        number of such papers; the given entities themselves are left out. Most papers first."""

    # -- papers and claims ---------------------------------------------------------------------
    def find_papers(self, query: PaperQuery) -> PaperPage:
        """Papers matching ``query`` with the tags that matched; ``total`` ignores limit/offset."""

    def explain(self, query: PaperQuery) -> str:
        """How :meth:`find_papers` answers ``query``: the Cypher and parameters (Neo4j) or the
        plan (embedded), for ``--explain`` and the API's ``extensions``."""

    def papers(self, ids: Collection[str]) -> dict[str, Extraction]:
        """Full records (paper, tags with evidence, claims) by id, in one batched call."""

    def claims(
        self,
        about: Collection[str] | None = None,
        type: ClaimType | None = None,
        paper_ids: Collection[str] | None = None,
    ) -> list[Claim]:
        """Claims about any of ``about`` (entity ids), of ``type``, of ``paper_ids``; by claim id."""

    def counts_by_year(self, entity_ids: Collection[str] | None = None) -> dict[int, int]:
        """Number of papers per year (only papers linked to ``entity_ids`` when given)."""

    def stats(self) -> Stats:
        """Node and relationship counts."""
