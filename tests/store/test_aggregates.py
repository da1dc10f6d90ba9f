"""The aggregates both stores maintain at write time (papers per entity, per year — with the unknown
year kept apart —, per entity and year, co-occurrence pairs) equal a full recount from the papers
themselves after inserts, rewrites of changed papers (new year, links dropped and added), idempotent
re-writes, new papers without a year, and clears."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from kg.models import Extraction, GraphDelta
from tests import world as gd


def _recount(store, paper_ids: list[str]) -> dict:
    """Every aggregate, counted from the full records the store returns."""
    xs = list(store.papers(paper_ids).values())
    linked = {x.paper.id: {t.entity.id for t in x.tags} for x in xs}
    year = {x.paper.id: x.paper.year for x in xs}
    entities = Counter(e for ids in linked.values() for e in ids)
    return {"xs": xs, "linked": linked, "year": year, "entities": entities}


def _years(truth: dict, entity_ids: set[str] | None) -> dict[int, int]:
    counts = Counter(
        y for pid, y in truth["year"].items()
        if y is not None and (entity_ids is None or truth["linked"][pid] & entity_ids)
    )
    return dict(sorted(counts.items()))


def _cooc(truth: dict, entity_ids: set[str]) -> dict[str, int]:
    counts: Counter = Counter()
    for ids in truth["linked"].values():
        if ids & entity_ids:
            counts.update(ids - entity_ids)
    return dict(counts)


def assert_aggregates_match(store, paper_ids: list[str]) -> None:
    truth = _recount(store, paper_ids)
    assert store.stats().papers == len(truth["xs"])
    counted = {c.entity.id: c.papers for c in store.entity_counts()}
    assert {e: n for e, n in counted.items() if n} == dict(truth["entities"])
    assert store.counts_by_year() == _years(truth, None)
    ids = sorted(truth["entities"])
    # one entity, every pair (disjoint or sharing papers) and a whole family
    groups = [[e] for e in ids] + [list(p) for p in combinations(ids, 2)]
    groups.append([gd.F_DIV.id] + [e.id for e in store.descendants(gd.F_DIV.id)])
    for group in groups:
        assert store.counts_by_year(group) == _years(truth, set(group)), group
        got = {c.entity.id: c.papers for c in store.cooccurring(group)}
        assert got == _cooc(truth, set(group)), group


def _moved(x: Extraction, **paper) -> Extraction:
    return x.model_copy(update={"paper": x.paper.model_copy(update=paper)})


def test_aggregates_equal_a_full_recount_through_rewrites_and_clears(empty_store):
    store = empty_store
    xs = gd.extractions()
    ids = [x.paper.id for x in xs] + ["p6"]
    store.write(gd.delta())
    assert_aggregates_match(store, ids)

    p1, p2, p3, p4, _ = xs
    p1_changed = _moved(p1, year=2019).model_copy(update={"methods": p1.methods[:1]})  # drops GAN
    p4_changed = _moved(p4, year=2020).model_copy(update={"divergences": p4.divergences + p1.divergences})
    p2_unknown = _moved(p2, year=None)
    p6 = gd.extraction(gd.paper("p6", "A new paper", "We use a GAN and the Wasserstein distance", None),
                       methods=[gd.tag(gd.paper("p6", "A new paper", "We use a GAN and the Wasserstein distance",
                                                None), gd.GAN, "GAN", role="used")],
                       divergences=[gd.tag(gd.paper("p6", "A new paper",
                                                    "We use a GAN and the Wasserstein distance", None),
                                           gd.W, "Wasserstein distance")])
    store.write(GraphDelta(extractions=(p1_changed, p4_changed, p2_unknown, p6, p3)))
    assert_aggregates_match(store, ids)
    assert store.counts_by_year([gd.KL.id]) == {2019: 1, 2020: 1, 2022: 1}

    store.write(GraphDelta(extractions=(p1_changed, p3)))  # the same again: nothing moves
    assert_aggregates_match(store, ids)

    store.write(GraphDelta(extractions=(p1, p2, p4)))  # and back
    assert_aggregates_match(store, ids)

    store.clear()
    assert store.entity_counts() == [] and store.counts_by_year() == {}
    assert store.cooccurring([gd.GAN.id]) == []
    store.write(gd.delta())
    assert_aggregates_match(store, ids)
