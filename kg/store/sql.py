"""Every SQL statement of the embedded SQLite store — parameterized, never built from user strings.

Why one module: as :mod:`kg.store.cypher` is for Neo4j, this is the whole on-disk contract of
:mod:`kg.store.sqlite_store` in one place (docs/schema.md describes it). The only statements
assembled at run time are the paper filters of :func:`find_papers_sql`, from fixed fragments; user
values always travel as parameters (lists as one JSON parameter read by ``json_each``).

Tables (one row per node or relationship of the graph model, docs/schema.md)::

    paper(rid, id, year, title, content_hash, extractor_version, props JSON)
    entity(rid, id, kind, props JSON, papers)          -- papers: maintained aggregate
    entity_key(key, entity)                            -- folded name/alias -> entity
    subtype(child, parent)                             -- declared SUBTYPE_OF (ids; an edge within one kind)
    link(paper, entity, type, role, variant, props JSON)   -- USES/PROPOSES/EVALUATES_ON
    claim(rid, id, paper_id, type, props JSON)         -- with MAKES implied by paper_id
    about(entity, claim)                               -- ABOUT

Aggregates kept up to date by triggers (so every write path, rewrites and clears included, keeps
them equal to a full recount — tests/store/test_aggregates.py checks it)::

    entity.papers                         -- distinct papers linked to the entity
    year_count(known, year, papers)       -- papers per year; (0, 0) is the "unknown year" bucket
    entity_year(entity, known, year, papers)
    cooc(a, b, papers)                    -- papers linked to both a and b (a != b, both orders)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.models import PaperQuery

#: Bumped when the layout changes; a file with another version is refused with a clear message.
SCHEMA_VERSION = "1"

DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS paper(
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    year INTEGER,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    extractor_version TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paper_year ON paper(year, id);
CREATE TABLE IF NOT EXISTS entity(
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    props TEXT NOT NULL,
    papers INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entity_key(
    key TEXT NOT NULL, entity INTEGER NOT NULL, PRIMARY KEY (key, entity)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subtype(
    child TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (child, parent)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subtype_parent ON subtype(parent, child);
CREATE TABLE IF NOT EXISTS link(
    paper INTEGER NOT NULL,
    entity INTEGER NOT NULL,
    type TEXT NOT NULL,
    role TEXT,
    variant TEXT,
    props TEXT NOT NULL,
    PRIMARY KEY (paper, entity)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS link_entity ON link(entity, paper);
-- (paper, entity) again, without the wide props: a covering index for co-occurrence and triggers
CREATE INDEX IF NOT EXISTS link_paper ON link(paper, entity);
CREATE TABLE IF NOT EXISTS claim(
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    paper_id TEXT NOT NULL,
    type TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS claim_paper ON claim(paper_id);
CREATE TABLE IF NOT EXISTS about(
    entity INTEGER NOT NULL, claim INTEGER NOT NULL, PRIMARY KEY (entity, claim)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS about_claim ON about(claim);

CREATE TABLE IF NOT EXISTS year_count(
    known INTEGER NOT NULL, year INTEGER NOT NULL, papers INTEGER NOT NULL, PRIMARY KEY (known, year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_year(
    entity INTEGER NOT NULL, known INTEGER NOT NULL, year INTEGER NOT NULL, papers INTEGER NOT NULL,
    PRIMARY KEY (entity, known, year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cooc(
    a INTEGER NOT NULL, b INTEGER NOT NULL, papers INTEGER NOT NULL, PRIMARY KEY (a, b)
) WITHOUT ROWID;

CREATE VIEW IF NOT EXISTS subtype_edge AS
    SELECT s.child, s.parent FROM subtype s
    JOIN entity c ON c.id = s.child
    JOIN entity p ON p.id = s.parent AND p.kind = c.kind;

CREATE TRIGGER IF NOT EXISTS paper_added AFTER INSERT ON paper BEGIN
    INSERT INTO year_count VALUES (NEW.year IS NOT NULL, coalesce(NEW.year, 0), 1)
        ON CONFLICT DO UPDATE SET papers = papers + 1;
END;
CREATE TRIGGER IF NOT EXISTS paper_removed AFTER DELETE ON paper BEGIN
    UPDATE year_count SET papers = papers - 1
        WHERE known = (OLD.year IS NOT NULL) AND year = coalesce(OLD.year, 0);
END;
CREATE TRIGGER IF NOT EXISTS paper_year_changed AFTER UPDATE OF year ON paper
WHEN OLD.year IS NOT NEW.year BEGIN
    UPDATE year_count SET papers = papers - 1
        WHERE known = (OLD.year IS NOT NULL) AND year = coalesce(OLD.year, 0);
    INSERT INTO year_count VALUES (NEW.year IS NOT NULL, coalesce(NEW.year, 0), 1)
        ON CONFLICT DO UPDATE SET papers = papers + 1;
    UPDATE entity_year SET papers = papers - 1
        WHERE known = (OLD.year IS NOT NULL) AND year = coalesce(OLD.year, 0)
          AND entity IN (SELECT entity FROM link WHERE paper = NEW.rid);
    INSERT INTO entity_year SELECT entity, NEW.year IS NOT NULL, coalesce(NEW.year, 0), 1
        FROM link WHERE paper = NEW.rid ON CONFLICT DO UPDATE SET papers = papers + 1;
END;
CREATE TRIGGER IF NOT EXISTS link_added AFTER INSERT ON link BEGIN
    UPDATE entity SET papers = papers + 1 WHERE rid = NEW.entity;
    INSERT INTO entity_year SELECT NEW.entity, year IS NOT NULL, coalesce(year, 0), 1
        FROM paper WHERE rid = NEW.paper ON CONFLICT DO UPDATE SET papers = papers + 1;
    INSERT INTO cooc SELECT NEW.entity, entity, 1 FROM link
        WHERE paper = NEW.paper AND entity <> NEW.entity ON CONFLICT DO UPDATE SET papers = papers + 1;
    INSERT INTO cooc SELECT entity, NEW.entity, 1 FROM link
        WHERE paper = NEW.paper AND entity <> NEW.entity ON CONFLICT DO UPDATE SET papers = papers + 1;
END;
CREATE TRIGGER IF NOT EXISTS link_removed AFTER DELETE ON link BEGIN
    UPDATE entity SET papers = papers - 1 WHERE rid = OLD.entity;
    UPDATE entity_year SET papers = papers - 1 WHERE entity = OLD.entity
        AND (known, year) = (SELECT year IS NOT NULL, coalesce(year, 0) FROM paper WHERE rid = OLD.paper);
    UPDATE cooc SET papers = papers - 1
        WHERE a = OLD.entity AND b IN (SELECT entity FROM link WHERE paper = OLD.paper);
    UPDATE cooc SET papers = papers - 1
        WHERE b = OLD.entity AND a IN (SELECT entity FROM link WHERE paper = OLD.paper);
END;
"""

