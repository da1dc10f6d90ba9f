"""The store contract: every GraphStore method, on the networkx store AND a real Neo4j, with the
same expected answers (so the two stores answer identically). A fresh store per test.

Neo4j cases use the ``neo4j_uri`` fixture: they skip without a server, and FAIL when
KG_REQUIRE_NEO4J=1 (scripts/test, CI).
"""

from __future__ import annotations

import threading

import pytest

from kg.errors import StoreError
from kg.models import Dataset, Divergence, EntityFilter, GraphDelta, PaperQuery
from kg.store.base import GraphStore
from tests import world as gd

KL, W, W1, CHI2, F = (
    "divergence:kullback-leibler", "divergence:wasserstein", "divergence:wasserstein-1",
    "divergence:chi-squared", "divergence:f-divergence",
)
CIFAR, MNIST, GAN = "dataset:cifar-10", "dataset:mnist", "method:gan"

FIXTURE_STATS = {
    "papers": 5,
    "entities": {"method": 4, "divergence": 8, "dataset": 2},
    "links": {"USES": 8, "PROPOSES": 2, "EVALUATES_ON": 4, "MAKES": 6, "ABOUT": 11, "SUBTYPE_OF": 6},
    "claims": 6,
}


def test_contract_store_satisfies_protocol(empty_store):
    assert isinstance(empty_store, GraphStore)
    assert empty_store.name in ("sqlite", "neo4j")


def test_contract_bulk_load_is_part_of_the_protocol(store):
    """Callers ask the store itself whether it bulk loads (no isinstance): both stores have a bulk
    path for an empty store and refuse it here, before any work, because the store already holds the
    fixture (or, for Neo4j, neo4j-admin is not found): a StoreError either way."""
    refused = "EMPTY store" if store.name == "sqlite" else "empty database|neo4j-admin not found"
    with pytest.raises(StoreError, match=refused):
        store.check_bulk_load()
    with pytest.raises(StoreError, match=refused):
        store.bulk_loader()
    assert store.stats().model_dump() == FIXTURE_STATS  # refused before touching anything


def test_contract_write_counts(store):
    assert store.stats().model_dump() == FIXTURE_STATS


def test_contract_write_is_idempotent(store):
    before = store.papers(["p1", "p2", "p3", "p4", "p5"])
    store.write(gd.delta())
    store.write(gd.delta())
    assert store.stats().model_dump() == FIXTURE_STATS
    assert store.papers(["p1", "p2", "p3", "p4", "p5"]) == before


def test_contract_papers_round_trip(store):
    expected = {x.paper.id: x for x in gd.extractions()}
    got = store.papers(["p1", "p2", "p3", "p4", "p5", "missing"])
    assert list(got) == ["p1", "p2", "p3", "p4", "p5"]
    assert got == expected


def test_contract_changed_abstract_replaces_edges(store):
    new = gd.paper("p1", "AlphaNet revisited", "We now use the Wasserstein distance only. It is fine", 2021)
    x = gd.extraction(
        new,
        divergences=[gd.tag(new, gd.W, "Wasserstein distance")],
        claims=[gd.claim(new, 0, "proposal", [gd.W])],
    )
    store.write(GraphDelta(extractions=(x,)))
    assert store.papers(["p1"])["p1"] == x
    stats = store.stats()
    # p1 lost 2 methods, KL, CIFAR-10 and 2 claims (4 ABOUT); gained W and 1 claim (1 ABOUT)
    assert stats.links == {"USES": 7, "PROPOSES": 1, "EVALUATES_ON": 3, "MAKES": 5, "ABOUT": 8,
                           "SUBTYPE_OF": 6}
    assert stats.claims == 5
    assert store.paper_versions(["p1"]) == {"p1": (new.content_hash, gd.VERSION)}
    using_kl = store.find_papers(PaperQuery(using=(EntityFilter(ids=(KL,)),)))
    assert [h.paper.id for h in using_kl.items] == ["p3"]
    assert [c.id for c in store.claims(paper_ids=["p1"])] == ["p1#0"]


