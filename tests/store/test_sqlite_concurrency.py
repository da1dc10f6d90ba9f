"""The embedded store read from many threads at once (what ``kg serve`` does): readers beside a
writer get right, consistent answers and no error; a read past its deadline stops inside SQLite
without holding the others; writes are seen by the next read; close and layout upgrades stay
single. Real SQLite files, real threads, no mocks."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import QueryTimeout
from kg.models import EntityFilter, GraphDelta, PaperQuery
from kg.store import sql as S
from kg.store.base import read_deadline
from kg.store.sqlite_store import SQLiteStore
from tests import world

KL = world.KL.id
#: An endless statement: only an interruption ends it.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "graph.db"
    with SQLiteStore(path) as store:
        store.write(world.delta())
    return path


def kl_paper(i: int):
    """A new paper using the reverse KL divergence (P1's text under another id)."""
    p = world.paper(f"q{i:03d}", world.P1.title, world.P1.abstract, 2000 + i % 20)
    return world.extraction(p, divergences=[world.tag(p, world.KL, "reverse KL divergence", variant="reverse")])


def run_threads(targets: list[Callable[[], None]], timeout: float = 120.0) -> list[BaseException]:
    """Run each target in its own thread; the exceptions they raised."""
    errors: list[BaseException] = []

    def wrap(fn: Callable[[], None]) -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a thread did not finish"
    return errors


def test_sqlite_concurrency_readers_beside_a_writer_see_whole_batches(path):
    """Eight threads read while another writes one paper per batch: no error, every page is
    consistent with its own total (one snapshot per read), and counts only grow."""
    store = SQLiteStore(path, readers=4)
    base = store.find_papers(PaperQuery(using=(EntityFilter(ids=(KL,)),))).total
    added = 40
    done = threading.Event()
    seen: list[int] = []

    def writer() -> None:
        try:
            for i in range(added):
                store.write(GraphDelta(extractions=(kl_paper(i),)))
        finally:
            done.set()

    def reader() -> None:
        last = (0, 0, 0)
        while not done.is_set() or last[0] < base + added:
            page = store.find_papers(PaperQuery(using=(EntityFilter(ids=(KL,)),), limit=100))
            assert page.total == len(page.items)  # the count and the page come from one snapshot
            assert {h.paper.id for h in page.items} >= {"p1", "p3"}
            counts = {c.entity.id: c.papers for c in store.entity_counts("divergence")}
            stats = store.stats()
            now = (page.total, counts[KL], stats.papers)
            assert all(a >= b for a, b in zip(now, last, strict=True)), (now, last)  # never back in time
            last = now
        seen.append(last[0])

    errors = run_threads([writer] + [reader] * 8)
    assert not errors, errors
    assert seen == [base + added] * 8
    assert store._readers is not None and store._readers.opened <= 4
    store.close()


def test_sqlite_concurrency_deadline_stops_a_long_read_not_the_others(path):
    """A read past its deadline is interrupted inside SQLite (QueryTimeout), while another thread
    keeps reading meanwhile; its connection then serves again."""
    store = SQLiteStore(path)
    query = PaperQuery(using=(EntityFilter(ids=(KL,)),))
    expected = store.find_papers(query)
    long_ran = threading.Event()
    timings: dict[str, float] = {}
    during: list[float] = []

    def long_read() -> None:
        started = time.monotonic()
        with read_deadline(started + 2.0), pytest.raises(QueryTimeout):
            long_ran.set()
            store._rows(ENDLESS)
        timings["long"] = time.monotonic() - started
        timings["long_end"] = time.monotonic()

    def other_reads() -> None:
        long_ran.wait(30)
        while "long_end" not in timings:
            started = time.monotonic()
            assert store.find_papers(query) == expected
            if "long_end" not in timings:
                during.append(time.monotonic() - started)

    errors = run_threads([long_read, other_reads])
    assert not errors, errors
    assert 2.0 <= timings["long"] < 20.0  # stopped at its deadline (on a loaded machine: soon after)
    assert len(during) >= 3, during  # one connection under a lock would have answered none meanwhile
    assert store.find_papers(query) == expected


@pytest.mark.parametrize("where", ["file", "memory"])
def test_sqlite_concurrency_deadline_already_passed_reads_nothing(path, where):
    store = SQLiteStore(path if where == "file" else None)
    with read_deadline(time.monotonic() - 1), pytest.raises(QueryTimeout):
        store.stats()
    assert store.stats().papers == (len(world.extractions()) if where == "file" else 0)


def test_sqlite_concurrency_deadline_interrupts_the_in_memory_store():
    store = SQLiteStore(None)
    store.write(world.delta())
    with read_deadline(time.monotonic() + 0.3), pytest.raises(QueryTimeout):
        store._rows(ENDLESS)
    assert store.stats().papers == len(world.extractions())


def test_sqlite_concurrency_read_after_write(path):
    """A write is seen by the next read: in the same thread, from another thread, through another
    store on the same file, and the kept entity counts follow it."""
    store = SQLiteStore(path)
    other = SQLiteStore(path)
    query = PaperQuery(using=(EntityFilter(ids=(KL,)),))
    before = store.find_papers(query).total
    kl_before = {c.entity.id: c.papers for c in store.entity_counts()}[KL]
    store.write(GraphDelta(extractions=(kl_paper(1),)))
    assert store.find_papers(query).total == before + 1
    assert {c.entity.id: c.papers for c in store.entity_counts()}[KL] == kl_before + 1
    assert other.find_papers(query).total == before + 1
    got: list[int] = []
    errors = run_threads([lambda: got.append(store.find_papers(query).total)])
    assert not errors and got == [before + 1]
    other.write(GraphDelta(extractions=(kl_paper(2),)))  # another connection's commit
    assert {c.entity.id: c.papers for c in store.entity_counts()}[KL] == kl_before + 2
    assert store.papers(["q002"])["q002"].paper.id == "q002"
    store.close()
    other.close()


def test_sqlite_concurrency_close_waits_for_a_read_in_progress(path):
    """close() closes idle connections at once; a read in progress in another thread finishes with
    its answer and its connection is closed after it; the store opens again on next use."""
    store = SQLiteStore(path)
    expected = store.stats()
    assert store._readers is not None and store._readers.opened == 1
    started, release = threading.Event(), threading.Event()
    results = []

    def slow_read() -> None:
        with store._reading() as conn:
            started.set()
            release.wait(30)
            results.append(conn.execute(S.STATS).fetchone())

    def closer() -> None:
        started.wait(30)
        store.close()
        release.set()

    errors = run_threads([slow_read, closer])
    assert not errors, errors
    assert results and results[0][0] == expected.papers
    assert store._readers.opened == 0
    assert store.stats() == expected  # reopened


def test_sqlite_concurrency_readers_are_read_only(path):
    store = SQLiteStore(path)
    with store._reading() as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM paper")
    assert store.stats().papers == len(world.extractions())


def test_sqlite_concurrency_first_reads_of_an_old_layout_upgrade_it_once(path):
    """Many threads' first reads of a layout-2 file: the writer connection upgrades it once, every
    reader answers from the upgraded file."""
    with SQLiteStore(path) as store:
        before = store.stats()
    conn = sqlite3.connect(path)
    conn.executescript(f"{S.DROP_TRIGGERS}DROP TABLE total;UPDATE meta SET value = '2' WHERE key = 'schema_version';")
    conn.close()
    store = SQLiteStore(path)
    gate = threading.Barrier(8)
    got = []

    def first_read() -> None:
        gate.wait(30)
        got.append(store.stats())

    errors = run_threads([first_read] * 8)
    assert not errors, errors
    assert got == [before] * 8
    with store._reading() as reader:
        assert reader.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (S.SCHEMA_VERSION,)
    store.close()


def test_sqlite_concurrency_pool_never_lends_one_connection_twice(path):
    """With fewer connections than threads, reads wait for one; no connection is used by two
    threads at once."""
    store = SQLiteStore(path, readers=2)
    in_use: set[int] = set()
    guard = threading.Lock()
    overlaps = []

    def reader() -> None:
        for _ in range(20):
            with store._reading() as conn:
                with guard:
                    if id(conn) in in_use:
                        overlaps.append(id(conn))
                    in_use.add(id(conn))
                assert conn.execute(S.STATS).fetchone()[0] == len(world.extractions())
                time.sleep(0.001)
                with guard:
                    in_use.discard(id(conn))

    errors = run_threads([reader] * 6)
    assert not errors and not overlaps
    assert store._readers is not None and store._readers.opened <= 2


def test_sqlite_concurrency_reads_go_on_during_a_write_transaction(path):
    """A read in the same process does not wait for a write batch in progress (which holds the
    writer connection's lock); it sees the database as committed before the batch."""
    store = SQLiteStore(path)
    before = store.stats()
    writing, read_done = threading.Event(), threading.Event()
    seen = []

    def writer() -> None:
        with store._transaction() as conn:
            conn.execute("DELETE FROM claim")  # uncommitted while the read runs
            writing.set()
            read_done.wait(30)

    def reader() -> None:
        writing.wait(30)
        seen.append(store.stats())
        read_done.set()

    errors = run_threads([writer, reader])
    assert not errors, errors
    assert seen == [before]
    assert store.stats().claims == 0  # committed after the read