#: The view of files written before SUBTYPE_OF linked every kind (divergences only): replaced on open.
OLD_SUBTYPE_VIEW = "SELECT sql FROM sqlite_master WHERE name = 'subtype_edge' AND sql LIKE '%''divergence''%'"

#: Every table, view and trigger, dropped by ``clear`` (then :data:`DDL` runs again).
DROP = """
DROP TRIGGER IF EXISTS paper_added; DROP TRIGGER IF EXISTS paper_removed;
DROP TRIGGER IF EXISTS paper_year_changed; DROP TRIGGER IF EXISTS link_added;
DROP TRIGGER IF EXISTS link_removed; DROP VIEW IF EXISTS subtype_edge;
DROP TABLE IF EXISTS paper; DROP TABLE IF EXISTS entity; DROP TABLE IF EXISTS entity_key;
DROP TABLE IF EXISTS subtype; DROP TABLE IF EXISTS link; DROP TABLE IF EXISTS claim;
DROP TABLE IF EXISTS about; DROP TABLE IF EXISTS year_count; DROP TABLE IF EXISTS entity_year;
DROP TABLE IF EXISTS cooc;
"""

#: A list parameter: one JSON array, expanded by ``json_each`` (no statement text per list length).
IDS = "(SELECT value FROM json_each(?))"
#: The row ids of the entities whose ids are one JSON list parameter.
ERIDS = f"(SELECT rid FROM entity WHERE id IN {IDS})"

