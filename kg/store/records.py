"""Model ↔ graph-property conversions and the query semantics shared by both stores.

Why a module of its own: the networkx and Neo4j stores must give *identical* answers, so everything
that decides an answer without touching storage lives here once — how a model becomes node/edge
properties (docs/schema.md), how those properties become models again, which tags satisfy a
:class:`~kg.models.PaperQuery`, how entity lists are ranked, and how a delta is cut into batches.
The stores only move property dicts in and out of their storage.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import permutations, repeat
from typing import Any, TypeVar

import orjson

from kg.errors import StoreError
from kg.models import (
    RELEVANCE_EARLY,
    RELEVANCE_PROPOSED,
    RELEVANCE_TITLE,
    Claim,
    Entity,
    EntityCount,
    Evidence,
    Extraction,
    GraphDelta,
    Paper,
    PaperQuery,
    Tag,
    fold,
    make_entity,
)

#: Paper → entity relationship types ("papers using X" means any of them).
LINK_TYPES: tuple[str, ...] = ("USES", "PROPOSES", "EVALUATES_ON")
#: Every relationship type, in the order :class:`~kg.models.Stats` reports them.
REL_TYPES: tuple[str, ...] = LINK_TYPES + ("MAKES", "ABOUT", "SUBTYPE_OF")
K = TypeVar("K", int, str)  # a family key: a SQLite rid or a Neo4j entity id
#: Node label of each entity kind.
KIND_LABELS: dict[str, str] = {"method": "Method", "divergence": "Divergence", "dataset": "Dataset"}
_BUCKETS: dict[str, str] = {"method": "methods", "divergence": "divergences", "dataset": "datasets"}

#: Kind tags: "a link to any entity of a kind (with a role, with a variant)", the id-less entity
#: filters ("papers proposing any method") as keys both stores keep a paper's membership of at write
#: time, beside the families (tags are pseudo-families: ``fam`` rows / ``FAM`` relationships with
#: score 0, and pair counts), so such a filter is an index read like a family. ``(kind, role,
#: variant)``, ``None`` meaning "any"; every combination, in a fixed order (the embedded store's tag
#: rids are ``-1 - position``).
KIND_TAGS: tuple[tuple[str, str | None, str | None], ...] = tuple(
    (kind, role, variant) for kind in KIND_LABELS for role in (None, "proposed", "used")
    for variant in (None, "forward", "reverse"))


def tag_id(kind: str, role: str | None, variant: str | None) -> str:
    """The id of a kind tag (``tag:method:proposed:`` — "a link to any method, proposed")."""
    return f"tag:{kind}:{role or ''}:{variant or ''}"


def link_tags(kind: str, role: str | None, variant: str | None) -> list[str]:
    """The ids of the kind tags a link (to an entity of ``kind``, with ``role``/``variant``) carries."""
    return sorted({tag_id(kind, r, v) for r in {None, role} for v in {None, variant}})


def link_type(tag: Tag) -> str:
    """The relationship type of a paper → entity link: PROPOSES for a proposed method,
    EVALUATES_ON for a dataset, USES otherwise."""
    if tag.entity.kind == "dataset":
        return "EVALUATES_ON"
    if tag.entity.kind == "method" and tag.role == "proposed":
        return "PROPOSES"
    return "USES"


# -- entities -------------------------------------------------------------------------------------


def entity_keys(entity: Entity) -> list[str]:
    """Sorted distinct folded keys of an entity's name and aliases (empty keys dropped)."""
    return sorted({k for k in (fold(entity.name), *(fold(a) for a in entity.aliases)) if k})


#: Separates the keys in :func:`key_text` (a control character: folded names never hold one).
KEY_SEP = "\u001e"


def key_text(keys: Iterable[str]) -> str:
    """An entity's keys as one string, each between separators (``"\u001ekl\u001erelative
    entropy\u001e"``): Neo4j's TEXT index answers ``CONTAINS`` on it, which a list property cannot
    (an exact key is ``CONTAINS sep + key + sep``, a substring ``CONTAINS key``)."""
    return KEY_SEP + "".join(k + KEY_SEP for k in keys)


