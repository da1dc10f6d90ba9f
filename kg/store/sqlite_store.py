"""The embedded default store: the graph in one indexed SQLite file (``.kg/graph.db``, WAL).

Why it exists: kg must answer "papers using X" with no server at all, and at a million papers. The
earlier embedded store parsed a whole node-link JSON file into networkx on every call (32 s and
3.4 GB per CLI call at 100,000 papers); this one opens a file and reads only the index pages a
question needs, so a cold CLI call costs about Python's start-up. It is not a mock of Neo4j: it holds
the same nodes, relationships and properties (docs/schema.md), and the contract suite
(tests/store/test_contract.py) demands the same answers from both stores.

* Layout and every statement: :mod:`kg.store.sql`. Indexed columns for what queries filter and sort
  on (ids, year, title, folded entity keys, link endpoints, claim type); the full record as JSON.
* Aggregates (papers per entity, per year, per entity and year, co-occurrence pairs) are kept by
  triggers inside each write transaction, so aggregate questions never scan the graph.
* Each write batch is one transaction (WAL, ``synchronous=NORMAL``): a killed ingest keeps every
  committed batch and re-running it converges. :meth:`SQLiteStore.flush` has nothing to do.
* Concurrent reads: the writer connection (opened first: schema, layout upgrade and migration
  happen once, on it) is used by one thread at a time under a lock, and every read of a file store
  runs on a read-only connection of its own from a pool (:mod:`kg.store.sqlite_readers`), in one
  read transaction: WAL lets readers run beside the writer, so one slow read no longer holds the
  others (the API calls the store from worker threads: ``blocking`` is true for a file). A read
  sees every write committed before it began, this process's included. An in-memory store has one
  connection, shared under the lock.
* A deadline set with :func:`kg.store.base.read_deadline` (the API's per-request time limit)
  interrupts a read inside SQLite: :class:`~kg.errors.QueryTimeout`.
* An existing ``.kg/graph.json`` of the old networkx store is migrated on first open
  (:mod:`kg.store.migrate`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sqlite3
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from itertools import combinations
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import orjson

from kg.errors import QueryTimeout, StoreError
from kg.models import (
    Claim,
    ClaimType,
    Entity,
    EntityCount,
    EntityFilter,
    EntityKind,
    Extraction,
    GraphDelta,
    PaperHit,
    PaperPage,
    PaperQuery,
    Stats,
    fold,
)
from kg.store import records as R
from kg.store import sql as S
from kg.store.base import current_deadline
from kg.store.sqlite_readers import TIMED_OUT, ReaderPool, check, interrupted, limited

#: What a link row keeps of :func:`kg.store.records.link_props` (the scalar evidence copies are for
#: Neo4j Browser users; here the evidence JSON is enough).
_LINK_KEYS = ("role", "variant", "mentions", "evidence", "count", "pos")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _ids(values: Iterable[str]) -> str:
    """A list parameter (see :data:`kg.store.sql.IDS`)."""
    return _json(list(values))


P = ParamSpec("P")
T = TypeVar("T")


def _one_read(method: Callable[Concatenate[SQLiteStore, P], T]) -> Callable[Concatenate[SQLiteStore, P], T]:
    """Run a read method's statements as one read: one connection, one snapshot, one deadline."""

    @functools.wraps(method)
    def read(self: SQLiteStore, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._reading():
            return method(self, *args, **kwargs)

    return read


class SQLiteStore:
    """The embedded graph store on SQLite.

    Args:
        path: the database file (created with its folder on first use; ``graph.json`` of the old
            networkx store beside it is migrated); ``None`` keeps the graph in memory only.
        batch_size: papers per write transaction.
        readers: at most this many read-only connections read at once (a file store; more
            concurrent reads wait for one). ``kg serve`` runs at most 40 requests at once
            (Starlette's thread pool), so 32 leaves few of them waiting.

    Raises:
        StoreError: the file cannot be opened or is not a kg graph database (one clear line).

    Example::

        with SQLiteStore(".kg/graph.db") as store:
            store.write(delta)
            page = store.find_papers(PaperQuery(using=(EntityFilter(ids=("divergence:kl",)),)))
    """

    name = "sqlite"
    query_language: str | None = None  # reports no queries (extensions.cypher is for Cypher)

    def __init__(self, path: str | Path | None = None, *, batch_size: int = 1000, readers: int = 32) -> None:
        from kg.store.migrate import database_path

        self.path = database_path(Path(path)) if path is not None else None
        self.source = Path(path) if path is not None else None
        self.batch_size = batch_size
        self.blocking: bool = self.path is not None  # a file may block on I/O; memory does not
        self._lock = threading.RLock()  # the writer connection (and, in memory, every read)
        self._conn: sqlite3.Connection | None = None
        self._readers = ReaderPool(self.path, readers) if self.path is not None else None
        #: SQLite's plans of find_papers statements by text (the plan depends on the text and the
        #: schema, not on parameter values: no ANALYZE statistics, and Python's SQLite has no STAT4)
        self._plans: dict[str, list[str]] = {}
        self._local = threading.local()  # .conn: the connection of this thread's read in progress
        self._entity_cache: dict[str, Entity] = {}
        self._counts_cache: dict[str | None, tuple[str, list[EntityCount]]] = {}
        self._ready = False  # the file is open and migrated: reads no longer wait for the lock
        self._families: tuple[str, dict[str, tuple[int, frozenset[str]]]] | None = None
        self._loading = False  # a bulk load of another process was running when the file was opened

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """The writer connection (opened, schema created, layout upgraded and an old JSON graph
        migrated on first use). Use it under ``_lock``; reads go through :meth:`_reading`."""
        with self._lock:
            if self._conn is None:
                self._conn = self._open()
                self._ready = True  # only now: an old JSON graph is migrated inside _open
            return self._conn

    def _open(self) -> sqlite3.Connection:
        from kg.store import migrate

        where = str(self.path) if self.path is not None else ":memory:"
        pending = migrate.pending_json(self.source, self.path) if self.path is not None else None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the graph database {where}: {exc}") from None
        try:
            with self._errors():
                self._check_version(conn)
                conn.execute("PRAGMA journal_mode=WAL")
                for pragma in ("synchronous=NORMAL", "temp_store=MEMORY", "cache_size=-65536"):
                    conn.execute(f"PRAGMA {pragma}")
                if conn.execute(S.OLD_SUBTYPE_VIEW).fetchone():
                    conn.execute("DROP VIEW subtype_edge")
                has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is not None
                old = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() if (
                    has_meta) else None
                if has_meta:
                    self._finish_interrupted_bulk(conn)
                if old is not None and old[0] in S.UPGRADABLE:  # new aggregate tables, filled by a recount
                    conn.executescript(f"BEGIN IMMEDIATE;{S.DDL}{S.DROP_TRIGGERS}{S.UPGRADES[old[0]]}{S.DDL}"
                                       f"UPDATE meta SET value = '{S.SCHEMA_VERSION}' WHERE key = 'schema_version';"
                                       f"{S.BUMP_GENERATION};COMMIT;")
                if not self._loading:  # a bulk load in another process keeps its triggers dropped
                    conn.executescript(S.DDL)
                conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (S.SCHEMA_VERSION,)
                )
                conn.execute(S.SET_GRAPH_ID, (uuid.uuid4().hex,))  # once per file (see version())
        except StoreError:
            conn.close()
            raise
        if pending is not None:
            self._conn = conn
            migrate.migrate_json(pending, self)
        return conn

    def _check_version(self, conn: sqlite3.Connection) -> None:
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a kg graph database ({exc}); delete it or point KG_GRAPH_PATH elsewhere"
            ) from None
        if not tables:
            return
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() if (
            "meta" in tables
        ) else None
        if row is None or (row[0] != S.SCHEMA_VERSION and row[0] not in S.UPGRADABLE):
            found = row[0] if row else "none"
            raise StoreError(
                f"{self.path} is not a kg graph database of layout {S.SCHEMA_VERSION} (found {found}); "
                "delete it and re-run kg ingest, or point KG_GRAPH_PATH elsewhere"
            )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except sqlite3.Error as exc:
            if interrupted(exc):  # at the read's deadline (sqlite_readers.limited)
                raise QueryTimeout(TIMED_OUT) from None
            where = self.path or ":memory:"
            raise StoreError(f"graph database {where}: {exc}") from None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The connection of this thread's read: the one of the read in progress (a store method
        calling others reads one snapshot), else a pooled read-only connection in a new read
        transaction (a file), else the one connection under the lock (in memory). Interrupted at the
        deadline of :func:`kg.store.base.read_deadline`."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        deadline = current_deadline()
        with self._errors():
            if self._readers is None:
                with self._lock, limited(self.conn, deadline):
                    self._local.conn = self.conn
                    try:
                        yield self.conn
                    finally:
                        self._local.conn = None
                return
            if not self._ready:  # not under the lock once open: a write batch in progress holds it
                self.conn  # noqa: B018 - the writer opens (creates, upgrades, migrates) the file first
            with self._readers.reading(deadline) as conn:
                self._local.conn = conn
                try:
                    yield conn
                finally:
                    self._local.conn = None

    def _rows(self, query: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._reading() as conn, self._errors():
            check(current_deadline())  # an interruption between two statements does nothing
            return conn.execute(query, tuple(params)).fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute(S.BUMP_GENERATION)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def flush(self) -> None:
        """Nothing to do: every write batch is committed (and durable) when ``write`` returns."""

    def close(self) -> None:
        """Close the connections (idempotent; the store reopens on next use). A read in progress in
        another thread finishes first; its connection is closed when it ends."""
        with self._lock:
            if self._readers is not None:
                self._readers.close()
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                self._ready = False

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_bulk_load(self) -> bool:
        """A bulk load (:meth:`bulk_loader`) needs an empty store.

        Raises:
            StoreError: the store holds papers."""
        papers = self._rows("SELECT count(*) FROM (SELECT 1 FROM paper LIMIT 1)")[0][0]
        if papers:
            raise StoreError(
                f"--bulk loads an EMPTY store and {self.path or 'this in-memory store'} holds papers: ingest "
                "without --bulk (unchanged papers are skipped), or point KG_GRAPH_PATH at a new file"
            )
        return True

    def bulk_loader(self) -> SQLiteBulkLoad:
        """A one-off load of an empty store: the batches are written as rows only, without the
        triggers that keep every aggregate and family table up to date as each link is written
        (most of the writer's work in a large ingest), and every aggregate is counted once at the
        end (:data:`kg.store.sql.RECOUNT`). Readers see the papers as they are written but not in
        the aggregates (counts, families) until the load finishes. An interrupted load leaves the
        papers written so far; the next open of the file counts the aggregates.

        Raises:
            StoreError: the store holds papers."""
        self.check_bulk_load()
        return SQLiteBulkLoad(self)

    def _finish_interrupted_bulk(self, conn: sqlite3.Connection) -> None:
        """Recount a file whose bulk load stopped before its end (its owner process is gone); a load
        still running in another process is left alone (its triggers are not re-created)."""
        row = conn.execute(S.BULK_OWNER).fetchone()
        if row is None:
            return
        if _alive(row[0]):
            self._loading = True
            return
        print(f"kg: {self.path}: a bulk load stopped before its end; counting its aggregates", file=sys.stderr)
        conn.executescript(S.FINISH_BULK)

    def _entity(self, props: str) -> Entity:
        """The model of an entity row's JSON, cached (entities are few and read on every query)."""
        entity = self._entity_cache.get(props)
        if entity is None:
            if len(self._entity_cache) > 50_000:
                self._entity_cache.clear()
            entity = self._entity_cache[props] = R.entity_from(orjson.loads(props))
        return entity

    # -- writing -----------------------------------------------------------------------------
    def write(self, delta: GraphDelta) -> None:
        """Upsert the delta (see :meth:`kg.store.base.GraphStore.write`): one transaction per batch."""
        for batch in R.batches(delta, self.batch_size):
            with self._transaction() as conn:
                rids = self._put_entities(conn, batch)
                self._put_extractions(conn, batch.extractions, rids)

    def _put_entities(self, conn: sqlite3.Connection, batch: GraphDelta) -> dict[str, int]:
        """Upsert the batch's entities (unchanged ones untouched); ``{entity id: rid}`` of every
        entity the batch names (tags, claims' ``about``) that exists."""
        entities = batch.all_entities()
        named = set(entities)
        for x in batch.extractions:
            for c in x.claims:
                named.update(c.about)
        have = {r[0]: (r[1], r[2]) for r in conn.execute(S.ENTITY_ROWS, (_ids(named),))}
        rids = {i: rid for i, (rid, _) in have.items()}
        changed = False
        for entity in entities.values():
            props = R.entity_props(entity)
            text = _json(props)
            if entity.id in have and have[entity.id][1] == text:
                continue
            conn.execute(S.UPSERT_ENTITY, (entity.id, entity.kind, text))
            rid = rids.get(entity.id)
            if rid is None:
                rid = rids[entity.id] = conn.execute(
                    "SELECT rid FROM entity WHERE id = ?", (entity.id,)
                ).fetchone()[0]
            conn.execute(S.DELETE_KEYS, (rid,))
            conn.executemany(S.INSERT_KEY, [(k, rid) for k in props.get("keys", ())])
            conn.execute(S.DELETE_SUBTYPES, (entity.id,))  # an edge counts only within one kind (S.DDL)
            conn.executemany(S.INSERT_SUBTYPE, [(entity.id, p) for p in props.get("parents", ())])
            changed = True
        if changed:
            self._refresh_closure(conn)
        return rids

    @staticmethod
    def _refresh_closure(conn: sqlite3.Connection) -> None:
        """Bring the ``closure`` table to the taxonomy as it now is; the families whose members
        changed are rebuilt from their links and ABOUT edges (the triggers keep their aggregates).
        Entities change rarely (a taxonomy edit, a new entity), so this is cheap in a long ingest."""
        now = set(conn.execute(S.CLOSURE_NOW).fetchall())
        held = set(conn.execute(S.CLOSURE).fetchall())
        if now == held:
            return
        conn.execute("DELETE FROM closure")
        conn.executemany(S.INSERT_CLOSURE, sorted(now))
        for anc in sorted({a for a, _ in now ^ held}):
            for statement in (S.DELETE_FAMILY, S.DELETE_FAMILY_ABOUT, S.FILL_FAMILY, S.FILL_FAMILY_ABOUT):
                conn.execute(statement, (anc,))

    def _put_extractions(
        self, conn: sqlite3.Connection, extractions: Collection[Extraction], rids: dict[str, int]
    ) -> None:
        have = {
            r[0]: (r[1], r[2])
            for r in conn.execute(S.PAPER_ROWS, (_ids(x.paper.id for x in extractions),))
        }
        for x in extractions:
            p = x.paper
            props = _json(R.paper_props(p, x.extractor_version, search=False))
            row = (p.year, p.title, p.content_hash, x.extractor_version, props)
            links, claims = R.extraction_rows(x)
            linked = [(rids[e], rel, lp) for rel, e, lp in links if e in rids]
            old = have.get(p.id)
            if old is None:
                rid = conn.execute(S.INSERT_PAPER, (p.id, *row)).lastrowid
            else:
                rid, year = old
                if year != p.year:  # aggregates by year follow the links: re-link after the move
                    conn.execute(S.DELETE_LINKS, (rid,))
                else:
                    conn.execute(S.DELETE_STALE_LINKS, (rid, _json([e for e, _, _ in linked])))
                conn.execute(S.UPDATE_PAPER, (*row, rid))
                conn.execute(S.DELETE_ABOUT_OF_PAPER, (p.id,))
                conn.execute(S.DELETE_CLAIMS_OF_PAPER, (p.id,))
            conn.executemany(
                S.UPSERT_LINK,
                [
                    (rid, e, rel, lp.get("role"), lp.get("variant"),
                     _json({k: lp[k] for k in _LINK_KEYS if k in lp}))
                    for e, rel, lp in linked
                ],
            )
            for c in claims:
                conn.execute(S.DELETE_ABOUT_OF_CLAIM, (c["id"],))  # a claim id moved from another paper
                conn.execute(S.DELETE_CLAIM, (c["id"],))
                crid = conn.execute(S.INSERT_CLAIM, (c["id"], c["paper_id"], c["type"], _json(c))).lastrowid
                conn.executemany(S.INSERT_ABOUT, [(rids[e], crid) for e in c["about"] if e in rids])

    def paper_versions(self, ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """``{paper id: (content_hash, extractor_version)}`` for the ids the store holds."""
        return {r[0]: (r[1], r[2] or "") for r in self._rows(S.PAPER_VERSIONS, (_ids(ids),))}

    def clear(self) -> None:
        """Delete everything (tables dropped and re-created in one transaction)."""
        self._script(f"BEGIN IMMEDIATE;{S.DROP}{S.DDL}{S.BUMP_GENERATION};COMMIT;")

    def _script(self, script: str) -> None:
        """Run a script that holds its own transaction on the writer connection, rolled back when it
        fails half-way."""
        self._plans.clear()  # a script may change the schema (clear; the end of a bulk load)
        with self._lock, self._errors():
            conn = self.conn
            try:
                conn.executescript(script)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- entities ----------------------------------------------------------------------------
    def _entities(self, query: str, params: Iterable[Any]) -> list[Entity]:
        return [self._entity(r[0]) for r in self._rows(query, params)]

    def lookup(self, text: str, kind: EntityKind | None = None) -> list[Entity]:
        """Entities whose folded name or alias equals ``fold(text)``, ordered by id."""
        return self._entities(S.LOOKUP, (fold(text), kind))

    def search_entities(self, text: str, kind: EntityKind | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose folded name/alias contains ``fold(text)``; shortest matching key first."""
        key = fold(text)
        return R.ranked(self._entities(S.SEARCH_ENTITIES, (key, kind)), key, limit)

    def entities(self, ids: Collection[str]) -> dict[str, Entity]:
        """Entities by id (missing ids are left out)."""
        found = {e.id: e for e in self._entities(S.ENTITIES, (_ids(ids),))}
        return {i: found[i] for i in ids if i in found}

    def descendants(self, entity_id: str) -> list[Entity]:
        """Transitive SUBTYPE_OF children (not including the entity itself), ordered by id."""
        return self._entities(S.DESCENDANTS, (entity_id,))

    def family_ids(self, entity_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
        """Each existing entity of ``entity_ids`` with the sorted ids of it and its transitive
        subtypes (one recursive read for all)."""
        found: dict[str, set[str]] = {}
        for root, member in self._rows(S.FAMILY_IDS, (_ids(entity_ids),)):
            found.setdefault(root, set()).add(member)
        return {i: tuple(sorted(m)) for i, m in found.items()}

    def parents(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF parents, ordered by id."""
        return self._entities(S.PARENTS, (entity_id,))

    def children(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF children, ordered by id."""
        return self._entities(S.CHILDREN, (entity_id,))

    def version(self) -> str | None:
        """``"<file id>:<generation>"``: the generation every write transaction (and ``clear``) bumps,
        prefixed by a random id given to the file when it was created, so a file replaced by another
        at the same path never repeats a token."""
        (row,) = self._rows(S.VERSION)
        return f"{row[0] or ''}:{row[1] or 0}"

    def _version(self) -> str:
        """Changes whenever the database does (:meth:`version`: the file's id and its generation),
        read in the snapshot of the read in progress (so what is cached under it is of that
        generation, and of that file: a file replaced at its path does not repeat a key)."""
        return self.version() or ""

    def entity_counts(self, kind: EntityKind | None = None, *, top: int | None = None) -> list[EntityCount]:
        """Every entity (of ``kind``) with its number of papers (maintained aggregate); most papers first,
        then name. The sorted list is kept until the database changes (the API asks for it on every
        facet request). ``top``: only the most used (the first ``top`` and every entity tied with the
        last of them), from the list when it is kept, else read through the ``(kind, papers)`` index."""
        with self._reading():
            version = self._version()
            hit = self._counts_cache.get(kind)
            if top is not None and (hit is None or hit[0] != version):
                if top <= 0:
                    return []
                rows = self._rows(S.ENTITY_TOP, (kind, top)) if kind is not None else self._rows(
                    S.ENTITY_TOP_ALL, (top,))
                return R.sorted_counts((self._entity(r[0]), r[1]) for r in rows)
            if hit is None or hit[0] != version:
                rows = self._rows(S.ENTITY_COUNTS, (kind,))
                hit = self._counts_cache[kind] = (version, R.sorted_counts((self._entity(r[0]), r[1]) for r in rows))
            return R.top_counts(hit[1], top) if top is not None else list(hit[1])

    def count_entities(self, kind: EntityKind | None = None) -> int:
        """How many entities (of ``kind``) the graph holds."""
        return self._rows(S.COUNT_ENTITIES, (kind,))[0][0]

    def _family_map(self) -> dict[str, tuple[int, frozenset[str]]]:
        """``{entity id: (rid, ids of it and its descendants)}``, kept until the database changes."""
        with self._reading():
            version = self._version()
            kept = self._families  # one read: another thread may replace it with another generation's
            if kept is None or kept[0] != version:
                members: dict[str, tuple[int, set[str]]] = {}
                for anc, aid, did in self._rows(S.FAMILIES):
                    members.setdefault(aid, (anc, set()))[1].add(did)
                kept = self._families = (version, {a: (r, frozenset(m)) for a, (r, m) in members.items()})
            return kept[1]

    def _family(self, entity_ids: Collection[str]) -> int | None:
        """The rid of the entity whose family (it and its descendants) is exactly ``entity_ids``,
        if there is one: then the ``fam`` tables answer in one index read."""
        cover = self._cover(entity_ids)
        return cover[0] if cover is not None and len(cover) == 1 else None

    def _cover(self, entity_ids: Collection[str]) -> tuple[int, ...] | None:
        """The rids of the disjoint families whose union ``entity_ids`` is (:func:`kg.store.records.
        family_cover`): one for a whole family; several for a name that resolves to several entities
        ("optimal transport", "SSL"), answered from those families' ``fam`` rows instead of every link."""
        return R.family_cover(frozenset(entity_ids), self._family_map())

    def _union_overlap(self, cover: tuple[int, ...], what: str) -> list[tuple[Any, int]]:
        """What the summed per-family aggregates of disjoint families count more than once: for each
        family but the largest, its papers also in a later one, per year / entity id (``what``, see
        :func:`kg.store.sql.shared_sql`) — a paper in m of the families is counted m - 1 times, so
        the sums less these count it once. Reads the smaller families' rows only, and nothing when
        no two of them share a paper (``fam_pair``)."""
        if len(cover) < 2 or not any(self._rows(S.FAM_PAIR, (a, b))[0][0] for a, b in combinations(cover, 2)):
            return []
        order = sorted(cover, key=lambda rid: self._rows(S.FAM_TOTAL, (rid,))[0][0])
        out: Counter[Any] = Counter()
        for i, rid in enumerate(order[:-1]):
            out.update(dict(self._rows(*S.shared_sql(what, rid, order[i + 1:]))))
        return list(out.items())

    def _disjoint(self, ids: str) -> bool:
        """Do the given entities (JSON list) share no paper? Then per-entity aggregates add up."""
        return self._rows(S.SHARED_PAIRS, (ids, ids))[0][0] == 0

    @_one_read
    def cooccurring(self, entity_ids: Collection[str], kind: EntityKind | None = None) -> list[EntityCount]:
        """Entities linked to papers linked to any of ``entity_ids``, with the number of such papers."""
        ids = _ids(entity_ids)
        cover = self._cover(entity_ids)
        if cover is not None:
            counts: Counter[str] = Counter()
            entities: dict[str, Entity] = {}
            for rid in cover:
                for p, n in self._rows(S.FAM_COOC, (rid, ids, kind)):
                    e = self._entity(p)
                    entities[e.id] = e
                    counts[e.id] += n
            # a paper in several of the families was counted once for each: take the extra counts off
            for i, n in self._union_overlap(cover, "cooc"):
                if i in counts:
                    counts[i] -= n
            return R.sorted_counts((entities[i], n) for i, n in counts.items() if n > 0)
        query = S.COOC_SUMMED if self._disjoint(ids) else S.COOC_DISTINCT
        return R.sorted_counts((self._entity(r[0]), r[1]) for r in self._rows(query, (ids, ids, kind)))

    # -- papers and claims -------------------------------------------------------------------
    def find_papers(self, query: PaperQuery) -> PaperPage:
        """Papers matching ``query`` with the tags that matched; ``total`` ignores limit/offset."""
        with self._reading():
            select, params, count = self._plan(query)
            self._local.planned = (query, select, params)
            if not self._streamed(query):
                total = count if isinstance(count, int) else self._rows(*count)[0][0]
                page = [r[:2] for r in self._rows(f"{select} LIMIT ? OFFSET ?", [*params, query.limit, query.offset])]
            else:
                total, page = self._filtered_page(select, params, query)
            xs = self._assemble(page, R.filter_ids(query), claims=False, kinds=R.filter_kinds(query))
        items = [PaperHit(paper=x.paper, matches=R.matching_tags(query, x.tags)) for x in xs]
        return PaperPage(total=total, items=tuple(items))

    def _plan(self, query: PaperQuery) -> tuple[str, list[Any], int | tuple[str, list[Any]]]:
        """(select in order, its parameters, the count itself or its select and parameters) of a
        paper search.

        An entity filter is a *key* when it is a whole family (or one entity), or a union of
        disjoint families (a name that resolves to several), without role or variant, or an id-less
        kind filter ("proposing any method": a kind tag, kept in ``fam`` as a pseudo-family). When
        one is and the order is one a ``fam`` index holds, the search is driven by that key's rows
        in index order (for relevance, the first filter's; otherwise the smallest key's): the page
        is read up to its limit, the other filters are probes of the paper's rows
        (:func:`kg.store.sql.fam_papers_sql`). Without paper id or year filters, the count of one
        key comes from ``fam_year`` (and ``fam_pair`` for a union of two families) and of two
        single-family keys from ``fam_pair``. Otherwise the matches are sorted
        (:func:`kg.store.sql.find_papers_sql`)."""
        if query.using and (query.order, query.direction) in S.FAM_ORDER:
            keys = [self._key(f) for f in query.using]
            candidates = [0] if query.order == "relevance" else range(len(keys))
            sizes = {i: self._key_size(key) for i in candidates if (key := keys[i]) is not None}
            if sizes:
                lead = min(sizes, key=lambda i: (sizes[i], i))
                driver = keys[lead]
                assert driver is not None
                others = [S.exists_condition(keys[i], list(f.ids), f.kind, f.role, f.variant)
                          for i, f in enumerate(query.using) if i != lead]
                # filters applied in Python read every candidate: no arm limit, no relevance floor
                enough = None if self._streamed(query) else query.offset + query.limit
                floor = self._union_floor(driver, others, query, enough) if len(driver) > 1 else 0
                select, params, count, count_params = S.fam_papers_sql(
                    driver, others, query, floor=floor, arm_limit=enough)
                total = self._maintained_total(query, keys, sizes[lead])
                return select, params, (count, count_params) if total is None else total
        select, params = S.find_papers_sql(query)
        if not query.using and self._no_paper_filters(query):
            return select, params, self._rows(S.PAPER_TOTAL)[0][0]  # every paper: the maintained count
        return select, params, (f"SELECT count(*) FROM ({select})", params)

    def _key(self, f: EntityFilter) -> tuple[int, ...] | None:
        """The ``fam`` key of an entity filter: the rids of its disjoint families, its kind tag's
        (negative), or None."""
        if not f.ids:
            return (S.tag_rid(f.kind, f.role, f.variant),) if f.kind is not None else None
        return self._cover(f.ids) if f.role is None and f.variant is None else None

    def _key_size(self, key: tuple[int, ...]) -> int:
        """The number of papers of a key: its ``fam_year`` rows; a union of two families less the
        papers in both (``fam_pair``); of more, counted."""
        if len(key) == 1:
            return self._rows(S.FAM_TOTAL, key)[0][0]
        if len(key) == 2:
            a, b = key
            return sum(self._rows(S.FAM_TOTAL, (r,))[0][0] for r in key) - self._rows(S.FAM_PAIR, (a, b))[0][0]
        sql, params = S.union_count_sql(key)
        return self._rows(sql, params)[0][0]

    def _union_floor(self, driver: tuple[int, ...], others: list[tuple[str, list[Any]]], query: PaperQuery,
                     enough: int | None) -> int:
        """The highest relevance floor (:data:`kg.store.records.UNION_FLOORS`) above which at least
        ``enough`` papers of a union of families pass the filters (0: none is, or every candidate
        is wanted): the page by relevance is among them, so only they are scored."""
        if query.order != "relevance" or enough is None:
            return 0
        for floor in R.UNION_FLOORS:
            sql, params = S.union_floor_sql(driver, others, query, floor, enough)
            if self._rows(sql, params)[0][0] >= enough:
                return floor
        return 0

    def _maintained_total(self, query: PaperQuery, keys: list[tuple[int, ...] | None], lead_size: int) -> int | None:
        """The total of a search whose entity filters are all keys — one, or two single families or
        tags (``fam_pair``) — and that leaves paper ids and years free; None otherwise (then it is
        counted)."""
        distinct = set(keys)
        if None in distinct or len(distinct) > 2 or not self._no_paper_filters(query):
            return None
        if len(distinct) == 1:
            return lead_size
        if any(len(k) > 1 for k in distinct if k is not None):
            return None
        a, b = sorted(k[0] for k in distinct if k is not None)
        return self._rows(S.FAM_PAIR, (a, b))[0][0]

    @staticmethod
    def _no_paper_filters(query: PaperQuery) -> bool:
        """Does ``query`` leave the paper ids and years free (its total can then be a maintained count)?"""
        return query.ids is None and query.year_min is None and query.year_max is None

    @staticmethod
    def _streamed(query: PaperQuery) -> bool:
        """Does ``query`` filter on what SQL does not index (words, venue, author, category)?"""
        return bool(R.query_words(query.text)) or any(
            v is not None for v in (query.venue, query.author, query.category)
        )

    def explain(self, query: PaperQuery) -> str:
        """The SQL (with parameters) :meth:`find_papers` runs for ``query``, SQLite's plan of it and
        the filters applied to the streamed candidates (what ``--explain`` prints)."""
        last = getattr(self._local, "planned", None)
        with self._reading():
            if last is not None and last[0] == query:  # what find_papers just ran for it, in this thread
                select, params = last[1], last[2]
            else:
                select, params, _ = self._plan(query)
            plan = self._plans.get(select)
            if plan is None:
                plan = [r[3] for r in self._rows(f"EXPLAIN QUERY PLAN {select}", params)]
                if len(self._plans) >= 512:
                    self._plans.clear()
                self._plans[select] = plan
        lines = ["sqlite:", select, f"-- parameters: {_json(params)}", "-- plan:"]
        lines += [f"--   {step}" for step in plan]
        meta = {k: v for k, v in (("year >=", query.year_min), ("year <=", query.year_max),
                                  ("venue contains", query.venue), ("an author contains", query.author),
                                  ("category =", query.category), ("words", query.text)) if v is not None}
        if meta:
            lines.append("-- filters: " + ", ".join(f"{k} {v!r}" for k, v in meta.items())
                         + ("; venue, author, category and words on the streamed candidates" if self._streamed(query)
                            else ""))
        lines.append(f"-- page [{query.offset}:{query.offset + query.limit}]")
        return "\n".join(lines)

    def _filtered_page(self, select: str, params: list[Any], query: PaperQuery):
        """The total and page of the candidates (streamed in order) that pass the text, venue,
        author and category filters."""
        words = R.query_words(query.text)
        total = 0
        page = []
        end = query.offset + query.limit
        with self._reading() as conn, self._errors(), contextlib.closing(conn.execute(select, params)) as rows:
            for rid, props, *_ in rows:  # closed however the loop ends: no statement left active
                paper = orjson.loads(props)
                if not R.metadata_matches(query, paper):
                    continue
                if words:
                    text = f" {fold(paper['title'] + ' ' + paper['abstract'])} "  # = records.search_text
                    if not all(w in text for w in words):
                        continue
                if query.offset <= total < end:
                    page.append((rid, props))
                total += 1
        return total, page

    def _assemble(
        self, rows: list[Any], entity_ids: list[str] | None, *, claims: bool = True, kinds: Collection[str] = ()
    ) -> list[Extraction]:
        """Extractions of ``(rid, paper props)`` rows, in order: with their links (only to
        ``entity_ids`` or entities of ``kinds`` when given) and, if asked, their claims."""
        if not rows:
            return []
        papers = [(rid, orjson.loads(props)) for rid, props in rows]
        links: dict[int, list[tuple[Entity, dict]]] = {rid: [] for rid, _ in papers}
        rids = _json([rid for rid, _ in papers])
        if entity_ids is None:
            found = self._rows(S.LINKS_OF, (rids,))
        elif kinds:
            wanted = set(entity_ids)
            found = [r for r in self._rows(S.LINKS_OF, (rids,))
                     if (e := self._entity(r[1])).id in wanted or e.kind in kinds]
        else:
            found = self._rows(S.LINKS_TO, (rids, _ids(entity_ids))) if entity_ids else []
        for rid, eprops, lprops in found:
            links[rid].append((self._entity(eprops), orjson.loads(lprops)))
        made: dict[str, list[dict]] = {p["id"]: [] for _, p in papers}
        if claims:
            for (props,) in self._rows(S.CLAIMS_OF, (_ids(made),)):
                c = orjson.loads(props)
                made[c["paper_id"]].append(c)
        return [R.assemble(p, links[rid], made[p["id"]]) for rid, p in papers]

    def papers(self, ids: Collection[str]) -> dict[str, Extraction]:
        """Full records (paper, tags with evidence, claims) by id, in three indexed queries."""
        with self._reading():
            out = {x.paper.id: x for x in self._assemble(self._rows(S.PAPERS, (_ids(ids),)), None)}
        return {i: out[i] for i in ids if i in out}

    @_one_read
    def claims(
        self,
        about: Collection[str] | None = None,
        type: ClaimType | None = None,
        paper_ids: Collection[str] | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Claim]:
        """Claims about any of ``about``, of ``type``, of ``paper_ids``; ordered by claim id; the
        page ``[offset:offset + limit]`` (all from ``offset`` without a limit). Claims about a whole
        family (or one entity) are read in order from the ``fam_about`` index."""
        cover = self._cover(about) if about and paper_ids is None else None
        if cover is not None:
            page = (-1 if limit is None else limit, offset)
            if len(cover) > 1:  # several families: one index page of each, merged
                rows = self._rows(*S.union_claims_sql(cover, type, limit, offset))
            elif type is None:
                rows = self._rows(S.FAM_CLAIMS, (*cover, *page))
            else:
                rows = self._rows(S.FAM_CLAIMS_TYPED, (*cover, type, *page))
            return [R.claim_from(orjson.loads(r[0])) for r in rows]
        pids = _ids(paper_ids) if paper_ids is not None else None
        if about is not None:
            rows = self._rows(S.CLAIMS_ABOUT, (_ids(about), type, pids))
        else:
            rows = self._rows(S.CLAIMS_ALL, (None, type, pids))
        end = None if limit is None else offset + limit
        return [R.claim_from(orjson.loads(props)) for _, props in rows[offset:end]]

    @_one_read
    def count_claims(self, about: Collection[str] | None = None, type: ClaimType | None = None) -> int:
        """The number of claims :meth:`claims` finds (about a family: one index range count)."""
        cover = self._cover(about) if about else None
        if cover is not None:
            if len(cover) > 1:
                return self._rows(*S.union_claim_count_sql(cover, type))[0][0]
            if type is None:
                return self._rows(S.FAM_CLAIM_COUNT, cover)[0][0]
            return self._rows(S.FAM_CLAIM_COUNT_TYPED, (*cover, type))[0][0]
        if about is not None:
            return len(self._rows(S.CLAIMS_ABOUT, (_ids(about), type, None)))
        return len(self._rows(S.CLAIMS_ALL, (None, type, None)))

    @_one_read
    def counts_by_year(self, entity_ids: Collection[str] | None = None) -> dict[int, int]:
        """Number of papers per year (only papers linked to ``entity_ids`` when given), from the
        maintained per-year aggregates."""
        if entity_ids is None:
            rows = self._rows(S.YEARS_ALL)
        else:
            cover = self._cover(entity_ids)
            if cover is not None:
                years: Counter[int] = Counter()
                for rid in cover:
                    years.update(dict(self._rows(S.FAM_YEARS, (rid,))))
                years.subtract(dict(self._union_overlap(cover, "years")))
                rows = [(y, n) for y, n in years.items() if n > 0]
            else:
                ids = _ids(entity_ids)
                rows = self._rows(S.YEARS_SUMMED if self._disjoint(ids) else S.YEARS_DISTINCT, (ids,))
        return dict(sorted((r[0], r[1]) for r in rows))

    def stats(self) -> Stats:
        """Node and relationship counts."""
        r = self._rows(S.STATS)[0]
        papers, claims, *kinds = r[:5]
        return Stats(
            papers=papers,
            entities=dict(zip(R.KIND_LABELS, kinds, strict=True)),
            links=dict(zip(R.REL_TYPES, r[5:], strict=True)),
            claims=claims,
        )


def _owner() -> str:
    """This process, as a bulk load's owner row names it: host, pid and start time (so a reused pid
    is not taken for the loader)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid())}"


def _started(pid: int) -> str:
    """The start time of process ``pid`` (clock ticks since boot, from /proc), or '' where unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(owner: str) -> bool:
    """Is the process an owner row names still running (on this host)?"""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    return _started(int(pid)) == started


class SQLiteBulkLoad:
    """:meth:`SQLiteStore.bulk_loader`'s load: the triggers are dropped (and this process named in
    ``meta``) when it starts, the batches are written as rows, and :meth:`finish` counts every
    aggregate in one transaction and re-creates the triggers."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        with store._transaction() as conn:
            conn.execute(S.SET_BULK_OWNER, (_owner(),))
            for statement in filter(None, S.DROP_TRIGGERS.split(";")):
                conn.execute(statement)

    def write(self, delta: GraphDelta) -> None:
        """Write one batch (rows only: the aggregates wait for :meth:`finish`)."""
        self.store.write(delta)

    def finish(self) -> None:
        """Count every aggregate and family table from the rows and re-create the triggers."""
        self.store._script(S.FINISH_BULK)

    def close(self) -> None:
        """Nothing to release; an unfinished load is recounted when the file is next opened."""