# -- writes ---------------------------------------------------------------------------------------

ENTITY_ROWS = f"SELECT id, rid, props FROM entity WHERE id IN {IDS}"
UPSERT_ENTITY = (
    "INSERT INTO entity(id, kind, props) VALUES (?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, props = excluded.props"
)
DELETE_KEYS = "DELETE FROM entity_key WHERE entity = ?"
INSERT_KEY = "INSERT OR IGNORE INTO entity_key(key, entity) VALUES (?, ?)"
DELETE_SUBTYPES = "DELETE FROM subtype WHERE child = ?"
INSERT_SUBTYPE = "INSERT OR IGNORE INTO subtype(child, parent) VALUES (?, ?)"

PAPER_ROWS = f"SELECT id, rid, year FROM paper WHERE id IN {IDS}"
INSERT_PAPER = (
    "INSERT INTO paper(id, year, title, content_hash, extractor_version, props) VALUES (?, ?, ?, ?, ?, ?)"
)
UPDATE_PAPER = (
    "UPDATE paper SET year = ?, title = ?, content_hash = ?, extractor_version = ?, props = ? WHERE rid = ?"
)
DELETE_LINKS = "DELETE FROM link WHERE paper = ?"
DELETE_STALE_LINKS = f"DELETE FROM link WHERE paper = ? AND entity NOT IN {IDS}"
UPSERT_LINK = (
    "INSERT INTO link(paper, entity, type, role, variant, props) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(paper, entity) DO UPDATE SET type = excluded.type, role = excluded.role, "
    "variant = excluded.variant, props = excluded.props"
)
DELETE_ABOUT_OF_PAPER = "DELETE FROM about WHERE claim IN (SELECT rid FROM claim WHERE paper_id = ?)"
DELETE_CLAIMS_OF_PAPER = "DELETE FROM claim WHERE paper_id = ?"
DELETE_ABOUT_OF_CLAIM = "DELETE FROM about WHERE claim = (SELECT rid FROM claim WHERE id = ?)"
DELETE_CLAIM = "DELETE FROM claim WHERE id = ?"
INSERT_CLAIM = "INSERT INTO claim(id, paper_id, type, props) VALUES (?, ?, ?, ?)"
INSERT_ABOUT = "INSERT OR IGNORE INTO about(entity, claim) VALUES (?, ?)"

# -- reads ----------------------------------------------------------------------------------------

PAPER_VERSIONS = f"SELECT id, content_hash, extractor_version FROM paper WHERE id IN {IDS}"

LOOKUP = (
    "SELECT e.props FROM entity_key k JOIN entity e ON e.rid = k.entity "
    "WHERE k.key = ? AND (?2 IS NULL OR e.kind = ?2) ORDER BY e.id"
)
SEARCH_ENTITIES = (
    "SELECT DISTINCT e.props FROM entity_key k JOIN entity e ON e.rid = k.entity "
    "WHERE instr(k.key, ?) > 0 AND (?2 IS NULL OR e.kind = ?2)"
)
ENTITIES = f"SELECT props FROM entity WHERE id IN {IDS}"
ENTITY_RIDS = f"SELECT rid FROM entity WHERE id IN {IDS}"

DESCENDANTS = (
    "WITH RECURSIVE d(id) AS (\n"
    "  SELECT child FROM subtype_edge WHERE parent = ?1\n"
    "  UNION SELECT s.child FROM subtype_edge s JOIN d ON s.parent = d.id)\n"
    "SELECT e.props FROM entity e JOIN d ON e.id = d.id WHERE e.id <> ?1 ORDER BY e.id"
)
PARENTS = (
    "SELECT e.props FROM subtype_edge s JOIN entity e ON e.id = s.parent WHERE s.child = ? ORDER BY e.id"
)
CHILDREN = (
    "SELECT e.props FROM subtype_edge s JOIN entity e ON e.id = s.child WHERE s.parent = ? ORDER BY e.id"
)