def entity_props(entity: Entity) -> dict[str, Any]:
    """Node properties of an entity (``None`` values left out, as Neo4j drops them)."""
    props: dict[str, Any] = {
        "id": entity.id,
        "kind": entity.kind,
        "name": entity.name,
        "aliases": list(entity.aliases),
        "description": entity.description,
        "key": entity.key,
        "keys": entity_keys(entity),
    }
    if entity.family or entity.parents or entity.kind == "divergence":
        props["family"] = entity.family
        props["parents"] = list(entity.parents)
    return {k: v for k, v in props.items() if v is not None}


def entity_node_props(entity: Entity) -> dict[str, Any]:
    """The Neo4j node properties of an entity: :func:`entity_props` and its ``keytext``
    (:func:`key_text`, for the TEXT index that name lookups and searches use)."""
    props = entity_props(entity)
    return {**props, "keytext": key_text(props["keys"])}


def entity_from(props: dict[str, Any]) -> Entity:
    """The entity model of a node's properties (inverse of :func:`entity_props`)."""
    fields: dict[str, Any] = {
        "id": props["id"],
        "name": props["name"],
        "aliases": tuple(props.get("aliases") or ()),
        "description": props.get("description"),
    }
    fields["family"] = props.get("family")
    fields["parents"] = tuple(props.get("parents") or ())
    return make_entity(props["kind"], **fields)


def search_rank(entity: Entity, key: str) -> tuple[int, str, str, str] | None:
    """Rank of ``entity`` for a substring search of the folded ``key`` (lower is better), or None
    when no key of the entity contains it: the shortest containing key wins, then the name
    (case-insensitive), then the id."""
    lengths = [len(k) for k in entity_keys(entity) if key in k]
    return (min(lengths), entity.name.casefold(), entity.name, entity.id) if lengths else None


def ranked(entities: Iterable[Entity], key: str, limit: int) -> list[Entity]:
    """The ``limit`` best entities for a substring search (see :func:`search_rank`)."""
    scored = [(r, e) for e in entities if (r := search_rank(e, key)) is not None]
    scored.sort(key=lambda pair: pair[0])
    return [e for _, e in scored[: max(limit, 0)]]


def family_cover(wanted: frozenset[str], families: Mapping[str, tuple[K, frozenset[str]]]) -> tuple[K, ...] | None:
    """The keys of the families (an entity and its descendants: ``{entity id: (key, member ids)}``,
    those of ``wanted``'s ids at least) whose union is exactly ``wanted`` and that share no member,
    sorted; one key for a whole family, several for a name that resolves to several entities
    ("optimal transport": a divergence family and a method). None when there is no such cover (an
    exact lookup of an entity with subtypes; a member reached through two parents in two families).
    Both stores answer such a union from its families' materialised rows.

    >>> family_cover(frozenset({"a", "a1", "m"}), {"a": (1, frozenset({"a", "a1"})),
    ...     "a1": (2, frozenset({"a1"})), "m": (3, frozenset({"m"}))})
    (1, 3)
    """
    parts = {hit for i in wanted if (hit := families.get(i)) is not None and hit[1] <= wanted}
    top = [p for p in parts if not any(p[1] < q[1] for q in parts)]
    if not top or sum(len(members) for _, members in top) != len(wanted):
        return None  # not all of them, or two families share a member
    if frozenset().union(*(members for _, members in top)) != wanted:
        return None
    return tuple(sorted(key for key, _ in top))


#: The relevance floors a union of disjoint families is paged above, highest first: a paper is at or
#: above one (proposed; title; title or early) in the union exactly when it is in one of the
#: families, because the bonuses do not add up across families and mentions stay below
#: RELEVANCE_EARLY (a record is at most 100,000 characters). Below RELEVANCE_EARLY (mentions alone)
#: sums do cross a floor: there the whole union is scored.
UNION_FLOORS = (RELEVANCE_PROPOSED, RELEVANCE_TITLE, RELEVANCE_EARLY)


