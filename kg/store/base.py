"""The one store protocol. Two real implementations give the same answers:

* :class:`kg.store.sqlite_store.SQLiteStore` — the embedded default, one indexed SQLite file
  (``.kg/graph.db``) opened without loading the graph, no server needed;
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

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

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

#: One logged query: ``{"query": text, "params": parameters}``.
LoggedQuery = dict[str, Any]
_query_log: ContextVar[list[LoggedQuery] | None] = ContextVar("kg_query_log", default=None)


@contextmanager
def capture_queries() -> Iterator[list[LoggedQuery]]:
    """Collect the database queries that store calls made in this block (this thread/context
    only, so concurrent API requests each see their own). Stores whose :attr:`GraphStore.query_language`
    is not ``None`` report every read query they run; the GraphQL API shows them as
    ``extensions.cypher``.

    Example::

        with capture_queries() as log:
            store.find_papers(query)
        print(log[0]["query"])
    """
    log: list[LoggedQuery] = []
    token = _query_log.set(log)
    try:
        yield log
    finally:
        _query_log.reset(token)


def log_query(query: str, params: dict[str, Any]) -> None:
    """Report one query to the enclosing :func:`capture_queries` block, if any (stores call this)."""
    log = _query_log.get()
    if log is not None:
        entry = {"query": query, "params": params}
        if not log or log[-1] != entry:
            log.append(entry)


_deadline: ContextVar[float | None] = ContextVar("kg_read_deadline", default=None)


@contextmanager
def read_deadline(at: float | None) -> Iterator[None]:
    """Store reads started in this block (this thread/context only) stop once ``time.monotonic()``
    passes ``at`` and raise :class:`kg.errors.QueryTimeout`: the embedded store interrupts its
    statement, Neo4j gets the time left as the transaction timeout. ``None``: no limit. The API
    wraps every store call of a request in it (:class:`kg.api.health.GuardedStore`).

    Example::

        with read_deadline(time.monotonic() + 5):
            store.find_papers(query)   # QueryTimeout after 5 s
    """
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> float | None:
    """The ``time.monotonic()`` value reads must stop at (see :func:`read_deadline`), or ``None``."""
    return _deadline.get()


class BulkLoader(Protocol):
    """A one-off load of a whole graph into an empty database, faster than :meth:`GraphStore.write`
    batches (Neo4j: ``neo4j-admin database import``, :mod:`kg.store.bulk`). Obtained from
    :meth:`GraphStore.bulk_loader` (or :func:`kg.store.bulk_loader`, which refuses a store without
    one); takes the same :class:`~kg.models.GraphDelta` batches as
    :meth:`GraphStore.write`, and gives the same graph."""

    def write(self, delta: GraphDelta) -> None:
        """Stage one batch."""

    def finish(self) -> None:
        """Load everything staged into the database (once, at the end)."""

    def close(self) -> None:
        """Release what staging holds (idempotent); a load that never finished leaves the database
        as it was."""


@runtime_checkable
class GraphStore(Protocol):
    """What every store does. All methods raise :class:`kg.errors.StoreError` subclasses only.

    Callers use only what is declared here — no probing with ``getattr``/``hasattr``/``isinstance``.
    """

    #: The store's name, as given to ``KG_STORE``/``--store`` (``sqlite`` or ``neo4j``).
    name: str
    #: True when calls may block on I/O (a server, a file): the API then calls the store from worker
    #: threads instead of its event loop.
    blocking: bool
    #: The language of the queries the store reports through :func:`log_query` (``"cypher"``), or
    #: ``None`` when it reports none.
    query_language: str | None

    # -- life cycle ----------------------------------------------------------------------------
    def flush(self) -> None:
        """Make every write so far durable (a no-op for stores that commit each batch)."""

    def close(self) -> None:
        """Release connections and files (idempotent)."""

    def version(self) -> str | None:
        """A token that changes whenever the graph does — every write, ``clear`` or load made through
        kg, by any process — or ``None`` when the store cannot tell. Equal tokens mean equal answers:
        the API keys its answer cache by it (:mod:`kg.api.cache`)."""

    def __enter__(self) -> GraphStore:
        """``with open_store() as store:`` closes the store at the end."""

    def __exit__(self, *exc: object) -> None:
        """Close the store."""

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

    # -- bulk loading --------------------------------------------------------------------------
    def check_bulk_load(self) -> bool:
        """Check, before any work, that :meth:`bulk_loader` can load this store: False when the
        store has no bulk path (the embedded store, whose ordinary writes are its fast path).

        Raises:
            StoreError: the store has a bulk path but cannot use it now (Neo4j: ``neo4j-admin`` not
                found, or the database is not empty).
        """

    def bulk_loader(self) -> BulkLoader | None:
        """A :class:`BulkLoader` into this store's empty database (checked at once, before anything
        is staged), or ``None`` when the store has no bulk path (see :meth:`check_bulk_load`)."""

    # -- entities ------------------------------------------------------------------------------
    def lookup(self, text: str, kind: EntityKind | None = None) -> list[Entity]:
        """Entities whose folded name or folded alias equals ``fold(text)``, ordered by id."""

    def search_entities(self, text: str, kind: EntityKind | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose folded name/alias contains ``fold(text)``; best (shortest) first."""

    def entities(self, ids: Collection[str]) -> dict[str, Entity]:
        """Entities by id (missing ids are left out)."""

    def descendants(self, entity_id: str) -> list[Entity]:
        """Transitive SUBTYPE_OF children of an entity (not including itself), ordered by id."""

    def family_ids(self, entity_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
        """For each of ``entity_ids`` the graph holds: the sorted ids of it and its transitive
        SUBTYPE_OF descendants (what a search for the entity with its subtypes matches), in one read
        for all of them (an API list of entities asks for each one's papers)."""

    def parents(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF parents, ordered by id."""

    def children(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF children, ordered by id."""

    def entity_counts(self, kind: EntityKind | None = None, *, top: int | None = None) -> list[EntityCount]:
        """Every entity (of ``kind``) with the number of distinct papers linked to it; most papers
        first, then by name. ``top``: only the most used — the first ``top`` of that list and every
        later entity with as many papers as the last of them (ties at the cut are kept, so a caller that
        orders ties its own way can still take its own first ``top``); read from the per-entity counts
        without loading every entity."""

    def count_entities(self, kind: EntityKind | None = None) -> int:
        """How many entities (of ``kind``) the graph holds (an entity list's total)."""

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
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Claim]:
        """Claims about any of ``about`` (entity ids), of ``type``, of ``paper_ids``; by claim id;
        only ``[offset:offset + limit]`` of them (all from ``offset`` without a limit)."""

    def count_claims(self, about: Collection[str] | None = None, type: ClaimType | None = None) -> int:
        """How many claims ``claims(about, type)`` holds in all (for a page's total)."""

    def counts_by_year(self, entity_ids: Collection[str] | None = None) -> dict[int, int]:
        """Number of papers per year (only papers linked to ``entity_ids`` when given)."""

    def stats(self) -> Stats:
        """Node and relationship counts."""
