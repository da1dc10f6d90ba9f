"""``kg ingest --bulk`` on the embedded store: rows written without the aggregate triggers, every
aggregate counted once at the end. It must give the graph (and every maintained table) an ordinary
ingest gives, refuse a store that holds papers, and leave an interrupted load whole: the next open of
the file counts what the load did not (while a load is running in another process, opening the file
does not bring the triggers back)."""

from __future__ import annotations

import sqlite3

import pytest

from kg.errors import StoreError
from kg.export import graph_records, to_jsonl
from kg.ingest import ingest, load_extractions
from kg.models import PaperQuery
from kg.query import papers_using
from kg.store import sql as S
from kg.store.sqlite_store import SQLiteStore
from tests.store.test_aggregates import _TABLES, _sqlite_tables_match_a_recount

pytestmark = pytest.mark.slow


def _tables(store: SQLiteStore) -> dict[str, list]:
    return {t: sorted(store.conn.execute(q).fetchall()) for t, q in _TABLES.items()}


def _papers(path) -> int:
    return sqlite3.connect(path).execute("SELECT count(*) FROM paper").fetchone()[0]


def _triggers(path) -> int:
    return sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]


@pytest.fixture(scope="module")
def ordinary(tmp_path_factory, seed_jsonl):
    store = SQLiteStore(tmp_path_factory.mktemp("ordinary") / "graph.db")
    ingest(seed_jsonl, store, workers=1)
    yield store
    store.close()


def test_sqlite_bulk_gives_the_ordinary_graph_and_tables(ordinary, seed_jsonl, tmp_path):
    store = SQLiteStore(tmp_path / "graph.db")
    report = ingest(seed_jsonl, store, bulk=True, workers=1)
    assert (report.new, report.failed) == (224, 0)
    assert store.stats() == ordinary.stats()
    assert to_jsonl(graph_records(store)) == to_jsonl(graph_records(ordinary))
    assert _tables(store) == _tables(ordinary)  # papers in a family, years, pairs, co-occurrence, totals
    _sqlite_tables_match_a_recount(store)
    assert _triggers(store.path) == _triggers(ordinary.path) > 0
    assert store.conn.execute(S.BULK_OWNER).fetchone() is None
    for name in ("KL divergence", "optimal transport", "CIFAR-10"):
        assert papers_using(store, name, limit=5) == papers_using(ordinary, name, limit=5)
    with pytest.raises(StoreError, match="EMPTY store"):  # refused before anything is read
        ingest(seed_jsonl, store, bulk=True, force=True)
    again = ingest(seed_jsonl, store)  # later ingests are ordinary, triggers kept
    assert again.unchanged == 224
    store.close()


def test_sqlite_bulk_interrupted_is_counted_on_next_open(seed_jsonl, tmp_path):
    from kg.extract import extract
    from kg.read import read_papers

    xs = list(extract(read_papers(seed_jsonl).papers))
    reference = SQLiteStore(tmp_path / "reference.db")
    load_extractions(xs, reference, batch_size=40)
    path = tmp_path / "graph.db"
    store = SQLiteStore(path)
    written = []

    def stop_after_three(batch) -> None:
        written.append(len(batch))
        if len(written) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of a bulk load

    with pytest.raises(KeyboardInterrupt):
        load_extractions(xs, store, batch_size=40, bulk=True, on_written=stop_after_three)
    assert _triggers(path) == 0 and _papers(path) == 120  # the rows are there, not yet the counts
    # this process owns the load: another store opening the file leaves the triggers dropped
    with SQLiteStore(path) as reader:
        assert [h.paper.id for h in reader.find_papers(PaperQuery(limit=3)).items] == ["p001", "p002", "p003"]
    assert _triggers(path) == 0
    store.close()
    # the owner is gone (a killed ingest): the next open counts the aggregates and re-creates the triggers
    conn = sqlite3.connect(path)
    conn.execute(S.SET_BULK_OWNER, ("somewhere-else:1:0",))
    conn.commit()
    conn.close()
    with SQLiteStore(path) as reopened:
        assert reopened.conn.execute(S.BULK_OWNER).fetchone() is None
        assert _triggers(path) == _triggers(reference.path) > 0
        _sqlite_tables_match_a_recount(reopened)
        assert reopened.stats().papers == 120
        load_extractions(xs[120:], reopened, batch_size=40)  # the rest, the ordinary way
        assert to_jsonl(graph_records(reopened)) == to_jsonl(graph_records(reference))
        assert _tables(reopened) == _tables(reference)
    reference.close()
