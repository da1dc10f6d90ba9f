"""What only the Neo4j store does: connection errors as one clear line, the three URI schemes,
idempotent schema, one transaction per batch (a failing batch leaves nothing half-written), family
reads served in index order (PROFILE), and open_store choosing the store from settings."""

from __future__ import annotations

import socket
import sys

import pytest

from kg.errors import StoreError, StoreUnavailable
from kg.models import EntityFilter, GraphDelta, PaperQuery
from kg.store import cypher as Q
from kg.store import open_store
from kg.store.neo4j_store import Neo4jStore, translate
from kg.store.sqlite_store import SQLiteStore
from tests import world as gd


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("scheme", ["bolt", "neo4j", "neo4j+s", "bolt+ssc"])
def test_neo4j_store_unreachable_is_one_line(scheme):
    uri = f"{scheme}://127.0.0.1:{closed_port()}"
    with pytest.raises(StoreUnavailable) as info:
        Neo4jStore(uri, None, "neo4j", connection_timeout=3)
    message = str(info.value)
    assert message.startswith("[E401] Neo4j at " + uri + " is unreachable")
    assert "\n" not in message


# "bolt://:{port}": no host means localhost; a free port (not the default 7687, where a local server may
# listen) keeps the outcome independent of the machine
@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "bolt://:{port}", "nonsense"])
def test_neo4j_store_bad_uri_is_one_line(uri):
    with pytest.raises(StoreUnavailable) as info:
        Neo4jStore(uri.format(port=closed_port()), None, "neo4j", connection_timeout=3)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        ("AuthError", "refused the credentials"),
        ("ServiceUnavailable", "is unreachable"),
        ("ConfigurationError", "cannot use the Neo4j URI"),
    ],
)
def test_neo4j_store_translates_driver_errors(exc, expected):
    from neo4j import exceptions

    error = translate(getattr(exceptions, exc)("first line\nsecond line"), "bolt://db:7687")
    assert isinstance(error, StoreUnavailable)
    assert expected in str(error) and "\n" not in str(error)


@pytest.mark.neo4j
def test_neo4j_store_server_errors_are_one_line_store_errors(neo4j_store):
    with pytest.raises(StoreError) as info:
        neo4j_store._read("RETURN nonsense(")
    assert type(info.value) is StoreError
    assert str(info.value).startswith("[E400] Neo4j error: ") and "\n" not in str(info.value)


@pytest.mark.neo4j
@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_neo4j_store_accepts_schemes(neo4j_uri, scheme):
    uri = scheme + neo4j_uri[neo4j_uri.index("://"):]
    with Neo4jStore(uri, None, "neo4j") as store:
        store.clear()
        store.write(gd.delta())
        assert store.stats().papers == 5


@pytest.mark.neo4j
def test_neo4j_store_schema_is_idempotent(neo4j_store, neo4j_uri):
    neo4j_store.ensure_schema()
    with Neo4jStore(neo4j_uri, None, "neo4j"):
        pass
    records = neo4j_store._read("SHOW INDEXES YIELD name RETURN collect(name) AS names")
    names = set(records[0]["names"])
    assert {"paper_id", "entity_id", "claim_id", "entity_key", "entity_keytext", "entity_names",
            "paper_titles"} <= names


@pytest.mark.neo4j
def test_neo4j_store_failed_batch_leaves_nothing_half_written(neo4j_store, monkeypatch):
    real_plan = Q.write_plan

    def failing_plan(batch):
        plan = real_plan(batch)
        if any(x.paper.id == "p3" for x in batch.extractions):
            plan.insert(len(plan) - 1, ("UNWIND [0] AS x RETURN 1 / x", {}))  # a real server error
        return plan

    monkeypatch.setattr(Q, "write_plan", failing_plan)
    neo4j_store.batch_size = 2
    with pytest.raises(StoreError) as info:
        neo4j_store.write(gd.delta())
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    # batch 1 (p1, p2) committed whole; batch 2 (p3, p4) rolled back whole; batch 3 never ran
    assert set(neo4j_store.paper_versions(["p1", "p2", "p3", "p4", "p5"])) == {"p1", "p2"}
    assert neo4j_store.claims(paper_ids=["p3", "p4"]) == []
    assert neo4j_store.papers(["p1", "p2"]) == {x.paper.id: x for x in gd.extractions()[:2]}


@pytest.mark.neo4j
def test_neo4j_store_reports_its_queries_to_the_log_hook(neo4j_store):
    from kg.store.base import capture_queries

    neo4j_store.lookup("GAN")  # outside a capture: reported nowhere
    with capture_queries() as log:
        neo4j_store.lookup("KL", "divergence")
    assert neo4j_store.query_language == "cypher"
    assert log == [{"query": Q.LOOKUP, "params": {"key": "kl", "needle": "\u001ekl\u001e", "kind": "divergence"}}]


