"""Every Cypher statement kg's Neo4j store runs — parameterized, never built from user strings.

Why one module: reviewers see the whole database contract in one place, the text of the key queries
is pinned by tests (tests/store/test_cypher.py), and the schema statements are the ones documented in
queries/schema.cypher (a test keeps them identical). Labels and relationship types cannot be query
parameters, so the few statements that differ by label/type are fixed per label from the closed sets
below — still no user text ever reaches the query string.

Writes are ``UNWIND $rows AS row ... MERGE`` batches; every batch of a :class:`~kg.models.GraphDelta`
runs these statements in ONE managed transaction (see :func:`write_plan`).
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.models import RELEVANCE_EARLY, RELEVANCE_PROPOSED, RELEVANCE_TITLE, GraphDelta
from kg.store.records import KIND_LABELS, LINK_TYPES, entity_node_props, extraction_rows, paper_props

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "queries" / "schema.cypher"

#: Constraints and indexes, created idempotently when the store opens (= queries/schema.cypher).
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT method_id IF NOT EXISTS FOR (n:Method) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT divergence_id IF NOT EXISTS FOR (n:Divergence) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT dataset_id IF NOT EXISTS FOR (n:Dataset) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT claim_id IF NOT EXISTS FOR (n:Claim) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX entity_key IF NOT EXISTS FOR (n:Entity) ON (n.key)",
    "CREATE TEXT INDEX entity_keytext IF NOT EXISTS FOR (n:Entity) ON (n.keytext)",
    "CREATE INDEX paper_year IF NOT EXISTS FOR (n:Paper) ON (n.year)",
    "CREATE INDEX claim_type IF NOT EXISTS FOR (n:Claim) ON (n.type)",
    "CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Method|Divergence|Dataset) "
    "ON EACH [n.name, n.aliases]",
    "CREATE FULLTEXT INDEX paper_titles IF NOT EXISTS FOR (n:Paper) ON EACH [n.title]",
    "CREATE CONSTRAINT year_count_key IF NOT EXISTS FOR (n:YearCount) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT entity_year_key IF NOT EXISTS FOR (n:EntityYear) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT cooc_key IF NOT EXISTS FOR (n:Cooc) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX entity_year_entity IF NOT EXISTS FOR (n:EntityYear) ON (n.entity)",
    "CREATE INDEX cooc_a IF NOT EXISTS FOR (n:Cooc) ON (n.a)",
    "CREATE INDEX fam_id IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.pid)",
    "CREATE INDEX fam_relevance IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.nscore, m.pid)",
    "CREATE INDEX fam_year_asc IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.ya, m.pid)",
    "CREATE INDEX fam_year_desc IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.yd, m.pid)",
    "CREATE INDEX fam_about_id IF NOT EXISTS FOR ()-[m:FAM_ABOUT]-() ON (m.anc, m.cid)",
    "CREATE INDEX fam_about_type IF NOT EXISTS FOR ()-[m:FAM_ABOUT]-() ON (m.anc, m.type, m.cid)",
    "CREATE CONSTRAINT fam_year_key IF NOT EXISTS FOR (n:FamYear) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT fam_cooc_key IF NOT EXISTS FOR (n:FamCooc) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX fam_year_anc IF NOT EXISTS FOR (n:FamYear) ON (n.anc)",
    "CREATE INDEX fam_cooc_anc IF NOT EXISTS FOR (n:FamCooc) ON (n.anc)",
    "CREATE CONSTRAINT kg_tag_id IF NOT EXISTS FOR (n:KgTag) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT kg_meta_key IF NOT EXISTS FOR (n:KgMeta) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT fam_pair_key IF NOT EXISTS FOR (n:FamPair) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX fam_pair_a IF NOT EXISTS FOR (n:FamPair) ON (n.a)",
    "CREATE INDEX fam_pair_b IF NOT EXISTS FOR (n:FamPair) ON (n.b)",
)


def schema_file_statements(path: Path = SCHEMA_FILE) -> list[str]:
    """The statements of a ``.cypher`` file: ``//`` comments dropped, split on ``;``, whitespace
    collapsed (so a statement may span lines)."""
    text = re.sub(r"//[^\n]*", "", path.read_text(encoding="utf-8"))
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


_LINKS = "|".join(LINK_TYPES)  # USES|PROPOSES|EVALUATES_ON
#: What reads return of an entity / a link / a paper: only what the models need (decoding Bolt
#: values dominates read time, so the lookup keys and the scalar evidence copies stay on the server).
_ENTITY = "e {.id, .kind, .name, .aliases, .description, .family, .parents}"
_LINK = "r {.role, .variant, .mentions, .evidence, .pos}"
_PAPER = "p {.*, search: null}"

#: The relevance score of kg.models.relevance_score (same weights) of a paper's links ``rl`` to the
#: looked-up entities (their scalar copies of the first evidence, and the evidence count).
_SCORE = (
    f"CASE WHEN any(r IN rl WHERE r.role = 'proposed') THEN {RELEVANCE_PROPOSED} ELSE 0 END\n"
    f"  + CASE WHEN any(r IN rl WHERE r.field = 'title') THEN {RELEVANCE_TITLE}\n"
    f"    WHEN any(r IN rl WHERE r.field = 'abstract' AND coalesce(r.sentence_index, 0) <= 1)"
    f" THEN {RELEVANCE_EARLY} ELSE 0 END\n"
    "  + reduce(n = 0, r IN rl | n + coalesce(r.count, 1))"
)

# -- writes ---------------------------------------------------------------------------------------

#: Upsert entities of one kind; properties replaced by the latest write, unchanged entities not
#: touched (every batch carries the entities its papers use; re-setting them re-indexed their names
#: in the full-text index at every commit). One per label.
MERGE_ENTITIES: dict[str, str] = {
    kind: (
        "UNWIND $rows AS row\n"
        "MERGE (e:Entity {id: row.id})\n"
        "WITH e, row WHERE properties(e) <> row\n"
        f"SET e = row, e:{label}"
    )
    for kind, label in KIND_LABELS.items()
}

#: Make the SUBTYPE_OF edges of the taxonomy entities written (divergences, and the method and
#: dataset families) match their ``parents`` (stale edges deleted, an edge to every listed parent of
#: the same kind that exists). Divergences also link existing children naming them; for the (large)
#: method and dataset labels that scan is skipped: ingest writes the taxonomy before any paper, so a
#: child always finds its parent already there.
REPLACE_SUBTYPES = (
    "UNWIND $ids AS cid\n"
    "MATCH (c:Entity {id: cid})\n"
    "CALL (c) { MATCH (c)-[s:SUBTYPE_OF]->(old) WHERE NOT old.id IN c.parents DELETE s }\n"
    "CALL (c) {\n"
    "  UNWIND c.parents AS pid\n"
    "  MATCH (p:Entity {id: pid}) WHERE p.kind = c.kind\n"
    "  MERGE (c)-[:SUBTYPE_OF]->(p)\n"
    "}\n"
    "CALL (c) {\n"
    "  MATCH (child:Divergence) WHERE c:Divergence AND c.id IN child.parents\n"
    "  MERGE (child)-[:SUBTYPE_OF]->(c)\n"
    "}"
)

#: Upsert papers and delete the links and claims they no longer have (``row.links`` holds
#: "<TYPE> <entity id>" of the new links, ``row.claims`` the new claim ids). Deleting only what is
#: stale keeps re-writes cheap: deleting every ABOUT link of dense entity nodes and re-creating them
#: in the same transaction made later statements of the batch ~10x slower.
MERGE_PAPERS = (
    "UNWIND $rows AS row\n"
    "MERGE (p:Paper {id: row.id})\n"
    "SET p = row.props\n"
    "WITH p, row\n"
    "CALL (p, row) {\n"
    f"  MATCH (p)-[r:{_LINKS}]->(e:Entity)\n"
    "  WHERE NOT (type(r) + ' ' + e.id) IN row.links\n"
    "  DELETE r\n"
    "}\n"
    "CALL (p, row) {\n"
    "  MATCH (p)-[:MAKES]->(c:Claim)\n"
    "  WHERE NOT c.id IN row.claims\n"
    "  DETACH DELETE c\n"
    "}"
)

#: Upsert paper → entity links of one relationship type (properties replaced). One per type.
MERGE_LINKS: dict[str, str] = {
    rel: (
        "UNWIND $rows AS row\n"
        "MATCH (p:Paper {id: row.paper})\n"
        "MATCH (e:Entity {id: row.entity})\n"
        f"MERGE (p)-[r:{rel}]->(e)\n"
        "SET r = row.props"
    )
    for rel in LINK_TYPES
}

#: Upsert claims with MAKES, and their ABOUT links (stale ones deleted; only to entities that exist).
MERGE_CLAIMS = (
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
)

#: Delete everything, in batches (needs an auto-commit transaction): the relationships first, since
#: one batch of 10,000 nodes holding dense entities (every paper of a family, FAM) passed the server's
#: transaction memory limit at 20,000 papers.
CLEAR_RELATIONSHIPS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"

# -- maintained aggregates -------------------------------------------------------------------------
# Summary nodes, kept in the write transaction of each batch (deltas computed by
# kg.store.records.aggregate_deltas from the papers' old and new footprints):
#   (:YearCount {key, known, year, papers})            papers per year ("unknown": known = false)
#   (:EntityYear {key, entity, known, year, papers})   papers per entity and year
#   (:Cooc {key, a, b, papers})                        papers linked to both a and b
# Papers per entity need no summary: one link per (paper, entity), so the entity's degree is it.

#: The footprints (year, linked entity ids) the batch's papers had before this write, and the
#: families and kind tags they belonged to (their FAM relationships).
OLD_FOOTPRINTS = (
    "UNWIND $ids AS pid\n"
    "MATCH (p:Paper {id: pid})\n"
    f"RETURN p.id AS id, p.year AS year, [(p)-[:{_LINKS}]->(e:Entity) | e.id] AS entities,\n"
    "  [()-[m:FAM]->(p) | m.anc] AS ancs"
)
ADD_YEAR_COUNTS = (
    "UNWIND $rows AS row\n"
    "MERGE (y:YearCount {key: row.key})\n"
    "ON CREATE SET y.known = row.known, y.year = row.year, y.papers = 0\n"
    "SET y.papers = y.papers + row.delta"
)
ADD_ENTITY_YEARS = (
    "UNWIND $rows AS row\n"
    "MERGE (y:EntityYear {key: row.key})\n"
    "ON CREATE SET y.entity = row.entity, y.known = row.known, y.year = row.year, y.papers = 0\n"
    "SET y.papers = y.papers + row.delta"
)
ADD_PAIRS = (
    "UNWIND $rows AS row\n"
    "MERGE (c:Cooc {key: row.key})\n"
    "ON CREATE SET c.a = row.a, c.b = row.b, c.papers = 0\n"
    "SET c.papers = c.papers + row.delta"
)
#: The version of the maintained summaries: 2 added the families (FAM, FAM_ABOUT, FamYear, FamCooc);
#: 3 the kind tags (KgTag nodes with FAM relationships) and the pair counts (FamPair).
AGGREGATES_VERSION = 4
#: Marks a database whose summary nodes are complete (absent or older: written by an older kg or a
#: bulk import; the store then recounts them).
AGGREGATES_MARKER = ("OPTIONAL MATCH (m:KgMeta {key: 'aggregates'}) OPTIONAL MATCH (g:KgMeta {key: 'graph'}) "
                     "RETURN m.version AS version, g.token AS token")
#: The graph's version token (:meth:`Neo4jStore.version`): every write transaction, ``clear`` and
#: aggregates rebuild sets a new random one — first in a write batch, whose transaction then holds the
#: node's lock to its commit: concurrent kg writers take turns.
GRAPH_VERSION = "MATCH (g:KgMeta {key: 'graph'}) RETURN g.token AS token"
TOUCH = "MERGE (g:KgMeta {key: 'graph'}) SET g.token = $token"
#: Committed first by an operation of several transactions (``clear``, an aggregates recount): no
#: version while it runs or after it failed half-way, so the API caches nothing from a changing graph.
UNTOUCH = "MATCH (g:KgMeta {key: 'graph'}) REMOVE g.token"
SET_AGGREGATES_MARKER = f"MERGE (m:KgMeta {{key: 'aggregates'}}) SET m.version = {AGGREGATES_VERSION}"
_YEAR_KEY = "CASE WHEN p.year IS NULL THEN 'unknown' ELSE toString(p.year) END"
def year_key(year: int | None) -> str:
    """The ``key`` of a year bucket (``unknown`` for papers without a year)."""
    return "unknown" if year is None else str(year)


def pair_key(a: str, b: str) -> str:
    """The ``key`` of a summary row of two parts: an entity or family and a year bucket
    (:func:`year_key`), or a pair of entity/family ids (``a`` < ``b`` where the pair is unordered).
    The recount statements below build the same keys in Cypher (``a.id + '|' + bid``)."""
    return f"{a}|{b}"


def aggregate_plan(
    years: dict[int | None, int],
    entity_years: dict[tuple[str, int | None], int],
    pairs: dict[tuple[str, str], int],
) -> list[tuple[str, dict]]:
    """The statements applying aggregate deltas (:func:`kg.store.records.aggregate_deltas`)."""
    plan: list[tuple[str, dict]] = []
    if years:
        rows = [{"key": year_key(y), "known": y is not None, "year": y or 0, "delta": d} for y, d in years.items()]
        plan.append((ADD_YEAR_COUNTS, {"rows": rows}))
    if entity_years:
        rows = [
            {"key": pair_key(e, year_key(y)), "entity": e, "known": y is not None, "year": y or 0, "delta": d}
            for (e, y), d in entity_years.items()
        ]
        plan.append((ADD_ENTITY_YEARS, {"rows": rows}))
    if pairs:
        rows = [{"key": pair_key(a, b), "a": a, "b": b, "delta": d} for (a, b), d in pairs.items()]
        plan.append((ADD_PAIRS, {"rows": rows}))
    return plan


# -- families ------------------------------------------------------------------------------------
# A family is an entity with its transitive SUBTYPE_OF descendants ("KL divergence" and its forward
# and reverse variants). Its membership is materialised at write time (kg.store.families computes
# the rows), so a family's page, total, years, co-occurrence and claims are index reads:
#   (a:Entity)-[:FAM {anc, pid, year, score, nscore, ya, yd}]->(p:Paper)
#       one per paper linked to a's family (a itself included, so every entity has them); the
#       page-order keys: paper id, relevance of the links to the family (nscore = -score), year
#       ascending / descending with unknown years last (ya / yd, NO_YEAR when unknown); one
#       relationship index per page order, each (anc, key, pid) so a page is read in order.
#   (a:Entity)-[:FAM_ABOUT {anc, cid, type}]->(c:Claim)   claims about a's family
#   (:FamYear {key, anc, known, year, papers})   papers of a proper family (with descendants) per year
#   (:FamCooc {key, anc, b, papers})             papers of a proper family also linked to b
# A taxonomy change rebuilds the families whose members changed (REBUILD_FAMILIES).

#: ``ya``/``yd`` of a paper without a year: after every real year, in both orders.
NO_YEAR = 1_000_000_000
#: The LIMIT of "no limit" (``$limit`` -1): 2**62, not 2**63 - 1, which overflows when Neo4j adds
#: the SKIP to it ("long overflow" for every claims page with an offset and no limit).
NO_LIMIT = 2**62

#: Every entity's ancestors (itself included) and those of them that head a proper family.
ANCESTORS = (
    "UNWIND $ids AS eid\n"
    "MATCH (e:Entity {id: eid})\n"
    "RETURN eid AS id, COLLECT { MATCH (e)-[:SUBTYPE_OF*0..]->(a:Entity) RETURN DISTINCT a.id } AS ancs,\n"
    "  COLLECT { MATCH (e)-[:SUBTYPE_OF*0..]->(a:Entity) WHERE EXISTS { (a)<-[:SUBTYPE_OF]-(:Entity) }\n"
    "    RETURN DISTINCT a.id } AS families"
)
#: The proper families: each ancestor with its descendants (to see which a taxonomy write changed).
CLOSURE = "MATCH (a:Entity)<-[:SUBTYPE_OF*1..]-(d:Entity)\nRETURN a.id AS anc, collect(DISTINCT d.id) AS members"

#: Make a paper's FAM relationships those of ``row.fams`` (families) and ``row.tags`` (kind tags, their
#: KgTag nodes made on first use); stale ones deleted, unchanged ones untouched.
REPLACE_FAMILIES = (
    "UNWIND $rows AS row\n"
    "MATCH (p:Paper {id: row.paper})\n"
    "CALL (p, row) { MATCH ()-[m:FAM]->(p) WHERE NOT m.anc IN row.ancs DELETE m }\n"
    "CALL (p, row) {\n"
    "  UNWIND row.fams AS fam\n"
    "  MATCH (a:Entity {id: fam.anc})\n"
    "  MERGE (a)-[m:FAM]->(p)\n"
    "  WITH m, fam WHERE properties(m) <> fam\n"
    "  SET m = fam\n"
    "}\n"
    "CALL (p, row) {\n"
    "  UNWIND row.tags AS fam\n"
    "  MERGE (a:KgTag {id: fam.anc})\n"
    "  MERGE (a)-[m:FAM]->(p)\n"
    "  WITH m, fam WHERE properties(m) <> fam\n"
    "  SET m = fam\n"
    "}"
)
#: Make a claim's FAM_ABOUT relationships those of ``row.fams``.
REPLACE_FAMILY_ABOUT = (
    "UNWIND $rows AS row\n"
    "MATCH (c:Claim {id: row.id})\n"
    "CALL (c, row) { MATCH (:Entity)-[m:FAM_ABOUT]->(c) WHERE NOT m.anc IN row.ancs DELETE m }\n"
    "CALL (c, row) {\n"
    "  UNWIND row.fams AS fam\n"
    "  MATCH (a:Entity {id: fam.anc})\n"
    "  MERGE (a)-[m:FAM_ABOUT]->(c)\n"
    "  WITH m, fam WHERE properties(m) <> fam\n"
    "  SET m = fam\n"
    "}"
)
ADD_FAMILY_YEARS = (
    "UNWIND $rows AS row\n"
    "MERGE (y:FamYear {key: row.key})\n"
    "ON CREATE SET y.anc = row.anc, y.known = row.known, y.year = row.year, y.papers = 0\n"
    "SET y.papers = y.papers + row.delta"
)
ADD_FAMILY_PAIRS = (
    "UNWIND $rows AS row\n"
    "MERGE (c:FamCooc {key: row.key})\n"
    "ON CREATE SET c.anc = row.anc, c.b = row.b, c.papers = 0\n"
    "SET c.papers = c.papers + row.delta"
)
#: (:FamPair {key: "a|b", a, b, papers}): papers in both of two families or kind tags (a < b).
ADD_PAIRS_OF_KEYS = (
    "UNWIND $rows AS row\n"
    "MERGE (c:FamPair {key: row.key})\n"
    "ON CREATE SET c.a = row.a, c.b = row.b, c.papers = 0\n"
    "SET c.papers = c.papers + row.delta"
)
#: The FamPair nodes of head ``a`` (a family or tag) with every other head, counted from FAM
#: (only the pairs where ``a`` is the smaller id with ``smaller_only``).
_PAIRS_OF = (
    "CALL (a) {{\n"
    "  MATCH (a)-[m:FAM]->(:Paper)<-[n:FAM]-()\n"
    "  WHERE n.anc {cmp} m.anc\n"
    "  WITH m.anc AS x, n.anc AS y, count(*) AS c\n"
    "  WITH CASE WHEN x < y THEN x ELSE y END AS lo, CASE WHEN x < y THEN y ELSE x END AS hi, c\n"
    "  MERGE (f:FamPair {{key: lo + '|' + hi}}) ON CREATE SET f.a = lo, f.b = hi\n"
    "  SET f.papers = c\n"
    "}}\n"
)

#: The FAM and FAM_ABOUT relationships of family ``a`` counted from the graph (its members' links and
#: ABOUT edges).
_FAMILY_RELS = (
    "CALL (a) {\n"
    "  MATCH (a)<-[:SUBTYPE_OF*0..]-(d:Entity)\n"
    "  WITH DISTINCT a, d\n"
    f"  MATCH (d)<-[r:{_LINKS}]-(p:Paper)\n"
    "  WITH a, p, collect(r) AS rl\n"
    f"  WITH a, p, {_SCORE} AS score\n"
    "  CREATE (a)-[:FAM {anc: a.id, pid: p.id, year: p.year, score: score, nscore: -score,\n"
    f"    ya: coalesce(p.year, {NO_YEAR}), yd: coalesce(-p.year, {NO_YEAR})}}]->(p)\n"
    "}\n"
    "CALL (a) {\n"
    "  MATCH (a)<-[:SUBTYPE_OF*0..]-(d:Entity)\n"
    "  WITH DISTINCT a, d\n"
    "  MATCH (d)<-[:ABOUT]-(c:Claim)\n"
    "  WITH DISTINCT a, c\n"
    "  CREATE (a)-[:FAM_ABOUT {anc: a.id, cid: c.id, type: c.type}]->(c)\n"
    "}\n"
)
#: The FamYear and FamCooc summary nodes of family ``a`` (if it has descendants), from its FAM.
_FAMILY_SUMMARIES = (
    "CALL (a) {\n"
    "  MATCH (a)-[:FAM]->(p:Paper) WHERE EXISTS { (a)<-[:SUBTYPE_OF]-(:Entity) }\n"
    f"  WITH a, {_YEAR_KEY} AS yk, p.year IS NOT NULL AS known, coalesce(p.year, 0) AS year, count(*) AS n\n"
    "  CREATE (:FamYear {key: a.id + '|' + yk, anc: a.id, known: known, year: year, papers: n})\n"
    "}\n"
    "CALL (a) {\n"
    f"  MATCH (a)-[:FAM]->(:Paper)-[:{_LINKS}]->(b:Entity) WHERE EXISTS {{ (a)<-[:SUBTYPE_OF]-(:Entity) }}\n"
    "  WITH a, b.id AS bid, count(*) AS n\n"
    "  CREATE (:FamCooc {key: a.id + '|' + bid, anc: a.id, b: bid, papers: n})\n"
    "}"
)
_FAMILY_COUNT = _FAMILY_RELS + _FAMILY_SUMMARIES
_FAMILY_RELS_CLEARED = "CALL (a) { MATCH (a)-[m:FAM|FAM_ABOUT]->() DELETE m }\n"
#: The families of ``$ids`` rebuilt (after a taxonomy write changed their members), their pair
#: counts with every other family and tag too.
REBUILD_FAMILIES = (
    "UNWIND $ids AS aid\n"
    "MATCH (a:Entity {id: aid})\n"
    + _FAMILY_RELS_CLEARED +
    "CALL (a) { MATCH (n:FamYear {anc: a.id}) DELETE n }\n"
    "CALL (a) { MATCH (n:FamCooc {anc: a.id}) DELETE n }\n"
    "CALL (a) { MATCH (n:FamPair) WHERE n.a = a.id DELETE n }\n"
    "CALL (a) { MATCH (n:FamPair) WHERE n.b = a.id DELETE n }\n"
    + _FAMILY_COUNT + "\n" + _PAIRS_OF.format(cmp="<>")
)


def family_plan(
    papers: list[dict], claims: list[dict], years: dict[tuple[str, int | None], int],
    pairs: dict[tuple[str, str], int], rebuild: list[str], key_pairs: dict[tuple[str, str], int],
) -> list[tuple[str, dict]]:
    """The statements bringing the families up to date after a batch (rows from
    :mod:`kg.store.families`): papers' FAM and claims' FAM_ABOUT relationships, FamYear, FamCooc and
    FamPair deltas, and the families to rebuild whole (last: they recount what the batch wrote)."""
    plan: list[tuple[str, dict]] = []
    if papers:
        plan.append((REPLACE_FAMILIES, {"rows": papers}))
    if claims:
        plan.append((REPLACE_FAMILY_ABOUT, {"rows": claims}))
    if years:
        rows = [{"key": pair_key(a, year_key(y)), "anc": a, "known": y is not None, "year": y or 0, "delta": d}
                for (a, y), d in years.items()]
        plan.append((ADD_FAMILY_YEARS, {"rows": rows}))
    if pairs:
        rows = [{"key": pair_key(a, b), "anc": a, "b": b, "delta": d} for (a, b), d in pairs.items()]
        plan.append((ADD_FAMILY_PAIRS, {"rows": rows}))
    if key_pairs:
        rows = [{"key": pair_key(a, b), "a": a, "b": b, "delta": d} for (a, b), d in key_pairs.items()]
        plan.append((ADD_PAIRS_OF_KEYS, {"rows": rows}))
    if rebuild:
        plan.append((REBUILD_FAMILIES, {"ids": rebuild}))
    return plan


#: The kind tags' FAM relationships counted from every paper's links (records.link_tags), in batches.
_TAG_RELS = (
    "MATCH (:KgTag)-[m:FAM]->() CALL (m) { DELETE m } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (p:Paper)\n"
    "CALL (p) {\n"
    f"  MATCH (p)-[r:{_LINKS}]->(x:Entity)\n"
    "  UNWIND [[null, null], [r.role, null], [null, r.variant], [r.role, r.variant]] AS rv\n"
    "  WITH DISTINCT p, 'tag:' + x.kind + ':' + coalesce(rv[0], '') + ':' + coalesce(rv[1], '') AS tid\n"
    "  MERGE (t:KgTag {id: tid})\n"
    "  CREATE (t)-[:FAM {anc: tid, pid: p.id, year: p.year, score: 0, nscore: 0,\n"
    f"    ya: coalesce(p.year, {NO_YEAR}), yd: coalesce(-p.year, {NO_YEAR})}}]->(p)\n"
    "} IN TRANSACTIONS OF 1000 ROWS",
)
#: Every FamPair counted from FAM, one head (family or tag) at a time, each pair from its smaller head.
_PAIR_RECOUNT = (
    "MATCH (n:FamPair) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (a) WHERE a:Entity OR a:KgTag\nCALL (a) {\n"
    + "\n".join("  " + line for line in _PAIRS_OF.format(cmp=">").splitlines())
    + "\n} IN TRANSACTIONS OF 1 ROWS",
)
#: Every entity's ``keytext`` (records.key_text: its keys between U+001E separators), for the TEXT
#: index of name lookups, where it is missing (a database written by a kg before version 4).
_KEY_TEXT = (
    "MATCH (e:Entity) WHERE e.keytext IS NULL\n"
    "CALL (e) {\n"
    "  SET e.keytext = '\\u001E' + reduce(s = '', k IN coalesce(e.keys, []) | s + k + '\\u001E')\n"
    "} IN TRANSACTIONS OF 10000 ROWS"
)
#: The upgrade of a database whose aggregates are of version 2: the kind tags, the pair counts, the
#: key texts.
UPGRADE_FROM_2: tuple[str, ...] = (*_TAG_RELS, *_PAIR_RECOUNT, _KEY_TEXT, SET_AGGREGATES_MARKER)
#: The upgrade from version 3: the key texts.
UPGRADE_FROM_3: tuple[str, ...] = (_KEY_TEXT, SET_AGGREGATES_MARKER)


def _recount() -> tuple[str, ...]:
    """The recount statements: every summary node, family relationship and kind tag, from the graph
    (kg.store.bulk counts the same in Python while it stages a bulk load)."""
    family = _FAMILY_RELS_CLEARED + _FAMILY_COUNT
    return (
        "MATCH (n) WHERE n:YearCount OR n:EntityYear OR n:Cooc OR n:FamYear OR n:FamCooc\n"
        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
        "MATCH (p:Paper)\n"
        f"WITH {_YEAR_KEY} AS key, p.year IS NOT NULL AS known, coalesce(p.year, 0) AS year, count(*) AS n\n"
        "CREATE (:YearCount {key: key, known: known, year: year, papers: n})",
        # one entity at a time, committed in batches: a single transaction over a large graph would pass
        # the server's transaction memory limit (a 100k-paper bulk import did, at 512 MiB)
        "MATCH (e:Entity)\n"
        "CALL (e) {\n"
        f"  MATCH (p:Paper)-[:{_LINKS}]->(e)\n"
        f"  WITH e.id AS entity, {_YEAR_KEY} AS yk, p.year IS NOT NULL AS known, coalesce(p.year, 0) AS year,\n"
        "    count(*) AS n\n"
        "  CREATE (:EntityYear {key: entity + '|' + yk, entity: entity, known: known, year: year, papers: n})\n"
        "} IN TRANSACTIONS OF 100 ROWS",
        "MATCH (a:Entity)\n"
        "CALL (a) {\n"
        f"  MATCH (a)<-[:{_LINKS}]-(p:Paper)-[:{_LINKS}]->(b:Entity)\n"
        "  WITH a.id AS aid, b.id AS bid, count(p) AS n\n"
        "  CREATE (:Cooc {key: aid + '|' + bid, a: aid, b: bid, papers: n})\n"
        "} IN TRANSACTIONS OF 20 ROWS",
        # every family (FAM, FAM_ABOUT, FamYear, FamCooc; see "families" above), one transaction per
        # entity: a family of a large corpus holds hundreds of thousands of papers
        "MATCH (a:Entity)\nCALL (a) {\n"
        + "\n".join("  " + line for line in family.splitlines())
        + "\n} IN TRANSACTIONS OF 1 ROWS",
        *_TAG_RELS,
        *_PAIR_RECOUNT,
        _KEY_TEXT,
        SET_AGGREGATES_MARKER,
    )


#: The full recount (first statement needs an auto-commit transaction).
REBUILD_AGGREGATES: tuple[str, ...] = _recount()


# -- bulk load (kg.store.bulk) ---------------------------------------------------------------------

#: Is the database empty? (``nodes`` is 0 or 1; the aggregates marker a cleared database keeps is no data.)
ANY_NODE = "RETURN COUNT { MATCH (n) WHERE NOT n:KgMeta AND NOT n:KgTag RETURN n LIMIT 1 } AS nodes"
#: Take a database offline / online (run against ``system``; Enterprise only: Community refuses).
STOP_DATABASE = "STOP DATABASE $name WAIT"
START_DATABASE = "START DATABASE $name WAIT"
#: Does the database answer?
PING = "RETURN 1 AS ok"
#: Wait until every index is online (after a bulk load creates them).
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

# -- reads ----------------------------------------------------------------------------------------

PAPER_VERSIONS = (
    "UNWIND $ids AS pid\n"
    "MATCH (p:Paper {id: pid})\n"
    "RETURN p.id AS id, p.content_hash AS hash, p.extractor_version AS version"
)

#: Exact key: the TEXT index on ``keytext`` (records.key_text; $needle = separator + key + separator)
#: finds the candidates, the list confirms.
LOOKUP = (
    "MATCH (e:Entity)\n"
    "WHERE e.keytext CONTAINS $needle AND $key IN e.keys AND ($kind IS NULL OR e.kind = $kind)\n"
    f"RETURN {_ENTITY} AS e ORDER BY e.id"
)

SEARCH_ENTITIES = (
    "MATCH (e:Entity)\n"
    "WHERE e.keytext CONTAINS $key AND ($kind IS NULL OR e.kind = $kind) AND any(k IN e.keys WHERE k CONTAINS $key)\n"
    f"RETURN {_ENTITY} AS e"
)

ENTITIES = f"UNWIND $ids AS eid\nMATCH (e:Entity {{id: eid}})\nRETURN {_ENTITY} AS e"

DESCENDANTS = (
    "MATCH (:Entity {id: $id})<-[:SUBTYPE_OF*1..]-(e:Entity)\n"
    "WHERE e.id <> $id\n"
    f"RETURN DISTINCT {_ENTITY} AS e"
)
#: Each existing entity of $ids with the ids of its transitive subtypes.
FAMILY_IDS = (
    "UNWIND $ids AS rid\n"
    "MATCH (r:Entity {id: rid})\n"
    "OPTIONAL MATCH (r)<-[:SUBTYPE_OF*1..]-(e:Entity)\n"
    "RETURN rid AS id, collect(DISTINCT e.id) AS members"
)
PARENTS = f"MATCH (:Entity {{id: $id}})-[:SUBTYPE_OF]->(e:Entity)\nRETURN DISTINCT {_ENTITY} AS e"
CHILDREN = f"MATCH (:Entity {{id: $id}})<-[:SUBTYPE_OF]-(e:Entity)\nRETURN DISTINCT {_ENTITY} AS e"

#: Papers per entity: its degree (one link per paper and entity), read from the node's degree store.
ENTITY_COUNTS = (
    "MATCH (e:Entity)\n"
    "WHERE $kind IS NULL OR e.kind = $kind\n"
    f"RETURN {_ENTITY} AS e, COUNT {{ (e)<-[:{_LINKS}]-() }} AS papers"
)
#: The most used entities (of $kind): every one with at least as many papers as the $top-th most used
#: (ties at the cut included). Each entity's degree is read twice from the degree store (a pass over
#: the entities, never over papers or links); only these entities are returned.
ENTITY_TOP = (
    "CALL () {\n"
    "  MATCH (e:Entity) WHERE $kind IS NULL OR e.kind = $kind\n"
    f"  WITH COUNT {{ (e)<-[:{_LINKS}]-() }} AS papers ORDER BY papers DESC LIMIT $top\n"
    "  RETURN min(papers) AS cut\n"
    "}\n"
    "MATCH (e:Entity) WHERE $kind IS NULL OR e.kind = $kind\n"
    f"WITH e, COUNT {{ (e)<-[:{_LINKS}]-() }} AS papers, cut WHERE papers >= cut\n"
    f"RETURN {_ENTITY} AS e, papers"
)
#: How many entities (of $kind) there are.
COUNT_ENTITIES = "MATCH (e:Entity) WHERE $kind IS NULL OR e.kind = $kind RETURN count(e) AS n"

#: How many pairs of the given entities share a paper (0: their papers are disjoint, so the
#: per-entity summary nodes can simply be added up).
SHARED_PAIRS = "MATCH (c:Cooc) WHERE c.a IN $ids AND c.b IN $ids AND c.papers > 0 RETURN count(c) AS shared"
#: Of the FamPair nodes ``$keys`` (pairs of families), those with shared papers.
PAIRS_SHARED = "MATCH (c:FamPair) WHERE c.key IN $keys AND c.papers > 0 RETURN count(c) AS shared"

#: Co-occurrence from the summary nodes (given entities with disjoint papers).
COOCCURRING_SUMMED = (
    "MATCH (c:Cooc)\n"
    "WHERE c.a IN $ids AND NOT c.b IN $ids AND c.papers > 0\n"
    "WITH c.b AS id, sum(c.papers) AS papers\n"
    "MATCH (e:Entity {id: id})\n"
    "WHERE $kind IS NULL OR e.kind = $kind\n"
    f"RETURN {_ENTITY} AS e, papers"
)

#: Co-occurrence counted over distinct papers (given entities that share papers).
COOCCURRING = (
    f"MATCH (x:Entity)<-[:{_LINKS}]-(p:Paper)\n"
    "WHERE x.id IN $ids\n"
    "WITH DISTINCT p\n"
    f"MATCH (p)-[:{_LINKS}]->(e:Entity)\n"
    "WHERE NOT e.id IN $ids AND ($kind IS NULL OR e.kind = $kind)\n"
    f"RETURN {_ENTITY} AS e, count(DISTINCT p) AS papers"
)

_PAPER_WHERE = (
    "WHERE all(f IN $using WHERE EXISTS {\n"
    f"    MATCH (p)-[r:{_LINKS}]->(x:Entity)\n"
    "    WHERE (x.id IN f.ids OR (size(f.ids) = 0 AND x.kind = f.kind))\n"
    "      AND (f.role IS NULL OR r.role = f.role) AND (f.variant IS NULL OR r.variant = f.variant) })\n"
    "  AND ($paper_ids IS NULL OR p.id IN $paper_ids)\n"
    "  AND ($year_min IS NULL OR p.year >= $year_min)\n"
    "  AND ($year_max IS NULL OR p.year <= $year_max)\n"
    "  AND ($venue IS NULL OR toLower(coalesce(p.venue, '')) CONTAINS $venue)\n"
    "  AND ($author IS NULL OR any(au IN coalesce(p.authors, []) WHERE toLower(au) CONTAINS $author))\n"
    "  AND ($category IS NULL OR any(c IN coalesce(p.categories, []) WHERE toLower(c) = $category))\n"
    "  AND all(w IN $words WHERE p.search CONTAINS w)\n"
)

#: The relevance score of kg.models.relevance_score (same weights), from the links to $rank_ids.


_RELEVANCE = f"WITH p, [(p)-[r:{_LINKS}]->(x:Entity) WHERE x.id IN $rank_ids | r] AS rl\nWITH p, {_SCORE} AS score\n"

#: ORDER BY of each (order, direction): fixed texts (never built from user input); ties by id,
#: missing years last in both directions (as kg.store.records.sort_papers).
_ORDER_BY = {
    ("id", "asc"): "p.id", ("id", "desc"): "p.id DESC",
    ("year", "asc"): "p.year IS NULL, p.year, p.id", ("year", "desc"): "p.year IS NULL, p.year DESC, p.id",
    ("title", "asc"): "p.title, p.id", ("title", "desc"): "p.title DESC, p.id",
    ("relevance", "asc"): "score, p.id", ("relevance", "desc"): "score DESC, p.id",
}

#: The answer of a paper search from its ``total`` and ``page`` (a list of papers, in order).
_PAGE_RETURN = (
    "RETURN total,\n"
    f"  [p IN page | {{paper: {_PAPER}, links: [(p)-[r:{_LINKS}]->(e:Entity)\n"
    "     WHERE e.id IN $entity_ids OR e.kind IN $entity_kinds\n"
    f"     | {{entity: e.id, link: {_LINK}}}]}}] AS rows,\n"
    f"  COLLECT {{ UNWIND page AS q MATCH (q)-[:{_LINKS}]->(e:Entity)\n"
    f"     WHERE e.id IN $entity_ids OR e.kind IN $entity_kinds RETURN DISTINCT {_ENTITY} AS e }} AS entities"
)
_PAPER_PAGE = (
    "WITH collect(p) AS ps\n"
    "WITH size(ps) AS total, ps[$offset..$offset + $limit] AS page\n" + _PAGE_RETURN
)


def find_papers(anchored: bool, order: str = "id", direction: str = "asc") -> str:
    """The statement answering a PaperQuery in one round trip: the total, the page (each paper
    with its links to the filters' entities) and those entities. ``anchored`` starts from the
    first filter's entities ($anchor) instead of scanning papers. Parameters: $using, $paper_ids,
    $year_min, $year_max, $venue, $author, $category (lower-cased), $words, $rank_ids, $offset,
    $limit, $entity_ids (and $anchor)."""
    start = (
        f"MATCH (a:Entity)<-[:{_LINKS}]-(p:Paper)\nWHERE a.id IN $anchor\nWITH DISTINCT p\n"
        if anchored else "MATCH (p:Paper)\n"
    )
    rank = _RELEVANCE if order == "relevance" else ""
    return start + _PAPER_WHERE + rank + f"WITH p ORDER BY {_ORDER_BY[order, direction]}\n" + _PAPER_PAGE


#: Papers matching a PaperQuery with entity filters, in id order (see :func:`find_papers`).
FIND_PAPERS_ANCHORED = find_papers(True)

#: Papers matching a PaperQuery without entity filters (same result shape): scans papers.
FIND_PAPERS_ALL = find_papers(False)

# -- family reads (see "families" above) -----------------------------------------------------------

#: For each group of entity ids (``$groups``), its entities whose family (it and its descendants) lies
#: inside the group: ``anc``, its ``members`` and its number of papers (its FAM degree).
#: :func:`kg.store.records.family_cover` picks from them the disjoint families the group is the union
#: of: one for a whole family, several for a name that resolves to several entities.
FAMILY_PARTS = (
    "UNWIND range(0, size($groups) - 1) AS i\n"
    "CALL (i) {\n"
    "  UNWIND $groups[i] AS aid\n"
    "  MATCH (a:Entity {id: aid})\n"
    "  WITH a, COLLECT { MATCH (a)<-[:SUBTYPE_OF*0..]-(d:Entity) RETURN DISTINCT d.id } AS members\n"
    "  WHERE all(m IN members WHERE m IN $groups[i])\n"
    "  RETURN a.id AS anc, members, COUNT { (a)-[:FAM]->() } AS papers\n"
    "}\n"
    "RETURN i, anc, members, papers"
)

#: The FAM index and ORDER BY of each page order a family reads in index order (the others sort).
_FAM_ORDER: dict[tuple[str, str], tuple[str, str]] = {
    ("relevance", "desc"): ("nscore", "m.anc, m.nscore, m.pid"),
    ("id", "asc"): ("", "m.anc, m.pid"),
    ("id", "desc"): ("", "m.anc DESC, m.pid DESC"),
    ("year", "asc"): ("ya", "m.anc, m.ya, m.pid"),
    ("year", "desc"): ("yd", "m.anc, m.yd, m.pid"),
}
#: The page orders a family reads in index order.
FAM_ORDERS: frozenset[tuple[str, str]] = frozenset(_FAM_ORDER)


#: The label of a family head (an entity) and of a kind tag's node.
FAM_HEADS = ("Entity", "KgTag")


def fam_papers(order: str, direction: str, filtered: bool, *, total: str = "count", head: str = "Entity") -> str:
    """The statement answering a PaperQuery whose lead entity filter is a key — a whole family or a
    kind tag (``$anc``, a node of label ``head``): its FAM relationships are read from the index of
    the page order, so the page stops at ``$offset + $limit`` instead of sorting every paper of the
    family. ``filtered``: the other filters (``$using`` holds the other entity filters; ``$paper_ids``,
    years, venue, ... as in :func:`find_papers`) are applied to the papers as they stream. ``total``:
    ``degree`` — the lead's FAM degree (no other filter); ``pair`` — the FamPair node ``$pair`` (one
    other filter, itself a key); ``count`` — the papers that pass, counted. Same result shape as
    :func:`find_papers`."""
    if head not in FAM_HEADS or total not in ("degree", "pair", "count"):
        raise ValueError(f"fam_papers: head {head!r}, total {total!r}")
    key, order_by = _FAM_ORDER[order, direction]
    props = ", ".join(["anc", *([key] if key else []), "pid"])
    seek = (
        "MATCH ()-[m:FAM]->(p)\n"
        f"USING INDEX SEEK m:FAM({props})\n"
        f"WHERE m.anc = $anc{f' AND m.{key} IS NOT NULL' if key else ''} AND m.pid IS NOT NULL\n"
    )
    where = "WITH m, p\n" + _PAPER_WHERE if filtered else ""
    counted = {
        "count": "CALL () {\n" + seek + where + "RETURN count(*) AS total\n}\n",
        "degree": f"OPTIONAL MATCH (a:{head} {{id: $anc}})\nWITH COUNT {{ (a)-[:FAM]->() }} AS total\n",
        "pair": "OPTIONAL MATCH (c:FamPair {key: $pair})\nWITH coalesce(c.papers, 0) AS total\n",
    }[total]
    page = (
        "CALL () {\n" + seek + where
        + f"WITH p ORDER BY {order_by} SKIP $offset LIMIT $limit\nRETURN collect(p) AS page\n}}\n"
    )
    return counted + page + _PAGE_RETURN


#: The relevance of a paper in the union of disjoint families from its FAM ``score`` in each of them
#: (``scores``): the bonuses do not add up across families (proposed once, then title or early),
#: the mentions do. A score splits into its parts because the bonuses are multiples of
#: RELEVANCE_EARLY and mentions stay below it (tests/store/test_cypher.py checks the weights).
_UNION_SCORE = (
    f"CASE WHEN any(s IN scores WHERE s >= {RELEVANCE_PROPOSED}) THEN {RELEVANCE_PROPOSED} ELSE 0 END\n"
    f"  + reduce(t = 0, s IN scores | CASE WHEN s % {RELEVANCE_PROPOSED} - s % {RELEVANCE_EARLY} > t\n"
    f"      THEN s % {RELEVANCE_PROPOSED} - s % {RELEVANCE_EARLY} ELSE t END)\n"
    f"  + reduce(n = 0, s IN scores | n + s % {RELEVANCE_EARLY})"
)


def _union_arms(order: str, direction: str, filtered: bool, tail: str) -> str:
    """``UNWIND $ancs`` and, per family head, its FAM relationships from the index of the page order
    (by relevance: those at or above the floor, ``m.nscore <= $nfloor``), filtered as in
    :func:`fam_papers`, then ``tail`` (inside the per-family call: its ORDER BY/LIMIT and RETURN)."""
    key, _ = _FAM_ORDER[order, direction]
    props = ", ".join(["anc", *([key] if key else []), "pid"])
    floor = " AND m.nscore <= $nfloor" if key == "nscore" else f" AND m.{key} IS NOT NULL" if key else ""
    where = "  WITH m, p\n" + _PAPER_WHERE if filtered else ""
    return (
        "UNWIND $ancs AS anc\n"
        "CALL (anc) {\n"
        "  MATCH ()-[m:FAM]->(p)\n"
        f"  USING INDEX SEEK m:FAM({props})\n"
        f"  WHERE m.anc = anc{floor} AND m.pid IS NOT NULL\n"
        + where + tail + "}\n"
    )


def union_papers(order: str, direction: str, filtered: bool, *, total: str = "count") -> str:
    """The statement answering a PaperQuery whose lead entity filter is the union of disjoint
    families (``$ancs``, their heads: a name that resolves to several entities, e.g. "optimal
    transport", a divergence family and a method), read from their FAM indexes instead of every
    link: in id/year order the first ``$arm`` (offset + limit) papers of each family's index are
    merged; by relevance, the papers at or above a floor in one of the families (``$nfloor``: minus
    the floor; :data:`kg.store.records.UNION_FLOORS`) are scored over all of them (their FAM scores) and
    sorted. ``total``: ``pair`` — the two heads' FAM degrees less their FamPair ``$pair`` (no other
    filter); ``count`` — the distinct papers that pass. Same result shape as :func:`find_papers`."""
    if total not in ("pair", "count"):
        raise ValueError(f"union_papers: total {total!r}")
    counted = {
        "count": "CALL () {\n" + _union_arms("id", "asc", filtered, "  RETURN p\n")
        + "RETURN count(DISTINCT p) AS total\n}\n",
        "pair": "CALL () {\n  UNWIND $ancs AS anc\n  MATCH (a:Entity {id: anc})\n"
                "  RETURN sum(COUNT { (a)-[:FAM]->() }) AS degrees\n}\n"
                "OPTIONAL MATCH (c:FamPair {key: $pair})\nWITH degrees - coalesce(c.papers, 0) AS total\n",
    }[total]
    _, order_by = _FAM_ORDER[order, direction]
    if order == "relevance":
        arms = (_union_arms(order, direction, filtered, "  RETURN p\n")
                + "WITH DISTINCT p\n"
                "WITH p, [(p)<-[s:FAM]-() WHERE s.anc IN $ancs | s.score] AS scores\n"
                f"WITH p, {_UNION_SCORE} AS score\n"
                f"ORDER BY {_ORDER_BY[order, direction]} SKIP $offset LIMIT $limit\n")
    else:
        arms = (_union_arms(order, direction, filtered, f"  WITH p ORDER BY {order_by} LIMIT $arm\n  RETURN p\n")
                + f"WITH DISTINCT p ORDER BY {_ORDER_BY[order, direction]} SKIP $offset LIMIT $limit\n")
    return counted + "CALL () {\n" + arms + "RETURN collect(p) AS page\n}\n" + _PAGE_RETURN


def union_above(filtered: bool) -> str:
    """How many papers (up to ``$enough``) pass a search's filters and are at or above a relevance
    floor (``$nfloor``: minus it) in one of the families ``$ancs``: read from the FAM relevance
    index until ``$enough``."""
    return (_union_arms("relevance", "desc", filtered, "  RETURN p LIMIT $enough\n")
            + "WITH DISTINCT p LIMIT $enough\nRETURN count(p) AS n")


#: Claims about disjoint families (``$ancs``), a page in claim id order: the first ``$arm`` of each
#: family's FAM_ABOUT index, merged (``$limit`` -1: all); with and without a type.
UNION_CLAIMS, UNION_CLAIMS_TYPED = (
    "UNWIND $ancs AS anc\n"
    "CALL (anc) {\n"
    "  MATCH ()-[m:FAM_ABOUT]->(c)\n"
    f"  USING INDEX SEEK m:FAM_ABOUT({index})\n"
    f"  WHERE m.anc = anc{typed} AND m.cid IS NOT NULL\n"
    f"  WITH c ORDER BY {index.replace('anc', 'm.anc').replace('type', 'm.type').replace('cid', 'm.cid')} LIMIT $arm\n"
    "  RETURN c\n"
    "}\n"
    "WITH DISTINCT c ORDER BY c.id SKIP $offset\n"
    f"LIMIT CASE WHEN $limit < 0 THEN {NO_LIMIT} ELSE $limit END\n"
    "RETURN properties(c) AS c"
    for index, typed in (("anc, cid", ""), ("anc, type, cid", " AND m.type = $type"))
)
#: The number of distinct claims about disjoint families (of ``$type`` when not null).
UNION_CLAIM_COUNT = (
    "UNWIND $ancs AS anc\n"
    "CALL (anc) {\n"
    "  MATCH ()-[m:FAM_ABOUT]->(c)\n"
    "  USING INDEX SEEK m:FAM_ABOUT(anc, cid)\n"
    "  WHERE m.anc = anc AND m.cid IS NOT NULL AND ($type IS NULL OR m.type = $type)\n"
    "  RETURN c\n"
    "}\n"
    "RETURN count(DISTINCT c) AS n"
)
#: The papers of family ``$anc`` also in one of the families ``$later``, per year / per linked entity:
#: what summed per-family aggregates of disjoint families count more than once (see
#: ``Neo4jStore._union_overlap``).
UNION_SHARED_YEARS = (
    "MATCH (:Entity {id: $anc})-[:FAM]->(p:Paper)\n"
    "WHERE p.year IS NOT NULL AND EXISTS { (p)<-[n:FAM]-() WHERE n.anc IN $later }\n"
    "RETURN p.year AS key, count(*) AS n"
)
UNION_SHARED_COOC = (
    "MATCH (:Entity {id: $anc})-[:FAM]->(p:Paper)\n"
    "WHERE EXISTS { (p)<-[n:FAM]-() WHERE n.anc IN $later }\n"
    f"MATCH (p)-[:{_LINKS}]->(e:Entity)\n"
    "RETURN e.id AS key, count(*) AS n"
)


#: Papers per kind tag (its FAM degree), for the tags of ``$ids`` that have any.
TAG_SIZES = "MATCH (t:KgTag) WHERE t.id IN $ids\nRETURN t.id AS id, COUNT { (t)-[:FAM]->() } AS papers"


#: A PaperQuery without any filter in id order (one per direction): the page from the Paper(id)
#: index in order, the total from the count store (no read of every paper).
ALL_PAPERS: dict[str, str] = {
    direction: (
        "CALL () {\n"
        "MATCH (p:Paper) WHERE p.id IS NOT NULL\n"
        f"WITH p ORDER BY p.id{' DESC' if direction == 'desc' else ''} SKIP $offset LIMIT $limit\n"
        "RETURN collect(p) AS page\n"
        "}\n"
        "WITH COUNT { (:Paper) } AS total, page\n" + _PAGE_RETURN
    )
    for direction in ("asc", "desc")
}

#: Papers per year of a proper family (FamYear summary nodes).
FAM_YEARS = (
    "MATCH (y:FamYear) WHERE y.anc = $anc AND y.known AND y.papers > 0\n"
    "RETURN y.year AS year, y.papers AS papers ORDER BY year"
)
#: Co-occurrence of a proper family (FamCooc summary nodes), its own members ($ids) left out.
FAM_COOC = (
    "MATCH (c:FamCooc) WHERE c.anc = $anc AND c.papers > 0 AND NOT c.b IN $ids\n"
    "MATCH (e:Entity {id: c.b})\n"
    "WHERE $kind IS NULL OR e.kind = $kind\n"
    f"RETURN {_ENTITY} AS e, c.papers AS papers"
)
#: Claims about a family, a page in claim id order from the FAM_ABOUT index (``$limit``: -1 for all).
FAM_CLAIMS = (
    "MATCH ()-[m:FAM_ABOUT]->(c)\n"
    "USING INDEX SEEK m:FAM_ABOUT(anc, cid)\n"
    "WHERE m.anc = $anc AND m.cid IS NOT NULL\n"
    "WITH c ORDER BY m.anc, m.cid SKIP $offset\n"
    f"LIMIT CASE WHEN $limit < 0 THEN {NO_LIMIT} ELSE $limit END\n"
    "RETURN properties(c) AS c"
)
#: Claims of one type about a family, a page in claim id order.
FAM_CLAIMS_TYPED = (
    "MATCH ()-[m:FAM_ABOUT]->(c)\n"
    "USING INDEX SEEK m:FAM_ABOUT(anc, type, cid)\n"
    "WHERE m.anc = $anc AND m.type = $type AND m.cid IS NOT NULL\n"
    "WITH c ORDER BY m.anc, m.type, m.cid SKIP $offset\n"
    f"LIMIT CASE WHEN $limit < 0 THEN {NO_LIMIT} ELSE $limit END\n"
    "RETURN properties(c) AS c"
)
#: How many claims are about a family (its FAM_ABOUT degree) / of one type (an index range count).
FAM_CLAIM_COUNT = "OPTIONAL MATCH (a:Entity {id: $anc})\nRETURN COUNT { (a)-[:FAM_ABOUT]->() } AS n"
FAM_CLAIM_COUNT_TYPED = (
    "MATCH ()-[m:FAM_ABOUT]->()\n"
    "USING INDEX SEEK m:FAM_ABOUT(anc, type, cid)\n"
    "WHERE m.anc = $anc AND m.type = $type AND m.cid IS NOT NULL\n"
    "RETURN count(m) AS n"
)

#: Full records: papers with every link (entity ids; entities from ENTITIES) and every claim.
PAPERS = (
    "UNWIND $ids AS pid\n"
    "MATCH (p:Paper {id: pid})\n"
    f"RETURN {_PAPER} AS paper,\n"
    f"  [(p)-[r:{_LINKS}]->(e:Entity) | {{entity: e.id, link: {_LINK}}}] AS links,\n"
    "  [(p)-[:MAKES]->(c:Claim) | properties(c)] AS claims"
)

_CLAIM_WHERE = (
    "WHERE ($type IS NULL OR c.type = $type)\n"
    "  AND ($paper_ids IS NULL OR c.paper_id IN $paper_ids)\n"
)
#: A page of claims in id order (``$limit``: -1 for all from ``$offset``).
_CLAIM_PAGE = (
    _CLAIM_WHERE + "WITH c ORDER BY c.id SKIP $offset\n"
    f"WITH c LIMIT CASE WHEN $limit < 0 THEN {NO_LIMIT} ELSE $limit END\n"
    "RETURN properties(c) AS c ORDER BY c.id"
)
_CLAIMS_ABOUT_MATCH = (
    "MATCH (e:Entity)<-[:ABOUT]-(c:Claim)\n"
    "WHERE e.id IN $about\n"
    "WITH DISTINCT c\n"
)
#: Claims about given entities (starts from the entities).
CLAIMS_ABOUT = _CLAIMS_ABOUT_MATCH + _CLAIM_PAGE
#: Claims without an entity filter.
CLAIMS_ALL = "MATCH (c:Claim)\n" + _CLAIM_PAGE
#: How many claims :data:`CLAIMS_ABOUT` / :data:`CLAIMS_ALL` hold in all.
COUNT_CLAIMS_ABOUT = _CLAIMS_ABOUT_MATCH + _CLAIM_WHERE + "RETURN count(c) AS n"
COUNT_CLAIMS_ALL = "MATCH (c:Claim)\n" + _CLAIM_WHERE + "RETURN count(c) AS n"

#: Papers per year from the summary nodes.
COUNTS_BY_YEAR_ALL = (
    "MATCH (y:YearCount) WHERE y.known AND y.papers > 0\n"
    "RETURN y.year AS year, y.papers AS papers ORDER BY year"
)
#: Papers per year of given entities with disjoint papers, from the summary nodes.
COUNTS_BY_YEAR_SUMMED = (
    "MATCH (y:EntityYear) WHERE y.entity IN $ids AND y.known AND y.papers > 0\n"
    "RETURN y.year AS year, sum(y.papers) AS papers ORDER BY year"
)
#: Papers per year of given entities that share papers (distinct papers, through their links).
COUNTS_BY_YEAR = (
    f"MATCH (e:Entity)<-[:{_LINKS}]-(p:Paper)\n"
    "WHERE e.id IN $ids\n"
    "WITH DISTINCT p WHERE p.year IS NOT NULL\n"
    "RETURN p.year AS year, count(p) AS papers ORDER BY year"
)

STATS = (
    "RETURN COUNT { (:Paper) } AS papers, COUNT { (:Claim) } AS claims,\n"
    "  COUNT { (:Method) } AS method, COUNT { (:Divergence) } AS divergence,\n"
    "  COUNT { (:Dataset) } AS dataset,\n"
    "  COUNT { ()-[:USES]->() } AS USES, COUNT { ()-[:PROPOSES]->() } AS PROPOSES,\n"
    "  COUNT { ()-[:EVALUATES_ON]->() } AS EVALUATES_ON, COUNT { ()-[:MAKES]->() } AS MAKES,\n"
    "  COUNT { ()-[:ABOUT]->() } AS ABOUT, COUNT { ()-[:SUBTYPE_OF]->() } AS SUBTYPE_OF"
)


def write_plan(batch: GraphDelta) -> list[tuple[str, dict]]:
    """The statements (with parameters) that write one batch, in order; the store runs them all in
    one managed transaction. Row lists of size 1 give the one-MERGE-per-row baseline of the bench.

    Order: entities (one statement per kind), taxonomy edges, papers (stale links and claims
    deleted), links (one statement per relationship type), claims.
    """
    entities = batch.all_entities()
    plan: list[tuple[str, dict]] = []
    for kind in KIND_LABELS:
        rows = [entity_node_props(e) for e in entities.values() if e.kind == kind]
        if rows:
            plan.append((MERGE_ENTITIES[kind], {"rows": rows}))
    taxa = [e.id for e in entities.values() if e.kind == "divergence" or e.parents]
    if taxa:
        plan.append((REPLACE_SUBTYPES, {"ids": taxa}))
    if not batch.extractions:
        return plan
    papers: list[dict] = []
    links: dict[str, list[dict]] = {rel: [] for rel in LINK_TYPES}
    claims: list[dict] = []
    for x in batch.extractions:
        x_links, x_claims = extraction_rows(x)
        papers.append(
            {
                "id": x.paper.id,
                "props": paper_props(x.paper, x.extractor_version),
                "links": [f"{rel} {entity_id}" for rel, entity_id, _ in x_links],
                "claims": [c["id"] for c in x_claims],
            }
        )
        for rel, entity_id, props in x_links:
            links[rel].append({"paper": x.paper.id, "entity": entity_id, "props": props})
        claims.extend(x_claims)
    plan.append((MERGE_PAPERS, {"rows": papers}))
    for rel, rows in links.items():
        if rows:
            plan.append((MERGE_LINKS[rel], {"rows": rows}))
    if claims:
        plan.append((MERGE_CLAIMS, {"rows": claims}))
    return plan
