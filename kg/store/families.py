"""Family membership rows of the Neo4j store, computed from a write batch (pure functions).

Why a module of its own: the Neo4j store materialises, at write time, which papers and claims belong
to each family (an entity with its transitive SUBTYPE_OF descendants), with the keys of every page
order, so that "papers using X" for a family reads one index in order and stops at its limit (the
embedded store's ``fam`` tables do the same, :mod:`kg.store.sql`). What the rows hold is decided
here once, from the same link properties and the same :func:`kg.models.relevance_score` the other
paths use; :mod:`kg.store.cypher` only moves them (``REPLACE_FAMILIES``, ``REPLACE_FAMILY_ABOUT``,
``ADD_FAMILY_YEARS``, ``ADD_FAMILY_PAIRS``), and its recount (``_FAMILY_COUNT``) must give the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from itertools import combinations, product, repeat
from typing import Any

from kg.models import Extraction, relevance_score
from kg.store.records import Footprint, extraction_rows, link_tags

#: ``ya``/``yd`` of a paper without a year (= :data:`kg.store.cypher.NO_YEAR`): after every year.
NO_YEAR = 1_000_000_000


def fam_props(anc: str, paper_id: str, year: int | None, links: list[dict[str, Any]]) -> dict[str, Any]:
    """The properties of one FAM relationship: family ``anc`` → paper, with the page-order keys.

    Args:
        anc: the id of the entity heading the family.
        paper_id, year: the paper's.
        links: the properties of the paper's links to members of the family
            (:func:`kg.store.records.link_props`), which the relevance is scored from.
    """
    score = relevance_score(links)
    props: dict[str, Any] = {"anc": anc, "pid": paper_id, "score": score, "nscore": -score,
                             "ya": NO_YEAR if year is None else year, "yd": NO_YEAR if year is None else -year}
    if year is not None:
        props["year"] = year
    return props


#: What :func:`kg.models.relevance_score` reads of a link's properties.
SCORED = ("role", "field", "sentence_index", "count")
#: What the families and kind tags of a paper are computed from, of each link's properties.
KEYED = (*SCORED, "variant")


def _grouped(links: list[tuple[str, dict[str, Any]]], ancestors: Mapping[str, Collection[str]],
             kinds: Mapping[str, str]) -> tuple[dict[str, list[dict[str, Any]]], set[str]]:
    by_anc: dict[str, list[dict[str, Any]]] = {}
    tags: set[str] = set()
    for entity_id, props in links:
        for anc in ancestors.get(entity_id, ()):
            by_anc.setdefault(anc, []).append(props)
        if entity_id in ancestors:
            tags.update(link_tags(kinds[entity_id], props.get("role"), props.get("variant")))
    return by_anc, tags


def paper_families(paper_id: str, year: int | None, links: list[tuple[str, dict[str, Any]]],
                   ancestors: Mapping[str, Collection[str]],
                   kinds: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The FAM props of one paper: one per family its ``(entity id, link props)`` belong to
    (``ancestors``: entity id → ids of it and its ancestors, for the entities that exist), by head id;
    and one per kind tag its links carry (:func:`kg.store.records.link_tags`; ``kinds``: entity id →
    kind), score 0 (relevance scores entities, and a kind filter names none)."""
    by_anc, tags = _grouped(links, ancestors, kinds)
    return ([fam_props(a, paper_id, year, by_anc[a]) for a in sorted(by_anc)],
            [fam_props(t, paper_id, year, []) for t in sorted(tags)])


def paper_heads(links: list[tuple[str, dict[str, Any]]], ancestors: Mapping[str, Collection[str]],
                kinds: Mapping[str, str]) -> list[str]:
    """The ``anc`` of each FAM relationship :func:`paper_families` gives a paper, in its order
    (families, then kind tags), without scoring them."""
    by_anc, tags = _grouped(links, ancestors, kinds)
    return [*sorted(by_anc), *sorted(tags)]


