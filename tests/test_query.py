"""kg.query.papers_using on real stores (SQLite and Neo4j): resolution + one page of papers with
how each uses the entity and the evidence sentence; unknown names raise NotFound with suggestions."""

from __future__ import annotations

import pytest

from kg.errors import NotFound
from kg.query import papers_using
from tests import world as gd


@pytest.mark.parametrize(
    ("text", "options", "total", "rows"),
    [
        ("KL divergence", {}, 2, [("p1", "Kullback-Leibler divergence", None, "reverse"),
                                  ("p3", "Kullback-Leibler divergence", None, None)]),
        ("relative entropy", {}, 2, [("p1", "Kullback-Leibler divergence", None, "reverse"),
                                     ("p3", "Kullback-Leibler divergence", None, None)]),
        ("reverse KL", {}, 1, [("p1", "Kullback-Leibler divergence", None, "reverse")]),
        ("KL", {"variant": "forward"}, 0, []),
        ("f-divergence", {}, 3, [("p1", "Kullback-Leibler divergence", None, "reverse"),
                                 ("p2", "chi-squared divergence", None, None),
                                 ("p3", "Kullback-Leibler divergence", None, None)]),
        ("f-divergence", {"exact": True}, 0, []),
        ("AlphaNet", {"role": "proposed"}, 1, [("p1", "AlphaNet", "proposed", None)]),
        ("AlphaNet", {"role": "used"}, 0, []),
        ("GANs", {"kind": "method"}, 2, [("p1", "generative adversarial network", "used", None),
                                          ("p3", "generative adversarial network", "used", None)]),
        ("cifar10", {"limit": 1}, 2, [("p1", "CIFAR-10", None, None)]),
        ("cifar10", {"limit": 1, "offset": 1}, 2, [("p3", "CIFAR-10", None, None)]),
    ],
)
def test_query_papers_using(store, text, options, total, rows):
    result = papers_using(store, text, **options)
    assert result.page.total == total
    got = [(hit.paper.id, t.entity.name, t.role, t.variant) for hit in result.page.items for t in hit.matches]
    assert got == rows


def test_query_hits_carry_title_and_evidence(store):
    (hit,) = papers_using(store, "reverse KL").page.items
    (tag,) = hit.matches
    assert hit.paper.title == gd.P1.title and hit.paper.year == 2021 and tag.entity.kind == "divergence"
    ev = tag.evidence[0]
    assert ev.sentence == "We propose AlphaNet, trained with the reverse KL divergence"
    assert ev.rule == "divergence.vocab:divergence:kullback-leibler"
    assert gd.P1.abstract[ev.start:ev.end] == ev.surface == "reverse KL divergence"


def test_query_result_keeps_resolution(store):
    result = papers_using(store, "optimal transport")
    assert [e.id for e in result.resolution.entities] == ["divergence:optimal-transport"]
    assert [e.id for e in result.resolution.members] == ["divergence:wasserstein", "divergence:wasserstein-1"]
    assert [h.paper.id for h in result.page.items] == ["p3"]


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("wasserstien", None, "[E404] no entity named 'wasserstien'; did you mean: Wasserstein distance"),
        ("CIFAR-10", "method", "[E404] no method named 'CIFAR-10'"),
        ("qqqqzzzz", None, "[E404] no entity named 'qqqqzzzz' (see `kg entities` for the known names)"),
    ],
)
def test_query_unknown_name_is_not_found_with_suggestions(store, text, kind, message):
    with pytest.raises(NotFound) as info:
        papers_using(store, text, kind=kind)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_query_same_answer_on_empty_store_is_not_found(empty_store):
    with pytest.raises(NotFound):
        papers_using(empty_store, "KL")


# -- filters, ordering, errors (kg.query.find_papers) on both stores ---------------------------------
from kg.errors import InputError  # noqa: E402
from kg.models import Extraction, GraphDelta, Paper  # noqa: E402
from kg.query import PaperFilters, find_papers, parse_years  # noqa: E402

P6 = Paper(id="p6", title="GAN training for arXiv categories", abstract="We use a GAN. It works on CIFAR-10",
           year=2019, venue="NeurIPS 2019", authors=("Ada Lovelace", "Alan Turing"), categories=("cs.LG", "stat.ML"))


@pytest.fixture
def meta_store(store):
    """The fixture graph plus one paper with authors, categories and a venue."""
    x = Extraction(paper=P6, methods=(gd.tag(P6, gd.GAN, "GAN", role="used"),),
                   datasets=(gd.tag(P6, gd.CIFAR10, "CIFAR-10", sentence_index=1),), extractor_version=gd.VERSION)
    store.write(GraphDelta(extractions=(x,)))
    return store


def ids(result) -> list[str]:
    return [h.paper.id for h in result.items]


