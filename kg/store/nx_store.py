"""The embedded default store: a networkx graph persisted to one node-link JSON file.

Why it exists: kg must answer "papers using X" with no server at all. This is not a mock of Neo4j —
it holds the same nodes, relationships and properties (docs/schema.md) and the contract suite
(tests/store/test_contract.py) demands the same answers from both stores.

* ``nx.MultiDiGraph``; node keys are ``"<Label>:<id>"`` (``Paper:p001``, ``Entity:method:gan``,
  ``Claim:p001#3``), edge keys are the relationship type.
* Loaded lazily on first use; persisted only on :meth:`NetworkXStore.flush` / :meth:`close` (never
  per batch), as ``node_link_data(g, edges="edges")`` written atomically (temp file + rename).
* In-memory indexes (folded key → entity ids, paper keys, wanted taxonomy parents) keep lookups fast
  on 10,000+ papers; they are rebuilt on load.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path
from typing import Any, cast

import networkx as nx
import orjson  # ~8x faster than json at serializing the whole graph at every flush

from kg.errors import StoreError
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
    relevance_score,
)
from kg.store import records as R

FORMAT = 1


def _pk(paper_id: str) -> str:
    return f"Paper:{paper_id}"


def _ek(entity_id: str) -> str:
    return f"Entity:{entity_id}"


def _ck(claim_id: str) -> str:
    return f"Claim:{claim_id}"


class NetworkXStore:
    """The embedded graph store.

    Args:
        path: the node-link JSON file (created on the first flush); ``None`` keeps the graph in
            memory only.
        batch_size: papers per write batch (kept for parity with Neo4j; writes are in memory).

    Example::

        with NetworkXStore(".kg/graph.json") as store:
            store.write(delta)
    """

    name = "networkx"

    def __init__(self, path: str | Path | None = None, *, batch_size: int = 1000) -> None:
        self.path = Path(path) if path is not None else None
        self.batch_size = batch_size
        self._g: nx.MultiDiGraph | None = None
        self._lock = threading.RLock()
        self._dirty = False
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._papers: set[str] = set()
        self._wanted: dict[str, set[str]] = defaultdict(set)  # parent id → child ids naming it
        self._search: dict[str, str] = {}  # paper node → folded words, filled on first text query

    # -- loading and persisting --------------------------------------------------------------
    @property
    def graph(self) -> nx.MultiDiGraph:
        """The underlying graph (loaded on first access). Read it; write through :meth:`write`."""
        with self._lock:
            if self._g is None:
                self._g = self._load()
                self._reindex()
            return self._g

    def _load(self) -> nx.MultiDiGraph:
        if self.path is None or not self.path.exists():
            return nx.MultiDiGraph(kg_format=FORMAT)
        try:
            data = json.loads(self.path.read_bytes())
        except OSError as exc:
            raise StoreError(f"cannot read the graph file {self.path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise StoreError(f"{self.path} is not a kg graph file (not JSON: {exc})") from None
        try:
            # directed + multigraph: a MultiDiGraph (the stubs say Graph)
            g = cast(nx.MultiDiGraph,
                     nx.node_link_graph(data, directed=True, multigraph=True, edges="edges", name="_key"))
        except (ValueError, KeyError, TypeError, AttributeError, nx.NetworkXError):
            raise StoreError(
                f"{self.path} is not a kg graph file (expected networkx node-link JSON); "
                "delete it or point KG_GRAPH_PATH elsewhere"
            ) from None
        if g.graph.get("kg_format") != FORMAT:
            raise StoreError(
                f"{self.path} is not a kg graph file (format {g.graph.get('kg_format')!r}); "
                "delete it or point KG_GRAPH_PATH elsewhere"
            )
        self._validate(g)
        return g

    def _validate(self, g: nx.MultiDiGraph) -> None:
        """Every node must convert to its model, so that a damaged file fails here with one clear
        line naming the node, not later in some query with a KeyError."""
        for node, attrs in g.nodes(data=True):
            label = attrs.get("label")
            try:
                if label == "Paper":
                    R.paper_from(attrs)
                elif label in R.KIND_LABELS.values():
                    R.entity_from(attrs)
                elif label == "Claim":
                    R.claim_from(attrs)
                else:
                    raise ValueError(f"unknown label {label!r}")
            except Exception as exc:  # noqa: BLE001 - any failure means a damaged file
                why = f"missing property {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
                raise StoreError(
                    f"{self.path} is damaged: node {attrs.get('id', node)!r} ({label}) is not valid: {why}; "
                    "re-create it with kg ingest (or point KG_GRAPH_PATH elsewhere)"
                ) from None

    def _reindex(self) -> None:
        g = self._g
        assert g is not None
        self._by_key.clear()
        self._papers.clear()
        self._search.clear()
        self._wanted.clear()
        for node, attrs in g.nodes(data=True):
            label = attrs.get("label")
            if label == "Paper":
                self._papers.add(node)
            elif label in R.KIND_LABELS.values():
                self._index_entity(attrs)

    def _index_entity(self, attrs: dict[str, Any]) -> None:
        for k in attrs.get("keys", ()):
            self._by_key[k].add(attrs["id"])
        for parent in attrs.get("parents", ()):
            self._wanted[parent].add(attrs["id"])

    def _unindex_entity(self, attrs: dict[str, Any]) -> None:
        for k in attrs.get("keys", ()):
            self._by_key[k].discard(attrs["id"])
        for parent in attrs.get("parents", ()):
            self._wanted[parent].discard(attrs["id"])

    def flush(self) -> None:
        """Persist the graph if it changed: node-link JSON to a temp file, then an atomic rename."""
        with self._lock:
            if not self._dirty or self.path is None or self._g is None:
                return
            data = nx.node_link_data(self._g, edges="edges", name="_key")
            blob = orjson.dumps(data)
            tmp = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(blob)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except OSError as exc:
                if tmp is not None and os.path.exists(tmp):
                    os.unlink(tmp)
                raise StoreError(f"cannot write the graph file {self.path}: {exc}") from None
            self._dirty = False

    def close(self) -> None:
        """Flush to disk. The store can still be used afterwards (it reloads nothing)."""
        self.flush()

    def __enter__(self) -> NetworkXStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _near(self, node: str, types: Collection[str], direction: str = "out") -> list[tuple[str, dict]]:
        """``(other node, edge attributes)`` of ``node``'s edges of the given types (``"in"`` or
        ``"out"``); empty when the node is missing."""
        g = self.graph
        # the raw adjacency dicts ({neighbour: {key: attributes}}): edge views are slow
        # (networkx's stubs do not declare the private adjacency dicts)
        nbrs = (g._pred if direction == "in" else g._succ).get(node)  # type: ignore[attr-defined]
        if not nbrs:
            return []
        return [(v, d) for v, keyed in nbrs.items() for k, d in keyed.items() if k in types]

    # -- writing -----------------------------------------------------------------------------
    def write(self, delta: GraphDelta) -> None:
        """Upsert the delta (see :meth:`kg.store.base.GraphStore.write`); persisted on flush/close."""
        with self._lock:
            g = self.graph
            for batch in R.batches(delta, self.batch_size):
                for entity in batch.all_entities().values():
                    self._put_entity(g, entity)
                for x in batch.extractions:
                    self._put_extraction(g, x)
                self._dirty = True

    def _put_entity(self, g: nx.MultiDiGraph, entity: Entity) -> None:
        node = _ek(entity.id)
        if node in g:
            self._unindex_entity(g.nodes[node])
            g.nodes[node].clear()
        props = R.entity_props(entity)
        g.add_node(node, label=R.KIND_LABELS[entity.kind], **props)
        self._index_entity(props)
        label = R.KIND_LABELS[entity.kind]
        for target, _ in self._near(node, ("SUBTYPE_OF",)):
            g.remove_edge(node, target, key="SUBTYPE_OF")
        for parent in props.get("parents", ()):
            if g.nodes.get(_ek(parent), {}).get("label") == label:
                g.add_edge(node, _ek(parent), key="SUBTYPE_OF")
        for child in self._wanted.get(entity.id, ()):
            if g.nodes.get(_ek(child), {}).get("label") == label:
                g.add_edge(_ek(child), node, key="SUBTYPE_OF")

    def _put_extraction(self, g: nx.MultiDiGraph, x: Extraction) -> None:
        node = _pk(x.paper.id)
        if node in g:
            old = [(v, k) for _, v, k in g.out_edges(node, keys=True)]
            for target, key in old:
                if key == "MAKES":
                    g.remove_node(target)
                elif key in R.LINK_TYPES:
                    g.remove_edge(node, target, key=key)
            g.nodes[node].clear()
        g.add_node(node, label="Paper", **R.paper_props(x.paper, x.extractor_version, search=False))
        self._papers.add(node)
        self._search.pop(node, None)
        links, claims = R.extraction_rows(x)
        for rel, entity_id, props in links:
            if _ek(entity_id) in g:
                g.add_edge(node, _ek(entity_id), key=rel, **props)
        for props in claims:
            cnode = _ck(props["id"])
            if cnode in g:
                g.nodes[cnode].clear()
                for target, _ in self._near(cnode, ("ABOUT",)):
                    g.remove_edge(cnode, target, key="ABOUT")
            g.add_node(cnode, label="Claim", **props)
            g.add_edge(node, cnode, key="MAKES")
            for entity_id in props["about"]:
                if _ek(entity_id) in g:
                    g.add_edge(cnode, _ek(entity_id), key="ABOUT")

    def paper_versions(self, ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """``{paper id: (content_hash, extractor_version)}`` for the ids the store holds."""
        nodes = self.graph.nodes
        out = {}
        for pid in ids:
            attrs = nodes.get(_pk(pid))
            if attrs is not None and attrs.get("label") == "Paper":
                out[pid] = (attrs["content_hash"], attrs.get("extractor_version", ""))
        return out

    def clear(self) -> None:
        """Delete everything (persisted on flush/close)."""
        with self._lock:
            self._g = nx.MultiDiGraph(kg_format=FORMAT)
            self._reindex()
            self._dirty = True

    # -- entities ----------------------------------------------------------------------------
    def _entity(self, entity_id: str) -> Entity | None:
        attrs = self.graph.nodes.get(_ek(entity_id))
        return R.entity_from(attrs) if attrs and attrs.get("label") in R.KIND_LABELS.values() else None

    def _entities_of(self, nodes: Collection[str], kind: EntityKind | None = None) -> list[Entity]:
        g = self.graph
        out = [R.entity_from(g.nodes[n]) for n in nodes]
        return sorted((e for e in out if kind is None or e.kind == kind), key=lambda e: e.id)

    def lookup(self, text: str, kind: EntityKind | None = None) -> list[Entity]:
        """Entities whose folded name or alias equals ``fold(text)``, ordered by id."""
        self.graph  # noqa: B018 - loads the graph and its indexes
        ids = self._by_key.get(fold(text), set())
        return self._entities_of([_ek(i) for i in ids], kind)

    def search_entities(self, text: str, kind: EntityKind | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose folded name/alias contains ``fold(text)``; shortest matching key first."""
        key = fold(text)
        with self._lock:
            self.graph  # noqa: B018 - loads the graph and its indexes
            ids = {i for k, found in self._by_key.items() if key in k for i in found}
            return R.ranked(self._entities_of([_ek(i) for i in ids], kind), key, limit)

    def entities(self, ids: Collection[str]) -> dict[str, Entity]:
        """Entities by id (missing ids are left out)."""
        return {i: e for i in ids if (e := self._entity(i)) is not None}

    def _subtype_nodes(self, entity_id: str, direction: str) -> list[str]:
        return sorted({n for n, _ in self._near(_ek(entity_id), ("SUBTYPE_OF",), direction)})

    def descendants(self, entity_id: str) -> list[Entity]:
        """Transitive SUBTYPE_OF children (not including the entity itself), ordered by id."""
        seen: set[str] = set()
        todo = [entity_id]
        while todo:
            for child in self._subtype_nodes(todo.pop(), "in"):
                cid = self.graph.nodes[child]["id"]
                if cid not in seen and cid != entity_id:
                    seen.add(cid)
                    todo.append(cid)
        return self._entities_of([_ek(i) for i in seen])

    def parents(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF parents, ordered by id."""
        return self._entities_of(self._subtype_nodes(entity_id, "out"))

    def children(self, entity_id: str) -> list[Entity]:
        """Direct SUBTYPE_OF children, ordered by id."""
        return self._entities_of(self._subtype_nodes(entity_id, "in"))

    def _papers_of(self, entity_node: str) -> set[str]:
        return {n for n, _ in self._near(entity_node, R.LINK_TYPES, "in")}

    def entity_counts(self, kind: EntityKind | None = None) -> list[EntityCount]:
        """Every entity (of ``kind``) with its number of papers; most papers first, then name."""
        with self._lock:
            g = self.graph
            rows = []
            for node, attrs in g.nodes(data=True):
                if attrs.get("label") in R.KIND_LABELS.values() and (kind is None or attrs["kind"] == kind):
                    rows.append((R.entity_from(attrs), len(self._papers_of(node))))
            return R.sorted_counts(rows)

    def cooccurring(self, entity_ids: Collection[str], kind: EntityKind | None = None) -> list[EntityCount]:
        """Entities linked to papers linked to any of ``entity_ids``, with the number of such papers."""
        g = self.graph
        given = set(entity_ids)
        papers: set[str] = set()
        for eid in given:
            papers |= self._papers_of(_ek(eid))
        counts: dict[str, int] = defaultdict(int)
        for p in papers:
            for target, _ in self._near(p, R.LINK_TYPES):
                counts[target] += 1
        rows = []
        for node, n in counts.items():
            attrs = g.nodes[node]
            if attrs["id"] not in given and (kind is None or attrs["kind"] == kind):
                rows.append((R.entity_from(attrs), n))
        return R.sorted_counts(rows)

    # -- papers and claims -------------------------------------------------------------------
    def _links(self, paper_node: str, entity_ids: Collection[str] | None = None) -> list[tuple[dict, dict]]:
        """``(entity attributes, link attributes)`` of a paper's links (to ``entity_ids`` only, if given)."""
        # the plain node → attributes dict (NodeView lookups are slow; not in networkx's stubs)
        nodes = self.graph._node  # type: ignore[attr-defined]
        near = self._near(paper_node, R.LINK_TYPES)
        if entity_ids is not None:
            near = [(v, d) for v, d in near if v[len("Entity:") :] in entity_ids]
        return [(nodes[v], d) for v, d in near]

    def _filter_papers(self, f: EntityFilter) -> set[str]:
        out = set()
        if not f.ids:  # any entity of f.kind: scan the papers' links
            nodes = self.graph._node  # type: ignore[attr-defined]
            for p in self._papers:
                if any(f.accepts(nodes[v]["id"], nodes[v]["kind"], d.get("role"), d.get("variant"))
                       for v, d in self._near(p, R.LINK_TYPES)):
                    out.add(p)
            return out
        for eid in f.ids:
            for u, data in self._near(_ek(eid), R.LINK_TYPES, "in"):
                if (f.role is None or data.get("role") == f.role) and (
                    f.variant is None or data.get("variant") == f.variant
                ):
                    out.add(u)
        return out

    def _search_text(self, node: str) -> str:
        text = self._search.get(node)
        if text is None:
            text = self._search[node] = R.search_text(R.paper_from(self.graph.nodes[node]))
        return text

    def find_papers(self, query: PaperQuery) -> PaperPage:
        """Papers matching ``query`` with the tags that matched; ``total`` ignores limit/offset."""
        with self._lock:
            g = self.graph
            candidates: set[str] | None = None
            for f in query.using:
                found = self._filter_papers(f)
                candidates = found if candidates is None else candidates & found
            if candidates is None:
                candidates = set(self._papers)
            if query.ids is not None:
                candidates &= {_pk(i) for i in query.ids}
            words = R.query_words(query.text)
            rows = []
            for node in candidates:
                a = g.nodes[node]
                if not R.metadata_matches(query, a):
                    continue
                if words and not all(w in self._search_text(node) for w in words):
                    continue
                rows.append(a)
            scores: dict[str, int] = {}
            if query.order == "relevance" and query.using:
                rank = set(R.rank_ids(query))
                for a in rows:
                    links = [d for _, d in self._links(_pk(a["id"]), rank)]
                    scores[a["id"]] = relevance_score(links)
            R.sort_papers(query, rows, scores)
            page = rows[query.offset : query.offset + query.limit]
            wanted = set(R.filter_ids(query))
            kinds = set(R.filter_kinds(query))
            items = []
            for a in page:
                hits = [(e, d) for e, d in self._links(_pk(a["id"])) if e["id"] in wanted or e["kind"] in kinds]
                x = R.assemble(a, hits, [])
                items.append(PaperHit(paper=x.paper, matches=R.matching_tags(query, x.tags)))
            return PaperPage(total=len(rows), items=tuple(items))

    def explain(self, query: PaperQuery) -> str:
        """The plan :meth:`find_papers` follows for ``query`` (what ``--explain`` prints)."""
        steps = []
        for i, f in enumerate(query.using):
            cond = "".join(f" with {k}={v}" for k, v in (("role", f.role), ("variant", f.variant)) if v)
            how = "start from" if i == 0 else "intersect with"
            steps.append(f"{how} papers linked (USES|PROPOSES|EVALUATES_ON) to any of {list(f.ids)}{cond}")
        if not query.using:
            steps.append(f"scan all {len(self._papers)} papers")
        if query.ids is not None:
            steps.append(f"keep ids in {list(query.ids)}")
        meta = {k: v for k, v in (("year >=", query.year_min), ("year <=", query.year_max),
                                  ("venue contains", query.venue), ("an author contains", query.author),
                                  ("category =", query.category), ("words", query.text)) if v is not None}
        if meta:
            steps.append("filter by " + ", ".join(f"{k} {v!r}" for k, v in meta.items()))
        if query.order == "relevance" and query.using:
            steps.append(f"score relevance from links to {R.rank_ids(query)}")
        steps.append(f"sort by {query.order} {query.direction}, then id; "
                     f"slice [{query.offset}:{query.offset + query.limit}]")
        return "networkx plan:\n" + "\n".join(f"  {i + 1}. {s}" for i, s in enumerate(steps))

    def papers(self, ids: Collection[str]) -> dict[str, Extraction]:
        """Full records (paper, tags with evidence, claims) by id."""
        with self._lock:
            g = self.graph
            out = {}
            for pid in ids:
                node = _pk(pid)
                attrs = g.nodes.get(node)
                if attrs is None or attrs.get("label") != "Paper":
                    continue
                claims = [g.nodes[v] for v, _ in self._near(node, ("MAKES",))]
                out[pid] = R.assemble(attrs, self._links(node), claims)
            return out

    def claims(
        self,
        about: Collection[str] | None = None,
        type: ClaimType | None = None,
        paper_ids: Collection[str] | None = None,
    ) -> list[Claim]:
        """Claims about any of ``about``, of ``type``, of ``paper_ids``; ordered by claim id."""
        with self._lock:
            g = self.graph
            if about is not None:
                nodes = {u for eid in about for u, _ in self._near(_ek(eid), ("ABOUT",), "in")}
            elif paper_ids is not None:
                nodes = {v for pid in paper_ids for v, _ in self._near(_pk(pid), ("MAKES",))}
            else:
                nodes = {n for n, a in g.nodes(data=True) if a.get("label") == "Claim"}
            pids = set(paper_ids) if paper_ids is not None else None
            out = []
            for n in nodes:
                a = g.nodes[n]
                if (type is None or a["type"] == type) and (pids is None or a["paper_id"] in pids):
                    out.append(R.claim_from(a))
            return sorted(out, key=lambda c: c.id)

    def counts_by_year(self, entity_ids: Collection[str] | None = None) -> dict[int, int]:
        """Number of papers per year (only papers linked to ``entity_ids`` when given)."""
        with self._lock:
            g = self.graph
            if entity_ids is None:
                papers = self._papers
            else:
                papers = set()
                for eid in entity_ids:
                    papers |= self._papers_of(_ek(eid))
            counts: dict[int, int] = defaultdict(int)
            for p in papers:
                year = g.nodes[p].get("year")
                if year is not None:
                    counts[year] += 1
            return dict(sorted(counts.items()))

    def stats(self) -> Stats:
        """Node and relationship counts."""
        with self._lock:
            g = self.graph
            labels: dict[str, int] = defaultdict(int)
            for _, a in g.nodes(data=True):
                labels[a.get("label", "")] += 1
            rels: dict[str, int] = defaultdict(int)
            for _, _, k in g.edges(keys=True):
                rels[k] += 1
            return Stats(
                papers=labels["Paper"],
                entities={kind: labels[label] for kind, label in R.KIND_LABELS.items()},
                links={t: rels[t] for t in R.REL_TYPES},
                claims=labels["Claim"],
            )
