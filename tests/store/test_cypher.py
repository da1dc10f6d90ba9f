"""The Cypher of the Neo4j store: key query texts pinned, the schema file in sync, the write plan's
shape, and (on a real server) every statement valid and the lookups served by indexes."""

from __future__ import annotations

import pytest

from kg.models import GraphDelta
from kg.store import cypher as Q
from tests import world as gd

PINNED = {
    "LOOKUP": (
        "MATCH (e:Entity)\n"
        "WHERE e.keytext CONTAINS $needle AND $key IN e.keys AND ($kind IS NULL OR e.kind = $kind)\n"
        "RETURN e {.id, .kind, .name, .aliases, .description, .family, .parents} AS e ORDER BY e.id"
    ),
    "MERGE_PAPERS": (
        "UNWIND $rows AS row\n"
        "MERGE (p:Paper {id: row.id})\n"
        "SET p = row.props\n"
        "WITH p, row\n"
        "CALL (p, row) {\n"
        "  MATCH (p)-[r:USES|PROPOSES|EVALUATES_ON]->(e:Entity)\n"
        "  WHERE NOT (type(r) + ' ' + e.id) IN row.links\n"
        "  DELETE r\n"
        "}\n"
        "CALL (p, row) {\n"
        "  MATCH (p)-[:MAKES]->(c:Claim)\n"
        "  WHERE NOT c.id IN row.claims\n"
        "  DETACH DELETE c\n"
        "}"
    ),
    "MERGE_CLAIMS": (
        "UNWIND $rows AS row\n"
        "MATCH (p:Paper {id: row.paper_id})\n"
        "MERGE (c:Claim {id: row.id})\n"
        "SET c = row\n"
        "MERGE (p)-[:MAKES]->(c)\n"
        "WITH c, row\n"
        "CALL (c, row) { MATCH (c)-[a:ABOUT]->(e:Entity) WHERE NOT e.id IN row.about DELETE a }\n"
        "UNWIND row.about AS eid\n"
        "MATCH (e:Entity {id: eid})\n"
        "MERGE (c)-[:ABOUT]->(e)"
    ),
    "FIND_PAPERS_ANCHORED": (
        "MATCH (a:Entity)<-[:USES|PROPOSES|EVALUATES_ON]-(p:Paper)\n"
        "WHERE a.id IN $anchor\n"
        "WITH DISTINCT p\n"
        "WHERE all(f IN $using WHERE EXISTS {\n"
        "    MATCH (p)-[r:USES|PROPOSES|EVALUATES_ON]->(x:Entity)\n"
        "    WHERE (x.id IN f.ids OR (size(f.ids) = 0 AND x.kind = f.kind))\n"
        "      AND (f.role IS NULL OR r.role = f.role) AND (f.variant IS NULL OR r.variant = f.variant) })\n"
        "  AND ($paper_ids IS NULL OR p.id IN $paper_ids)\n"
        "  AND ($year_min IS NULL OR p.year >= $year_min)\n"
        "  AND ($year_max IS NULL OR p.year <= $year_max)\n"
        "  AND ($venue IS NULL OR toLower(coalesce(p.venue, '')) CONTAINS $venue)\n"
        "  AND ($author IS NULL OR any(au IN coalesce(p.authors, []) WHERE toLower(au) CONTAINS $author))\n"
        "  AND ($category IS NULL OR any(c IN coalesce(p.categories, []) WHERE toLower(c) = $category))\n"
        "  AND all(w IN $words WHERE p.search CONTAINS w)\n"
        "WITH p ORDER BY p.id\n"
        "WITH collect(p) AS ps\n"
        "WITH size(ps) AS total, ps[$offset..$offset + $limit] AS page\n"
        "RETURN total,\n"
        "  [p IN page | {paper: p {.*, search: null}, links: [(p)-[r:USES|PROPOSES|EVALUATES_ON]->(e:Entity)\n"
        "     WHERE e.id IN $entity_ids OR e.kind IN $entity_kinds\n"
        "     | {entity: e.id, link: r {.role, .variant, .mentions, .evidence, .pos}}]}] AS rows,\n"
        "  COLLECT { UNWIND page AS q MATCH (q)-[:USES|PROPOSES|EVALUATES_ON]->(e:Entity)\n"
        "     WHERE e.id IN $entity_ids OR e.kind IN $entity_kinds"
        " RETURN DISTINCT e {.id, .kind, .name, .aliases, .description, .family, .parents} AS e } AS entities"
    ),
}
def test_cypher_relevance_order_uses_the_same_weights_as_the_models():
    from kg.models import RELEVANCE_EARLY, RELEVANCE_PROPOSED, RELEVANCE_TITLE

    text = Q.find_papers(True, "relevance", "desc")
    assert f"THEN {RELEVANCE_PROPOSED}" in text and f"THEN {RELEVANCE_TITLE}" in text
    assert f"THEN {RELEVANCE_EARLY}" in text and "WITH p ORDER BY score DESC, p.id\n" in text
    assert "WITH p ORDER BY p.year IS NULL, p.year DESC, p.id\n" in Q.find_papers(False, "year", "desc")


