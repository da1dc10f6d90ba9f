"""What only the embedded SQLite store does: one file that opens without loading the graph, durable
committed batches, clear errors for unusable files, and the migration of the old networkx store's
``graph.json`` (tests/data/graph-networkx-v1.json was written by that store from the fixture graph)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import StoreError
from kg.models import EntityFilter, GraphDelta, PaperQuery
from kg.store import open_store
from kg.store import sql as S
from kg.store.sqlite_store import SQLiteStore
from tests import world

OLD_JSON = Path(__file__).parents[1] / "data" / "graph-networkx-v1.json"
KL = "divergence:kullback-leibler"


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sub" / "graph.db"


def test_sqlite_store_persists_every_batch_and_reopens(path):
    store = SQLiteStore(path)
    store.write(world.delta())
    again = SQLiteStore(path)  # a second connection sees the committed batch without flush/close
    assert again.stats() == store.stats()
    assert again.papers(["p1", "p3"]) == store.papers(["p1", "p3"])
    assert [e.id for e in again.lookup("relative entropy")] == [KL]
    assert [e.id for e in again.children("divergence:wasserstein")] == ["divergence:wasserstein-1"]
    store.close()
    again.close()


def test_sqlite_store_is_one_wal_database_with_documented_tables(path):
    with SQLiteStore(path) as store:
        store.write(world.delta())
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"paper", "entity", "entity_key", "link", "claim", "about", "subtype", "year_count",
            "entity_year", "cooc"} <= tables
    (uses,) = conn.execute(
        "SELECT l.props FROM link l JOIN paper p ON p.rid = l.paper JOIN entity e ON e.rid = l.entity "
        "WHERE p.id = 'p1' AND e.id = ?", (KL,)
    ).fetchone()
    assert '"variant":"reverse"' in uses and "reverse KL divergence" in uses


def test_sqlite_store_opening_reads_no_graph(path):
    with SQLiteStore(path) as store:
        store.write(world.delta())
    store = SQLiteStore(path)
    assert store._conn is None  # opening costs nothing; the first call connects
    page = store.find_papers(PaperQuery(using=(EntityFilter(ids=(KL,)),)))
    assert [h.paper.id for h in page.items] == ["p1", "p3"]
    store.close()


def test_sqlite_store_survives_a_killed_writer(path):
    """A process killed right after write() returned (no close, no flush) loses nothing."""
    code = (
        "import os, signal\n"
        "from kg.store.sqlite_store import SQLiteStore\nfrom tests import world\n"
        f"s = SQLiteStore({str(path)!r}); s.write(world.delta())\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2])
    assert proc.returncode == -9
    assert SQLiteStore(path).stats().papers == len(world.extractions())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a database at all, just some bytes" * 100, "not a kg graph database"),
        (b"", None),  # an empty file is a new database
    ],
)
def test_sqlite_store_foreign_file_is_one_store_error(path, content, message):
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    store = SQLiteStore(path)
    if message is None:
        assert store.stats().papers == 0
        return
    with pytest.raises(StoreError, match=message):
        store.stats()


def test_sqlite_store_other_layout_is_refused(path):
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '999')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=f"layout {S.SCHEMA_VERSION} .found 999.*kg ingest"):
        SQLiteStore(path).stats()


def test_sqlite_store_unwritable_location_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        SQLiteStore(blocker / "graph.db").stats()


def test_sqlite_store_in_memory_without_path():
    store = SQLiteStore(None)
    store.write(world.delta())
    assert store.stats().papers == len(world.extractions()) and store.blocking is False
    assert SQLiteStore(None).stats().papers == 0


def test_sqlite_store_clear_is_persisted(path):
    with SQLiteStore(path) as store:
        store.write(world.delta())
        store.clear()
    assert SQLiteStore(path).stats().papers == 0


# -- migration of the old networkx store's graph.json ----------------------------------------------


@pytest.mark.parametrize("given", ["graph.json", "graph.db"])
def test_sqlite_store_migrates_the_old_json_graph(tmp_path, given):
    old = tmp_path / "graph.json"
    shutil.copy(OLD_JSON, old)
    fresh = SQLiteStore(None)
    fresh.write(world.delta())
    store = open_store(store="networkx", graph_path=tmp_path / given)
    assert store.path == tmp_path / "graph.db"
    assert store.stats() == fresh.stats()
    ids = [x.paper.id for x in world.extractions()]
    assert store.papers(ids) == fresh.papers(ids)
    assert store.entity_counts() == fresh.entity_counts()
    assert store.descendants("divergence:f-divergence") == fresh.descendants("divergence:f-divergence")
    store.close()
    assert old.exists()  # kept; the database is used from now on
    old.write_text("{}")
    assert open_store(graph_path=tmp_path / given).stats() == fresh.stats()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"graph": {"kg_format": 7}, "nodes": [], "edges": []}', "not a kg graph file"),
        ('{"graph": {"kg_format": 1}, "nodes": [{"_key": "x", "label": "Paper", "id": "p"}], "edges": []}',
         "damaged"),
    ],
)
def test_sqlite_store_bad_old_json_says_how_to_recreate(tmp_path, content, message):
    (tmp_path / "graph.json").write_text(content)
    store = SQLiteStore(tmp_path / "graph.json")
    with pytest.raises(StoreError, match=f"{message}.*kg ingest"):
        store.stats()
    assert not (tmp_path / "graph.db").exists()  # nothing half-made: the next open tries again


def test_sqlite_store_counts_follow_writes_of_other_connections(path):
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    writer.write(GraphDelta(extractions=tuple(world.extractions()[:1]), entities=world.TAXONOMY))
    assert {c.entity.id: c.papers for c in reader.entity_counts()}[KL] == 1
    writer.write(world.delta())  # another connection commits: the kept list must not be served
    assert {c.entity.id: c.papers for c in reader.entity_counts()}[KL] == 2
    reader.write(GraphDelta(extractions=(world.extractions()[2].model_copy(update={"divergences": ()}),)))
    assert {c.entity.id: c.papers for c in reader.entity_counts()}[KL] == 1


def _plan(conn: sqlite3.Connection, sql: str, params) -> str:
    return "\n".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def _hot_plans(store: SQLiteStore, conn: sqlite3.Connection) -> dict[str, str]:
    """SQLite's plan of each hot read: the lookups (one entity, a family, a second filter), their
    counts, and a family's years, co-occurrence and claims."""
    family = [world.F_DIV.id] + [e.id for e in store.descendants(world.F_DIV.id)]
    anc = store._family(family)
    plans = {}
    for name, q in {
        "KL by relevance": PaperQuery(using=(EntityFilter(ids=(KL,)),), order="relevance", direction="desc"),
        "f-div family by relevance": PaperQuery(using=(EntityFilter(ids=tuple(family)),), order="relevance",
                                                direction="desc"),
        "family and GAN, newest first": PaperQuery(
            using=(EntityFilter(ids=tuple(family)), EntityFilter(ids=(world.GAN.id,))), order="year",
            direction="desc"),
        "KL by id": PaperQuery(using=(EntityFilter(ids=(KL,)),)),
    }.items():
        select, params, _ = store._plan(q)
        plans[name] = _plan(conn, f"{select} LIMIT 10", params)
    plans["family years"] = _plan(conn, S.FAM_YEARS, (anc,))
    plans["family co-occurrence"] = _plan(conn, S.FAM_COOC, (anc, "[]", None))
    plans["family claims"] = _plan(conn, S.FAM_CLAIMS_TYPED, (anc, "empirical", 20, 0))
    plans["family claim count"] = _plan(conn, S.FAM_CLAIM_COUNT_TYPED, (anc, "empirical"))
    return plans


