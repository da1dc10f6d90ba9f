"""The Neo4j store: the same graph as the embedded store, on a real Neo4j 5 server over Bolt.

Why it exists: a shared, persistent graph that researchers explore in Neo4j Browser and that
scales past one process. It gives the same answers as :mod:`kg.store.sqlite_store` (the contract suite
runs against both).

* One driver per store (official driver 6), closed by :meth:`Neo4jStore.close`;
  ``verify_connectivity()`` at open, so an unreachable server or a wrong password is one clear
  :class:`~kg.errors.StoreUnavailable` line. ``bolt://``, ``neo4j://`` and ``neo4j+s://`` URIs.
* Constraints and indexes created idempotently at open (queries/schema.cypher).
* Writes: each batch of a delta is a few ``UNWIND $rows ... MERGE`` statements run in ONE managed
  transaction (:func:`kg.store.cypher.write_plan`), so a failure leaves no half-written paper.
* Reads: ``driver.execute_query(..., database_=..., routing_=READ)``. Ranking and tie-breaking of
  entity lists happen in Python (:mod:`kg.store.records`) exactly as in the embedded store.
* Causal consistency on clusters (``neo4j://``, Aura): write sessions share the driver's
  ``execute_query_bookmark_manager``, so a read routed to another member sees every write before it.

All Cypher is in :mod:`kg.store.cypher`. Every read query and its parameters are reported through
:func:`kg.store.base.log_query` (the GraphQL API shows them as ``extensions.cypher``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kg.errors import MissingExtra, QueryTimeout, StoreError, StoreUnavailable
from kg.models import (
    Claim,
    ClaimType,
    Entity,
    EntityCount,
    EntityKind,
    Extraction,
    GraphDelta,
    PaperHit,
    PaperPage,
    PaperQuery,
    Stats,
    fold,
)
from kg.store import cypher as Q
from kg.store import families as F
from kg.store import records as R
from kg.store.base import BulkLoader, current_deadline, log_query
from kg.store.plans import PlanGate, statement_key

try:
    import neo4j
    from neo4j import exceptions as neo4j_errors
except ImportError:  # pragma: no cover - exercised only without the extra
    neo4j = None  # type: ignore[assignment]


def _token() -> str:
    """A new graph version token (:meth:`Neo4jStore.version`)."""
    return uuid.uuid4().hex


def _rewrite(session: Any, statements: Iterable[str]) -> None:
    """Run ``statements`` (each its own transaction, e.g. ``CALL … IN TRANSACTIONS``) with no graph
    version while they run: the token is removed first (``Q.UNTOUCH``) and set anew after the last,
    so the API caches nothing from a half-changed graph, nor after a failure half-way."""
    session.run(Q.UNTOUCH).consume()
    for statement in statements:
        session.run(statement).consume()
    session.run(Q.TOUCH, token=_token()).consume()


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """The driver's message on one line (lines joined, spaces collapsed, at most ``limit`` chars)."""
    text = " ".join(str(getattr(exc, "message", None) or exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def translate(exc: Exception, uri: str) -> Exception:
    """The kg error for a driver exception: one line, no driver internals.

    Unreachable server / bad address → StoreUnavailable; refused credentials (wrong password,
    expired or forbidden) → StoreUnavailable; anything else the server or driver reports → StoreError.
    """
    if isinstance(exc, neo4j_errors.AuthError) or str(getattr(exc, "code", "")).startswith(
        "Neo.ClientError.Security."
    ):
        return StoreUnavailable(
            f"Neo4j at {uri} refused the credentials (check NEO4J_USERNAME / NEO4J_PASSWORD): "
            f"{_one_line(exc)}"
        )
    if isinstance(exc, (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError)) or str(
        getattr(exc, "code", "")
    ) == "Neo.TransientError.General.DatabaseUnavailable":  # e.g. still recovering after a crash
        return StoreUnavailable(f"Neo4j at {uri} is unreachable: {_one_line(exc)}")
    if "TransactionTimedOut" in str(getattr(exc, "code", "")):
        return QueryTimeout(f"Neo4j stopped a query that ran past the time limit: {_one_line(exc)}")
    if isinstance(exc, neo4j_errors.ConfigurationError):
        return StoreUnavailable(f"cannot use the Neo4j URI {uri!r}: {_one_line(exc)}")
    return StoreError(f"Neo4j error: {_one_line(exc)}")


#: URI schemes of the Bolt protocol: single server, routing (cluster/Aura), with TLS variants.
SCHEMES: tuple[str, ...] = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class Neo4jStore:
    """A graph store on a Neo4j 5 server.

    Args:
        uri: ``bolt://host:7687``, ``neo4j://host:7687`` or ``neo4j+s://host`` (TLS).
        auth: ``(username, password)``, or ``None`` for a server with auth disabled.
        database: the database name (``neo4j`` by default).
        batch_size: papers per write transaction.
        connection_timeout: seconds to wait for a TCP connection before giving up (getting one
            from the pool, handshake included, may take up to 30 s under load).
        retry_time: seconds the driver keeps retrying a failed transaction (the driver's
            ``max_transaction_retry_time``). ``kg serve`` sets 0 so that a request fails at once
            while the server is down (the API's health probe brings it back); batch work keeps 15.
        query_timeout: server-side limit in seconds on each read transaction (None: the server's
            default); a read that runs longer raises :class:`~kg.errors.QueryTimeout`.

    Raises:
        MissingExtra: the ``neo4j`` driver is not installed.
        StoreUnavailable: the server cannot be reached or refused the credentials.

    Example::

        with Neo4jStore("bolt://127.0.0.1:7687", None, "neo4j") as store:
            print(store.stats())
    """

    name = "neo4j"
    blocking: bool = True
    query_language: str | None = "cypher"

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str = "neo4j",
        *,
        batch_size: int = 1000,
        connection_timeout: float = 10.0,
        retry_time: float = 15.0,
        query_timeout: float | None = None,
    ) -> None:
        if neo4j is None:
            raise MissingExtra("neo4j", "neo4j")
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.query_timeout = query_timeout
        #: First runs of read statements, one per statement at a time (kg.store.plans).
        self.plans = PlanGate()
        #: .last: (query, statement, params) of this thread's last find_papers, for explain to reuse
        self._planned = threading.local()
        self._driver: Any = None
        scheme = uri.split("://", 1)[0] if "://" in uri else ""
        if scheme not in SCHEMES:
            raise StoreUnavailable(
                f"cannot use the Neo4j URI {uri!r}: it must start with one of "
                + ", ".join(f"{s}://" for s in SCHEMES)
            )
        self._driver_args: dict[str, Any] = {
            "auth": auth,
            "connection_timeout": connection_timeout,
            # Waiting for a pooled connection (and its handshake) is queueing under load, not
            # a dead server: a short limit here made a busy-but-alive server look unavailable.
            "connection_acquisition_timeout": max(connection_timeout, 30.0),
            "max_transaction_retry_time": retry_time,
            # The server's query notifications ("relationship type does not exist" on an empty
            # database, ...) are advice for query authors, not for kg's users: keep stderr clean.
            "notifications_min_severity": "OFF",
        }
        self._connect()
        try:
            with self._errors():
                self.driver.verify_connectivity()
            self.ensure_schema()
        except Exception:
            self.close()
            raise

    def _connect(self) -> None:
        try:
            self._driver = neo4j.GraphDatabase.driver(self.uri, **self._driver_args)
        except (ValueError, TypeError, neo4j_errors.ConfigurationError) as exc:
            raise StoreUnavailable(f"cannot use the Neo4j URI {self.uri!r}: {_one_line(exc)}") from None

    # -- plumbing ----------------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (StoreError, MissingExtra):
            raise
        except Exception as exc:  # noqa: BLE001 - every driver failure becomes one kg error line
            raise translate(exc, self.uri) from None

    @property
    def driver(self):
        """The open driver; StoreError once the store is closed."""
        if self._driver is None:
            raise StoreError("the Neo4j store is closed")
        return self._driver

    def _timeout(self) -> float | None:
        """The transaction timeout of a read starting now: :attr:`query_timeout`, or the time left
        before the caller's :func:`~kg.store.base.read_deadline` when that is shorter.

        Raises:
            QueryTimeout: the deadline has passed.
        """
        deadline = current_deadline()
        if deadline is None:
            return self.query_timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout("the read's deadline passed before it started")
        return left if self.query_timeout is None else min(left, self.query_timeout)

    def _read(self, query: str, **params: Any) -> list[Any]:
        """Run one read statement. Its first run (per text and parameter types, until the server stops
        answering) goes through :attr:`plans`, so concurrent callers do not plan it again."""
        log_query(query, params)
        driver = self.driver

        def run() -> list[Any]:
            timeout = self._timeout()  # after any wait at the plan gate
            records, _, _ = driver.execute_query(
                neo4j.Query(query, timeout=timeout) if timeout else query,
                parameters_=params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
            )
            return records

        try:
            with self._errors():
                return self.plans.run(statement_key(query, params), run)
        except StoreUnavailable:
            self.plans.forget()  # a restarted server has an empty plan cache
            raise

    def ensure_schema(self) -> None:
        """Create the constraints and indexes (idempotent: ``IF NOT EXISTS``), and recount the
        summary nodes of a database that lacks them (written by an older kg, or imported from CSV
        files without them; a bulk load imports them with their marker, kg.store.bulk)."""
        with self._errors():
            for statement in Q.SCHEMA:
                self.driver.execute_query(statement, database_=self.database)
            records, _, _ = self.driver.execute_query(Q.AGGREGATES_MARKER, database_=self.database)
        version = (records[0]["version"] or 0) if records else 0
        upgrades = {2: Q.UPGRADE_FROM_2, 3: Q.UPGRADE_FROM_3}  # complete but for what came later
        if version in upgrades:
            with self._errors(), self.driver.session(database=self.database) as session:
                _rewrite(session, upgrades[version])
        elif version < Q.AGGREGATES_VERSION:
            self.rebuild_aggregates()
        elif records and records[0]["token"] is None:  # bulk-imported, or written by a kg without tokens
            self._touch()

    def rebuild_aggregates(self) -> None:
        """Recount every summary node (papers per year, per entity and year, co-occurring pairs) and
        every family (FAM, FAM_ABOUT, FamYear, FamCooc, FamPair, kind tags) from the graph: a full
        scan, needed only on a database an older kg wrote or that was imported without them."""
        with self._errors(), self.driver.session(database=self.database) as session:
            _rewrite(session, Q.REBUILD_AGGREGATES)

    def _touch(self) -> None:
        with self._errors(), self._session() as session:
            session.run(Q.TOUCH, token=_token()).consume()

    def version(self) -> str | None:
        """The random token every write transaction, ``clear``, bulk load and aggregates rebuild
        sets anew (``(:KgMeta {key: 'graph'})``), read like any other read (so it sees this
        driver's earlier writes). Writes made by other tools than kg do not change it."""
        rows = self._read(Q.GRAPH_VERSION)
        return rows[0]["token"] if rows else None

    def close(self) -> None:
        """Close the driver (idempotent)."""
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def flush(self) -> None:
        """Nothing to do: every write batch is committed when it returns."""

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_bulk_load(self) -> bool:
        """True when ``neo4j-admin`` is found and the database is empty (:func:`kg.store.bulk.preflight`).

        Raises:
            StoreError: neo4j-admin is not found, or the database already holds nodes.
        """
        from kg.store.bulk import preflight

        preflight(self)
        return True

    def bulk_loader(self) -> BulkLoader:
        """A :class:`kg.store.bulk.BulkImport` (``neo4j-admin database import full``) into the empty
        database, checked at once."""
        from kg.store.bulk import BulkImport

        return BulkImport(self)

    # -- writing -----------------------------------------------------------------------------
    @staticmethod
    def _write_batch(tx, batch: GraphDelta) -> None:
        """One batch in one transaction: the graph statements, then the summary-node deltas between
        the footprints the papers had and the ones they get (re-read on a retried transaction), then
        the families: the batch's papers and claims re-filed under the families they belong to now,
        and the families whose members a taxonomy write changed rebuilt whole."""
        # First: the version token's node lock, held to the commit, so concurrent kg writers take
        # turns and each reads the footprints the one before it committed (summaries and pair
        # counts would otherwise count a paper two processes re-write at once twice).
        tx.run(Q.TOUCH, token=_token()).consume()
        new = {x.paper.id: R.footprint(x) for x in batch.extractions}
        old = {}
        old_keys: dict[str, list[str]] = {}
        if new:
            for r in tx.run(Q.OLD_FOOTPRINTS, ids=list(new)):
                old[r["id"]] = (r["year"], frozenset(r["entities"]))
                old_keys[r["id"]] = r["ancs"]
        plan = Q.write_plan(batch)
        taxonomy = any(query == Q.REPLACE_SUBTYPES for query, _ in plan)
        before = {r["anc"]: r["members"] for r in tx.run(Q.CLOSURE)} if taxonomy else {}
        for query, params in plan + Q.aggregate_plan(*R.aggregate_deltas(old, new)):
            tx.run(query, params).consume()
        rebuild = F.changed(before, {r["anc"]: r["members"] for r in tx.run(Q.CLOSURE)}) if taxonomy else []
        claims = [c for x in batch.extractions for c in R.extraction_rows(x)[1]]
        ids = {e for _, es in (*old.values(), *new.values()) for e in es} | {e for c in claims for e in c["about"]}
        ancestors: dict[str, list[str]] = {}
        families: dict[str, list[str]] = {}
        if ids:
            for r in tx.run(Q.ANCESTORS, ids=sorted(ids)):
                ancestors[r["id"]], families[r["id"]] = r["ancs"], r["families"]
        papers = [F.paper_rows(x, ancestors) for x in batch.extractions]
        key_pairs = F.pair_deltas(old_keys, {row["paper"]: row["ancs"] for row in papers}, rebuild)
        for query, params in Q.family_plan(papers, F.claim_rows(claims, ancestors),
                                           *F.deltas(old, new, families, rebuild), rebuild, key_pairs):
            tx.run(query, params).consume()

    def _session(self):
        """A write session that shares the bookmarks of ``execute_query`` (read-your-writes)."""
        return self.driver.session(database=self.database,
                                   bookmark_manager=self.driver.execute_query_bookmark_manager)

    def write(self, delta: GraphDelta) -> None:
        """Upsert the delta: one managed transaction per batch of ``batch_size`` papers."""
        with self._errors(), self._session() as session:
            for batch in R.batches(delta, self.batch_size):
                session.execute_write(self._write_batch, batch)

    def paper_versions(self, ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """``{paper id: (content_hash, extractor_version)}`` for the ids the store holds."""
        rows = self._read(Q.PAPER_VERSIONS, ids=list(ids))
        return {r["id"]: (r["hash"], r["version"] or "") for r in rows}

    def clear(self) -> None:
        """Delete every node and relationship (in batches of 10,000)."""
        with self._errors(), self._session() as session:
            # empty: the (no) summary nodes are complete
            _rewrite(session, (Q.CLEAR_RELATIONSHIPS, Q.CLEAR, Q.SET_AGGREGATES_MARKER))

    # -- bulk load support (kg.store.bulk) ----------------------------------------------------
    def stop_database(self) -> bool:
        """Take the database offline for neo4j-admin; False when the server cannot (Community)."""
        try:
            self.driver.execute_query(Q.STOP_DATABASE, name=self.database, database_="system")
        except Exception:  # noqa: BLE001 - Community refuses database administration: not an error here
            return False
        return True

    def start_database(self) -> None:
        """Bring the database online again after :meth:`stop_database`."""
        with self._errors():
            self.driver.execute_query(Q.START_DATABASE, name=self.database, database_="system")

    def wait_available(self, timeout: float = 300.0) -> None:
        """Reconnect and wait until the database answers again (after a bulk import replaced it).

        A new driver, hence a new bookmark manager: the old bookmarks name transactions of the
        database that was replaced, and a read waiting for them would wait forever.

        Raises:
            StoreUnavailable: it does not within ``timeout`` seconds.
        """
        if self._driver is not None:
            self._driver.close()
        self._connect()
        self.plans.forget()  # the replaced database plans afresh
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.driver.execute_query(Q.PING, database_=self.database)
                return
            except Exception as exc:  # noqa: BLE001 - retried until the deadline
                if time.monotonic() >= deadline:
                    raise StoreUnavailable(f"Neo4j at {self.uri} did not come back after the bulk import "
                                           f"within {timeout:.0f}s: {_one_line(exc)}") from None
                time.sleep(0.5)

    def await_indexes(self, timeout: float = 300.0) -> None:
        """Wait until every index is online."""
        with self._errors():
            self.driver.execute_query(Q.AWAIT_INDEXES, seconds=int(timeout), database_=self.database)

    # -- entities ----------------------------------------------------------------------------
    def _entities(self, query: str, **params: Any) -> list[Entity]:
        return sorted((R.entity_from(r["e"]) for r in self._read(query, **params)), key=lambda e: e.id)

    def lookup(self, text: str, kind: EntityKind | None = None) -> list[Entity]:
        """Entities whose folded name or alias equals ``fold(text)``, ordered by id."""
        key = fold(text)
        return self._entities(Q.LOOKUP, key=key, needle=R.key_text([key]), kind=kind)

    def search_entities(self, text: str, kind: EntityKind | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose folded name/alias contains ``fold(text)``; shortest matching key first."""
        key = fold(text)
        return R.ranked(self._entities(Q.SEARCH_ENTITIES, key=key, kind=kind), key, limit)

    def entities(self, ids: Collection[str]) -> dict[str, Entity]:
        """Entities by id (missing ids are left out)."""
        found = {e.id: e for e in self._entities(Q.ENTITIES, ids=list(ids))}
        return {i: found[i] for i in ids if i in found}

    def descendants(self, entity_id: str) -> list[Entity]:
        """Transitive SUBTYPE_OF children (not including the entity itself), ordered by id."""
        return self._entities(Q.DESCENDANTS, id=entity_id)

    def family_ids(self, entity_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
        """Each existing entity of ``entity_ids`` with the sorted ids of it and its transitive
        subtypes (one read for all)."""
        rows = self._read(Q.FAMILY_IDS, ids=sorted(set(entity_ids)))
        return {r["id"]: tuple(sorted({r["id"], *r["members"]})) for r in rows}

    def parents(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF parents, ordered by id."""
        return self._entities(Q.PARENTS, id=entity_id)

    def children(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF children, ordered by id."""
        return self._entities(Q.CHILDREN, id=entity_id)

    def entity_counts(self, kind: EntityKind | None = None, *, top: int | None = None) -> list[EntityCount]:
        """Every entity (of ``kind``) with its number of papers; most papers first, then name.
        ``top``: only the most used (the first ``top`` and every entity tied with the last of them):
        the server ranks the entities by degree and returns only those."""
        if top is not None and top <= 0:
            return []
        rows = self._read(Q.ENTITY_COUNTS, kind=kind) if top is None else self._read(Q.ENTITY_TOP, kind=kind, top=top)
        return R.sorted_counts((R.entity_from(r["e"]), r["papers"]) for r in rows)

    def count_entities(self, kind: EntityKind | None = None) -> int:
        """How many entities (of ``kind``) the graph holds."""
        return self._read(Q.COUNT_ENTITIES, kind=kind)[0]["n"]

    def _covers(self, groups: Sequence[Collection[str] | None]) -> list[tuple[tuple[str, int, bool], ...] | None]:
        """For each group of entity ids, the disjoint families it is the union of
        (:func:`kg.store.records.family_cover`), each as ``(anc, papers, proper)`` (its head entity,
        its number of papers, whether it has descendants: then FamYear and FamCooc hold its
        aggregates); None when there is no such cover. One read for all groups (``None`` groups are
        never families)."""
        wanted = [sorted(set(g)) if g else [] for g in groups]
        if not any(wanted):
            return [None] * len(groups)
        parts: dict[int, dict[str, tuple[str, frozenset[str]]]] = {}
        info: dict[str, tuple[str, int, bool]] = {}
        for r in self._read(Q.FAMILY_PARTS, groups=wanted):
            parts.setdefault(r["i"], {})[r["anc"]] = (r["anc"], frozenset(r["members"]))
            info[r["anc"]] = (r["anc"], r["papers"], len(r["members"]) > 1)
        covers = [R.family_cover(frozenset(w), parts.get(i, {})) if w else None for i, w in enumerate(wanted)]
        return [tuple(info[a] for a in c) if c is not None else None for c in covers]

    def _summaries(self, ids: list[str]) -> tuple[str | None, tuple[tuple[str, int, bool], ...] | None]:
        """Where the aggregates of several entity ids are kept, from one read (:meth:`_covers`): the
        head of the family with descendants they are exactly (its FamYear/FamCooc), or the families
        they are the union of when there are several; ``(None, None)`` otherwise — one entity alone
        is answered by the per-entity summaries, without asking."""
        if len(set(ids)) < 2:
            return None, None
        (cover,) = self._covers([ids])
        if cover is None:
            return None, None
        if len(cover) > 1:
            return None, cover
        anc, _, proper = cover[0]
        return (anc if proper else None), None

    def cooccurring(self, entity_ids: Collection[str], kind: EntityKind | None = None) -> list[EntityCount]:
        """Entities linked to papers linked to any of ``entity_ids``, with the number of such papers
        (a whole family's from its FamCooc summary nodes)."""
        ids = list(entity_ids)
        family, cover = self._summaries(ids)
        if family is not None:
            rows = self._read(Q.FAM_COOC, anc=family, ids=ids, kind=kind)
            return R.sorted_counts((R.entity_from(r["e"]), r["papers"]) for r in rows)
        if cover is not None:  # several families: their summaries summed, less papers counted twice
            counts: Counter[str] = Counter()
            entities: dict[str, Entity] = {}
            for anc, _, proper in cover:
                found = (self._read(Q.FAM_COOC, anc=anc, ids=ids, kind=kind) if proper
                         else self._read(Q.COOCCURRING_SUMMED, ids=[anc], kind=kind))
                for r in found:
                    if r["e"]["id"] not in ids:
                        entities.setdefault(r["e"]["id"], R.entity_from(r["e"]))
                        counts[r["e"]["id"]] += r["papers"]
            counts.subtract({k: n for k, n in self._union_overlap(cover, Q.UNION_SHARED_COOC).items() if k in counts})
            return R.sorted_counts((entities[i], n) for i, n in counts.items() if n > 0)
        query = Q.COOCCURRING_SUMMED if self._disjoint(ids) else Q.COOCCURRING
        rows = self._read(query, ids=ids, kind=kind)
        return R.sorted_counts((R.entity_from(r["e"]), r["papers"]) for r in rows)

    def _union_overlap(self, cover: tuple[tuple[str, int, bool], ...], shared: str) -> Counter[Any]:
        """What the summed per-family aggregates of disjoint families count more than once: for each
        family but the largest, its papers also in a later one, per year / entity id (``shared``:
        ``UNION_SHARED_YEARS`` or ``UNION_SHARED_COOC``) — a paper in m of the families is counted
        m - 1 times. Nothing is read when no two of them share a paper (FamPair)."""
        out: Counter[Any] = Counter()
        heads = sorted(a for a, _, _ in cover)
        pairs = [Q.pair_key(a, b) for i, a in enumerate(heads) for b in heads[i + 1:]]
        if not self._read(Q.PAIRS_SHARED, keys=pairs)[0]["shared"]:
            return out
        order = [a for a, _, _ in sorted(cover, key=lambda f: (f[1], f[0]))]
        for i, anc in enumerate(order[:-1]):
            out.update({r["key"]: r["n"] for r in self._read(shared, anc=anc, later=order[i + 1:])})
        return out

    def _disjoint(self, ids: list[str]) -> bool:
        """Do the given entities share no paper? Then their summary nodes add up."""
        return self._read(Q.SHARED_PAIRS, ids=ids)[0]["shared"] == 0

    # -- papers and claims -------------------------------------------------------------------
    def _find_papers_statement(self, query: PaperQuery) -> tuple[str, dict[str, Any]]:
        """The Cypher statement and parameters answering ``query``."""
        lower = {k: (v.lower() if v is not None else None)
                 for k, v in (("venue", query.venue), ("author", query.author), ("category", query.category))}
        params: dict[str, Any] = {
            "using": [f.model_dump() for f in query.using],
            "paper_ids": list(query.ids) if query.ids is not None else None,
            "year_min": query.year_min,
            "year_max": query.year_max,
            **lower,
            "words": R.query_words(query.text),
            "offset": query.offset,
            "limit": query.limit,
            "entity_ids": R.filter_ids(query),
            "entity_kinds": R.filter_kinds(query),
        }
        if not query.using and not self._on_top(params) and query.order == "id":
            return Q.ALL_PAPERS[query.direction], params
        if query.using and (query.order, query.direction) in Q.FAM_ORDERS:
            keys = self._keys(query)
            candidates = [0] if query.order == "relevance" else range(len(keys))
            found = [(keys[i][1], i) for i in candidates if keys[i] is not None]  # type: ignore[index]
            if found:
                _, lead = min(found)
                lead_heads, _, head = keys[lead]  # type: ignore[misc]
                params["using"] = [f for i, f in enumerate(params["using"]) if i != lead]
                filtered = bool(params["using"]) or self._on_top(params)
                distinct = {k[0] for k in keys if k is not None}
                plain = not self._on_top(params) and None not in keys
                if len(lead_heads) > 1:  # a name resolving to several families: their union
                    return self._union_statement(query, list(lead_heads), params, filtered,
                                                 two=plain and len(distinct) == 1 and len(lead_heads) == 2)
                params["anc"] = lead_heads[0]
                total = "count"
                if plain and len(distinct) <= 2 and all(len(h) == 1 for h in distinct):
                    heads = sorted(h[0] for h in distinct)
                    total = "degree" if len(heads) == 1 else "pair"
                    if total == "pair":
                        params["pair"] = Q.pair_key(*heads)
                return Q.fam_papers(query.order, query.direction, filtered, total=total, head=head), params
        if query.order == "relevance":
            params["rank_ids"] = R.rank_ids(query)
        anchored = bool(query.using and query.using[0].ids)
        if anchored:
            params["anchor"] = list(query.using[0].ids)
        return Q.find_papers(anchored, query.order, query.direction), params

    def _union_statement(self, query: PaperQuery, ancs: list[str], params: dict[str, Any], filtered: bool, *,
                         two: bool) -> tuple[str, dict[str, Any]]:
        """The statement of a search led by the union of disjoint families ``ancs``
        (:func:`kg.store.cypher.union_papers`): by relevance, the highest floor (proposed, title,
        early) above which ``offset + limit`` papers pass the filters is found first; ``two``: the
        total of two families without other filters is their degrees less their FamPair."""
        params["ancs"] = ancs
        enough = query.offset + query.limit
        params["arm"] = enough
        params["nfloor"] = 0
        if query.order == "relevance":  # (a page of 0 is above the first floor: nothing is scored)
            for floor in R.UNION_FLOORS:
                above = self._read(Q.union_above(filtered), **{**params, "enough": enough, "nfloor": -floor})
                if above[0]["n"] >= enough:
                    params["nfloor"] = -floor
                    break
        total = "count"
        if two:
            total = "pair"
            params["pair"] = Q.pair_key(*sorted(ancs))
        return Q.union_papers(query.order, query.direction, filtered, total=total), params

    @staticmethod
    def _on_top(params: dict[str, Any]) -> bool:
        """Do a search's parameters hold a filter besides its entity filters?"""
        return bool(params["words"]) or any(
            params[k] is not None for k in ("paper_ids", "year_min", "year_max", "venue", "author", "category"))

    def _keys(self, query: PaperQuery) -> list[tuple[tuple[str, ...], int, str] | None]:
        """Per entity filter of ``query``, ``(head ids, papers, head label)`` when it is a key: a whole
        family, or the union of disjoint families, without role or variant (their head entities;
        papers: summed), or an id-less kind filter (its kind tag, :func:`kg.store.records.tag_id`);
        else None. Two reads at most (families, tag sizes). A filter whose ``head`` names the family
        its ids are needs no read when the keys' sizes do not matter (one filter, or relevance
        order, led by the first)."""
        groups = [f.ids if f.ids and f.role is None and f.variant is None else None for f in query.using]
        given: dict[int, tuple[tuple[str, int, bool], ...]] = {}
        if len(query.using) == 1 or query.order == "relevance":
            given = {i: ((f.head, 0, len(f.ids) > 1),) for i, f in enumerate(query.using)
                     if groups[i] is not None and f.head is not None}
            groups = [None if i in given else g for i, g in enumerate(groups)]
        tags = [R.tag_id(f.kind, f.role, f.variant) if not f.ids and f.kind is not None else None
                for f in query.using]
        wanted = sorted({t for t in tags if t is not None})
        sizes = {r["id"]: r["papers"] for r in self._read(Q.TAG_SIZES, ids=wanted)} if wanted else {}
        out: list[tuple[tuple[str, ...], int, str] | None] = []
        for i, (cover, tag) in enumerate(zip(self._covers(groups), tags, strict=True)):
            cover = given.get(i, cover)
            if cover is not None:
                out.append((tuple(a for a, _, _ in cover), sum(n for _, n, _ in cover), "Entity"))
            else:
                out.append(((tag,), sizes.get(tag, 0), "KgTag") if tag is not None else None)
        return out

    def explain(self, query: PaperQuery) -> str:
        """The Cypher (with parameters) :meth:`find_papers` runs for ``query`` (the statement it just
        ran for the same query in this thread, without planning it again)."""
        import json

        last = getattr(self._planned, "last", None)
        if last is not None and last[0] == query:
            statement, params = last[1], last[2]
        else:
            statement, params = self._find_papers_statement(query)
        return f"{statement}\n// parameters: {json.dumps(params, sort_keys=True)}"

    def find_papers(self, query: PaperQuery) -> PaperPage:
        """Papers matching ``query`` with the tags that matched; ``total`` ignores limit/offset."""
        statement, params = self._find_papers_statement(query)
        self._planned.last = (query, statement, params)
        (row,) = self._read(statement, **params)
        entities = {e["id"]: e for e in row["entities"]}
        items = [
            PaperHit(paper=x.paper, matches=R.matching_tags(query, x.tags))
            for x in self._assemble(row["rows"], entities)
        ]
        return PaperPage(total=row["total"], items=tuple(items))

    def papers(self, ids: Collection[str]) -> dict[str, Extraction]:
        """Full records (paper, tags with evidence, claims) by id, in one round trip."""
        out = {x.paper.id: x for x in self._assemble(self._read(Q.PAPERS, ids=list(ids)))}
        return {i: out[i] for i in ids if i in out}

    def _assemble(self, rows: list[Any], entities: dict[str, dict] | None = None) -> list[Extraction]:
        """Extractions from PAPERS / FIND_PAPERS_* rows; the entities they link to are given or
        fetched, once each."""
        if entities is None:
            wanted = sorted({link["entity"] for r in rows for link in r["links"]})
            entities = {r["e"]["id"]: r["e"] for r in self._read(Q.ENTITIES, ids=wanted)} if wanted else {}
        return [
            R.assemble(
                r["paper"],
                [(entities[link["entity"]], link["link"]) for link in r["links"]],
                r.get("claims") or [],
            )
            for r in rows
        ]

    def claims(
        self,
        about: Collection[str] | None = None,
        type: ClaimType | None = None,
        paper_ids: Collection[str] | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Claim]:
        """Claims about any of ``about``, of ``type``, of ``paper_ids``; ordered by claim id; only
        ``[offset:offset + limit]`` (ordered, skipped and limited in the server)."""
        params = {"type": type, "paper_ids": list(paper_ids) if paper_ids is not None else None,
                  "limit": -1 if limit is None else limit, "offset": offset}
        (cover,) = self._covers([about if about and paper_ids is None else None])
        family = cover[0] if cover is not None and len(cover) == 1 else None
        if cover is not None and len(cover) > 1:  # several families: one index page of each, merged
            arm = Q.NO_LIMIT if limit is None else offset + limit
            rows = self._read(Q.UNION_CLAIMS if type is None else Q.UNION_CLAIMS_TYPED, ancs=[a for a, _, _ in cover],
                              type=type, arm=arm, limit=params["limit"], offset=offset)
        elif family is not None:
            page = {"anc": family[0], "limit": params["limit"], "offset": offset}
            if type is None:
                rows = self._read(Q.FAM_CLAIMS, **page)
            else:
                rows = self._read(Q.FAM_CLAIMS_TYPED, type=type, **page)
        elif about is not None:
            rows = self._read(Q.CLAIMS_ABOUT, about=list(about), **params)
        else:
            rows = self._read(Q.CLAIMS_ALL, **params)
        return sorted((R.claim_from(r["c"]) for r in rows), key=lambda c: c.id)

    def count_claims(self, about: Collection[str] | None = None, type: ClaimType | None = None) -> int:
        """How many claims ``claims(about, type)`` holds in all (about a family: its FAM_ABOUT degree,
        or an index range count for one type)."""
        (cover,) = self._covers([about or None])
        if cover is not None and len(cover) > 1:
            return self._read(Q.UNION_CLAIM_COUNT, ancs=[a for a, _, _ in cover], type=type)[0]["n"]
        family = cover[0] if cover is not None else None
        if family is not None:
            if type is None:
                return self._read(Q.FAM_CLAIM_COUNT, anc=family[0])[0]["n"]
            return self._read(Q.FAM_CLAIM_COUNT_TYPED, anc=family[0], type=type)[0]["n"]
        params = {"type": type, "paper_ids": None}
        if about is not None:
            return self._read(Q.COUNT_CLAIMS_ABOUT, about=list(about), **params)[0]["n"]
        return self._read(Q.COUNT_CLAIMS_ALL, **params)[0]["n"]

    def counts_by_year(self, entity_ids: Collection[str] | None = None) -> dict[int, int]:
        """Number of papers per year (only papers linked to ``entity_ids`` when given)."""
        if entity_ids is None:
            rows = self._read(Q.COUNTS_BY_YEAR_ALL)
        else:
            ids = list(entity_ids)
            family, cover = self._summaries(ids)
            if family is not None:
                rows = self._read(Q.FAM_YEARS, anc=family)
            elif cover is not None:  # several families: their summaries summed, less papers counted twice
                years: Counter[int] = Counter()
                for anc, _, proper in cover:
                    found = (self._read(Q.FAM_YEARS, anc=anc) if proper
                             else self._read(Q.COUNTS_BY_YEAR_SUMMED, ids=[anc]))
                    years.update({r["year"]: r["papers"] for r in found})
                years.subtract(self._union_overlap(cover, Q.UNION_SHARED_YEARS))
                return {y: n for y, n in sorted(years.items()) if n > 0}
            else:
                rows = self._read(Q.COUNTS_BY_YEAR_SUMMED if self._disjoint(ids) else Q.COUNTS_BY_YEAR, ids=ids)
        return {r["year"]: r["papers"] for r in rows}

    def stats(self) -> Stats:
        """Node and relationship counts."""
        (r,) = self._read(Q.STATS)
        return Stats(
            papers=r["papers"],
            entities={kind: r[kind] for kind in R.KIND_LABELS},
            links={t: r[t] for t in R.REL_TYPES},
            claims=r["claims"],
        )
