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

Families (an entity with its transitive SUBTYPE_OF descendants) are materialised at write time, so
that a family lookup, its aggregates and every page of it are single index reads::

    closure(anc, des)                     -- entity rids: des is anc or a descendant of anc
    fam(anc, paper, pid, year, links, proposed, title, early, mentions, score)
                                          -- papers linked to anc's family, with the relevance
                                          -- components of those links (score: generated)
    fam_year(anc, known, year, papers)    -- fam rows per year
    fam_cooc(anc, b, papers)              -- papers of anc's family also linked to b (any b)
    fam_about(anc, claim, cid, type, n)   -- claims about anc's family (n: ABOUT links to it)
    tag(rid, kind, role, variant)         -- kind tags (negative rids): "a link to any method, proposed";
                                          -- their papers are fam rows too (score 0)
    fam_pair(a, b, papers)                -- papers in both of two families or tags (a < b)

``fam`` has one index per offered paper order (relevance best first, id, year either way; ties by
paper id), so the first page of "papers using X" is read in order and stops at the limit.
:data:`RECOUNT` recomputes every aggregate from the base tables (migration, bulk copies, tests).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kg.models import RELEVANCE_EARLY, RELEVANCE_PROPOSED, RELEVANCE_TITLE
from kg.store.records import KIND_TAGS

if TYPE_CHECKING:
    from kg.models import PaperQuery

#: Bumped when the layout changes; a file with another version is refused with a clear message,
#: except the versions in :data:`UPGRADABLE`, which are upgraded in place on open.
SCHEMA_VERSION = "4"
#: Layouts upgraded on open: "1" lacks the family tables (created, then filled by :data:`RECOUNT`);
#: "2" lacks the ``total`` table (created, then filled by :data:`RECOUNT_TOTALS`); "2" and "3" lack
#: the kind tags and ``fam_pair`` (filled by :data:`RECOUNT_TAGS`). See :data:`UPGRADES`.
UPGRADABLE = ("1", "2", "3")

#: The database's generation: every write transaction bumps it (in ``meta``, no layout change), and
#: the embedded store keys what it keeps between reads (entity counts, families) by it. Unlike
#: ``PRAGMA data_version``, which each connection counts for itself, it is one number for every
#: connection, read inside the reader's snapshot.
GENERATION = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'"
#: The token :meth:`SqliteStore.version` returns: the file's random id and its generation.
VERSION = ("SELECT (SELECT value FROM meta WHERE key = 'graph_id'), "
           "(SELECT value FROM meta WHERE key = 'generation')")
