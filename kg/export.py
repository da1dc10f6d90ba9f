"""Exports: the whole graph as JSONL, GraphML, GEXF or the CSV layout ``neo4j-admin`` imports.

Why it reads through the :class:`kg.store.base.GraphStore` protocol and not a store's internals:
the same graph held by the networkx store and by Neo4j then exports to the *same bytes*, which makes
an export a fingerprint of the graph — tests compare two stores, or an interrupted ingest and an
uninterrupted one, by comparing exports.

Graph model (docs/schema.md)::

    (:Paper)-[:USES|PROPOSES {role, variant, mentions, evidence}]->(:Method|:Divergence)
    (:Paper)-[:EVALUATES_ON {mentions, evidence}]->(:Dataset)
    (:Paper)-[:MAKES]->(:Claim)-[:ABOUT]->(:Method|:Divergence|:Dataset)
    (:Divergence|:Method|:Dataset)-[:SUBTYPE_OF]->(same label): the families of every kind

Formats:

* ``jsonl`` — one object per line: ``{"type": "node", "id", "labels", "properties"}`` then
  ``{"type": "relationship", "start", "end", "label", "properties"}`` (the APOC JSON export shape,
  with plain ids).
* ``graphml`` / ``gexf`` — via networkx; lists and dicts are JSON-encoded strings (both formats take
  scalars only); ``None`` values are left out.
* ``csv`` — a directory with ``nodes_<Label>.csv`` and ``relationships_<TYPE>.csv`` files whose headers
  ``neo4j-admin database import full`` reads (``:ID``, ``:LABEL``, ``:START_ID``, ``:END_ID``, ``:TYPE``,
  typed columns such as ``year:int`` and ``aliases:string[]``), plus ``import.sh`` with the command.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from kg.errors import InputError
from kg.models import Entity, Extraction, PaperQuery
from kg.store.base import GraphStore
from kg.store.records import link_type

ExportFormat = Literal["jsonl", "graphml", "gexf", "csv"]
EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "graphml", "gexf", "csv")
LABELS = ("Paper", "Method", "Divergence", "Dataset", "Claim")
LABEL_OF_KIND = {"method": "Method", "divergence": "Divergence", "dataset": "Dataset"}
ARRAY_DELIMITER = ";"
_PAGE = 1000


class Node(BaseModel):
    """A graph node as exported: id, its kind label, properties (``None`` values dropped)."""

    id: str
    label: str
    properties: dict[str, Any]

    @property
    def labels(self) -> list[str]:
        """The Neo4j labels: entity nodes carry ``Entity`` plus their kind label."""
        return ["Entity", self.label] if self.label in LABEL_OF_KIND.values() else [self.label]


class Relationship(BaseModel):
    """A graph relationship as exported."""

    start: str
    end: str
    type: str
    properties: dict[str, Any] = {}


class GraphRecords(BaseModel):
    """Every node and relationship of a store, in a stable order (label, id / type, start, end)."""

    nodes: list[Node]
    relationships: list[Relationship]


class ExportResult(BaseModel):
    """What an export wrote."""

    format: str
    files: list[str]
    nodes: int
    relationships: int


def _props(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items() if v is not None and v != ()}


def all_extractions(store: GraphStore) -> Iterator[Extraction]:
    """Every paper of ``store`` with its tags and claims, by paper id, fetched page by page."""
    offset = 0
    while True:
        page = store.find_papers(PaperQuery(order="id", limit=_PAGE, offset=offset))
        ids = [hit.paper.id for hit in page.items]
        if not ids:
            return
        records = store.papers(ids)
        for pid in ids:
            if pid in records:
                yield records[pid]
        offset += len(ids)
        if offset >= page.total:
            return


def _entity_node(e: Entity) -> Node:
    props = _props(e.model_dump(exclude={"parents"}))
    return Node(id=e.id, label=LABEL_OF_KIND[e.kind], properties=props)


def graph_records(store: GraphStore) -> GraphRecords:
    """Read the whole graph of ``store`` through the protocol, in a stable order.

    Raises:
        StoreError: the store failed.
    """
    nodes: dict[str, Node] = {}
    rels: list[Relationship] = []
    entities: dict[str, Entity] = {c.entity.id: c.entity for c in store.entity_counts()}
    for x in all_extractions(store):
        paper = x.paper.model_dump(exclude={"source"})
        paper["extractor_version"] = x.extractor_version
        nodes[x.paper.id] = Node(id=x.paper.id, label="Paper", properties=_props(paper))
        for t in x.tags:
            entities.setdefault(t.entity.id, t.entity)
            props = {"role": t.role, "variant": t.variant, "mentions": list(t.mentions),
                     "evidence": [e.model_dump() for e in t.evidence]}
            rels.append(Relationship(start=x.paper.id, end=t.entity.id, type=link_type(t),
                                     properties=_props(props)))
        for c in x.claims:
            nodes[c.id] = Node(id=c.id, label="Claim", properties=_props(c.model_dump(exclude={"about"})))
            rels.append(Relationship(start=x.paper.id, end=c.id, type="MAKES"))
            rels.extend(Relationship(start=c.id, end=a, type="ABOUT") for a in c.about)
    for e in entities.values():
        nodes[e.id] = _entity_node(e)
        rels.extend(Relationship(start=e.id, end=p.id, type="SUBTYPE_OF") for p in store.parents(e.id))
    # a claim's ``about`` may name entities the graph does not hold: ABOUT links only to nodes
    rels = [r for r in rels if r.type != "ABOUT" or r.end in nodes]
    order = {label: i for i, label in enumerate(LABELS)}
    return GraphRecords(
        nodes=sorted(nodes.values(), key=lambda n: (order[n.label], n.id)),
        relationships=sorted(rels, key=lambda r: (r.type, r.start, r.end)),
    )


# -- writers ---------------------------------------------------------------------------------------


def to_jsonl(records: GraphRecords) -> str:
    """The JSONL export as one string (one compact object per line, keys sorted)."""
    lines = [
        json.dumps({"type": "node", "id": n.id, "labels": n.labels, "properties": n.properties},
                   ensure_ascii=False, sort_keys=True)
        for n in records.nodes
    ]
    lines += [
        json.dumps({"type": "relationship", "start": r.start, "end": r.end, "label": r.type,
                    "properties": r.properties}, ensure_ascii=False, sort_keys=True)
        for r in records.relationships
    ]
    return "".join(line + "\n" for line in lines)


def _scalar(v: Any) -> Any:
    if isinstance(v, (list, dict, tuple)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v


def to_networkx(records: GraphRecords, *, caption: bool = False):
    """A ``networkx.MultiDiGraph`` with scalar attributes only (lists/dicts JSON-encoded), keyed by
    relationship type. ``labels`` holds the Neo4j labels as ``":Entity:Method"`` (APOC's style);
    with ``caption``, ``label`` holds a display caption (GEXF's node label)."""
    import networkx as nx

    g: nx.MultiDiGraph = nx.MultiDiGraph()
    for n in records.nodes:
        attrs = {k: _scalar(v) for k, v in n.properties.items() if k != "id"}
        attrs["labels"] = "".join(f":{label}" for label in n.labels)
        if caption:
            attrs["label"] = str(n.properties.get("name") or n.properties.get("title") or n.id)
        g.add_node(n.id, **attrs)
    for r in records.relationships:
        attrs = {k: _scalar(v) for k, v in r.properties.items()}
        g.add_edge(r.start, r.end, key=r.type, type=r.type, **attrs)
    return g


def to_graphml(records: GraphRecords) -> str:
    """The GraphML export as one string."""
    import networkx as nx

    return "\n".join(nx.generate_graphml(to_networkx(records))) + "\n"


def to_gexf(records: GraphRecords) -> str:
    """The GEXF export as one string (version 1.2)."""
    import networkx as nx

    return "\n".join(nx.generate_gexf(to_networkx(records, caption=True))) + "\n"


_CSV_TYPES = {bool: "boolean", int: "int", float: "double"}


def _csv_header(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(property, header)`` pairs, typed for neo4j-admin (``year:int``, ``aliases:string[]``)."""
    columns: dict[str, str] = {}
    for row in rows:
        for k, v in row.items():
            if k in columns:
                continue
            if isinstance(v, list) and all(isinstance(i, str) for i in v):
                columns[k] = f"{k}:string[]"
            elif type(v) in _CSV_TYPES:
                columns[k] = f"{k}:{_CSV_TYPES[type(v)]}"
            else:
                columns[k] = k
    return sorted(columns.items())


def _csv_cell(v: Any, header: str) -> str:
    if v is None:
        return ""
    if header.endswith("[]"):
        return ARRAY_DELIMITER.join(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def _csv_text(fixed: list[str], fixed_rows: list[list[str]], rows: list[dict[str, Any]]) -> str:
    cols = _csv_header(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fixed + [h for _, h in cols])
    for lead, row in zip(fixed_rows, rows, strict=True):
        w.writerow(lead + [_csv_cell(row.get(k), h) for k, h in cols])
    return buf.getvalue()


def to_csv_files(records: GraphRecords) -> dict[str, str]:
    """``{file name: CSV text}`` in the layout ``neo4j-admin database import full`` reads, plus
    ``import.sh`` running it. Node ids are unique across labels, so one global id space is used."""
    files: dict[str, str] = {}
    for label in LABELS:
        nodes = [n for n in records.nodes if n.label == label]
        if nodes:
            rows = [{k: v for k, v in n.properties.items() if k != "id"} for n in nodes]
            lead = [[n.id, ARRAY_DELIMITER.join(n.labels)] for n in nodes]
            files[f"nodes_{label}.csv"] = _csv_text(["id:ID", ":LABEL"], lead, rows)
    for rtype in sorted({r.type for r in records.relationships}):
        rels = [r for r in records.relationships if r.type == rtype]
        files[f"relationships_{rtype}.csv"] = _csv_text(
            [":START_ID", ":END_ID", ":TYPE"], [[r.start, r.end, r.type] for r in rels],
            [r.properties for r in rels],
        )
    args = " ".join(
        f"--{'nodes' if name.startswith('nodes_') else 'relationships'}={name}" for name in files
    )
    files["import.sh"] = (
        "#!/bin/sh\n# Load this export into an empty, stopped Neo4j database (default: neo4j).\n"
        'cd "$(dirname "$0")"\n'
        f'neo4j-admin database import full "${{1:-neo4j}}" --overwrite-destination '
        f"--multiline-fields=true --array-delimiter='{ARRAY_DELIMITER}' {args}\n"
    )
    return files


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(records: GraphRecords, fmt: str) -> str:
    """A single-file export (``jsonl``, ``graphml`` or ``gexf``) as text."""
    writers = {"jsonl": to_jsonl, "graphml": to_graphml, "gexf": to_gexf}
    if fmt not in writers:
        raise InputError(f"format {fmt!r} is not a single-file export; choose one of {', '.join(writers)}")
    return writers[fmt](records)


def export(store: GraphStore, fmt: str, out: str | Path | None = None) -> tuple[ExportResult, str | None]:
    """Export the graph of ``store``.

    Args:
        fmt: ``jsonl``, ``graphml``, ``gexf`` or ``csv``.
        out: a file (or, for ``csv``, a directory) to write; ``None`` returns the text instead
            (not allowed for ``csv``, which is several files).

    Returns:
        ``(result, text)``: ``text`` is the export when ``out`` is None, else ``None``.

    Raises:
        InputError: unknown format, or ``csv`` without ``out``, or ``out`` cannot be written.
        StoreError: the store failed.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv" and out is None:
        raise InputError("the csv export is several files: give a directory with --out DIR")
    records = graph_records(store)
    counts = {"nodes": len(records.nodes), "relationships": len(records.relationships)}
    try:
        if fmt == "csv" and out is not None:  # (None was refused above)
            directory = Path(out)
            if directory.exists() and not directory.is_dir():
                raise InputError(f"--out {directory} is a file; the csv export needs a directory")
            files = to_csv_files(records)
            for name, text in files.items():
                _write_atomic(directory / name, text)
            (directory / "import.sh").chmod(0o755)
            return ExportResult(format=fmt, files=[str(directory / n) for n in files], **counts), None
        text = render(records, fmt)
        if out is None:
            return ExportResult(format=fmt, files=[], **counts), text
        _write_atomic(Path(out), text)
        return ExportResult(format=fmt, files=[str(out)], **counts), None
    except OSError as exc:
        raise InputError(f"cannot write the export to {out}: {exc.strerror or exc}") from None


__all__ = [
    "EXPORT_FORMATS", "ExportResult", "GraphRecords", "Node", "Relationship", "export", "graph_records", "render",
    "to_csv_files", "to_gexf", "to_graphml", "to_jsonl", "to_networkx",
]