def test_contract_duplicate_paper_in_one_delta_last_wins(empty_store):
    first, second = gd.extractions()[0], gd.extractions()[4]
    renamed = second.model_copy(update={"paper": second.paper.model_copy(update={"id": "p1"})})
    empty_store.write(GraphDelta(extractions=(first, renamed), entities=gd.TAXONOMY))
    assert empty_store.papers(["p1"])["p1"] == renamed
    assert empty_store.stats().links["USES"] == 0


def test_contract_batches_of_one_paper(empty_store):
    empty_store.batch_size = 1
    empty_store.write(gd.delta())
    assert empty_store.stats().model_dump() == FIXTURE_STATS


def test_contract_paper_versions(store):
    versions = store.paper_versions(["p2", "p4", "nope"])
    assert versions == {
        "p2": (gd.P2.content_hash, gd.VERSION),
        "p4": (gd.P4.content_hash, gd.VERSION),
    }


def test_contract_clear(store):
    store.clear()
    stats = store.stats()
    assert stats.papers == 0 and stats.claims == 0
    assert sum(stats.entities.values()) == 0 and sum(stats.links.values()) == 0
    assert store.lookup("KL") == []


@pytest.mark.parametrize(
    ("text", "kind", "ids"),
    [
        ("KL", None, [KL]),
        ("kl", "divergence", [KL]),
        ("Kullback–Leibler divergences", None, [KL]),
        ("RELATIVE ENTROPY", None, [KL]),
        ("Kullback-Leibler", None, [KL]),
        ("cifar10", None, [CIFAR]),
        ("CIFAR 10", "dataset", [CIFAR]),
        ("earth movers distance", None, [W]),
        ("KL", "method", []),
        ("Kullback", None, []),
        ("", None, []),
    ],
)
def test_contract_lookup(store, text, kind, ids):
    assert [e.id for e in store.lookup(text, kind)] == ids


@pytest.mark.parametrize(
    ("text", "kind", "limit", "ids"),
    [
        ("wasser", None, 10, [W, W1]),
        ("GAN", None, 10, [GAN, "method:mmd-gan"]),
        ("gan", "divergence", 10, []),
        ("divergence", "divergence", 2, [CHI2, F]),
        ("zzz", None, 10, []),
    ],
)
def test_contract_search_entities(store, text, kind, limit, ids):
    assert [e.id for e in store.search_entities(text, kind, limit)] == ids


def test_contract_entities(store):
    got = store.entities([W1, CIFAR, "nope"])
    assert got == {W1: gd.W1, CIFAR: gd.CIFAR10}
    assert isinstance(got[W1], Divergence) and isinstance(got[CIFAR], Dataset)


@pytest.mark.parametrize(
    ("method", "entity", "ids"),
    [
        ("descendants", F, [CHI2, KL]),
        ("descendants", "divergence:optimal-transport", [W, W1]),
        ("descendants", "divergence:integral-probability-metric", ["divergence:mmd", W1]),
        ("descendants", KL, []),
        ("descendants", "nope", []),
        ("parents", W1, ["divergence:integral-probability-metric", W]),
        ("parents", F, []),
        ("children", "divergence:optimal-transport", [W]),
        ("children", W, [W1]),
    ],
)
def test_contract_taxonomy(store, method, entity, ids):
    assert [e.id for e in getattr(store, method)(entity)] == ids


def test_contract_family_ids(store):
    """One read for several entities: each existing one with itself and its transitive subtypes
    (the same ids as ``descendants``), missing ids left out."""
    asked = [F, "divergence:optimal-transport", "divergence:integral-probability-metric", KL, GAN, "nope"]
    got = store.family_ids(asked)
    assert set(got) == set(asked) - {"nope"}
    for i in got:
        assert got[i] == tuple(sorted({i, *(e.id for e in store.descendants(i))}))
    assert got["divergence:optimal-transport"] == ("divergence:optimal-transport", W, W1)
    assert got[KL] == (KL,)
    assert store.family_ids([]) == {}


