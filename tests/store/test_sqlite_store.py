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
    with pytest.raises(StoreError, match="layout 1 .found 999.*kg ingest"):
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