def test_sqlite_hot_reads_are_index_reads_in_order(path):
    """The first page of a lookup is read from an index in its order (no sort of every match), and
    family aggregates are single index reads. Dropping an index makes SQLite sort again, and this
    test then fails: it checks the plan, not a time."""
    with SQLiteStore(path) as store:
        store.write(world.delta())
        plans = _hot_plans(store, sqlite3.connect(path))
        for name, plan in plans.items():
            assert "TEMP B-TREE" not in plan, (name, plan)
            scans = [line for line in plan.splitlines() if "SCAN" in line and "json_each" not in line]
            assert not scans, (name, plan)  # only the JSON list parameters are scanned
        assert "fam_relevance" in plans["KL by relevance"] and "fam_relevance" in plans["f-div family by relevance"]
        assert "fam_year_desc" in plans["family and GAN, newest first"]
        assert "fam_id" in plans["KL by id"]
        assert "fam_about_type" in plans["family claims"]
        conn = sqlite3.connect(path, isolation_level=None)  # a new connection: no cached statements
        conn.execute("DROP INDEX fam_relevance")
        assert "USE TEMP B-TREE FOR ORDER BY" in _hot_plans(store, conn)["KL by relevance"]


def test_sqlite_store_upgrades_a_layout_1_file(path):
    """A file of layout 1 (no family tables) is upgraded on open: the families are counted."""
    with SQLiteStore(path) as store:
        store.write(world.delta())
        family = [world.F_DIV.id] + [e.id for e in store.descendants(world.F_DIV.id)]
        before = store.find_papers(PaperQuery(using=(EntityFilter(ids=tuple(family)),), order="relevance",
                                              direction="desc"))
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE fam; DROP TABLE fam_year; DROP TABLE fam_cooc; DROP TABLE fam_about;"
                       "DROP TABLE closure; UPDATE meta SET value = '1' WHERE key = 'schema_version';")
    conn.close()
    with SQLiteStore(path) as store:
        version = store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == (S.SCHEMA_VERSION,)
        assert store.find_papers(PaperQuery(using=(EntityFilter(ids=tuple(family)),), order="relevance",
                                            direction="desc")) == before
        assert store._family(family) is not None