@pytest.mark.parametrize("ids", [(F, CHI2, KL), (KL,), (GAN,)])
def test_contract_explain_after_find_papers(store, ids):
    """``explain`` right after ``find_papers`` (the API asks for both) reuses what was just planned:
    the same text as planning it afresh in another thread, and a page that agrees with it."""
    query = PaperQuery(using=(EntityFilter(ids=ids),), limit=3)
    fresh: list[str] = []
    worker = threading.Thread(target=lambda: fresh.append(store.explain(query)))
    worker.start()
    worker.join()
    page = store.find_papers(query)
    assert store.explain(query) == fresh[0]
    assert page.total >= 1
    other = PaperQuery(using=(EntityFilter(ids=ids),), limit=2)  # not the query just run: planned again
    assert store.explain(other) != fresh[0]


@pytest.mark.parametrize("head", [F, "divergence:optimal-transport", "divergence:integral-probability-metric", KL, GAN])
@pytest.mark.parametrize(("order", "direction"),
                         [("relevance", "desc"), ("year", "desc"), ("id", "asc"), ("title", "asc")])
def test_contract_family_head_gives_the_same_answers(store, head, order, direction):
    """A filter that names the family its ids are (``head``, set by kg.query) answers exactly as the
    same ids without it (then the store works the families out itself), alone and with a second
    filter, every page."""
    family = store.family_ids([head])[head]
    second = EntityFilter(ids=(CIFAR, MNIST))
    for extra in ((), (second,)):
        for offset in range(0, 6, 2):
            def page(f: EntityFilter, extra=extra, offset=offset):
                q = PaperQuery(using=(f, *extra), order=order, direction=direction, limit=2, offset=offset)
                return store.find_papers(q)

            assert page(EntityFilter(ids=family, head=head)) == page(EntityFilter(ids=family))


def test_contract_family_head_must_be_one_of_the_ids():
    with pytest.raises(ValueError, match="head"):
        EntityFilter(ids=(KL,), head=F)


def test_contract_taxonomy_child_written_before_parent(empty_store):
    empty_store.write(GraphDelta(entities=(gd.KL,)))
    assert empty_store.parents(KL) == []
    empty_store.write(GraphDelta(entities=(gd.F_DIV,)))
    assert [e.id for e in empty_store.children(F)] == [KL]
    assert empty_store.stats().links["SUBTYPE_OF"] == 1


def test_contract_taxonomy_parents_replaced(store):
    moved = gd.W1.model_copy(update={"parents": ("divergence:wasserstein",)})
    store.write(GraphDelta(entities=(moved,)))
    assert [e.id for e in store.parents(W1)] == [W]
    assert [e.id for e in store.descendants("divergence:integral-probability-metric")] == ["divergence:mmd"]
    assert store.entities([W1])[W1] == moved


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("dataset", [(CIFAR, 2), (MNIST, 2)]),
        ("method", [(GAN, 2), ("method:alphanet", 1), ("method:mmd-gan", 1), ("method:vae", 1)]),
        ("divergence", [(KL, 2), (CHI2, 1), ("divergence:mmd", 1), (W, 1), (F, 0),
                        ("divergence:integral-probability-metric", 0),
                        ("divergence:optimal-transport", 0), (W1, 0)]),
    ],
)
def test_contract_entity_counts(store, kind, expected):
    assert [(c.entity.id, c.papers) for c in store.entity_counts(kind)] == expected


def test_contract_entity_counts_top_keeps_ties_at_the_cut(store):
    top = store.entity_counts("divergence", top=2)  # KL has 2 papers; three divergences tie at 1
    assert [(c.entity.id, c.papers) for c in top] == [(KL, 2), (CHI2, 1), ("divergence:mmd", 1), (W, 1)]


@pytest.mark.parametrize("kind", [None, "method", "divergence", "dataset"])
def test_contract_entity_counts_top_is_the_head_of_the_full_list(store, kind):
    full = store.entity_counts(kind)
    assert store.count_entities(kind) == len(full)
    for top in range(len(full) + 2):
        head = full if top >= len(full) else [c for c in full if top and c.papers >= full[top - 1].papers]
        assert store.entity_counts(kind, top=top) == head, top


def test_contract_entity_counts_all_kinds(store):
    counts = store.entity_counts()
    assert len(counts) == 14
    assert [(c.entity.id, c.papers) for c in counts[:4]] == [(CIFAR, 2), (GAN, 2), (KL, 2), (MNIST, 2)]