#: Entity counts from the maintained ``entity.papers`` aggregate (no scan of links).
ENTITY_COUNTS = "SELECT props, papers FROM entity WHERE ?1 IS NULL OR kind = ?1"

#: Pairs among the given entities that share a paper (none: their paper sets are disjoint, so
#: per-entity aggregates can simply be added up).
SHARED_PAIRS = f"SELECT count(*) FROM cooc WHERE a IN {ERIDS} AND b IN {ERIDS} AND papers > 0"

#: Co-occurrence from the maintained ``cooc`` aggregate: summed over given entities whose papers
#: are disjoint (see :data:`SHARED_PAIRS`).
COOC_SUMMED = (
    "SELECT e.props, sum(c.papers) FROM cooc c JOIN entity e ON e.rid = c.b\n"
    f"WHERE c.a IN {ERIDS} AND c.b NOT IN {ERIDS} AND c.papers > 0 AND (?3 IS NULL OR e.kind = ?3)\n"
    "GROUP BY c.b"
)
#: Co-occurrence for given entities whose papers overlap: distinct papers through the link index.
COOC_DISTINCT = (
    "SELECT e.props, c.n FROM (\n"
    f"  SELECT entity, count(*) AS n FROM link WHERE paper IN (SELECT paper FROM link WHERE entity IN {ERIDS})\n"
    f"  AND entity NOT IN {ERIDS} GROUP BY entity) c\n"
    "JOIN entity e ON e.rid = c.entity WHERE ?3 IS NULL OR e.kind = ?3"
)

YEARS_ALL = "SELECT year, papers FROM year_count WHERE known = 1 AND papers > 0"
YEARS_SUMMED = (
    f"SELECT year, sum(papers) FROM entity_year WHERE entity IN {ERIDS} AND known = 1 AND papers > 0 "
    "GROUP BY year"
)
YEARS_DISTINCT = (
    f"SELECT year, count(*) FROM paper WHERE rid IN (SELECT paper FROM link WHERE entity IN {ERIDS}) "
    "AND year IS NOT NULL GROUP BY year"
)

PAPERS = f"SELECT rid, props FROM paper WHERE id IN {IDS}"
LINKS_OF = (
    "SELECT l.paper, e.props, l.props FROM link l JOIN entity e ON e.rid = l.entity "
    f"WHERE l.paper IN {IDS}"
)
#: Links of some papers to some entities only (the tags that matched a search).
LINKS_TO = (
    "SELECT l.paper, e.props, l.props FROM link l JOIN entity e ON e.rid = l.entity "
    f"WHERE l.paper IN {IDS} AND l.entity IN {ERIDS}"
)
CLAIMS_OF = f"SELECT props FROM claim WHERE paper_id IN {IDS}"

_CLAIM_FILTERS = f"(?2 IS NULL OR c.type = ?2) AND (?3 IS NULL OR c.paper_id IN {IDS.replace('?', '?3')})"
CLAIMS_ABOUT = (
    "SELECT DISTINCT c.id, c.props FROM about a JOIN entity e ON e.rid = a.entity JOIN claim c ON c.rid = a.claim "
    f"WHERE e.id IN {IDS.replace('?', '?1')} AND {_CLAIM_FILTERS} ORDER BY c.id"
)
CLAIMS_ALL = f"SELECT c.id, c.props FROM claim c WHERE ?1 IS NULL AND {_CLAIM_FILTERS} ORDER BY c.id"

STATS = (
    "SELECT (SELECT count(*) FROM paper), (SELECT count(*) FROM claim),\n"
    "  (SELECT count(*) FROM entity WHERE kind = 'method'),\n"
    "  (SELECT count(*) FROM entity WHERE kind = 'divergence'),\n"
    "  (SELECT count(*) FROM entity WHERE kind = 'dataset'),\n"
    "  (SELECT count(*) FROM link WHERE type = 'USES'),\n"
    "  (SELECT count(*) FROM link WHERE type = 'PROPOSES'),\n"
    "  (SELECT count(*) FROM link WHERE type = 'EVALUATES_ON'),\n"
    "  (SELECT count(*) FROM claim), (SELECT count(*) FROM about),\n"
    "  (SELECT count(*) FROM subtype_edge)"
)

