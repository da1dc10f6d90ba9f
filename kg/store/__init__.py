"""Graph stores: one protocol (:class:`kg.store.base.GraphStore`), two real implementations.

Why this module: callers (ingest, CLI, GraphQL) never pick a class — they call :func:`open_store`
with the settings, and get the embedded SQLite store by default (``sqlite``; ``networkx``, the
name of the earlier embedded store, still means it) or Neo4j when ``settings.store == "neo4j"``.
The Neo4j driver is imported only then, so the default install needs no driver.
"""

from __future__ import annotations

from kg.config import Settings, load_settings
from kg.errors import InputError, MissingExtra
from kg.store.base import BulkLoader, GraphStore

__all__ = ["BulkLoader", "GraphStore", "bulk_loader", "check_bulk_load", "open_store"]


def open_store(settings: Settings | None = None, **overrides) -> GraphStore:
    """Open the store the settings ask for.

    Args:
        settings: the settings (default: :func:`kg.config.load_settings`, i.e. the environment).
        **overrides: setting fields to override (``store="neo4j"``, ``graph_path=...``,
            ``neo4j_uri=...``); ``None`` values are ignored, so CLI flags can be passed as they are.

    Returns:
        A :class:`~kg.store.sqlite_store.SQLiteStore` at ``settings.graph_path`` (an old
        ``graph.json`` is migrated to ``graph.db`` beside it on first use), or a
        connected :class:`~kg.store.neo4j_store.Neo4jStore`. Close it (or use ``with``) when done.

    Raises:
        StoreUnavailable: Neo4j is unreachable or refused the credentials (one clear line).
        MissingExtra: the Neo4j driver is not installed.

    Example::

        store = open_store(store="neo4j", neo4j_uri="bolt://127.0.0.1:7687")
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    if settings is None:
        settings = load_settings(**given)
    elif given:
        settings = Settings(**{**settings.model_dump(), **given})
    if settings.store == "neo4j":
        try:
            from kg.store.neo4j_store import Neo4jStore
        except ImportError:  # pragma: no cover - only without the extra
            raise MissingExtra("neo4j", "neo4j") from None
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        auth = (settings.neo4j_username, password) if password else None
        return Neo4jStore(
            settings.neo4j_uri,
            auth,
            settings.neo4j_database,
            batch_size=settings.batch_size,
            connection_timeout=settings.neo4j_connection_timeout,
            retry_time=settings.neo4j_retry_time,
            query_timeout=settings.query_timeout,
        )
    from kg.store.sqlite_store import SQLiteStore

    return SQLiteStore(settings.graph_path, batch_size=settings.batch_size)


def _no_bulk(store: GraphStore) -> InputError:
    return InputError(f"--bulk: the {store.name} store has no bulk load")


def check_bulk_load(store: GraphStore) -> None:
    """Check, before any work, that :func:`bulk_loader` can load ``store``
    (:meth:`GraphStore.check_bulk_load`: the store is empty; for Neo4j ``neo4j-admin`` is found).

    Raises:
        InputError: the store cannot bulk load.
        StoreError: neo4j-admin is not found, or the store is not empty.
    """
    if not store.check_bulk_load():
        raise _no_bulk(store)


def bulk_loader(store: GraphStore) -> BulkLoader:
    """A :class:`~kg.store.base.BulkLoader` into ``store``'s empty database (checked at once, before
    anything is staged; :meth:`GraphStore.bulk_loader`): :class:`kg.store.bulk.BulkImport` for Neo4j,
    :class:`kg.store.sqlite_store.SQLiteBulkLoad` for the embedded store.

    Raises:
        InputError: the store cannot bulk load.
        StoreError: neo4j-admin is not found, or the store is not empty.
    """
    loader = store.bulk_loader()
    if loader is None:
        raise _no_bulk(store)
    return loader