def paper_rows(x: Extraction, ancestors: Mapping[str, Collection[str]]) -> dict[str, Any]:
    """The REPLACE_FAMILIES row of one paper (see :func:`paper_families`): ``ancs`` every family
    and tag it belongs to, ``fams`` the FAM props of the families, ``tags`` those of the tags."""
    links, _ = extraction_rows(x)
    kinds = {t.entity.id: t.entity.kind for t in x.tags}
    fams, tags = paper_families(x.paper.id, x.paper.year, [(e, props) for _, e, props in links], ancestors, kinds)
    return {"paper": x.paper.id, "ancs": [f["anc"] for f in fams + tags], "fams": fams, "tags": tags}


def pair_deltas(old: Mapping[str, Collection[str]], new: Mapping[str, Collection[str]],
                skip: Collection[str] = ()) -> dict[tuple[str, str], int]:
    """How FamPair changes when papers with the family and tag ids of ``new`` (paper id → ids)
    replace those of ``old``: non-zero changes of papers per pair ``(a, b)``, ``a < b``; pairs with a
    family of ``skip`` left out (rebuilt whole after the batch)."""
    pairs: Counter = Counter()
    for sign, papers in ((-1, old), (1, new)):
        add = Counter.update if sign > 0 else Counter.subtract
        for ancs in papers.values():
            add(pairs, combinations(sorted(set(ancs) - set(skip)), 2))
    return {k: v for k, v in pairs.items() if v}


def ancestor_map(entities: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Entity id → ids of it and its transitive ancestors, from entity props (``parents``, an edge
    only within one kind, as SUBTYPE_OF is written): what the ANCESTORS read gives, for a bulk load."""
    parents = {i: [q for q in dict.fromkeys(e.get("parents") or ()) if (entities.get(q) or {}).get("kind") == e["kind"]]
               for i, e in entities.items()}
    out = {}
    for i in entities:
        seen, todo = {i}, [i]
        while todo:
            for q in parents[todo.pop()]:
                if q not in seen:
                    seen.add(q)
                    todo.append(q)
        out[i] = sorted(seen)
    return out


def claim_rows(claims: list[dict[str, Any]], ancestors: Mapping[str, Collection[str]]) -> list[dict[str, Any]]:
    """The REPLACE_FAMILY_ABOUT rows of claims (:func:`kg.store.records.claim_props`): the families
    each claim is about (through the entities of ``about`` that exist)."""
    rows = []
    for c in claims:
        ancs = sorted({a for e in c["about"] for a in ancestors.get(e, ())})
        rows.append({"id": c["id"], "ancs": ancs,
                     "fams": [{"anc": a, "cid": c["id"], "type": c["type"]} for a in ancs]})
    return rows


def deltas(
    old: Mapping[str, Footprint], new: Mapping[str, Footprint], families: Mapping[str, Collection[str]],
    skip: Collection[str] = (),
) -> tuple[dict[tuple[str, int | None], int], dict[tuple[str, str], int]]:
    """How FamYear and FamCooc change when the papers of ``new`` replace those of ``old`` (as
    :func:`kg.store.records.aggregate_deltas` does for the per-entity summaries).

    Args:
        families: entity id → the proper families (heads with descendants) it belongs to.
        skip: families left out (they are rebuilt whole after the batch).

    Returns:
        ``(years, pairs)``: non-zero changes of papers per (family, year) and per (family, entity).
    """
    years: Counter = Counter()
    pairs: Counter = Counter()
    for sign, papers in ((-1, old), (1, new)):
        add = Counter.update if sign > 0 else Counter.subtract
        for year, entities in papers.values():
            ancs = {a for e in entities for a in families.get(e, ())} - set(skip)
            add(years, zip(ancs, repeat(year)))
            add(pairs, product(ancs, entities))
    return {k: v for k, v in years.items() if v}, {k: v for k, v in pairs.items() if v}


def changed(before: Mapping[str, Collection[str]], after: Mapping[str, Collection[str]]) -> list[str]:
    """The families whose members differ between two CLOSURE reads (head id → descendant ids)."""
    return sorted(a for a in set(before) | set(after) if set(before.get(a, ())) != set(after.get(a, ())))
