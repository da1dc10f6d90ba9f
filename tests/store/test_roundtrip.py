"""Property-based round trip: any extraction written to a store comes back equal from
``papers()`` — on the embedded store and on Neo4j (arbitrary Unicode, empty and odd values)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.models import Claim, Dataset, Divergence, Evidence, Extraction, GraphDelta, Method, Paper, Tag

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)

evidence = st.builds(
    Evidence,
    field=st.sampled_from(["title", "abstract"]),
    sentence_index=st.integers(0, 50),
    sentence=text,
    start=st.integers(0, 10_000),
    end=st.integers(0, 10_000),
    surface=text,
    rule=text,
    extractor_version=text,
)


@st.composite
def entity(draw, kind: str):
    fields = {"id": f"{kind}:{draw(ident)}", "name": draw(text), "aliases": tuple(draw(st.lists(text, max_size=3))),
              "description": draw(st.none() | text)}
    if kind == "divergence":
        return Divergence(**fields, family=draw(st.none() | text), parents=tuple(draw(st.lists(ident, max_size=2))))
    return (Method if kind == "method" else Dataset)(**fields)


def tags(kind: str):
    role = st.sampled_from(["proposed", "used", None]) if kind == "method" else st.none()
    variant = st.sampled_from(["forward", "reverse", None]) if kind == "divergence" else st.none()
    tag = st.builds(Tag, entity=entity(kind), role=role, variant=variant,
                    mentions=st.lists(text, max_size=3).map(tuple), evidence=st.lists(evidence, max_size=3).map(tuple))
    return st.lists(tag, max_size=3, unique_by=lambda t: t.entity.id).map(tuple)


@st.composite
def extractions(draw) -> Extraction:
    paper = Paper(id=draw(ident), title=draw(text), abstract=draw(text), year=draw(st.none() | st.integers(1900, 2100)),
                  venue=draw(st.none() | text), url=draw(st.none() | text),
                  authors=tuple(draw(st.lists(text, max_size=3))), source=draw(st.none() | text))
    methods, divergences, datasets = draw(tags("method")), draw(tags("divergence")), draw(tags("dataset"))
    ids = [t.entity.id for t in methods + divergences + datasets]
    claims = tuple(
        Claim(id=f"{paper.id}#{i}", paper_id=paper.id, text=draw(text),
              type=draw(st.sampled_from(["proposal", "theoretical", "empirical", "other"])), sentence_index=i,
              start=draw(st.integers(0, 999)), end=draw(st.integers(0, 999)), rule=draw(text),
              about=tuple(draw(st.lists(st.sampled_from(ids), unique=True))) if ids else ())
        for i in range(draw(st.integers(0, 3)))
    )
    return Extraction(paper=paper, methods=methods, divergences=divergences, datasets=datasets, claims=claims,
                      extractor_version=draw(text))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=extractions())
def test_roundtrip_any_extraction(empty_store, x):
    empty_store.clear()
    empty_store.write(GraphDelta(extractions=(x,)))
    assert empty_store.papers([x.paper.id]) == {x.paper.id: x}
    empty_store.write(GraphDelta(extractions=(x,)))
    stats = empty_store.stats()
    assert stats.papers == 1 and stats.claims == len(x.claims)
    assert sum(stats.links[t] for t in ("USES", "PROPOSES", "EVALUATES_ON")) == len(x.tags)
