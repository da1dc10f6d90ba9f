"""Counting keys over a stream with bounded memory (the bulk loader's summary counts).

Why a module of its own: a bulk load counts the summary nodes (papers per entity and year, per pair of
co-occurring entities, per pair of families) while it stages the corpus, instead of leaving a full
recount to the server after the import. The number of distinct pairs grows with the vocabulary, not
only with the corpus, so the counts may not fit in memory: :class:`SpillCounter` keeps at most
``limit`` keys in a :class:`collections.Counter` and, when it is full, writes them sorted to a run
file; :meth:`SpillCounter.items` merges the runs, summing each key's counts, in key order.

Example::

    from kg.store.tally import SpillCounter

    with SpillCounter(directory, limit=2) as pairs:
        pairs.update([("a", "b"), ("a", "c"), ("a", "b")])
        pairs.update([("b", "c")])
        assert list(pairs.items()) == [(("a", "b"), 2), (("a", "c"), 1), (("b", "c"), 1)]
"""

from __future__ import annotations

import csv
import heapq
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

__all__ = ["SpillCounter"]

#: Keys held in memory before a run is written (≈ 200 bytes each: ≈ 200 MB a counter at the most;
#: at 100,000 synthetic abstracts the largest count, Cooc, held 419k keys).
SPILL_LIMIT = 1_000_000


class SpillCounter:
    """Counts of tuple-of-string keys, at most ``limit`` of them in memory (the rest in sorted runs
    under ``directory``, removed by :meth:`close`)."""

    def __init__(self, directory: str | Path, *, limit: int = SPILL_LIMIT) -> None:
        self.directory = Path(directory)
        self.limit = max(1, int(limit))
        self.counts: Counter[tuple[str, ...]] = Counter()
        self.runs: list[Path] = []

    def update(self, keys: Iterable[tuple[str, ...]] | Mapping[tuple[str, ...], int]) -> None:
        """Count each key once more (a key may come several times), or add a mapping's counts."""
        self.counts.update(keys)
        if len(self.counts) >= self.limit:
            self._spill()

    def _spill(self) -> None:
        fd, name = tempfile.mkstemp(prefix="tally-", suffix=".run", dir=self.directory)
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            for key in sorted(self.counts):
                w.writerow([*key, self.counts[key]])
        self.runs.append(Path(name))
        self.counts = Counter()

    @staticmethod
    def _read(path: Path) -> Iterator[tuple[tuple[str, ...], int]]:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                yield tuple(row[:-1]), int(row[-1])

    def items(self) -> Iterator[tuple[tuple[str, ...], int]]:
        """Every key with its total count, in key order (each key once)."""
        here = sorted(self.counts.items())
        streams = [self._read(p) for p in self.runs]
        key: tuple[str, ...] | None = None
        total = 0
        for k, n in heapq.merge(here, *streams, key=lambda kv: kv[0]):
            if k != key:
                if key is not None:
                    yield key, total
                key, total = k, 0
            total += n
        if key is not None:
            yield key, total

    def close(self) -> None:
        """Free the counts and remove the run files (idempotent)."""
        self.counts = Counter()
        for p in self.runs:
            p.unlink(missing_ok=True)
        self.runs = []

    def __enter__(self) -> SpillCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
