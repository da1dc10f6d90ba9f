"""Concurrent reads of the embedded store: a pool of read-only SQLite connections, and deadlines.

Why: ``kg serve`` answers requests in worker threads. The embedded store used to read through its
one connection under a lock, so every read waited for the one before it and one slow query held
every client (1,000,000 papers, 50 clients: p99 10.2 s with no query that slow on its own). SQLite
in WAL mode lets any number of readers run beside the one writer, each on its own connection and
snapshot, so a read now takes a connection of its own:

* :class:`ReaderPool` lends each read a read-only connection (``mode=ro``: it cannot write) that no
  other thread uses meanwhile. Connections are opened on demand, at most ``size`` of them, and lent
  most-recently-used first (their page caches stay warm); a read waits for one only when all
  ``size`` are lent, and not past its deadline.
* One read is one read transaction: the statements of one store method (a count and its page, the
  page's links) see one snapshot, and every write committed before the read began (by this
  process's writer connection or another process) is in it.
* A deadline (:func:`kg.store.base.read_deadline`) is enforced inside SQLite: :func:`limited`
  registers the read with one watchdog thread, which calls ``sqlite3_interrupt`` on its connection
  when the deadline passes (the store also checks it before each statement); the store turns the
  interruption into :class:`~kg.errors.QueryTimeout`. Only that read stops. Not a progress handler:
  a Python progress handler takes the GIL every N steps of the statement, and with the server's
  other threads busy in Python that stalls the statement (measured: one of 2.6-4.1 s took 8.4-26 s
  with a check every 100,000 steps while two other threads ran Python; every 1,000,000: 3.5-4.9 s).
* :meth:`ReaderPool.close` closes the idle connections at once and the lent ones when their read
  ends; the pool opens new ones if the store is used again.

The writer connection (schema creation, layout upgrades, the old JSON migration and every write)
stays with :class:`kg.store.sqlite_store.SQLiteStore`, which opens it before the first reader, so
those happen once, on one connection.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import QueryTimeout

#: Seconds between two interruptions of a read still running past its deadline (an interruption
#: that falls between two of its statements does nothing; the next statement checks the deadline).
RETRY = 0.05
#: Settings of each reader connection. The page cache is per connection, so it is smaller than the
#: writer's (16 MB, not 64 MB; at most 32 readers: 512 MB if every one fills it); the OS page cache
#: holds the file for all of them. Measured at 100,000 papers (CPU ms of papers-filters.graphql
#: in-process, median of 3): 4 MB 55-66, 16 MB 63-65, 32 MB 76-81, 64 MB 36 (the previous single
#: connection with 64 MB: 64-83) — its pages fit in 64 MB at 100k, not at 1M. No memory map: each
#: connection maps the file anew, and 256 MB maps took kg serve's peak RSS from 139 MB to 2.8 GB at
#: 100,000 papers under 50 clients (a page counts once per mapping).
READER_PRAGMAS = ("temp_store=MEMORY", "cache_size=-16384")
#: What a read past its deadline says (the API answers QUERY_TIMEOUT with its own message).
TIMED_OUT = "the read ran past its time limit and was stopped"

_SQLITE_INTERRUPT = 9


def interrupted(exc: sqlite3.Error) -> bool:
    """Was this statement stopped by :func:`limited` (SQLITE_INTERRUPT)?"""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return code == _SQLITE_INTERRUPT if code is not None else str(exc) == "interrupted"


class Watchdog:
    """One daemon thread that interrupts the connections of reads past their deadline (started on
    the first read with a deadline; one for the process)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._reads: dict[int, tuple[float, sqlite3.Connection]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        #: How many interruptions it made (tests read it).
        self.interrupts = 0

    def watch(self, conn: sqlite3.Connection, at: float) -> int:
        """Interrupt ``conn`` from ``time.monotonic()`` ``at`` on, until :meth:`unwatch`."""
        with self._cond:
            token = next(self._tokens)
            self._reads[token] = (at, conn)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kg-sqlite-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
        return token

    def unwatch(self, token: int) -> None:
        """The read ended: its connection is never interrupted for it after this returns."""
        with self._cond:
            self._reads.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                wait: float | None = None
                for at, conn in self._reads.values():
                    if at <= now:
                        with contextlib.suppress(sqlite3.Error):
                            conn.interrupt()  # thread-safe; a no-op between statements
                        self.interrupts += 1
                        wait = RETRY if wait is None else min(wait, RETRY)
                    else:
                        wait = at - now if wait is None else min(wait, at - now)
                self._cond.wait(wait)


WATCHDOG = Watchdog()


@contextmanager
def limited(conn: sqlite3.Connection, at: float | None) -> Iterator[None]:
    """Interrupt ``conn``'s statements once ``time.monotonic()`` passes ``at`` (``None``: no limit).

    Raises:
        QueryTimeout: ``at`` has already passed (nothing runs).
    """
    if at is None:
        yield
        return
    check(at)
    token = WATCHDOG.watch(conn, at)
    try:
        yield
    finally:
        WATCHDOG.unwatch(token)


def check(at: float | None) -> None:
    """Raise :class:`~kg.errors.QueryTimeout` when the deadline ``at`` has passed."""
    if at is not None and time.monotonic() >= at:
        raise QueryTimeout(TIMED_OUT)


def _reusable(conn: sqlite3.Connection) -> bool:
    """Can ``conn`` serve another read (open, no transaction left behind)?"""
    try:
        return not conn.in_transaction
    except sqlite3.Error:  # closed
        return False


class ReaderPool:
    """Read-only connections to one SQLite database in WAL mode, each lent to one read at a time.

    Args:
        path: the database file (it must exist, in WAL mode: the store's writer connection made it).
        size: at most this many connections; more concurrent reads wait for one to be returned.

    Example::

        pool = ReaderPool(Path(".kg/graph.db"))
        with pool.reading(deadline=None) as conn:
            conn.execute("SELECT count(*) FROM paper").fetchone()
        pool.close()
    """

    def __init__(self, path: Path, size: int = 32) -> None:
        self.uri = f"{path.resolve().as_uri()}?mode=ro"
        self.size = size
        self._idle: list[sqlite3.Connection] = []
        self._open = 0  # connections lent or idle
        self._epoch = 0  # bumped by close(): connections of an older epoch are closed when returned
        self._cond = threading.Condition()

    @property
    def opened(self) -> int:
        """How many connections are open (lent or idle)."""
        return self._open

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            for pragma in READER_PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _acquire(self, at: float | None) -> tuple[sqlite3.Connection, int]:
        with self._cond:
            while not self._idle and self._open >= self.size:
                check(at)
                self._cond.wait(None if at is None else at - time.monotonic())
            epoch = self._epoch
            if self._idle:
                return self._idle.pop(), epoch
            self._open += 1
        try:
            return self._connect(), epoch
        except BaseException:
            self._release(None, epoch, False)
            raise

    def _release(self, conn: sqlite3.Connection | None, epoch: int, reusable: bool) -> None:
        """Return ``conn`` to the pool; one that broke (not ``reusable``: a transaction left behind)
        or of a closed epoch is closed (so it holds no snapshot that keeps the WAL from checkpointing)."""
        with self._cond:
            if conn is not None and reusable and epoch == self._epoch:
                self._idle.append(conn)
                conn = None
            else:
                self._open -= 1
            self._cond.notify()
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    @contextmanager
    def reading(self, deadline: float | None) -> Iterator[sqlite3.Connection]:
        """A connection for one read transaction (a consistent snapshot), interrupted at
        ``deadline`` (a ``time.monotonic()`` value; ``None``: no limit).

        Raises:
            QueryTimeout: the deadline passed while waiting for a connection.
            sqlite3.Error: as the statements raise it (an interrupted one: SQLITE_INTERRUPT).
        """
        conn, epoch = self._acquire(deadline)
        try:
            try:
                with limited(conn, deadline):  # the watchdog watches the statements only, not the end
                    conn.execute("BEGIN")
                    yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # an interrupted read too: the connection is reused
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")  # a read transaction: ends the snapshot
        finally:
            self._release(conn, epoch, _reusable(conn))

    def close(self) -> None:
        """Close every idle connection now and every lent one when its read ends (idempotent)."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._epoch += 1
            self._cond.notify_all()
        for conn in idle:
            conn.close()
