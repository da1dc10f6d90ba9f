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