def test_sqlite_store_upgrades_a_layout_2_file(path):
    """A file of layout 2 (no ``total`` table) is upgraded on open: the totals are counted, and
    ``stats()`` (read from them) gives what it gave before."""
    with SQLiteStore(path) as store:
        store.write(world.delta())
        before = store.stats()
    assert before.claims > 0 and before.links["USES"] > 0
    conn = sqlite3.connect(path)
    conn.executescript(f"{S.DROP_TRIGGERS}{_LAYOUT_3}DROP TABLE total;"
                       "UPDATE meta SET value = '2' WHERE key = 'schema_version';")
    conn.close()
    with SQLiteStore(path) as store:
        assert store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            S.SCHEMA_VERSION,)
        assert store.stats() == before
        store.write(world.delta())  # idempotent re-write: the re-created triggers keep the totals right
        assert store.stats() == before


#: What layout 4 added, taken away again (kind tags' family rows, the tag table, pair counts).
_LAYOUT_3 = ("DELETE FROM fam WHERE anc < 0; DELETE FROM fam_year WHERE anc < 0; DROP TABLE tag; DROP TABLE fam_pair;"
             "DROP INDEX IF EXISTS tag_kind;")


def test_sqlite_store_upgrades_a_layout_3_file(path):
    """A file of layout 3 (no kind tags, no pair counts) is upgraded on open: the tags' rows and
    every pair are counted, equal to a full recount, and kind filters and two-filter totals answer
    as on a file written by this layout (and keep answering after more writes)."""
    from tests.store.test_aggregates import _sqlite_tables_match_a_recount

    queries = [PaperQuery(using=(EntityFilter(kind="method", role="proposed"), EntityFilter(ids=(world.GAN.id,)))),
               PaperQuery(using=(EntityFilter(kind="divergence"),), order="year", direction="desc")]
    with SQLiteStore(path) as store:
        store.write(world.delta())
        before = [store.find_papers(q) for q in queries]
    assert before[0].total > 0 and before[1].total > 0
    conn = sqlite3.connect(path)
    conn.executescript(f"{S.DROP_TRIGGERS}{_LAYOUT_3}UPDATE meta SET value = '3' WHERE key = 'schema_version';")
    conn.close()
    with SQLiteStore(path) as store:
        assert store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            S.SCHEMA_VERSION,)
        assert [store.find_papers(q) for q in queries] == before
        _sqlite_tables_match_a_recount(store)
        store.write(world.delta())
        assert [store.find_papers(q) for q in queries] == before
        _sqlite_tables_match_a_recount(store)


def test_sqlite_any_entity_of_a_kind_is_a_family_read_with_a_maintained_total(path):
    """An id-less kind filter ("proposes any method") is a kind tag with ``fam`` rows: beside a
    family it is one primary-key probe per candidate (no walk of the paper's links, no probe per
    method), alone it is read in page order from the ``fam`` indexes, and the total of such a
    search (one or two keys, no paper id or year filter) is a maintained count, not a count of the
    matches (1.4 s for the CIFAR-10 family × any proposed method at 1M papers). Checks plans, not
    times: dropping the pair table's use or the tag rows makes it fail."""
    with SQLiteStore(path) as store:
        store.write(world.delta())
        family = [world.F_DIV.id] + [e.id for e in store.descendants(world.F_DIV.id)]
        proposing = EntityFilter(kind="method", role="proposed")
        q = PaperQuery(using=(proposing, EntityFilter(ids=tuple(family))))
        select, params, count = store._plan(q)
        plan = _plan(sqlite3.connect(path), f"{select} LIMIT 10", params)
        assert "fam_id" in plan and "USING PRIMARY KEY (anc=? AND paper=?)" in plan, plan
        assert "link" not in select and "SCAN" not in plan and "TEMP B-TREE" not in plan, (select, plan)
        expected = {x.paper.id for x in world.delta().extractions
                    if {t.entity.id for t in x.tags} & set(family)
                    and any(t.entity.kind == "method" and t.role == "proposed" for t in x.tags)}
        assert count == len(expected) and expected  # the fam_pair row, not a SELECT count(*)
        assert {h.paper.id for h in store.find_papers(q).items} == expected
        alone = PaperQuery(using=(proposing,), order="year", direction="desc")
        select, params, count = store._plan(alone)
        plan = _plan(sqlite3.connect(path), f"{select} LIMIT 10", params)
        assert "fam_year_desc" in plan and "TEMP B-TREE" not in plan, plan
        assert isinstance(count, int) and count == store.find_papers(alone).total
        with_year = PaperQuery(using=q.using, year_min=2000)  # a paper filter: counted, not maintained
        assert isinstance(store._plan(with_year)[2], tuple)


def test_sqlite_total_of_an_unfiltered_search_is_the_maintained_count(path):
    """"Every paper" (the facets' all-years total) is read from ``year_count``, not counted over the
    paper table (0.8 s at 1M papers); it equals the papers written, unknown years included."""
    with SQLiteStore(path) as store:
        store.write(world.delta())
        _, _, count = store._plan(PaperQuery())
        assert count == len(world.delta().extractions) == store.find_papers(PaperQuery(limit=0)).total
        assert store.find_papers(PaperQuery(year_min=0, limit=0)).total < count  # one paper has no year