@pytest.mark.parametrize(
    ("filters", "order", "direction", "expected", "total"),
    [
        (PaperFilters(name="GAN"), "id", "asc", ["p1", "p3", "p6"], 3),
        (PaperFilters(name="GAN", year_min=2020), "id", "asc", ["p1", "p3"], 2),
        (PaperFilters(name="GAN", year_min=2021, year_max=2021), "id", "asc", ["p1"], 1),
        (PaperFilters(name="GAN", datasets=("CIFAR10",)), "id", "asc", ["p1", "p3", "p6"], 3),
        (PaperFilters(name="GAN", datasets=("MNIST",)), "id", "asc", ["p3"], 1),
        (PaperFilters(name="GAN", with_=("KL divergence",)), "id", "asc", ["p1", "p3"], 2),
        (PaperFilters(name="GAN", with_=("reverse KL",)), "id", "asc", ["p1"], 1),
        (PaperFilters(name="GAN", venue="neurips"), "id", "asc", ["p6"], 1),
        (PaperFilters(name="GAN", author="turing"), "id", "asc", ["p6"], 1),
        (PaperFilters(category="CS.lg"), "id", "asc", ["p6"], 1),
        (PaperFilters(category="cs"), "id", "asc", [], 0),
        (PaperFilters(role="proposed"), "id", "asc", ["p1", "p4"], 2),
        (PaperFilters(any_kind="divergence", variant="reverse"), "id", "asc", ["p1"], 1),
        (PaperFilters(any_kind="dataset"), "id", "desc", ["p6", "p3", "p2", "p1"], 4),
        (PaperFilters(), "year", "asc", ["p6", "p5", "p1", "p2", "p3", "p4"], 6),
        (PaperFilters(), "year", "desc", ["p2", "p3", "p1", "p5", "p6", "p4"], 6),
        (PaperFilters(), "title", "desc", ["p3", "p4", "p6", "p2", "p1", "p5"], 6),
        (PaperFilters(name="MMD"), None, None, ["p4"], 1),
    ],
)
def test_query_filters_and_orders_alike_on_both_stores(meta_store, filters, order, direction, expected, total):
    result = find_papers(meta_store, filters, order=order, direction=direction)
    assert (ids(result), result.total) == (expected, total)


def test_query_relevance_puts_proposed_and_early_evidence_first(meta_store):
    # GAN: p1 uses it in sentence 1, p3 in sentence 0, p6 in sentence 0; none proposes it
    result = find_papers(meta_store, PaperFilters(name="GAN"))
    assert (result.order, result.direction) == ("relevance", "desc")
    assert ids(result) == ["p1", "p3", "p6"]  # all in the first two sentences, one mention: by id
    result = find_papers(meta_store, PaperFilters(name="f-divergence"))
    assert ids(result) == ["p1", "p2", "p3"]


def test_query_relevance_scores_proposed_over_used(meta_store):
    extra = Paper(id="p7", title="Another", year=2020,
                  abstract="We build on prior work. Then. We propose a GAN variant")
    x = Extraction(paper=extra, methods=(gd.tag(extra, gd.GAN, "GAN", role="proposed", sentence_index=2),),
                   extractor_version=gd.VERSION)
    meta_store.write(GraphDelta(extractions=(x,)))
    assert ids(find_papers(meta_store, PaperFilters(name="GAN")))[0] == "p7"
    assert ids(find_papers(meta_store, PaperFilters(name="GAN"), direction="asc"))[-1] == "p7"


@pytest.mark.parametrize("limit", [-1, 10_001])
def test_query_bad_limit_is_an_error(store, limit):
    with pytest.raises(InputError, match="limit must be between 0 and 10000"):
        find_papers(store, PaperFilters(name="GAN"), limit=limit)


def test_query_unknown_name_in_any_filter_is_not_found_with_suggestions(store):
    with pytest.raises(NotFound) as info:
        find_papers(store, PaperFilters(name="GAN", with_=("wasserstien",)))
    assert "Wasserstein distance" in info.value.suggestions


def test_query_empty_graph_says_so(empty_store):
    with pytest.raises(NotFound, match="holds no papers: run `kg ingest`"):
        find_papers(empty_store, PaperFilters(name="GAN"))


def test_query_cursor_is_bound_to_filters_and_order(store):
    first = find_papers(store, PaperFilters(name="GAN"), limit=1)
    cursor = first.cursor(0)
    again = find_papers(store, PaperFilters(name="GAN"), limit=1, after=cursor)
    assert ids(again) == ids(find_papers(store, PaperFilters(name="GAN"), limit=1, offset=1))
    with pytest.raises(InputError, match="other filters"):
        find_papers(store, PaperFilters(name="GAN", year_min=2020), limit=1, after=cursor)
    with pytest.raises(InputError, match="other filters"):
        find_papers(store, PaperFilters(name="GAN"), order="year", limit=1, after=cursor)
    with pytest.raises(InputError, match="invalid cursor"):
        find_papers(store, PaperFilters(name="GAN"), after="nonsense!")


@pytest.mark.parametrize(("text", "expected"), [
    ("2020..2023", (2020, 2023)), ("2021..", (2021, None)), ("..2019", (None, 2019)), ("2022", (2022, 2022)),
])
def test_query_parse_years(text, expected):
    assert parse_years(text) == expected


@pytest.mark.parametrize("text", ["20..21", "2023..2020", "abc", "", "2020 2021"])
def test_query_parse_years_rejects_bad_ranges(text):
    with pytest.raises(InputError):
        parse_years(text)


def test_query_explain_names_the_plan_or_cypher(store):
    result = find_papers(store, PaperFilters(name="GAN", year_min=2020), explain=True)
    if store.name == "neo4j":
        assert "USING INDEX SEEK m:FAM(" in result.explain and '"year_min": 2020' in result.explain
    else:
        assert "sqlite:" in result.explain and "year >= 2020" in result.explain


def test_query_years_facet_has_an_unknown_bucket(store):
    from kg.query import papers_by_year

    facet = papers_by_year(store)
    assert [(b.year, b.paper_count) for b in facet.buckets] == [(2020, 1), (2021, 1), (2022, 2), (None, 1)]
    assert facet.total == 5


def test_query_acronym_suggestions_make_sense(store):
    from kg.models import Method
    from kg.resolve import suggest

    store.write(GraphDelta(entities=(Method(id="method:mup", name="muP"),)))
    assert "muP" not in suggest(store, "USPS")  # "USPS" folds to "usp", 0.67 like "mup" at difflib's 0.6
    assert suggest(store, "MNSIT") == ["MNIST"]