# -- paper search ---------------------------------------------------------------------------------

#: ORDER BY of each (order, direction): fixed texts; ties by id, missing years last in both
#: directions (as :func:`kg.store.records.sort_papers` and Cypher's ``_ORDER_BY``).
ORDER = {
    ("id", "asc"): "p.id", ("id", "desc"): "p.id DESC",
    ("year", "asc"): "p.year IS NULL, p.year, p.id", ("year", "desc"): "p.year IS NULL, p.year DESC, p.id",
    ("title", "asc"): "p.title, p.id", ("title", "desc"): "p.title DESC, p.id",
    ("relevance", "asc"): "score, p.id", ("relevance", "desc"): "score DESC, p.id",
}

_FIRST = "json_extract(l.props, '$.evidence')"
#: The relevance score of :func:`kg.models.relevance_score` (same weights) per paper, from its links
#: to the entities of one JSON list parameter: the first evidence's field and sentence index, and
#: the number of evidence items (the ``count`` of Neo4j's links).
RELEVANCE = (
    "(SELECT l.paper AS paper,\n"
    f"   CASE WHEN max(l.role = 'proposed') THEN {{proposed}} ELSE 0 END\n"
    f"   + CASE WHEN max(json_extract({_FIRST}, '$[0].field') = 'title') THEN {{title}}\n"
    f"     WHEN max(json_extract({_FIRST}, '$[0].field') = 'abstract'\n"
    f"       AND coalesce(json_extract({_FIRST}, '$[0].sentence_index'), 0) <= 1) THEN {{early}} ELSE 0 END\n"
    f"   + sum(coalesce(json_array_length({_FIRST}), 1)) AS score\n"
    f" FROM link l WHERE l.entity IN {ERIDS} GROUP BY l.paper) r"
)


def find_papers_sql(query: PaperQuery) -> tuple[str, list[Any]]:
    """``SELECT p.rid, p.props FROM paper p ... ORDER BY ...`` of the papers matching a
    :class:`~kg.models.PaperQuery` on its entity filters (by ids, or by kind when id-less), paper
    ids and years, with its parameters. The text, venue, author and category filters are left to
    the store, which applies them to the candidates as they stream (:func:`kg.store.records.
    metadata_matches`). The candidates of entity filters come from the ``link(entity, paper)``
    index; relevance joins the per-paper score of :data:`RELEVANCE`.
    """
    from kg.models import RELEVANCE_EARLY, RELEVANCE_PROPOSED, RELEVANCE_TITLE

    params: list[Any] = []
    select = "SELECT p.rid, p.props FROM paper p"
    if query.order == "relevance":
        select = "SELECT p.rid, p.props, coalesce(r.score, 0) AS score FROM paper p LEFT JOIN " + RELEVANCE.format(
            proposed=RELEVANCE_PROPOSED, title=RELEVANCE_TITLE, early=RELEVANCE_EARLY
        ) + " ON r.paper = p.rid"
        params.append(json.dumps(sorted(query.using[0].ids) if query.using else []))
    where: list[str] = []
    for f in query.using:
        if f.ids:
            cond = f"l.entity IN {ERIDS}"
            params.append(json.dumps(list(f.ids)))
        else:
            cond = "l.entity IN (SELECT rid FROM entity WHERE kind = ?)"
            params.append(f.kind)
        if f.role is not None:
            cond += " AND l.role = ?"
            params.append(f.role)
        if f.variant is not None:
            cond += " AND l.variant = ?"
            params.append(f.variant)
        where.append(f"p.rid IN (SELECT l.paper FROM link l WHERE {cond})")
    if query.ids is not None:
        where.append(f"p.id IN {IDS}")
        params.append(json.dumps(list(query.ids)))
    if query.year_min is not None:
        where.append("p.year >= ?")
        params.append(query.year_min)
    if query.year_max is not None:
        where.append("p.year <= ?")
        params.append(query.year_max)
    sql = select + (" WHERE " + " AND ".join(where) if where else "")
    return f"{sql} ORDER BY {ORDER[query.order, query.direction]}", params
