"""The cyclic garbage collector's settings for long extraction and load runs.

Why: extraction and staging allocate millions of short-lived container objects (spaCy tokens and
spans, pydantic models, CSV rows). CPython runs a young collection every 700 net allocations of
them and, every so often, a full one that traverses every live object — in an extraction worker the
spaCy pipeline and its vocabularies, in the loading process the modules, the staged state and the
batches in flight. Measured with ``gc.callbacks`` on 20,000 abstracts (``bench/bulkstage.py``,
``kg ingest --store neo4j --bulk --workers 2``): the collector took ≈ 0.25 ms a paper in each
worker and ≈ 0.25 ms a paper in the loading process (where unpickling a batch of results was 3–4×
slower with it than without), ≈ 11 % of the whole CPU of the load.

:func:`relaxed` (a run in this process) and :func:`tune_worker` (a process that only extracts)
``gc.freeze()`` what exists — the pipeline, vocabularies and modules are then never traversed again —
and raise the young generation's threshold to :data:`YOUNG`. The garbage only the collector frees — a
spaCy ``Doc`` and the spans that refer back to it, ≈ 50 KB a paper — would then wait for the next
young collection, thousands of papers later; so every extraction batch ends with
:func:`collect_batch`, one young collection that frees that batch's documents at once (a
millisecond). Memory stays as flat as with the default settings; the output does not depend on the
collector.

Example::

    from kg.gcpolicy import relaxed

    with relaxed():
        for x in extract_stream(papers):
            ...
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG", "collect_batch", "relaxed", "tune_worker"]

#: Net container allocations between young collections (CPython's default: 700).
YOUNG = 50_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


def _relax(threshold: tuple[int, int, int]) -> None:
    """Freeze what exists and raise the young threshold, unless the collector is off (threshold 0)."""
    if threshold[0]:
        gc.freeze()
        gc.set_threshold(YOUNG, threshold[1], threshold[2])


def tune_worker() -> None:
    """For a process that only extracts (its pool's initializer, after the pipeline is built):
    freeze what exists and raise the young threshold for the rest of the process."""
    _relax(gc.get_threshold())


def collect_batch() -> None:
    """Free the reference cycles of a finished batch now: a collection of the two young
    generations, which hold the batch's objects (the frozen pipeline and the old generation are
    not traversed)."""
    gc.collect(1)


@contextmanager
def relaxed() -> Iterator[None]:
    """Freeze what exists and raise the young threshold while the block runs; restore both after.

    Re-entrant (only the outermost block changes and restores the settings), so nested callers —
    ``ingest`` around ``extract_stream`` — compose. A caller that disabled the collector
    (threshold 0) keeps it disabled."""
    global _depth, _saved
    with _lock:
        _depth += 1
        if _depth == 1:
            _saved = gc.get_threshold()
            _relax(_saved)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                if _saved[0]:
                    gc.set_threshold(*_saved)
                    gc.unfreeze()
                _saved = None