PINNED_BY_LABEL = {
    ("MERGE_ENTITIES", "divergence"): (
        "UNWIND $rows AS row\nMERGE (e:Entity {id: row.id})\nWITH e, row WHERE properties(e) <> row\n"
        "SET e = row, e:Divergence"
    ),
    ("MERGE_LINKS", "USES"): (
        "UNWIND $rows AS row\n"
        "MATCH (p:Paper {id: row.paper})\n"
        "MATCH (e:Entity {id: row.entity})\n"
        "MERGE (p)-[r:USES]->(e)\n"
        "SET r = row.props"
    ),
}


def all_statements() -> list[str]:
    """Every Cypher statement of the module."""
    out = list(Q.SCHEMA)
    for name in dir(Q):
        value = getattr(Q, name)
        if not name.isupper() or name.startswith("_") or name in ("SCHEMA_FILE", "KIND_LABELS"):
            continue
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            out.extend(value.values())
        elif name in ("REBUILD_AGGREGATES", "UPGRADE_FROM_2", "UPGRADE_FROM_3"):  # sequences
            out.extend(value)
    out += [Q.fam_papers(order, direction, filtered, total=total, head=head)
            for order, direction in sorted(Q.FAM_ORDERS) for filtered in (False, True)
            for total in ("degree", "pair", "count") for head in Q.FAM_HEADS]
    return out


@pytest.mark.parametrize("name", sorted(PINNED))
def test_cypher_key_query_text_is_pinned(name):
    assert getattr(Q, name) == PINNED[name]


@pytest.mark.parametrize(("name", "key"), sorted(PINNED_BY_LABEL))
def test_cypher_per_label_query_text_is_pinned(name, key):
    assert getattr(Q, name)[key] == PINNED_BY_LABEL[(name, key)]


def test_cypher_schema_file_matches_module():
    assert Q.schema_file_statements() == [" ".join(s.split()) for s in Q.SCHEMA]


@pytest.mark.parametrize("statement", all_statements())
def test_cypher_statements_are_parameterized_constants(statement):
    assert "{}" not in statement and "%s" not in statement
    assert "{_" not in statement  # no unformatted f-string leftovers
    if statement.startswith("CREATE CONSTRAINT") or statement.startswith("CREATE "):
        assert "IF NOT EXISTS" in statement


def test_cypher_write_plan_order_and_rows():
    batch = GraphDelta(extractions=tuple(gd.extractions()), entities=gd.TAXONOMY)
    plan = Q.write_plan(batch)
    statements = [q for q, _ in plan]
    assert statements == [
        Q.MERGE_ENTITIES["method"], Q.MERGE_ENTITIES["divergence"], Q.MERGE_ENTITIES["dataset"],
        Q.REPLACE_SUBTYPES, Q.MERGE_PAPERS,
        Q.MERGE_LINKS["USES"], Q.MERGE_LINKS["PROPOSES"], Q.MERGE_LINKS["EVALUATES_ON"],
        Q.MERGE_CLAIMS,
    ]
    rows = [len(p.get("rows", p.get("ids", []))) for _, p in plan]
    assert rows == [4, 8, 2, 8, 5, 8, 2, 4, 6]


def test_cypher_write_plan_entities_only():
    plan = Q.write_plan(GraphDelta(entities=(gd.GAN,)))
    assert [q for q, _ in plan] == [Q.MERGE_ENTITIES["method"]]


#: Database administration (run against ``system``, Enterprise only): EXPLAIN cannot plan it; the bulk
#: loader's tests run it (kg.store.bulk falls back when Community refuses).
_ADMIN = (Q.STOP_DATABASE, Q.START_DATABASE)


@pytest.mark.neo4j
@pytest.mark.parametrize(
    "statement",
    [s for s in all_statements() if s not in Q.SCHEMA and s not in (Q.CLEAR, Q.CLEAR_RELATIONSHIPS, *_ADMIN)]
)
def test_cypher_statement_is_valid_on_neo4j(neo4j_uri, statement):
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        _, summary, _ = driver.execute_query("EXPLAIN " + statement, database_="neo4j")
    assert summary.plan is not None


def _operators(plan) -> set[str]:
    ops = {plan["operatorType"].split("@")[0].split("(")[0]}
    for child in plan.get("children", []):
        ops |= _operators(child)
    return ops


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("statement", "operator"),
    [
        (Q.FIND_PAPERS_ANCHORED, "NodeUniqueIndexSeek"),
        (Q.PAPERS, "NodeUniqueIndexSeek"),
        (Q.ENTITIES, "NodeUniqueIndexSeek"),
        (Q.PAPER_VERSIONS, "NodeUniqueIndexSeek"),
        (Q.MERGE_LINKS["USES"], "NodeUniqueIndexSeek"),
    ],
)
def test_cypher_lookups_use_indexes(neo4j_store, neo4j_uri, statement, operator):
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        _, summary, _ = driver.execute_query("EXPLAIN " + statement, database_="neo4j")
    assert operator in _operators(summary.plan)