def sorted_counts(rows: Iterable[tuple[Entity, int]]) -> list[EntityCount]:
    """Entity counts ordered by most papers first, then name (case-insensitive), then id."""
    items = sorted(rows, key=lambda r: (-r[1], r[0].name.casefold(), r[0].name, r[0].id))
    return [EntityCount(entity=e, papers=n) for e, n in items]


def top_counts(counts: Sequence[EntityCount], top: int) -> list[EntityCount]:
    """The first ``top`` of sorted entity counts and every later one tied with the last of them (what
    ``GraphStore.entity_counts(kind, top=top)`` answers)."""
    if top <= 0:
        return []
    if top >= len(counts):
        return list(counts)
    cut = counts[top - 1].papers
    return [c for c in counts if c.papers >= cut]


# -- papers ---------------------------------------------------------------------------------------


def search_text(paper: Paper) -> str:
    """The folded words of title and abstract, space-padded, for the word filter."""
    return f" {fold(paper.title + ' ' + paper.abstract)} "


def query_words(text: str | None) -> list[str]:
    """The words of a text filter, folded and space-padded (all must occur in :func:`search_text`)."""
    return [f" {w} " for w in dict.fromkeys(fold(text or "").split())]


def paper_props(paper: Paper, extractor_version: str, *, search: bool = True) -> dict[str, Any]:
    """Node properties of a paper (``None`` values left out). ``search`` (the folded words for the
    word filter) can be left out by a store that computes it when needed."""
    props: dict[str, Any] = {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "year": paper.year,
        "venue": paper.venue,
        "url": paper.url,
        "authors": list(paper.authors),
        "doi": paper.doi,
        "arxiv_id": paper.arxiv_id,
        "categories": list(paper.categories) or None,
        "source": paper.source,
        "content_hash": paper.content_hash,
        "extractor_version": extractor_version,
        "search": search_text(paper) if search else None,
    }
    return {k: v for k, v in props.items() if v is not None}


def paper_from(props: dict[str, Any]) -> Paper:
    """The paper model of a node's properties."""
    return Paper(
        id=props["id"],
        title=props["title"],
        abstract=props["abstract"],
        year=props.get("year"),
        venue=props.get("venue"),
        url=props.get("url"),
        authors=tuple(props.get("authors") or ()),
        doi=props.get("doi"),
        arxiv_id=props.get("arxiv_id"),
        categories=tuple(props.get("categories") or ()),
        source=props.get("source"),
    )


def link_props(tag: Tag, pos: int) -> dict[str, Any]:
    """Relationship properties of a paper → entity link: the evidence as JSON plus scalar copies."""
    ev = tag.evidence
    first = ev[0] if ev else None
    props: dict[str, Any] = {
        "role": tag.role,
        "variant": tag.variant,
        "mentions": list(tag.mentions),
        "evidence": orjson.dumps([e.model_dump() for e in ev], option=orjson.OPT_SORT_KEYS).decode("utf-8"),
        "rules": sorted({e.rule for e in ev}),
        "count": len(ev),
        "pos": pos,
    }
    if first is not None:
        props.update(
            sentence=first.sentence,
            field=first.field,
            sentence_index=first.sentence_index,
            start=first.start,
            end=first.end,
            surface=first.surface,
            extractor_version=first.extractor_version,
        )
    return {k: v for k, v in props.items() if v is not None}


def tag_from(entity: Entity, props: dict[str, Any]) -> Tag:
    """The tag of a link's properties and its target entity."""
    return Tag(
        entity=entity,
        role=props.get("role"),
        variant=props.get("variant"),
        mentions=tuple(props.get("mentions") or ()),
        evidence=tuple(Evidence(**e) for e in orjson.loads(props.get("evidence") or "[]")),
    )


def claim_props(claim: Claim, pos: int) -> dict[str, Any]:
    """Node properties of a claim."""
    props = claim.model_dump()
    props["about"] = list(claim.about)
    props["pos"] = pos
    return props


def claim_from(props: dict[str, Any]) -> Claim:
    """The claim model of a node's properties."""
    fields = {k: v for k, v in props.items() if k in Claim.model_fields}
    fields["about"] = tuple(fields.get("about") or ())
    return Claim(**fields)