@pytest.mark.parametrize(
    ("ids", "kind", "expected"),
    [
        ([GAN], None, [(CIFAR, 2), (KL, 2), ("method:alphanet", 1), (MNIST, 1), (W, 1)]),
        ([GAN], "dataset", [(CIFAR, 2), (MNIST, 1)]),
        ([KL, CHI2], "method", [(GAN, 2), ("method:alphanet", 1), ("method:vae", 1)]),
        (["nope"], None, []),
    ],
)
def test_contract_cooccurring(store, ids, kind, expected):
    assert [(c.entity.id, c.papers) for c in store.cooccurring(ids, kind)] == expected


@pytest.mark.parametrize(
    ("query", "total", "page"),
    [
        (PaperQuery(), 5, ["p1", "p2", "p3", "p4", "p5"]),
        (PaperQuery(using=(EntityFilter(ids=(KL,)),)), 2, ["p1", "p3"]),
        (PaperQuery(using=(EntityFilter(ids=(KL, CHI2)),)), 3, ["p1", "p2", "p3"]),
        (PaperQuery(using=(EntityFilter(ids=(KL,), variant="reverse"),)), 1, ["p1"]),
        (PaperQuery(using=(EntityFilter(ids=(KL,), variant="forward"),)), 0, []),
        (PaperQuery(using=(EntityFilter(ids=("method:alphanet", GAN), role="proposed"),)), 1, ["p1"]),
        (PaperQuery(using=(EntityFilter(ids=(GAN,), role="used"),)), 2, ["p1", "p3"]),
        (PaperQuery(using=(EntityFilter(ids=(W,)), EntityFilter(ids=(CIFAR,)))), 1, ["p3"]),
        (PaperQuery(using=(EntityFilter(ids=(KL,)), EntityFilter(ids=(MNIST,)))), 1, ["p3"]),
        (PaperQuery(using=(EntityFilter(ids=("nope",)),)), 0, []),
        (PaperQuery(year_min=2022), 2, ["p2", "p3"]),
        (PaperQuery(year_max=2021), 2, ["p1", "p5"]),
        (PaperQuery(year_min=2021, year_max=2021), 1, ["p1"]),
        (PaperQuery(text="GAN training"), 1, ["p3"]),
        (PaperQuery(text="gans"), 3, ["p1", "p3", "p4"]),
        (PaperQuery(text="distributions MMD"), 1, ["p4"]),
        (PaperQuery(text="xyzzy"), 0, []),
        (PaperQuery(ids=("p4", "p2", "zz")), 2, ["p2", "p4"]),
        (PaperQuery(order="year"), 5, ["p5", "p1", "p2", "p3", "p4"]),
        (PaperQuery(order="title"), 5, ["p5", "p1", "p2", "p4", "p3"]),
        (PaperQuery(limit=2, offset=1), 5, ["p2", "p3"]),
        (PaperQuery(direction="desc", limit=2, offset=1), 5, ["p4", "p3"]),
        (PaperQuery(limit=0), 5, []),
        (PaperQuery(offset=10), 5, []),
        (PaperQuery(using=(EntityFilter(ids=(CIFAR, MNIST)),), order="year", limit=2), 3, ["p1", "p2"]),
    ],
)
def test_contract_find_papers(store, query, total, page):
    result = store.find_papers(query)
    assert result.total == total
    assert [h.paper.id for h in result.items] == page


def test_contract_find_papers_matches_carry_evidence(store):
    query = PaperQuery(
        using=(EntityFilter(ids=(KL, CHI2, F), variant="reverse"), EntityFilter(ids=(CIFAR,)))
    )
    (hit,) = store.find_papers(query).items
    assert hit.paper == gd.P1
    x = gd.extractions()[0]
    assert hit.matches == (x.datasets[0], x.divergences[0])  # ordered by entity id
    assert hit.matches[1].evidence[0].surface == "reverse KL divergence"


def test_contract_find_papers_without_filters_has_no_matches(store):
    assert all(h.matches == () for h in store.find_papers(PaperQuery()).items)


