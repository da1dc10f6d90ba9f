"""The aggregates both stores maintain at write time (papers per entity, per year — with the unknown
year kept apart —, per entity and year, co-occurrence pairs) equal a full recount from the papers
themselves after inserts, rewrites of changed papers (new year, links dropped and added), idempotent
re-writes, new papers without a year, and clears. The family summaries (a family's papers in every
page order, its years, co-occurrence and claims) equal the same recount, through a taxonomy change
too; on the embedded store every maintained table also equals :data:`kg.store.sql.RECOUNT`."""

from __future__ import annotations

import sqlite3
from collections import Counter
from itertools import combinations

from kg.models import EntityFilter, Extraction, GraphDelta, PaperQuery, relevance_score
from kg.store import sql as S
from tests import world as gd

#: The maintained tables of the embedded store, compared row for row with a recount.
_TABLES = {
    "entity": "SELECT rid, papers FROM entity",
    "year_count": "SELECT * FROM year_count WHERE papers <> 0",
    "entity_year": "SELECT * FROM entity_year WHERE papers <> 0",
    "cooc": "SELECT * FROM cooc WHERE papers <> 0",
    "closure": "SELECT * FROM closure",
    "fam": "SELECT anc, paper, pid, year, links, proposed, title, early, mentions, score FROM fam",
    "fam_year": "SELECT * FROM fam_year WHERE papers <> 0",
    "fam_cooc": "SELECT * FROM fam_cooc WHERE papers <> 0",
    "fam_pair": "SELECT * FROM fam_pair WHERE papers <> 0",
    "fam_about": "SELECT * FROM fam_about",
    "total": "SELECT * FROM total WHERE n <> 0",
}


def _sqlite_tables_match_a_recount(store) -> None:
    """Every maintained table equals :data:`kg.store.sql.RECOUNT` run on a copy of the database."""
    copy = sqlite3.connect(":memory:")
    store.conn.backup(copy)
    held = {t: sorted(copy.execute(q).fetchall()) for t, q in _TABLES.items()}
    copy.executescript(f"{S.DROP_TRIGGERS}{S.RECOUNT}")
    for table, query in _TABLES.items():
        assert held[table] == sorted(copy.execute(query).fetchall()), table


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
    families = [[r] + [e.id for e in store.descendants(r)] for r in (gd.F_DIV.id, gd.OT.id, gd.IPM.id)]
    groups += families
    for group in groups:
        assert store.counts_by_year(group) == _years(truth, set(group)), group
        got = {c.entity.id: c.papers for c in store.cooccurring(group)}
        assert got == _cooc(truth, set(group)), group
    for group in [[e] for e in ids] + families:
        _pages_match(store, truth, group)
        _claims_match(store, truth, group)
    _pair_totals_match(store, truth, families)
    if store.name == "sqlite":
        _sqlite_tables_match_a_recount(store)


#: Kind tags the pair totals are checked with (any method, a proposed one, a used one, a reverse
#: divergence, any dataset).
_TAGS = [EntityFilter(kind="method"), EntityFilter(kind="method", role="proposed"),
         EntityFilter(kind="method", role="used"), EntityFilter(kind="divergence", variant="reverse"),
         EntityFilter(kind="dataset")]


def _pair_totals_match(store, truth: dict, families: list[list[str]]) -> None:
    """The total of every search by one or two keys (a whole family, one entity, a kind tag) — the
    maintained family sizes and pair counts — equals a count over the full records."""
    keys = [EntityFilter(ids=tuple(sorted(f))) for f in families]
    keys += [EntityFilter(ids=(e,)) for e in sorted(truth["entities"]) if not store.descendants(e)] + _TAGS
    for i, a in enumerate(keys):
        for b in keys[i:]:
            want = sum(all(any(f.accepts(t.entity.id, t.entity.kind, t.role, t.variant) for t in x.tags)
                           for f in (a, b)) for x in truth["xs"])
            assert store.find_papers(PaperQuery(using=(a, b), limit=0)).total == want, (a, b)