def extraction_rows(x: Extraction) -> tuple[list[tuple[str, str, dict]], list[dict]]:
    """``([(link type, entity id, link props)], [claim props])`` of one extraction; one link per
    entity (the first tag wins) and one claim per id, as the graph holds them."""
    links: list[tuple[str, str, dict]] = []
    seen: set[str] = set()
    for bucket in (x.methods, x.divergences, x.datasets):
        for pos, tag in enumerate(bucket):
            if tag.entity.id not in seen:
                seen.add(tag.entity.id)
                links.append((link_type(tag), tag.entity.id, link_props(tag, pos)))
    claims: list[dict] = []
    seen_claims: set[str] = set()
    for pos, c in enumerate(x.claims):
        if c.id not in seen_claims:
            seen_claims.add(c.id)
            claims.append(claim_props(c, pos))
    return links, claims


def assemble(
    paper: dict[str, Any], links: Iterable[tuple[dict | Entity, dict]], claims: Iterable[dict]
) -> Extraction:
    """An :class:`Extraction` from stored properties: the paper node, ``(entity node or entity,
    link)`` pairs and claim nodes. Tags and claims come back in the order they were written."""
    buckets: dict[str, list[tuple[int, str, Tag]]] = {"methods": [], "divergences": [], "datasets": []}
    for ent, link in links:
        entity = ent if isinstance(ent, Entity) else entity_from(ent)
        buckets[_BUCKETS[entity.kind]].append((link.get("pos", 0), entity.id, tag_from(entity, link)))
    ordered = {k: tuple(t for *_, t in sorted(v, key=lambda r: (r[0], r[1]))) for k, v in buckets.items()}
    claim_list = sorted(claims, key=lambda c: (c.get("pos", 0), c["id"]))
    return Extraction(
        paper=paper_from(paper),
        claims=tuple(claim_from(c) for c in claim_list),
        extractor_version=paper.get("extractor_version", ""),
        **ordered,
    )


def matching_tags(query: PaperQuery, tags: Iterable[Tag]) -> tuple[Tag, ...]:
    """The tags of a paper that satisfy any of the query's ``using`` filters, by entity id."""
    out = {}
    for tag in tags:
        if any(f.accepts(tag.entity.id, tag.entity.kind, tag.role, tag.variant) for f in query.using):
            out[tag.entity.id] = tag
    return tuple(out[k] for k in sorted(out))


def filter_ids(query: PaperQuery) -> list[str]:
    """Every entity id named by the query's ``using`` filters, sorted."""
    return sorted({i for f in query.using for i in f.ids})


def filter_kinds(query: PaperQuery) -> list[str]:
    """The kinds of the query's id-less ``using`` filters ("any method"), sorted."""
    return sorted({f.kind for f in query.using if not f.ids and f.kind})


def paper_sort_key(order: str, props: dict[str, Any]) -> tuple:
    """Sort key of a paper for ``PaperQuery.order`` (missing years last, then by id), as in Cypher."""
    if order == "year":
        year = props.get("year")
        return (year is None, year or 0, props["id"])
    if order == "title":
        return (props.get("title", ""), props["id"])
    return (props["id"],)


# -- maintained aggregates ------------------------------------------------------------------------

#: A paper as the aggregates see it: its year (None: unknown) and the entity ids it links to.
Footprint = tuple[int | None, frozenset[str]]


def footprint(x: Extraction) -> Footprint:
    """What the aggregates count of one extraction: year and linked entity ids."""
    links, _ = extraction_rows(x)
    return x.paper.year, frozenset(e for _, e, _ in links)