@pytest.mark.parametrize("name", ["sqlite", "networkx", None])
def test_open_store_embedded_default_and_its_old_name(tmp_path, monkeypatch, name):
    monkeypatch.delenv("KG_STORE", raising=False)
    store = open_store(store=name, graph_path=tmp_path / "g.db", neo4j_uri=None)
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "g.db" and store.name == "sqlite"


def test_open_store_json_graph_path_means_the_database_beside_it(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_STORE", raising=False)
    store = open_store(graph_path=tmp_path / "graph.json")
    assert store.path == tmp_path / "graph.db"


def test_open_store_neo4j_unreachable(monkeypatch):
    monkeypatch.setenv("KG_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{closed_port()}")
    with pytest.raises(StoreUnavailable):
        open_store()


@pytest.mark.neo4j
def test_open_store_neo4j_from_environment(neo4j_uri, monkeypatch):
    monkeypatch.setenv("KG_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", neo4j_uri)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    with open_store() as store:
        assert isinstance(store, Neo4jStore) and store.uri == neo4j_uri
        store.write(GraphDelta(entities=(gd.GAN,)))
        assert [e.id for e in store.lookup("GANs")] == ["method:gan"]


def test_open_store_overrides_given_settings(tmp_path, monkeypatch):
    from kg.config import load_settings

    monkeypatch.delenv("KG_STORE", raising=False)
    base = load_settings(graph_path=tmp_path / "a.json", batch_size=7)
    store = open_store(base, graph_path=tmp_path / "b.json", store=None)
    assert isinstance(store, SQLiteStore)
    assert store.path == tmp_path / "b.db" and store.batch_size == 7


def test_open_store_default_does_not_import_the_driver(tmp_path):
    import subprocess

    code = (
        "import sys; from kg.store import open_store; "
        f"s = open_store(store='networkx', graph_path={str(tmp_path / 'g.json')!r}); s.stats(); "
        "print('neo4j' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.neo4j
def test_neo4j_store_closed_store_is_a_store_error(neo4j_uri):
    store = Neo4jStore(neo4j_uri, None, "neo4j")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.stats()


def _profile(store: Neo4jStore, statement: str, params: dict) -> list[tuple[str, str, int]]:
    """(operator, details, rows) of every operator of the statement's PROFILE (the real run)."""
    summary = store.driver.execute_query("PROFILE " + statement, parameters_=params, database_="neo4j").summary
    out, todo = [], [summary.profile]
    while todo:
        op = todo.pop()
        details = str((op.get("args") or {}).get("Details", ""))
        out.append((op["operatorType"].split("@")[0], details, op.get("rows", 0)))
        todo += op.get("children", [])
    return out


_SORTS = {"Sort", "Top", "PartialSort", "PartialTop"}


@pytest.mark.neo4j
def test_neo4j_family_reads_are_index_reads_in_order(neo4j_store):
    """A page of a family is read from its FAM index in the page order and stops at the limit (no
    sort of every paper linked to the family), with or without filters on top; its total is the
    family's FAM degree; its claims come from the FAM_ABOUT index in claim-id order. The statement
    the store used before (expand every linked paper, collect, sort, slice) is profiled alongside:
    it sorts, so the check can fail. It checks the plan, not a time."""
    neo4j_store.write(gd.delta())
    family = tuple([gd.F_DIV.id] + [e.id for e in neo4j_store.descendants(gd.F_DIV.id)])
    assert neo4j_store.find_papers(PaperQuery(using=(EntityFilter(ids=family),), limit=0)).total == 3
    for order, direction in sorted(Q.FAM_ORDERS):
        for second in ((), (EntityFilter(ids=(gd.GAN.id,)),)):
            query = PaperQuery(using=(EntityFilter(ids=family), *second), order=order, direction=direction,
                               limit=1, year_min=2000 if second else None)
            statement, params = neo4j_store._find_papers_statement(query)
            assert params.get("anc") in (gd.F_DIV.id, gd.GAN.id), (order, second)
            plan = _profile(neo4j_store, statement, params)
            assert not _SORTS & {op for op, _, _ in plan}, (order, direction, second, plan)
            seeks = [(d, rows) for op, d, rows in plan if "RelationshipIndexSeek" in op]  # a seek, not a scan
            assert seeks and all("FAM(anc, " in d for d, _ in seeks), [(op, d[:90], r) for op, d, r in plan]
            if not second:  # the page stops at its limit; the total is a degree, no read of the papers
                assert [rows for _, rows in seeks] == [1], plan
                assert any("getDegree((a)-[:FAM]->())" in d for _, d, _ in plan), plan
    old = Q.find_papers(True, "relevance", "desc")
    params = {**neo4j_store._find_papers_statement(PaperQuery(using=(EntityFilter(ids=family),)))[1],
              "anchor": list(family), "rank_ids": list(family), "using": [EntityFilter(ids=family).model_dump()],
              "limit": 1}
    assert _SORTS & {op for op, _, _ in _profile(neo4j_store, old, params)}
    for statement, params in ((Q.FAM_CLAIMS, {"anc": gd.F_DIV.id, "limit": 1, "offset": 0}),
                              (Q.FAM_CLAIMS_TYPED, {"anc": gd.F_DIV.id, "type": "empirical", "limit": 1, "offset": 0})):
        plan = _profile(neo4j_store, statement, params)
        assert not _SORTS & {op for op, _, _ in plan}, plan
        assert [rows for op, d, rows in plan if "RelationshipIndexSeek" in op and "FAM_ABOUT(anc, " in d] == [1], plan


@pytest.mark.neo4j
def test_neo4j_kind_filters_and_two_key_totals_are_index_reads(neo4j_store):
    """"Papers proposing any method" is a kind tag with FAM relationships: alone, its page is read
    from a FAM index in order and its total is the tag's FAM degree; beside a family, the family's
    page is read in order with the tag checked per paper, and the total is one FamPair node — no
    second pass over the family's papers to count them (1.3 s for CIFAR-10 × any proposed method at
    1M papers). The counting statement is profiled alongside: it seeks twice, so the check can fail."""
    neo4j_store.write(gd.delta())
    family = tuple([gd.F_DIV.id] + [e.id for e in neo4j_store.descendants(gd.F_DIV.id)])
    proposing = EntityFilter(kind="method", role="proposed")
    both = PaperQuery(using=(proposing, EntityFilter(ids=family)), limit=1)
    statement, params = neo4j_store._find_papers_statement(both)
    assert params["pair"] == "|".join(sorted((gd.F_DIV.id, "tag:method:proposed:")))
    plan = _profile(neo4j_store, statement, params)
    seeks = [d for op, d, _ in plan if "RelationshipIndexSeek" in op]
    assert len(seeks) == 1 and "FAM(anc, pid)" in seeks[0], plan  # the page only
    assert any("FamPair" in d for op, d, _ in plan if "NodeUniqueIndexSeek" in op), plan
    assert not _SORTS & {op for op, _, _ in plan}, plan
    counted = Q.fam_papers("id", "asc", True, total="count")
    assert len([op for op, _, _ in _profile(neo4j_store, counted, params) if "RelationshipIndexSeek" in op]) == 2
    expected = sum(1 for x in gd.delta().extractions if {t.entity.id for t in x.tags} & set(family)
                   and any(t.entity.kind == "method" and t.role == "proposed" for t in x.tags))
    assert neo4j_store.find_papers(both).total == expected > 0
    alone = PaperQuery(using=(proposing,), order="year", direction="desc", limit=1)
    statement, params = neo4j_store._find_papers_statement(alone)
    assert params["anc"] == "tag:method:proposed:"
    plan = _profile(neo4j_store, statement, params)
    assert [rows for op, d, rows in plan if "RelationshipIndexSeek" in op and "FAM(anc, yd, pid)" in d] == [1], plan
    assert any("getDegree((a)-[:FAM]->())" in d for _, d, _ in plan) and not _SORTS & {op for op, _, _ in plan}


@pytest.mark.neo4j
def test_neo4j_union_of_families_is_read_from_their_indexes(neo4j_store):
    """A name that resolves to several families (here the f-divergence family and GAN) is their
    union: in id/year order each family's FAM index is read up to offset + limit, so a page of one
    reads one entry per family; by relevance, the FAM relevance index is read from its top down to a
    floor; the total of two families is their degrees less one FamPair node. The answers are the
    general statement's (tests/store/test_union_keys.py checks that at length)."""
    neo4j_store.write(gd.delta())
    family = [gd.F_DIV.id] + [e.id for e in neo4j_store.descendants(gd.F_DIV.id)]
    union = EntityFilter(ids=tuple(sorted({*family, gd.GAN.id})))
    for order, direction in (("id", "asc"), ("year", "desc")):
        query = PaperQuery(using=(union,), order=order, direction=direction, limit=1)
        statement, params = neo4j_store._find_papers_statement(query)
        assert sorted(params["ancs"]) == sorted([gd.F_DIV.id, gd.GAN.id]) and params["arm"] == 1
        plan = _profile(neo4j_store, statement, params)
        seeks = [rows for op, d, rows in plan if "RelationshipIndexSeek" in op]
        assert seeks == [2], plan  # one entry of each family's index (one seek run per family), not every paper
        assert any("FamPair" in d for op, d, _ in plan if "NodeUniqueIndexSeek" in op), plan
    query = PaperQuery(using=(union,), order="relevance", direction="desc", limit=1)
    statement, params = neo4j_store._find_papers_statement(query)
    assert params["nfloor"] < 0  # a floor was found: only the papers above it are scored
    plan = _profile(neo4j_store, statement, params)
    seeks = [d for op, d, _ in plan if "RelationshipIndexSeek" in op]
    assert len(seeks) == 1 and "FAM(anc, nscore, pid)" in seeks[0] and "nscore <= $nfloor" in seeks[0], plan
    ancs = params["ancs"]
    old_count = ("UNWIND $ancs AS anc\nMATCH ()-[m:FAM_ABOUT]->(c)\n"  # the first version: scans every FAM_ABOUT
                 "WHERE m.anc = anc AND ($type IS NULL OR m.type = $type)\nRETURN count(DISTINCT c) AS n")  # 3 s at 1M
    for statement, seeks in ((Q.UNION_CLAIM_COUNT, True), (old_count, False)):
        plan = _profile(neo4j_store, statement, {"ancs": ancs, "type": None})
        assert any("RelationshipIndexSeek" in op and "FAM_ABOUT(anc, " in d for op, d, _ in plan) is seeks, plan
    for statement in (Q.UNION_CLAIMS, Q.UNION_CLAIMS_TYPED):
        plan = _profile(neo4j_store, statement, {"ancs": ancs, "type": "empirical", "arm": 1, "limit": 1, "offset": 0})
        assert any("RelationshipIndexSeek" in op and "FAM_ABOUT(anc, " in d for op, d, _ in plan), plan


@pytest.mark.neo4j
def test_neo4j_store_family_head_skips_the_family_read(neo4j_store, monkeypatch):
    """A filter naming its family's head is answered without reading which families its ids form
    (FAMILY_PARTS); the same ids without it read them. Both give the same page."""
    neo4j_store.write(gd.delta())
    family = neo4j_store.family_ids([gd.F_DIV.id])[gd.F_DIV.id]
    ran: list[str] = []
    read = neo4j_store._read
    monkeypatch.setattr(neo4j_store, "_read", lambda q, **p: ran.append(q) or read(q, **p))
    pages = []
    for head in (gd.F_DIV.id, None):
        ran.clear()
        pages.append(neo4j_store.find_papers(PaperQuery(using=(EntityFilter(ids=family, head=head),), limit=3)))
        assert (Q.FAMILY_PARTS in ran) is (head is None), ran
    assert pages[0] == pages[1] and pages[0].total > 0


@pytest.mark.neo4j
def test_neo4j_store_name_lookups_read_the_key_text_index(neo4j_store):
    """A name lookup and a name search read the TEXT index on ``keytext`` (one index read, not
    every entity's key list), and the list confirms the candidates."""
    neo4j_store.write(gd.delta())

    def operators(plan) -> list[str]:
        return [plan["operatorType"].split("@")[0], *(o for c in plan.get("children", []) for o in operators(c))]

    for statement, params in ((Q.LOOKUP, {"key": "kl", "needle": "\u001ekl\u001e", "kind": None}),
                              (Q.SEARCH_ENTITIES, {"key": "wasser", "kind": None})):
        _, summary, _ = neo4j_store.driver.execute_query("PROFILE " + statement, params, database_="neo4j")
        ops = operators(summary.profile)
        assert "NodeIndexContainsScan" in ops and "NodeByLabelScan" not in ops, ops
    assert [e.id for e in neo4j_store.lookup("relative entropy")] == [gd.KL.id]
    assert [e.id for e in neo4j_store.search_entities("wasser")] == [gd.W.id, gd.W1.id]


@pytest.mark.neo4j
def test_neo4j_store_upgrade_from_3_fills_the_key_texts(neo4j_store, neo4j_uri):
    """A database a kg of aggregates version 3 wrote (no ``keytext``) gets every entity's key text
    when a store opens it, and name lookups find its entities again."""
    neo4j_store.write(gd.delta())
    neo4j_store.driver.execute_query("MATCH (e:Entity) REMOVE e.keytext", database_="neo4j")
    neo4j_store.driver.execute_query("MATCH (m:KgMeta {key: 'aggregates'}) SET m.version = 3", database_="neo4j")
    assert neo4j_store.lookup("KL") == []
    with Neo4jStore(neo4j_uri, None, "neo4j") as reopened:
        assert [e.id for e in reopened.lookup("KL")] == [gd.KL.id]
        rows = reopened._read("MATCH (e:Entity) RETURN e.keytext AS t, e.keys AS keys")
        assert rows and all(r["t"] == "\u001e" + "".join(k + "\u001e" for k in r["keys"]) for r in rows)
        marker = reopened._read("MATCH (m:KgMeta {key: 'aggregates'}) RETURN m.version AS v")
        assert marker[0]["v"] == Q.AGGREGATES_VERSION