def _pages_match(store, truth: dict, group: list[str]) -> None:
    """Pages of a family (or one entity) in every order, and with a second filter, equal a sort of
    the recounted papers (relevance from the links to the group, ties by id, missing years last)."""
    xs = {x.paper.id: x for x in truth["xs"]}
    matching = sorted(pid for pid, linked in truth["linked"].items() if linked & set(group))
    score = {pid: relevance_score([{"role": t.role, "field": t.evidence[0].field if t.evidence else None,
                                    "sentence_index": t.evidence[0].sentence_index if t.evidence else None,
                                    "count": len(t.evidence) or 1}
                                   for t in xs[pid].tags if t.entity.id in group]) for pid in matching}
    year = truth["year"]
    anc = store._family(group) if store.name == "sqlite" else None
    if anc is not None:  # the maintained score of each family row is the recounted relevance
        held = dict(store.conn.execute("SELECT pid, score FROM fam WHERE anc = ?", (anc,)).fetchall())
        assert held == score, group
    keys = {
        ("relevance", "desc"): lambda i: (-score[i], i),
        ("id", "asc"): lambda i: i,
        ("year", "asc"): lambda i: (year[i] is None, year[i] or 0, i),
        ("year", "desc"): lambda i: (year[i] is None, -(year[i] or 0), i),
    }
    for (order, direction), key in keys.items():
        for limit, offset in ((2, 0), (2, 1), (100, 0)):
            q = PaperQuery(using=(EntityFilter(ids=tuple(group)),), order=order, direction=direction,
                           limit=limit, offset=offset)
            page = store.find_papers(q)
            want = sorted(matching, key=key)
            assert page.total == len(matching), (group, order)
            assert [h.paper.id for h in page.items] == want[offset:offset + limit], (group, order, direction)
    id_desc = store.find_papers(PaperQuery(using=(EntityFilter(ids=tuple(group)),), order="id", direction="desc"))
    assert [h.paper.id for h in id_desc.items] == matching[::-1]
    gan = store.find_papers(PaperQuery(using=(EntityFilter(ids=tuple(group)), EntityFilter(ids=(gd.GAN.id,))),
                                       order="year", direction="desc", year_min=2019))
    both = [i for i in matching if gd.GAN.id in truth["linked"][i] and (year[i] or 0) >= 2019]
    assert [h.paper.id for h in gan.items] == sorted(both, key=keys["year", "desc"]) and gan.total == len(both)


def _claims_match(store, truth: dict, group: list[str]) -> None:
    """Claims about a family (or one entity), paged, equal the recount from the full records."""
    want = sorted((c for x in truth["xs"] for c in x.claims if set(c.about) & set(group)), key=lambda c: c.id)
    assert store.claims(about=group) == want
    assert store.count_claims(about=group) == len(want)
    assert store.claims(about=group, limit=1, offset=1) == want[1:2]
    for kind in {c.type for c in want}:
        typed = [c for c in want if c.type == kind]
        assert store.claims(about=group, type=kind, limit=2) == typed[:2]
        assert store.count_claims(about=group, type=kind) == len(typed)


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

    # the taxonomy changes under existing papers: W1 leaves the Wasserstein family, KL leaves f-div
    store.write(GraphDelta(entities=(gd.W1.model_copy(update={"parents": (gd.IPM.id,)}),
                                     gd.KL.model_copy(update={"parents": ()}))))
    assert [e.id for e in store.descendants(gd.OT.id)] == [gd.W.id]
    assert_aggregates_match(store, ids)
    store.write(GraphDelta(entities=(gd.W1, gd.KL)))
    assert_aggregates_match(store, ids)

    store.clear()
    assert store.entity_counts() == [] and store.counts_by_year() == {}
    assert store.cooccurring([gd.GAN.id]) == []
    store.write(gd.delta())
    assert_aggregates_match(store, ids)


def test_concurrent_writers_keep_the_aggregates_equal_to_a_recount(empty_store, request, tmp_path):
    """Two handles on one database (two processes' worth: two drivers, two SQLite connections)
    re-write the same papers at the same time, each with other links and years; the maintained counts
    still equal a recount (on Neo4j each write batch takes the version token's lock first, so the
    second reads the footprints the first committed)."""
    import threading

    from kg.store.neo4j_store import Neo4jStore
    from kg.store.sqlite_store import SQLiteStore

    store = empty_store
    store.write(gd.delta())
    other = (SQLiteStore(tmp_path / "graph.db") if store.name == "sqlite"
             else Neo4jStore(request.getfixturevalue("neo4j_uri"), None, "neo4j"))
    xs = gd.extractions()
    ids = [x.paper.id for x in xs]
    p1, p2, p3, p4, _ = xs
    variants = [
        (p1, p4, _moved(p2, year=None)),
        (_moved(p1, year=2019).model_copy(update={"methods": p1.methods[:1]}),
         _moved(p4, year=2020).model_copy(update={"divergences": p4.divergences + p1.divergences}), p2),
    ]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(handle, first: int) -> None:
        try:
            start.wait()
            for round_ in range(12):
                handle.write(GraphDelta(extractions=variants[(first + round_) % 2]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=writer, args=(h, i)) for i, h in enumerate((store, other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "a writer did not finish in 120 s"
        assert not errors, errors
        assert_aggregates_match(store, ids)
    finally:
        other.close()