def aggregate_deltas(
    old: dict[str, Footprint], new: dict[str, Footprint]
) -> tuple[dict[int | None, int], dict[tuple[str, int | None], int], dict[tuple[str, str], int]]:
    """How papers per year, per (entity, year) and per co-occurring pair change when the papers of
    ``new`` replace those of ``old`` (by paper id; ``old`` holds only papers the store had).

    Returns:
        ``(years, entity_years, pairs)``: non-zero count changes; ``None`` is the unknown year;
        pairs are ordered ``(a, b)`` with ``a != b``, both orders present.
    """
    years: Counter = Counter()
    entity_years: Counter = Counter()
    pairs: Counter = Counter()
    for sign, papers in ((-1, old), (1, new)):
        add = Counter.update if sign > 0 else Counter.subtract
        for year, entities in papers.values():
            years[year] += sign
            add(entity_years, zip(entities, repeat(year)))
            add(pairs, permutations(entities, 2))  # (the ids are distinct: every pair of two different ones)
    return (
        {k: v for k, v in years.items() if v},
        {k: v for k, v in entity_years.items() if v},
        {k: v for k, v in pairs.items() if v},
    )


def metadata_matches(query: PaperQuery, props: dict[str, Any]) -> bool:
    """Do a paper's properties satisfy the query's year, venue, author and category filters?
    (The Cypher twin is ``_PAPER_FILTERS`` in :mod:`kg.store.cypher`.)"""
    year = props.get("year")
    if query.year_min is not None and (year is None or year < query.year_min):
        return False
    if query.year_max is not None and (year is None or year > query.year_max):
        return False
    if query.venue is not None and query.venue.lower() not in (props.get("venue") or "").lower():
        return False
    if query.author is not None and not any(
        query.author.lower() in a.lower() for a in props.get("authors") or ()
    ):
        return False
    if query.category is not None and not any(
        query.category.lower() == c.lower() for c in props.get("categories") or ()
    ):
        return False
    return True


def sort_papers(query: PaperQuery, rows: list[dict[str, Any]], scores: dict[str, int]) -> None:
    """Sort paper property dicts in place as ``ORDER BY`` in :func:`kg.store.cypher.find_papers`
    does: ``query.order`` in ``query.direction``, ties by id ascending, missing years last.
    ``scores`` are relevance scores by paper id (only read for ``order="relevance"``)."""
    desc = query.direction == "desc"
    rows.sort(key=lambda a: a["id"])
    if query.order == "id":
        rows.sort(key=lambda a: a["id"], reverse=desc)
    elif query.order == "title":
        rows.sort(key=lambda a: a.get("title", ""), reverse=desc)
    elif query.order == "year":
        rows.sort(key=lambda a: a.get("year") or 0, reverse=desc)
        rows.sort(key=lambda a: a.get("year") is None)
    elif query.order == "relevance":
        rows.sort(key=lambda a: scores.get(a["id"], 0), reverse=desc)


def rank_ids(query: PaperQuery) -> list[str]:
    """The entity ids whose links score relevance: the first ``using`` filter's (none without)."""
    return sorted(query.using[0].ids) if query.using else []


# -- batching -------------------------------------------------------------------------------------


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    """``items`` in consecutive slices of at most ``size``."""
    size = max(int(size), 1)
    for i in range(0, len(items), size):
        yield items[i : i + size]


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(x: Extraction) -> None:
    """Raise StoreError when a paper's id, title or abstract holds an unpaired surrogate: such text is
    not valid Unicode and neither the Bolt protocol nor UTF-8 files can hold it."""
    p = x.paper
    if _SURROGATE.search(p.id) or _SURROGATE.search(p.title) or _SURROGATE.search(p.abstract):
        raise StoreError(
            f"paper {p.id.encode('utf-8', 'backslashreplace').decode()!r}"
            " has text that is not valid Unicode (an unpaired surrogate); fix the input record"
        )


def batches(delta: GraphDelta, size: int) -> Iterator[GraphDelta]:
    """Cut a delta into deltas of at most ``size`` papers (the last write of a paper id wins);
    the explicit entities go with the first batch. Each batch is one store transaction.

    Raises:
        StoreError: a paper's text is not valid Unicode (checked before anything is written).
    """
    latest: dict[str, Extraction] = {}
    for x in delta.extractions:
        check_text(x)
        latest.pop(x.paper.id, None)
        latest[x.paper.id] = x
    papers = list(latest.values())
    if not papers:
        if delta.entities:
            yield GraphDelta(entities=delta.entities)
        return
    for i, part in enumerate(chunks(papers, size)):
        yield GraphDelta(extractions=tuple(part), entities=delta.entities if i == 0 else ())