SET_GRAPH_ID = "INSERT OR IGNORE INTO meta VALUES ('graph_id', ?)"
BUMP_GENERATION = ("INSERT INTO meta VALUES ('generation', '1') "
                   "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- row counts kept by triggers ('claim', 'about' and each link type), so stats() and /healthz read a
-- handful of rows instead of counting millions
CREATE TABLE IF NOT EXISTS total(name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
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
-- the most used entities of a kind, read in order (entity lists, facets) instead of every entity
CREATE INDEX IF NOT EXISTS entity_kind_papers ON entity(kind, papers);
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

CREATE TABLE IF NOT EXISTS closure(
    anc INTEGER NOT NULL, des INTEGER NOT NULL, PRIMARY KEY (des, anc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS closure_anc ON closure(anc, des);
CREATE TABLE IF NOT EXISTS fam(
    anc INTEGER NOT NULL,
    paper INTEGER NOT NULL,
    pid TEXT NOT NULL,
    year INTEGER,
    links INTEGER NOT NULL,
    proposed INTEGER NOT NULL,
    title INTEGER NOT NULL,
    early INTEGER NOT NULL,
    mentions INTEGER NOT NULL,
    score INTEGER GENERATED ALWAYS AS (SCORE_EXPR) VIRTUAL,
    PRIMARY KEY (anc, paper)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fam_paper ON fam(paper);
CREATE INDEX IF NOT EXISTS fam_id ON fam(anc, pid);
CREATE INDEX IF NOT EXISTS fam_relevance ON fam(anc, score DESC, pid);
CREATE INDEX IF NOT EXISTS fam_year_asc ON fam(anc, year IS NULL, year, pid);
CREATE INDEX IF NOT EXISTS fam_year_desc ON fam(anc, year IS NULL, year DESC, pid);
CREATE TABLE IF NOT EXISTS fam_year(
    anc INTEGER NOT NULL, known INTEGER NOT NULL, year INTEGER NOT NULL, papers INTEGER NOT NULL,
    PRIMARY KEY (anc, known, year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fam_cooc(
    anc INTEGER NOT NULL, b INTEGER NOT NULL, papers INTEGER NOT NULL, PRIMARY KEY (anc, b)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fam_about(
    anc INTEGER NOT NULL, claim INTEGER NOT NULL, cid TEXT NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (anc, claim)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fam_about_id ON fam_about(anc, cid);
-- kind tags (kg.store.records.KIND_TAGS): "a link to any entity of a kind, with a role / variant",
-- pseudo-families with negative rids whose rows live in fam (score 0), so that "papers proposing any
-- method" is a family read and pairs with families
CREATE TABLE IF NOT EXISTS tag(rid INTEGER PRIMARY KEY, kind TEXT NOT NULL, role TEXT, variant TEXT);
CREATE INDEX IF NOT EXISTS tag_kind ON tag(kind);
TAG_ROWS
-- papers in both of two families or tags (a < b): the total of a two-filter search in one read
CREATE TABLE IF NOT EXISTS fam_pair(
    a INTEGER NOT NULL, b INTEGER NOT NULL, papers INTEGER NOT NULL, PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fam_about_type ON fam_about(anc, type, cid);

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
    UPDATE fam SET year = NEW.year WHERE paper = NEW.rid;
END;
CREATE TRIGGER IF NOT EXISTS link_added AFTER INSERT ON link BEGIN
    UPDATE entity SET papers = papers + 1 WHERE rid = NEW.entity;
    INSERT INTO total VALUES (NEW.type, 1) ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO entity_year SELECT NEW.entity, year IS NOT NULL, coalesce(year, 0), 1
        FROM paper WHERE rid = NEW.paper ON CONFLICT DO UPDATE SET papers = papers + 1;
    INSERT INTO cooc SELECT NEW.entity, entity, 1 FROM link
        WHERE paper = NEW.paper AND entity <> NEW.entity ON CONFLICT DO UPDATE SET papers = papers + 1;
    INSERT INTO cooc SELECT entity, NEW.entity, 1 FROM link
        WHERE paper = NEW.paper AND entity <> NEW.entity ON CONFLICT DO UPDATE SET papers = papers + 1;
    -- the new link pairs with the paper's family rows that exist already ...
    INSERT INTO fam_cooc SELECT anc, NEW.entity, 1 FROM fam WHERE paper = NEW.paper AND anc > 0
        ON CONFLICT DO UPDATE SET papers = papers + 1;
    -- ... then joins its own families (a new fam row pairs with every link in fam_added)
    INSERT INTO fam(anc, paper, pid, year, links, proposed, title, early, mentions)
        SELECT c.anc, NEW.paper, p.id, p.year, 1, PARTS_NEW FROM closure c, paper p
        WHERE c.des = NEW.entity AND p.rid = NEW.paper
        ON CONFLICT DO UPDATE SET links = links + 1, proposed = proposed + excluded.proposed,
        title = title + excluded.title, early = early + excluded.early, mentions = mentions + excluded.mentions;
    -- ... and the rows of its kind tags
    INSERT INTO fam(anc, paper, pid, year, links, proposed, title, early, mentions)
        SELECT t.rid, NEW.paper, p.id, p.year, 1, 0, 0, 0, 0 FROM paper p, (TAGS_NEW) t WHERE p.rid = NEW.paper
        ON CONFLICT DO UPDATE SET links = links + 1;
END;
CREATE TRIGGER IF NOT EXISTS link_retagged AFTER UPDATE OF role, variant ON link
WHEN OLD.role IS NOT NEW.role OR OLD.variant IS NOT NEW.variant BEGIN
    UPDATE fam SET links = links - 1 WHERE paper = OLD.paper AND anc IN (TAGS_OLD);
    INSERT INTO fam(anc, paper, pid, year, links, proposed, title, early, mentions)
        SELECT t.rid, NEW.paper, p.id, p.year, 1, 0, 0, 0, 0 FROM paper p, (TAGS_NEW) t WHERE p.rid = NEW.paper
        ON CONFLICT DO UPDATE SET links = links + 1;
    DELETE FROM fam WHERE paper = OLD.paper AND links = 0;
END;
CREATE TRIGGER IF NOT EXISTS link_changed AFTER UPDATE OF role, props ON link BEGIN
    UPDATE fam SET proposed = proposed - PROPOSED_OLD + PROPOSED_NEW, title = title - TITLE_OLD + TITLE_NEW,
        early = early - EARLY_OLD + EARLY_NEW, mentions = mentions - MENTIONS_OLD + MENTIONS_NEW
        WHERE paper = NEW.paper AND anc IN (SELECT anc FROM closure WHERE des = NEW.entity);
END;
CREATE TRIGGER IF NOT EXISTS link_removed AFTER DELETE ON link BEGIN
    UPDATE entity SET papers = papers - 1 WHERE rid = OLD.entity;
    UPDATE total SET n = n - 1 WHERE name = OLD.type;
    UPDATE entity_year SET papers = papers - 1 WHERE entity = OLD.entity
        AND (known, year) = (SELECT year IS NOT NULL, coalesce(year, 0) FROM paper WHERE rid = OLD.paper);
    UPDATE cooc SET papers = papers - 1
        WHERE a = OLD.entity AND b IN (SELECT entity FROM link WHERE paper = OLD.paper);
    UPDATE cooc SET papers = papers - 1
        WHERE b = OLD.entity AND a IN (SELECT entity FROM link WHERE paper = OLD.paper);
    -- unpair the link from the paper's family rows first, then leave its families
    UPDATE fam_cooc SET papers = papers - 1
        WHERE b = OLD.entity AND anc IN (SELECT anc FROM fam WHERE paper = OLD.paper AND anc > 0);
    UPDATE fam SET links = links - 1, proposed = proposed - PROPOSED_OLD, title = title - TITLE_OLD,
        early = early - EARLY_OLD, mentions = mentions - MENTIONS_OLD
        WHERE paper = OLD.paper AND anc IN (SELECT anc FROM closure WHERE des = OLD.entity);
    UPDATE fam SET links = links - 1 WHERE paper = OLD.paper AND anc IN (TAGS_OLD);
    DELETE FROM fam WHERE paper = OLD.paper AND links = 0;
END;
CREATE TRIGGER IF NOT EXISTS fam_added AFTER INSERT ON fam BEGIN
    INSERT INTO fam_year VALUES (NEW.anc, NEW.year IS NOT NULL, coalesce(NEW.year, 0), 1)
        ON CONFLICT DO UPDATE SET papers = papers + 1;
    INSERT INTO fam_cooc SELECT NEW.anc, entity, 1 FROM link WHERE paper = NEW.paper AND NEW.anc > 0
        ON CONFLICT DO UPDATE SET papers = papers + 1;
    INSERT INTO fam_pair SELECT min(NEW.anc, anc), max(NEW.anc, anc), 1 FROM fam
        WHERE paper = NEW.paper AND anc <> NEW.anc ON CONFLICT DO UPDATE SET papers = papers + 1;
END;
CREATE TRIGGER IF NOT EXISTS fam_removed AFTER DELETE ON fam BEGIN
    UPDATE fam_year SET papers = papers - 1
        WHERE anc = OLD.anc AND known = (OLD.year IS NOT NULL) AND year = coalesce(OLD.year, 0);
    UPDATE fam_cooc SET papers = papers - 1
        WHERE anc = OLD.anc AND b IN (SELECT entity FROM link WHERE paper = OLD.paper);
    UPDATE fam_pair SET papers = papers - 1
        WHERE a = OLD.anc AND b IN (SELECT anc FROM fam WHERE paper = OLD.paper AND anc > OLD.anc);
    UPDATE fam_pair SET papers = papers - 1
        WHERE b = OLD.anc AND a IN (SELECT anc FROM fam WHERE paper = OLD.paper AND anc < OLD.anc);
END;
CREATE TRIGGER IF NOT EXISTS fam_year_changed AFTER UPDATE OF year ON fam
WHEN OLD.year IS NOT NEW.year BEGIN
    UPDATE fam_year SET papers = papers - 1
        WHERE anc = OLD.anc AND known = (OLD.year IS NOT NULL) AND year = coalesce(OLD.year, 0);
    INSERT INTO fam_year VALUES (NEW.anc, NEW.year IS NOT NULL, coalesce(NEW.year, 0), 1)
        ON CONFLICT DO UPDATE SET papers = papers + 1;
END;
CREATE TRIGGER IF NOT EXISTS entity_added AFTER INSERT ON entity BEGIN
    INSERT OR IGNORE INTO closure VALUES (NEW.rid, NEW.rid);
END;
CREATE TRIGGER IF NOT EXISTS about_added AFTER INSERT ON about BEGIN
    INSERT INTO total VALUES ('about', 1) ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO fam_about SELECT c.anc, NEW.claim, k.id, k.type, 1 FROM closure c, claim k
        WHERE c.des = NEW.entity AND k.rid = NEW.claim ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS total_link_retyped AFTER UPDATE OF type ON link
WHEN OLD.type IS NOT NEW.type BEGIN
    UPDATE total SET n = n - 1 WHERE name = OLD.type;
    INSERT INTO total VALUES (NEW.type, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS total_claim_added AFTER INSERT ON claim BEGIN
    INSERT INTO total VALUES ('claim', 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS total_claim_removed AFTER DELETE ON claim BEGIN
    UPDATE total SET n = n - 1 WHERE name = 'claim';
END;
CREATE TRIGGER IF NOT EXISTS about_removed AFTER DELETE ON about BEGIN
    UPDATE total SET n = n - 1 WHERE name = 'about';
    UPDATE fam_about SET n = n - 1
        WHERE claim = OLD.claim AND anc IN (SELECT anc FROM closure WHERE des = OLD.entity);
    DELETE FROM fam_about WHERE claim = OLD.claim AND n = 0;
END;
"""



def _parts(x: str) -> dict[str, str]:
    """The relevance components of one link row (``x`` = NEW or OLD), as :data:`RELEVANCE` reads
    them: proposed role, first evidence in the title, or in the first two abstract sentences, and
    the number of evidence items (``evidence`` is a JSON text inside the props, as Neo4j keeps it)."""
    evidence = f"json_extract({x}.props, '$.evidence')"
    field = f"json_extract({evidence}, '$[0].field')"
    return {
        "PROPOSED": f"({x}.role IS 'proposed')",
        "TITLE": f"({field} IS 'title')",
        "EARLY": f"({field} IS 'abstract' AND coalesce(json_extract({evidence}, '$[0].sentence_index'), 0) <= 1)",
        "MENTIONS": f"coalesce(json_array_length({evidence}), 1)",
    }


#: The relevance of a ``fam`` row (:func:`kg.models.relevance_score` of its links, same weights).
def _score(proposed: str, title: str, early: str, mentions: str) -> str:
    """The relevance of :func:`kg.models.relevance_score` (same weights) from ``fam``'s components."""
    return (f"CASE WHEN {proposed} > 0 THEN {RELEVANCE_PROPOSED} ELSE 0 END + CASE WHEN {title} > 0 THEN "
            f"{RELEVANCE_TITLE} WHEN {early} > 0 THEN {RELEVANCE_EARLY} ELSE 0 END + {mentions}")


SCORE_EXPR = _score("proposed", "title", "early", "mentions")
_MACROS = {"SCORE_EXPR": SCORE_EXPR,
           **{f"{k}_{x}": v for x in ("NEW", "OLD") for k, v in _parts(x).items()}}
_MACROS["PARTS_NEW"] = ", ".join(_parts("NEW").values())


def _tags_of(x: str) -> str:
    """The rids of the kind tags of one link row (``x`` = NEW, OLD or an alias)."""
    return (f"SELECT t.rid FROM entity e JOIN tag t ON t.kind = e.kind WHERE e.rid = {x}.entity"
            f" AND (t.role IS NULL OR t.role IS {x}.role) AND (t.variant IS NULL OR t.variant IS {x}.variant)")


def tag_rid(kind: str, role: str | None, variant: str | None) -> int:
    """The rid of a kind tag in the ``tag`` table (negative: no entity has it)."""
    return -1 - KIND_TAGS.index((kind, role, variant))


_MACROS["TAGS_NEW"] = _tags_of("NEW")
_MACROS["TAGS_OLD"] = _tags_of("OLD")
_MACROS["TAG_ROWS"] = "".join(
    f"INSERT OR IGNORE INTO tag VALUES ({tag_rid(*t)}, "
    + ", ".join("NULL" if v is None else f"'{v}'" for v in t) + ");\n" for t in KIND_TAGS)
for _name in sorted(_MACROS, key=len, reverse=True):
    DDL = DDL.replace(_name, _MACROS[_name])

#: Every aggregate recomputed from the base tables (paper, entity, subtype, link, claim, about):
#: run with the triggers dropped (see :data:`DROP_TRIGGERS`), then :data:`DDL` re-creates them.
#: Used to upgrade a layout-1 file, after bulk copies (bench/store.py --grow) and by the tests as
#: the full recount the maintained aggregates must equal.
RECOUNT_TOTALS = """
DELETE FROM total;
INSERT INTO total SELECT type, count(*) FROM link GROUP BY type;
INSERT INTO total SELECT 'claim', count(*) FROM claim;
INSERT INTO total SELECT 'about', count(*) FROM about;
"""

RECOUNT = RECOUNT_TOTALS + """
UPDATE entity SET papers = (SELECT count(*) FROM link WHERE entity = entity.rid);
DELETE FROM year_count;
INSERT INTO year_count SELECT year IS NOT NULL, coalesce(year, 0), count(*) FROM paper GROUP BY 1, 2;
DELETE FROM entity_year;
INSERT INTO entity_year SELECT l.entity, p.year IS NOT NULL, coalesce(p.year, 0), count(*)
    FROM link l JOIN paper p ON p.rid = l.paper GROUP BY 1, 2, 3;
DELETE FROM cooc;
INSERT INTO cooc SELECT x.entity, y.entity, count(*) FROM link x JOIN link y ON y.paper = x.paper
    WHERE x.entity <> y.entity GROUP BY 1, 2;
DELETE FROM closure;
INSERT INTO closure WITH RECURSIVE c(anc, des) AS (
    SELECT rid, rid FROM entity
    UNION SELECT c.anc, k.rid FROM c JOIN entity pe ON pe.rid = c.des JOIN subtype_edge s ON s.parent = pe.id
        JOIN entity k ON k.id = s.child)
    SELECT anc, des FROM c;
DELETE FROM fam;
INSERT INTO fam(anc, paper, pid, year, links, proposed, title, early, mentions)
    SELECT c.anc, l.paper, p.id, p.year, count(*), PARTS_SUM FROM link l
    JOIN closure c ON c.des = l.entity JOIN paper p ON p.rid = l.paper GROUP BY c.anc, l.paper;
FILL_TAGS
DELETE FROM fam_year;
INSERT INTO fam_year SELECT anc, year IS NOT NULL, coalesce(year, 0), count(*) FROM fam GROUP BY 1, 2, 3;
DELETE FROM fam_cooc;
INSERT INTO fam_cooc SELECT f.anc, l.entity, count(*) FROM fam f JOIN link l ON l.paper = f.paper
    WHERE f.anc > 0 GROUP BY 1, 2;
FILL_PAIRS
DELETE FROM fam_about;
INSERT INTO fam_about SELECT c.anc, a.claim, k.id, k.type, count(*) FROM about a
    JOIN closure c ON c.des = a.entity JOIN claim k ON k.rid = a.claim GROUP BY c.anc, a.claim;
""".replace("PARTS_SUM", ", ".join(f"sum({v})" for v in _parts("l").values()))

#: The kind-tag rows of ``fam`` (score 0) from the links, and ``fam_pair`` from ``fam``.
_FILL_TAGS = (
    "INSERT INTO fam(anc, paper, pid, year, links, proposed, title, early, mentions)\n"
    "    SELECT t.rid, l.paper, p.id, p.year, count(*), 0, 0, 0, 0 FROM link l JOIN entity e ON e.rid = l.entity\n"
    "    JOIN tag t ON t.kind = e.kind AND (t.role IS NULL OR t.role IS l.role)\n"
    "      AND (t.variant IS NULL OR t.variant IS l.variant)\n"
    "    JOIN paper p ON p.rid = l.paper GROUP BY t.rid, l.paper;"
)
_FILL_PAIRS = (
    "DELETE FROM fam_pair;\n"
    "INSERT INTO fam_pair SELECT x.anc, y.anc, count(*) FROM fam x JOIN fam y ON y.paper = x.paper AND y.anc > x.anc\n"
    "    GROUP BY 1, 2;"
)
RECOUNT = RECOUNT.replace("FILL_TAGS", _FILL_TAGS).replace("FILL_PAIRS", _FILL_PAIRS)
#: The kind tags' rows and aggregates and every pair count, for a file of layout 2 or 3 (whose other
#: aggregates are complete): run with the triggers dropped, as :data:`RECOUNT`.
RECOUNT_TAGS = f"""
DELETE FROM fam WHERE anc < 0;
DELETE FROM fam_year WHERE anc < 0;
{_FILL_TAGS}
INSERT INTO fam_year SELECT anc, year IS NOT NULL, coalesce(year, 0), count(*) FROM fam WHERE anc < 0 GROUP BY 1, 2, 3;
{_FILL_PAIRS}
"""
#: The recount that upgrades a file of each older layout (run on open, triggers dropped).
UPGRADES = {"1": RECOUNT, "2": RECOUNT_TOTALS + RECOUNT_TAGS, "3": RECOUNT_TAGS}

#: The closure as it should be (self rows and transitive SUBTYPE_OF within a kind), to compare with
#: the ``closure`` table after entities changed.
CLOSURE_NOW = (
    "WITH RECURSIVE c(anc, des) AS (SELECT rid, rid FROM entity\n"
    "  UNION SELECT c.anc, k.rid FROM c JOIN entity pe ON pe.rid = c.des JOIN subtype_edge s ON s.parent = pe.id\n"
    "  JOIN entity k ON k.id = s.child)\n"
    "SELECT anc, des FROM c"
)
CLOSURE = "SELECT anc, des FROM closure"
INSERT_CLOSURE = "INSERT INTO closure(anc, des) VALUES (?, ?)"
#: One family's rows rebuilt after the taxonomy changed (triggers keep fam_year/fam_cooc).
DELETE_FAMILY = "DELETE FROM fam WHERE anc = ?"
DELETE_FAMILY_ABOUT = "DELETE FROM fam_about WHERE anc = ?"
FILL_FAMILY = (
    "INSERT INTO fam(anc, paper, pid, year, links, proposed, title, early, mentions)\n"
    "SELECT c.anc, l.paper, p.id, p.year, count(*), PARTS_SUM FROM link l\n"
    "JOIN closure c ON c.des = l.entity JOIN paper p ON p.rid = l.paper WHERE c.anc = ? GROUP BY l.paper"
).replace("PARTS_SUM", ", ".join(f"sum({v})" for v in _parts("l").values()))
FILL_FAMILY_ABOUT = (
    "INSERT INTO fam_about SELECT c.anc, a.claim, k.id, k.type, count(*) FROM about a\n"
    "JOIN closure c ON c.des = a.entity JOIN claim k ON k.rid = a.claim WHERE c.anc = ? GROUP BY a.claim"
)

#: The view of files written before SUBTYPE_OF linked every kind (divergences only): replaced on open.
OLD_SUBTYPE_VIEW = "SELECT sql FROM sqlite_master WHERE name = 'subtype_edge' AND sql LIKE '%''divergence''%'"

#: Every trigger (dropped before :data:`RECOUNT`, re-created by :data:`DDL`).
DROP_TRIGGERS = "".join(
    f"DROP TRIGGER IF EXISTS {t};" for t in (
        "paper_added", "paper_removed", "paper_year_changed", "link_added", "link_changed", "link_removed",
        "fam_added", "fam_removed", "fam_year_changed", "entity_added", "about_added", "about_removed",
        "total_link_retyped", "total_claim_added", "total_claim_removed", "link_retagged")
)

#: A bulk load in progress (``SQLiteStore.bulk_loader``): the ``meta`` row naming its process, set
#: when the load drops the triggers and removed when its recount has re-created them. A file opened
#: with the row present and its process gone is recounted first (an interrupted load).
BULK_OWNER = "SELECT value FROM meta WHERE key = 'bulk_load'"
SET_BULK_OWNER = "INSERT OR REPLACE INTO meta VALUES ('bulk_load', ?)"
#: The end of a bulk load (or of an interrupted one, on open): every aggregate counted once from the
#: rows, the triggers re-created, the owner row removed — one transaction. Its GROUP BY sorts (tens of
#: millions of pair rows at 1M papers) spill to temporary files, not memory, so the recount's memory
#: stays bounded (the connection's ``temp_store=MEMORY`` is restored after).
FINISH_BULK = (
    "PRAGMA temp_store=FILE;BEGIN IMMEDIATE;" + DROP_TRIGGERS + RECOUNT + DDL
    + "DELETE FROM meta WHERE key = 'bulk_load';" + BUMP_GENERATION + ";COMMIT;PRAGMA temp_store=MEMORY;"
)

#: Every table, view and trigger, dropped by ``clear`` (then :data:`DDL` runs again).
DROP = DROP_TRIGGERS + """
DROP TRIGGER IF EXISTS paper_added; DROP TRIGGER IF EXISTS paper_removed;
DROP TRIGGER IF EXISTS paper_year_changed; DROP TRIGGER IF EXISTS link_added;
DROP TRIGGER IF EXISTS link_removed; DROP VIEW IF EXISTS subtype_edge;
DROP TABLE IF EXISTS closure; DROP TABLE IF EXISTS fam; DROP TABLE IF EXISTS fam_year;
DROP TABLE IF EXISTS fam_cooc; DROP TABLE IF EXISTS fam_about;
DROP TABLE IF EXISTS paper; DROP TABLE IF EXISTS entity; DROP TABLE IF EXISTS entity_key;
DROP TABLE IF EXISTS subtype; DROP TABLE IF EXISTS link; DROP TABLE IF EXISTS claim;
DROP TABLE IF EXISTS about; DROP TABLE IF EXISTS year_count; DROP TABLE IF EXISTS entity_year;
DROP TABLE IF EXISTS cooc; DROP TABLE IF EXISTS total; DROP TABLE IF EXISTS tag; DROP TABLE IF EXISTS fam_pair;
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
#: Each existing entity of the JSON list ?1 with itself and its transitive subtypes (rows: root, id).
FAMILY_IDS = (
    "WITH RECURSIVE d(root, id) AS (\n"
    "  SELECT e.id, e.id FROM entity e WHERE e.id IN (SELECT value FROM json_each(?1))\n"
    "  UNION SELECT d.root, s.child FROM subtype_edge s JOIN d ON s.parent = d.id)\n"
    "SELECT d.root, d.id FROM d JOIN entity e ON e.id = d.id"
)
PARENTS = (
    "SELECT e.props FROM subtype_edge s JOIN entity e ON e.id = s.parent WHERE s.child = ? ORDER BY e.id"
)
CHILDREN = (
    "SELECT e.props FROM subtype_edge s JOIN entity e ON e.id = s.child WHERE s.parent = ? ORDER BY e.id"
)

#: Entity counts from the maintained ``entity.papers`` aggregate (no scan of links).
ENTITY_COUNTS = "SELECT props, papers FROM entity WHERE ?1 IS NULL OR kind = ?1"
#: The most used entities of kind ?1: every one with at least as many papers as the ?2-th most used
#: (ties at the cut included); both reads walk the ``entity_kind_papers`` index from its top.
ENTITY_TOP = (
    "SELECT props, papers FROM entity WHERE kind = ?1 AND papers >= (\n"
    "  SELECT min(papers) FROM (SELECT papers FROM entity WHERE kind = ?1 ORDER BY papers DESC LIMIT ?2))"
)
#: The same over every kind (a scan of the entity table: entities, not papers).
ENTITY_TOP_ALL = (
    "SELECT props, papers FROM entity WHERE papers >= (\n"
    "  SELECT min(papers) FROM (SELECT papers FROM entity ORDER BY papers DESC LIMIT ?1))"
)
#: How many entities (of kind ?1) there are.
COUNT_ENTITIES = "SELECT count(*) FROM entity WHERE ?1 IS NULL OR kind = ?1"

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

#: The number of papers (kept per year by the paper triggers).
PAPER_TOTAL = "SELECT coalesce(sum(papers), 0) FROM year_count"

#: Node and relationship counts from the maintained rows (year_count, total) and the small entity table:
#: a few index reads whatever the size (counting the link, claim and about tables took 3 s at 1M papers).
STATS = (
    f"SELECT ({PAPER_TOTAL}),\n"
    "  (SELECT coalesce(sum(n), 0) FROM total WHERE name = 'claim'),\n"
    "  (SELECT count(*) FROM entity WHERE kind = 'method'),\n"
    "  (SELECT count(*) FROM entity WHERE kind = 'divergence'),\n"
    "  (SELECT count(*) FROM entity WHERE kind = 'dataset'),\n"
    "  (SELECT coalesce(sum(n), 0) FROM total WHERE name = 'USES'),\n"
    "  (SELECT coalesce(sum(n), 0) FROM total WHERE name = 'PROPOSES'),\n"
    "  (SELECT coalesce(sum(n), 0) FROM total WHERE name = 'EVALUATES_ON'),\n"
    "  (SELECT coalesce(sum(n), 0) FROM total WHERE name = 'claim'),\n"
    "  (SELECT coalesce(sum(n), 0) FROM total WHERE name = 'about'),\n"
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


# -- families: single index reads ---------------------------------------------------------------

#: Every family: (ancestor rid, ancestor id, member id), the ancestor itself included.
FAMILIES = (
    "SELECT c.anc, a.id, d.id FROM closure c JOIN entity a ON a.rid = c.anc JOIN entity d ON d.rid = c.des"
)
FAM_TOTAL = "SELECT coalesce(sum(papers), 0) FROM fam_year WHERE anc = ?"
#: Papers in both of two families or kind tags (``a < b``).
FAM_PAIR = "SELECT coalesce(sum(papers), 0) FROM fam_pair WHERE a = ? AND b = ?"
FAM_YEARS = "SELECT year, papers FROM fam_year WHERE anc = ? AND known = 1 AND papers > 0"
#: Co-occurrence of a family: its own members left out.
FAM_COOC = (
    "SELECT e.props, c.papers FROM fam_cooc c JOIN entity e ON e.rid = c.b\n"
    f"WHERE c.anc = ?1 AND c.papers > 0 AND e.id NOT IN {IDS.replace('?', '?2')} AND (?3 IS NULL OR e.kind = ?3)"
)
#: Claims about a family, a page in claim id order (with and without a type).
FAM_CLAIMS = (
    "SELECT k.props FROM fam_about f JOIN claim k ON k.rid = f.claim WHERE f.anc = ? ORDER BY f.cid LIMIT ? OFFSET ?"
)
FAM_CLAIMS_TYPED = (
    "SELECT k.props FROM fam_about f JOIN claim k ON k.rid = f.claim WHERE f.anc = ? AND f.type = ? "
    "ORDER BY f.cid LIMIT ? OFFSET ?"
)
FAM_CLAIM_COUNT = "SELECT count(*) FROM fam_about WHERE anc = ?"
FAM_CLAIM_COUNT_TYPED = "SELECT count(*) FROM fam_about WHERE anc = ? AND type = ?"

#: ORDER BY of the orders a ``fam`` index holds (the others sort the matches).
FAM_ORDER = {
    ("relevance", "desc"): "f.score DESC, f.pid",
    ("id", "asc"): "f.pid", ("id", "desc"): "f.pid DESC",
    ("year", "asc"): "f.year IS NULL, f.year, f.pid", ("year", "desc"): "f.year IS NULL, f.year DESC, f.pid",
}


def _fam_filters(others: list[tuple[str, list[Any]]], query: PaperQuery) -> tuple[list[str], list[Any]]:
    """The paper-level conditions on a ``fam f`` row of a search: the other entity filters
    (``EXISTS`` conditions on ``f.paper``, see :func:`exists_condition`), paper ids and years."""
    where: list[str] = []
    params: list[Any] = []
    for cond, ps in others:
        where.append(cond)
        params += ps
    if query.ids is not None:
        where.append(f"f.pid IN {IDS}")
        params.append(json.dumps(list(query.ids)))
    if query.year_min is not None:
        where.append("f.year >= ?")
        params.append(query.year_min)
    if query.year_max is not None:
        where.append("f.year <= ?")
        params.append(query.year_max)
    return where, params


def _anc_in(key: tuple[int, ...], alias: str = "f") -> str:
    """``alias.anc IN (?, ...)``: one placeholder per family of a key (a count, never user text)."""
    return f"{alias}.anc IN ({', '.join('?' * len(key))})"


#: The relevance of a paper from its rows ``s`` in several disjoint families: :data:`SCORE_EXPR` of
#: their summed components, i.e. of the paper's links to all of them.
UNION_SCORE = _score(*(f"sum(s.{c})" for c in ("proposed", "title", "early", "mentions")))


def fam_papers_sql(
    driver: tuple[int, ...], others: list[tuple[str, list[Any]]], query: PaperQuery,
    *, floor: int = 0, arm_limit: int | None = None,
) -> tuple[str, list[Any], str, list[Any]]:
    """(page select, its parameters, count select, its parameters) of a paper search driven by ``fam`` rows in the
    order of an index, the page stopping at its limit. ``driver``: one family's ancestor rid (or a
    kind tag's), or the rids of several disjoint families — a name that resolves to several
    entities, e.g. "optimal transport" (a divergence family and a method); their union is read
    without scanning it: in id/year order, the first ``arm_limit`` rows of each family's index are
    merged (None: every row, for filters applied in Python); by relevance, the papers above
    ``floor`` in one of them (see :data:`kg.store.records.UNION_FLOORS`; 0: all) are scored over all of them.
    ``others``: the other entity filters as ``EXISTS`` conditions on ``f.paper``."""
    where, fparams = _fam_filters(others, query)
    if len(driver) == 1:
        cond = " AND ".join(["f.anc = ?", *where])
        params = [driver[0], *fparams]
        select = (f"SELECT p.rid, p.props FROM fam f JOIN paper p ON p.rid = f.paper WHERE {cond} "
                  f"ORDER BY {FAM_ORDER[query.order, query.direction]}")
        return select, params, f"SELECT count(*) FROM fam f WHERE {cond}", params
    cond = " AND ".join([_anc_in(driver), *where])
    count = f"SELECT count(*) FROM (SELECT DISTINCT f.paper FROM fam f WHERE {cond})"
    count_params = [*driver, *fparams]
    if query.order == "relevance":
        # the candidates (above the floor in one family: the fam_relevance index range), each scored
        # over all the families by primary-key probes
        above = " AND ".join([_anc_in(driver), "f.score >= ?", *where]) if floor else cond
        select = (f"SELECT p.rid, p.props FROM (SELECT u.paper, u.pid, (SELECT {UNION_SCORE} FROM fam s "
                  f"WHERE {_anc_in(driver, 's')} AND s.paper = u.paper) AS score "
                  f"FROM (SELECT DISTINCT f.paper, f.pid FROM fam f WHERE {above}) u) f "
                  f"JOIN paper p ON p.rid = f.paper ORDER BY {FAM_ORDER[query.order, query.direction]}")
        params = [*driver, *driver, *([floor] if floor else []), *fparams]
        return select, params, count, count_params
    order = FAM_ORDER[query.order, query.direction]
    arm = (f"SELECT * FROM (SELECT f.paper, f.pid, f.year FROM fam f WHERE {' AND '.join(['f.anc = ?', *where])} "
           f"ORDER BY {order} LIMIT ?)")
    params = []
    for rid in driver:
        params += [rid, *fparams, -1 if arm_limit is None else arm_limit]
    select = (f"SELECT p.rid, p.props FROM ({' UNION '.join([arm] * len(driver))}) f "
              f"JOIN paper p ON p.rid = f.paper ORDER BY {order}")
    return select, params, count, count_params


def union_count_sql(key: tuple[int, ...]) -> tuple[str, list[Any]]:
    """The number of papers in a union of families (distinct papers of their ``fam`` rows)."""
    return f"SELECT count(*) FROM (SELECT DISTINCT f.paper FROM fam f WHERE {_anc_in(key)})", [*key]


def union_floor_sql(driver: tuple[int, ...], others: list[tuple[str, list[Any]]], query: PaperQuery,
                    floor: int, enough: int) -> tuple[str, list[Any]]:
    """How many papers (up to ``enough``) pass a search's filters and are above ``floor`` in one of
    the disjoint families of ``driver``: read from the ``fam_relevance`` index until ``enough``."""
    where, fparams = _fam_filters(others, query)
    cond = " AND ".join([_anc_in(driver), "f.score >= ?", *where])
    return (f"SELECT count(*) FROM (SELECT DISTINCT f.paper FROM fam f WHERE {cond} LIMIT ?)",
            [*driver, floor, *fparams, enough])


def shared_sql(what: str, rid: int, later: list[int]) -> tuple[str, list[Any]]:
    """The papers of the family ``rid`` that are also in one of the ``later`` families, counted per
    year (``what="years"``) or per linked entity id (``"cooc"``): summed per-family aggregates of
    disjoint families less these, for each family but the last, count each paper once (see
    ``SQLiteStore._union_overlap``). One primary-key probe per paper of ``rid``."""
    shared = f"EXISTS (SELECT 1 FROM fam y WHERE {_anc_in(tuple(later), 'y')} AND y.paper = x.paper)"
    if what == "years":
        sql = f"SELECT x.year, count(*) FROM fam x WHERE x.anc = ? AND x.year IS NOT NULL AND {shared} GROUP BY x.year"
    else:
        sql = ("SELECT e.id, c.n FROM (SELECT l.entity, count(*) AS n FROM fam x JOIN link l ON l.paper = x.paper "
               f"WHERE x.anc = ? AND {shared} GROUP BY l.entity) c JOIN entity e ON e.rid = c.entity")
    return sql, [rid, *later]


#: Claims about disjoint families: one index page per family (``LIMIT ?`` rows each, in claim id
#: order), merged; and their distinct number.
FAM_CLAIMS_ARM = "SELECT * FROM (SELECT claim, cid FROM fam_about WHERE anc = ? ORDER BY cid LIMIT ?)"
FAM_CLAIMS_TYPED_ARM = (
    "SELECT * FROM (SELECT claim, cid FROM fam_about WHERE anc = ? AND type = ? ORDER BY cid LIMIT ?)"
)


def union_claims_sql(key: tuple[int, ...], type: str | None, limit: int | None, offset: int) -> tuple[str, list[Any]]:
    """A page of the claims about disjoint families (by claim id), from one index page of each."""
    arm = FAM_CLAIMS_ARM if type is None else FAM_CLAIMS_TYPED_ARM
    n = -1 if limit is None else offset + limit
    params: list[Any] = []
    for rid in key:
        params += [rid, n] if type is None else [rid, type, n]
    sql = (f"SELECT k.props FROM ({' UNION '.join([arm] * len(key))}) f JOIN claim k ON k.rid = f.claim "
           "ORDER BY f.cid LIMIT ? OFFSET ?")
    return sql, [*params, -1 if limit is None else limit, offset]


def union_claim_count_sql(key: tuple[int, ...], type: str | None) -> tuple[str, list[Any]]:
    """The number of distinct claims about disjoint families (of ``type``)."""
    typed = "" if type is None else " AND type = ?"
    return (f"SELECT count(*) FROM (SELECT DISTINCT claim FROM fam_about f WHERE {_anc_in(key)}{typed})",
            [*key] + ([] if type is None else [type]))


def exists_condition(family: tuple[int, ...] | None, ids: list[str], kind: str | None, role: str | None,
                     variant: str | None) -> tuple[str, list[Any]]:
    """An entity filter as a condition on ``f.paper``: a ``fam`` row of its families (primary key), or a
    link to the given entities (or to any entity of ``kind``) with ``role``/``variant``."""
    if family is not None:
        return f"EXISTS (SELECT 1 FROM fam g WHERE {_anc_in(family, 'g')} AND g.paper = f.paper)", [*family]
    params: list[Any] = []
    if ids:
        cond = f"l.entity IN {ERIDS}"
        params.append(json.dumps(ids))
    else:
        # "+": not an index term, so SQLite walks the paper's few links (primary key prefix) and tests
        # each against the kind's entities, instead of probing the paper once per entity of the kind
        # (a thousand methods: 64 s for the CIFAR-10 family × any proposed method at 1M papers)
        cond = "+l.entity IN (SELECT rid FROM entity WHERE kind = ?)"
        params.append(kind)
    if role is not None:
        cond += " AND l.role = ?"
        params.append(role)
    if variant is not None:
        cond += " AND l.variant = ?"
        params.append(variant)
    return f"EXISTS (SELECT 1 FROM link l WHERE l.paper = f.paper AND {cond})", params
