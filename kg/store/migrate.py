"""Migration of the old embedded store's node-link JSON file (``.kg/graph.json``) to SQLite.

Why it exists: before the SQLite store, the embedded store persisted a networkx graph as one
node-link JSON file. A user who upgrades keeps their graph: the first open of the embedded store
finds ``graph.json`` (given as ``KG_GRAPH_PATH``/``--graph``, or beside the ``graph.db`` asked for),
reads it once and writes it into ``graph.db`` beside it through the ordinary write path, so the
result is exactly what re-ingesting would give. The JSON file is left in place (never deleted);
the database, once it exists, is what the store uses.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import StoreError
from kg.models import AnyEntity, Extraction, GraphDelta
from kg.store import records as R

if TYPE_CHECKING:
    from kg.store.sqlite_store import SQLiteStore

log = logging.getLogger("kg.store")

#: The ``kg_format`` of the old store's files.
JSON_FORMAT = 1


def database_path(path: Path) -> Path:
    """The SQLite file for a configured graph path: ``graph.json`` (the old default) means the
    ``graph.db`` beside it; any other path is the database itself."""
    return path.with_suffix(".db") if path.suffix == ".json" else path


def pending_json(source: Path | None, db: Path) -> Path | None:
    """The old JSON graph to migrate into ``db``, if ``db`` does not exist yet and one is there."""
    if db.exists():
        return None
    for cand in (source, db.with_suffix(".json")):
        if cand is not None and cand != db and cand.suffix == ".json" and cand.is_file():
            return cand
    return None


def _fail(path: Path, why: str) -> StoreError:
    return StoreError(
        f"cannot migrate the old graph file {path} to SQLite: {why}; delete it (or move it away) "
        "and re-create the graph with: kg ingest <your abstracts>"
    )


def read_json_graph(path: Path) -> GraphDelta:
    """The graph of an old node-link JSON file as one delta (every entity and paper).

    Raises:
        StoreError: the file cannot be read or is not a kg graph file (one line with the command
            that re-creates the graph).
    """
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise _fail(path, exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise _fail(path, f"not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("graph", {}).get("kg_format") != JSON_FORMAT:
        raise _fail(path, "not a kg graph file (no kg_format 1)")
    try:
        return _delta(data)
    except Exception as exc:  # noqa: BLE001 - any failure means a damaged file
        why = f"missing property {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise _fail(path, f"damaged ({why})") from None


def _delta(data: dict[str, Any]) -> GraphDelta:
    nodes = {n["_key"]: n for n in data["nodes"]}
    entity_labels = set(R.KIND_LABELS.values())
    entities: dict[str, AnyEntity] = {}
    papers: dict[str, dict] = {}
    for key, n in nodes.items():
        if n.get("label") in entity_labels:
            entities[key] = R.entity_from(n)  # type: ignore[assignment]  # a concrete kind
        elif n.get("label") == "Paper":
            papers[key] = n
        elif n.get("label") != "Claim":
            raise ValueError(f"node {n.get('id', key)!r} has unknown label {n.get('label')!r}")
    links: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    claims: dict[str, list[dict]] = defaultdict(list)
    for edge in data["edges"]:
        source, target, rel = edge["source"], edge["target"], edge["key"]
        if rel in R.LINK_TYPES:
            attrs = {k: v for k, v in edge.items() if k not in ("source", "target", "key")}
            links[source].append((nodes[target], attrs))
        elif rel == "MAKES":
            claims[source].append(nodes[target])
    extractions: list[Extraction] = [
        R.assemble(attrs, links[key], claims[key]) for key, attrs in sorted(papers.items())
    ]
    return GraphDelta(
        extractions=tuple(extractions), entities=tuple(entities[k] for k in sorted(entities))
    )


def migrate_json(path: Path, store: SQLiteStore) -> int:
    """Write the old JSON graph at ``path`` into ``store`` (its database is new and empty).

    Returns:
        The number of papers migrated.

    Raises:
        StoreError: see :func:`read_json_graph`; the half-made database is removed, so the next
            open tries again.
    """
    log.warning("kg: migrating the old graph file %s to %s (once)", path, store.path)
    try:
        delta = read_json_graph(path)
        store.write(delta)
    except StoreError:
        store.close()
        if store.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{store.path}{suffix}").unlink(missing_ok=True)
        raise
    return len(delta.extractions)