@pytest.mark.parametrize(
    ("about", "type_", "paper_ids", "ids"),
    [
        (None, None, None, ["p1#0", "p1#1", "p2#0", "p2#1", "p3#1", "p4#1"]),
        ([KL], None, None, ["p1#0", "p3#1"]),
        ([KL, MNIST], "empirical", None, ["p2#1", "p3#1"]),
        (None, "theoretical", None, ["p2#0", "p4#1"]),
        (None, None, ["p1", "p5"], ["p1#0", "p1#1"]),
        ([GAN], None, ["p3"], []),
        (["nope"], None, None, []),
    ],
)
def test_contract_claims(store, about, type_, paper_ids, ids):
    assert [c.id for c in store.claims(about=about, type=type_, paper_ids=paper_ids)] == ids


def test_contract_claims_round_trip(store):
    expected = [c for x in gd.extractions() for c in x.claims if gd.KL.id in c.about]
    assert store.claims(about=[KL]) == expected


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (None, {2020: 1, 2021: 1, 2022: 2}),
        ([KL], {2021: 1, 2022: 1}),
        (["divergence:mmd"], {}),
        ([CIFAR, MNIST], {2021: 1, 2022: 2}),
    ],
)
def test_contract_counts_by_year(store, ids, expected):
    got = store.counts_by_year(ids)
    assert got == expected
    assert list(got) == sorted(got)


def test_contract_rejects_invalid_unicode_before_writing(empty_store):
    bad = gd.paper("p9", "Broken \ud800 title", "An abstract. With text")
    with pytest.raises(StoreError, match="p9.*not valid Unicode"):
        empty_store.write(GraphDelta(extractions=(gd.extraction(bad),), entities=gd.TAXONOMY))
    assert empty_store.stats().papers == 0


def test_contract_claim_id_reused_by_another_paper_takes_its_links(store):
    other = gd.paper("p6", "Another paper", "We reuse nothing. Claims are fine")
    stolen = gd.claim(other, 0, "other", [gd.MNIST]).model_copy(update={"id": "p1#0"})
    store.write(GraphDelta(extractions=(gd.extraction(other, claims=[stolen]),)))
    (claim,) = store.claims(about=[gd.MNIST.id], paper_ids=["p6"])
    assert claim == stolen
    assert store.claims(about=[gd.KL.id]) == [c for c in gd.extractions()[2].claims]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda s: s.papers([]), {}),
        (lambda s: s.entities([]), {}),
        (lambda s: s.paper_versions([]), {}),
        (lambda s: s.claims(about=[]), []),
        (lambda s: s.claims(paper_ids=[]), []),
        (lambda s: s.cooccurring([]), []),
        (lambda s: s.counts_by_year([]), {}),
        (lambda s: s.search_entities("kl", limit=0), []),
        (lambda s: s.find_papers(PaperQuery(ids=())).total, 0),
        (lambda s: s.find_papers(
            PaperQuery(using=(EntityFilter(kind="dataset", role="proposed"), EntityFilter(ids=(KL,))))).total, 0),
        (lambda s: s.find_papers(PaperQuery(text="  -- ")).total, 5),
    ],
)
def test_contract_empty_inputs(store, call, expected):
    assert call(store) == expected


def test_contract_rewrite_changes_link_type(store):
    x = gd.extractions()[2]
    proposed = x.methods[0].model_copy(update={"role": "proposed"})
    store.write(GraphDelta(extractions=(x.model_copy(update={"methods": (proposed,)}),)))
    assert store.stats().links["USES"] == FIXTURE_STATS["links"]["USES"] - 1
    assert store.stats().links["PROPOSES"] == FIXTURE_STATS["links"]["PROPOSES"] + 1
    used = store.find_papers(PaperQuery(using=(EntityFilter(ids=(GAN,), role="used"),)))
    assert [h.paper.id for h in used.items] == ["p1"]
    store.write(GraphDelta(extractions=(x,)))
    assert store.stats().model_dump() == FIXTURE_STATS


# -- family pages: every filter on top of a family read, against a brute-force answer -------------

#: Filters applied on top of an entity filter (both stores read a whole family from its page index
#: and apply these to the papers as they stream).
_ON_TOP = [{}, {"text": "gan"}, {"text": "results"}, {"venue": "testconf"}, {"venue": "nope"},
           {"author": "anyone"}, {"category": "cs.lg"}, {"ids": ("p3", "p2", "zz")}, {"year_min": 2022},
           {"year_max": 2021}]
