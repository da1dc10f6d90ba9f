"""Extraction of a stream of papers in batches, on one core or on a pool of worker processes.

Why a module of its own: the rules are pure functions of one paper, so a corpus can be spread over
processes — but spaCy is not fork-safe, a pipeline takes a second to build, and a long run must not
grow without bound. :func:`extract_stream` therefore

* cuts the input into batches of ``batch_size`` papers and extracts each batch inside
  ``nlp.memory_zone()``, so the strings and lexemes new texts add to the vocabulary are released
  after every batch (without it the string store grows by ~13 strings per abstract forever) —
  except the first :data:`LEARN_PAPERS` papers of each process, extracted outside any zone so that
  their words stay: a word's lexeme, its attributes and the tokenizer's cached chunks are then made
  once per process instead of once per batch (≈ 9–10 % fewer instructions per abstract after it, on
  real abstracts as on the synthetic corpus), for a fixed, bounded amount of memory;
* with ``workers > 1`` runs the batches in processes started with ``spawn``, each building its
  pipeline once (the pool's initializer), with at most ``2 × workers`` batches in flight — the
  input is consumed only as fast as results are taken (backpressure, bounded memory);
* yields one result per input paper, in input order, whatever the number of workers: the output
  of 1, 2 or 8 workers is identical;
* never ends on one bad text: a batch that fails is retried paper by paper and only the papers the
  extractor chokes on come back as :class:`Failed`;
* runs with the garbage collector's settings for long runs (:mod:`kg.gcpolicy`): the pipeline frozen
  out of the collector's traversals, young collections less often.

Workers watch their parent: when it dies (even by SIGKILL) they exit instead of lingering.

Example::

    from kg.extract.parallel import extract_stream

    for result in extract_stream(papers, workers=2):
        print(result.paper.id)
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice

from kg.errors import ExtractionError, KGError
from kg.gcpolicy import collect_batch, relaxed, tune_worker
from kg.models import Extraction, Paper

__all__ = ["LEARN_PAPERS", "Failed", "default_workers", "extract_batch", "extract_stream", "learned"]

#: Papers per batch sent to a worker (and per ``nlp.memory_zone()``).
BATCH_SIZE = 256

#: Papers a process extracts outside any memory zone before it zones every batch: what their words
#: add to the vocabulary stays for the rest of the process (a few MB: +2 MB RSS after 530 real
#: abstracts, +4 MB after 2,000 synthetic ones), so the common words of the corpus are not made
#: again in every batch. Counted with valgrind (callgrind, instructions per abstract of the zoned
#: batches after it): 10.8 → 9.7 M on 230 real abstracts after 300 learned, 11.9 → 10.9 M on the
#: synthetic 1M corpus after 1,000. The output does not depend on it.
LEARN_PAPERS = 5_000

_learned = 0  # papers this process has extracted outside a zone (see LEARN_PAPERS)


@dataclass(frozen=True)
class Failed:
    """A paper the extractor failed on (a bug, never expected on user text), with the reason."""

    paper: Paper
    reason: str


def default_workers() -> int:
    """The cores this process may use (``os.sched_getaffinity``, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


#: Text run once outside any memory zone before the first batch, so that what rule modules build
#: lazily on first use (e.g. the methods' phrase matcher and its pattern strings) is permanent: built
#: inside a zone, its strings would be released with the zone's and the next batch would fail.
_WARM_UP = Paper(
    id="kg-warm-up",
    title="SGD-Net: Variational Inference with the Reverse KL Divergence",
    abstract=(
        "We propose SGD-Net, a novel method called Deep Variational Sampler (DVS), for training "
        "generative adversarial networks (GANs) with the Wasserstein distance, f-divergences such as "
        "the Jensen-Shannon divergence, and the maximum mean discrepancy (MMD). Our approach, "
        "a new sampler, outperforms baselines such as Adam, DQN and A3C on CIFAR-10 and ImageNet. "
        "Experiments show that the cross-entropy loss improves accuracy by 3%, i.e. the Gibbs "
        "algorithm-type methods fail et al. (2020)."
    ),
)
_warm = False


def warm_up() -> None:
    """Build the pipeline, extract one text and fill the tokenizer's cache with the chunks of the
    bundled abstracts, outside any memory zone (once per process; see
    :func:`kg.extract.pipeline.warm_tokenizer_cache`)."""
    global _warm
    if not _warm:
        from kg.extract import extract
        from kg.extract.pipeline import warm_tokenizer_cache

        list(extract([_WARM_UP]))
        warm_tokenizer_cache()
        _warm = True


def extract_batch(papers: list[Paper]) -> list[Extraction | Failed]:
    """Extract one batch: an :class:`Extraction` per paper, in order, or a :class:`Failed` for a paper
    whose extraction raised (the batch is then retried paper by paper so that one bad text costs
    only itself). Inside ``nlp.memory_zone()``, but for the first :data:`LEARN_PAPERS` papers of the
    process, which are extracted outside it."""
    global _learned
    from kg.extract.pipeline import get_nlp

    nlp = get_nlp()
    warm_up()
    learn = papers[:max(0, LEARN_PAPERS - _learned)]
    try:
        out = _extract_all(learn) if learn else []
        _learned += len(learn)
        if len(learn) < len(papers):
            with nlp.memory_zone():
                out += _extract_all(papers[len(learn):])
        return out
    finally:
        collect_batch()  # the batch's spaCy documents are garbage now: free them (kg.gcpolicy)


def learned() -> int:
    """Papers this process has extracted outside a memory zone (at most :data:`LEARN_PAPERS`)."""
    return _learned


def _extract_all(papers: list[Paper]) -> list[Extraction | Failed]:
    from kg.extract import extract

    try:
        whole: list[Extraction | Failed] = list(extract(papers, batch_size=max(1, len(papers))))
    except Exception:  # noqa: BLE001 - find the paper(s) at fault below
        whole = []
    if whole or not papers:
        return whole
    out: list[Extraction | Failed] = []
    for p in papers:
        try:
            out.append(next(extract([p], batch_size=1)))
        except Exception as exc:  # noqa: BLE001 - an extractor bug must not end the run
            why = str(exc) if isinstance(exc, ExtractionError) else f"{type(exc).__name__}: {exc}"
            out.append(Failed(p, why))
    return out


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone (killed): do not keep extracting for nobody


def init_worker(parent: int) -> None:
    """Pool initializer (here and in the local shard engine): exit when process ``parent`` is gone,
    build the pipeline and the extractor version once per worker process."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="kg-parent-watch").start()
    from kg.extract import extractor_version

    extractor_version()
    warm_up()
    tune_worker()  # the pipeline built: never traverse it again, collect young garbage less often


def _batches(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while batch := list(islice(it, size)):
        yield batch


def extract_stream(
    papers: Iterable[Paper],
    *,
    workers: int | None = None,
    batch_size: int = BATCH_SIZE,
    in_flight: int | None = None,
) -> Iterator[Extraction | Failed]:
    """Extract ``papers`` lazily: one :class:`Extraction` (or :class:`Failed`) per paper, in input order.

    Args:
        papers: any iterable; it is consumed only as results are taken.
        workers: processes to use (default: :func:`default_workers`); 1 extracts in this process.
        batch_size: papers per batch (per worker task and per ``nlp.memory_zone()``).
        in_flight: batches submitted but not yet taken (default ``2 × workers``).

    Raises:
        ExtractionError: a worker process died (e.g. killed, or out of memory).
    """
    workers = default_workers() if workers is None else max(1, int(workers))
    batch_size = max(1, int(batch_size))
    if workers == 1:
        warm_up()  # build the pipeline here first, so that relaxed() freezes it with the rest
    with relaxed():  # the collector's settings for a long run (kg.gcpolicy)
        yield from _stream(papers, workers, batch_size, in_flight)


def _stream(papers: Iterable[Paper], workers: int, batch_size: int,
            in_flight: int | None) -> Iterator[Extraction | Failed]:
    if workers == 1:
        for batch in _batches(papers, batch_size):
            yield from extract_batch(batch)
        return
    limit = max(1, in_flight or 2 * workers)
    ctx = multiprocessing.get_context("spawn")
    pending: deque[Future] = deque()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker,
                               initargs=(os.getpid(),))
    try:
        batches = _batches(papers, batch_size)
        for batch in batches:
            pending.append(pool.submit(extract_batch, batch))
            if len(pending) >= limit:
                yield from _result(pending.popleft())
        while pending:
            yield from _result(pending.popleft())
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Future) -> list[Extraction | Failed]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ExtractionError(
            f"an extraction worker process died ({exc}); re-run — papers already written are skipped"
        ) from None
    except KGError:
        raise
    except Exception as exc:  # library code raises only kg.errors types
        raise ExtractionError(f"extraction worker failed: {type(exc).__name__}: {exc}") from exc