_ORDERS = [("relevance", "desc"), ("relevance", "asc"), ("id", "asc"), ("id", "desc"), ("year", "asc"),
           ("year", "desc"), ("title", "asc")]


def _brute_force(store, query: PaperQuery) -> tuple[int, list[str]]:
    """(total, page ids) of ``query`` computed from the full records, as kg.models defines it."""
    from kg.models import relevance_score
    from kg.store import records as R

    xs = store.papers([f"p{i}" for i in range(1, 6)]).values()
    rows, scores = [], {}
    for x in xs:
        if not all(any(f.accepts(t.entity.id, t.entity.kind, t.role, t.variant) for t in x.tags)
                   for f in query.using):
            continue
        props = R.paper_props(x.paper, x.extractor_version)
        words = R.query_words(query.text)
        if (query.ids is not None and x.paper.id not in query.ids) or not R.metadata_matches(query, props) or not all(
                w in props["search"] for w in words):
            continue
        rows.append(props)
        ranked = [t for t in x.tags if t.entity.id in R.rank_ids(query)]
        scores[x.paper.id] = relevance_score([
            {"role": t.role, "field": t.evidence[0].field, "sentence_index": t.evidence[0].sentence_index,
             "count": len(t.evidence)} for t in ranked]) if ranked else 0
    R.sort_papers(query, rows, scores)
    return len(rows), [r["id"] for r in rows]


@pytest.mark.parametrize("head", [F, KL])  # a family with descendants, and an entity without
def test_contract_family_pages_with_filters_on_top(store, head):
    family = tuple(sorted([head] + [e.id for e in store.descendants(head)]))
    queries = [dict(order=o, direction=d, limit=limit, offset=offset)
               for o, d in _ORDERS for limit, offset in ((2, 1), (100, 0))]
    # each filter on top once, in a rotating order, alone and with a second entity filter (GAN: the
    # smaller set, so it drives id and year orders)
    queries += [dict(order=_ORDERS[i % len(_ORDERS)][0], direction=_ORDERS[i % len(_ORDERS)][1], limit=2,
                     offset=i % 2, second=second, **extra)
                for i, extra in enumerate(_ON_TOP) for second in ((), (EntityFilter(ids=(GAN,)),))]
    for q in queries:
        second = q.pop("second", ())
        query = PaperQuery(using=(EntityFilter(ids=family), *second), **q)
        total, ids = _brute_force(store, query)
        page = store.find_papers(query)
        want = (total, ids[query.offset:query.offset + query.limit])
        assert (page.total, [h.paper.id for h in page.items]) == want, query


# -- kind filters and two-filter totals: every combination against a brute-force answer ----------

#: Entity filters a search combines: kind tags (any entity of a kind, with a role or variant), a
#: family with descendants, single entities, and filters that are neither (ids with a role).
_KEYS = [EntityFilter(kind="method"), EntityFilter(kind="method", role="proposed"),
         EntityFilter(kind="method", role="used"), EntityFilter(kind="divergence", variant="reverse"),
         EntityFilter(kind="dataset"), EntityFilter(kind="dataset", role="proposed"),
         EntityFilter(ids=(GAN,)), EntityFilter(ids=(CIFAR,)), EntityFilter(ids=(KL,)),
         EntityFilter(ids=(GAN,), role="proposed")]


def test_contract_kind_and_family_filters_combined(store):
    """One and two entity filters of every kind (kind tags, whole families, single entities, ids
    with a role), in both orders, in every page order, with and without a year filter: the total
    (a maintained count where both stores keep one) and the page equal the brute-force answer."""
    family = EntityFilter(ids=tuple(sorted([F] + [e.id for e in store.descendants(F)])))
    keys = [*_KEYS, family]
    combos = [(a,) for a in keys] + [(a, b) for a in keys for b in keys]
    for i, using in enumerate(combos):
        order, direction = _ORDERS[i % len(_ORDERS)]
        for extra in ({}, {"year_min": 2021}):
            query = PaperQuery(using=using, order=order, direction=direction, limit=2, offset=i % 2, **extra)
            total, ids = _brute_force(store, query)
            page = store.find_papers(query)
            assert (page.total, [h.paper.id for h in page.items]) == (total, ids[query.offset:query.offset + 2]), query
