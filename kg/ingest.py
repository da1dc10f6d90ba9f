"""Ingest: the one stage that does I/O end to end — read files, extract, write the graph.

Why a module of its own: reading and extraction are pure, stores only write what they are given;
something has to decide *what* to write. That is this module:

* the input is streamed (:func:`kg.read.iter_papers`): bad records become
  :class:`Problem` lines, never a crash, and the corpus is never held in memory;
* a paper whose ``(content_hash, extractor_version)`` the store already holds is skipped, unless
  ``force`` (checked :data:`PLAN_CHUNK` papers at a time) — so ingesting the same files twice writes
  nothing the second time, and a vocabulary or rule change (a new extractor version) re-extracts
  everything;
* the rest is extracted by :func:`kg.extract.parallel.extract_stream` (``workers`` spawned
  processes, ``nlp.memory_zone()`` per batch, results in input order) and written by
  :func:`load_extractions` as :class:`kg.models.GraphDelta` batches of ``batch_size`` papers (one
  store transaction each; the store replaces a re-written paper's old links, so a changed abstract
  leaves no stale edge) — or, with ``bulk``, into an empty store at once: staged as
  ``neo4j-admin`` CSV and imported into Neo4j (:mod:`kg.store.bulk`), or written to the embedded
  store as rows whose counts and families are counted once at the end
  (:class:`kg.store.sqlite_store.SQLiteBulkLoad`);
* the divergence taxonomy from the vocabulary is written first, so ``SUBTYPE_OF`` edges exist even
  for family nodes no paper names.

An interrupted ingest leaves whole batches behind (Neo4j commits each one; the embedded store is
flushed after the first batch and then often enough to lose only the last few, see
:class:`Checkpoint`); re-running it skips them and writes the rest, so it converges to the graph an
uninterrupted run gives — whatever the number of workers. (An interrupted bulk load leaves a Neo4j
database empty: re-run it; the embedded store keeps the batches written, counted when the file is
next opened: re-run without ``bulk``.)

Example::

    from kg.ingest import ingest
    from kg.store import open_store

    store = open_store()
    report = ingest("data/seed/papers.jsonl", store)
    print(report.new, report.edges)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field

from kg.errors import RecordError
from kg.gcpolicy import relaxed
from kg.models import Entity, Extraction, GraphDelta, Paper, Stats
from kg.read import Format, ReadWarning
from kg.resolve.overrides import Overrides
from kg.store.base import BulkLoader, GraphStore
from kg.store.records import link_type

ProgressCallback = Callable[[int, int], None]
"""``progress(done, read)``: papers handled so far (skipped, failed or written) out of the papers
read so far (the input is streamed, so the final total is known only at the end)."""

T = TypeVar("T")

#: Papers per ``paper_versions`` call when deciding what to skip.
PLAN_CHUNK = 2000

class Problem(BaseModel):
    """One input record that could not be used (or an extraction that failed), with where it is."""

    source: str
    line: int | None = None
    reason: str

    @property
    def where(self) -> str:
        """``file:line`` (or just the file when the line is unknown)."""
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    @classmethod
    def from_error(cls, exc: RecordError) -> Problem:
        """The problem a reader reported as a :class:`kg.errors.RecordError`."""
        return cls(source=str(exc.source), line=exc.line, reason=exc.reason)

    @classmethod
    def at_paper(cls, paper: Paper, reason: str) -> Problem:
        """A problem with ``paper``, placed where the reader found it (its ``source``,
        ``file:line``), or at its id when it has no source."""
        source, _, line = (paper.source or "").rpartition(":")
        return cls(source=source or paper.id, line=int(line) if line.isdigit() else None, reason=reason)


class IngestReport(BaseModel):
    """What one ingest run did."""

    store: str
    extractor_version: str
    papers_read: int = 0
    new: int = Field(default=0, description="Papers the store did not hold.")
    updated: int = Field(default=0, description="Papers re-written: content or extractor changed, or --force.")
    unchanged: int = Field(default=0, description="Papers skipped: same content hash and extractor version.")
    failed: int = Field(default=0, description="Papers whose extraction failed (see problems).")
    batches: int = Field(default=0, description="Store write transactions.")
    entities: dict[str, int] = Field(
        default_factory=dict, description="Distinct entities written, by kind (taxonomy included)."
    )
    edges: dict[str, int] = Field(default_factory=dict, description="Relationships written, by type.")
    totals: Stats | None = Field(default=None, description="The store's counts after the run.")
    problems: list[Problem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="What was guessed, e.g. a file's encoding.")
    seconds: float = 0.0


def taxonomy_entities() -> list[Entity]:
    """The vocabulary entities ingest writes even when no paper names them: the divergence
    taxonomy (every divergence, its family and its ``SUBTYPE_OF`` parents) and the method and
    dataset families (``data/vocab/families.jsonl``: each family and its members)."""
    from kg.extract import vocabulary_entities
    from kg.extract.vocab import family_ids

    entities = vocabulary_entities()
    parents = {p for e in entities for p in e.parents} | family_ids()
    return [e for e in entities if e.kind == "divergence" or e.parents or e.id in parents]


def count_delta(delta: GraphDelta) -> tuple[Counter, Counter]:
    """``(entities by kind, relationships by type)`` that writing ``delta`` puts in a graph."""
    entities = Counter(e.kind for e in delta.all_entities().values())
    edges: Counter = Counter()
    for e in delta.entities:
        edges["SUBTYPE_OF"] += len(getattr(e, "parents", ()))
    for x in delta.extractions:
        edges.update(link_type(t) for t in x.tags)
        edges["MAKES"] += len(x.claims)
        edges["ABOUT"] += sum(len(c.about) for c in x.claims)
    return entities, edges


class Checkpoint:
    """When to call ``store.flush()`` (part of the store protocol): a store whose flush is costly must
    not pay it after every batch, or a large ingest would become quadratic.

    Flushes after the first batch of papers, then whenever the time since the last flush reaches
    ``ratio`` times what that flush took (so persisting costs at most about 1/ratio of the run), and
    at the end. A killed ingest therefore loses at most the last few batches; re-running it
    converges. Both stores commit every batch anyway (their ``flush`` is a no-op that costs nothing).
    """

    def __init__(self, store: GraphStore, ratio: float = 4.0) -> None:
        self._flush = store.flush
        self.ratio = ratio
        self.flushes = 0
        self._papers_durable = False
        self._cost = 0.0
        self._since = time.perf_counter()
        self._pending = False

    def _do(self) -> None:
        started = time.perf_counter()
        self._flush()
        self.flushes += 1
        self._since = time.perf_counter()
        self._cost = self._since - started
        self._pending = False

    def after_batch(self, has_papers: bool = True) -> None:
        """A batch was written: flush if it is the first with papers or enough work has piled up."""
        self._pending = True
        first = has_papers and not self._papers_durable
        if first or time.perf_counter() - self._since >= self.ratio * self._cost:
            self._do()
            self._papers_durable = self._papers_durable or has_papers

    def finish(self) -> None:
        """Flush whatever is not durable yet."""
        if self._pending:
            self._do()



class LoadReport(BaseModel):
    """What :func:`load_extractions` wrote."""

    papers: int = 0
    batches: int = Field(default=0, description="Store write transactions (bulk: CSV batches staged).")
    entities: dict[str, int] = Field(default_factory=dict, description="Distinct entities, by kind.")
    edges: dict[str, int] = Field(default_factory=dict, description="Relationships, by type.")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def load_extractions(
    extractions: Iterable[Extraction],
    store: GraphStore,
    *,
    batch_size: int | None = None,
    bulk: bool = False,
    taxonomy: bool | Sequence[Entity] = True,
    on_written: Callable[[Sequence[Extraction]], None] | None = None,
) -> LoadReport:
    """Write a stream of extractions to ``store`` in batches, never holding more than one batch.

    This is the write half of :func:`ingest`, public for callers that extract elsewhere (e.g. on a
    Dask cluster) and only need the results in a graph.

    Args:
        extractions: any iterable (consumed lazily).
        store: an open store; with ``bulk`` an empty one (:func:`kg.store.bulk_loader`).
        batch_size: papers per write (default: ``settings.batch_size``).
        bulk: load an empty store at once: Neo4j through ``neo4j-admin database import full`` CSV
            files (see :mod:`kg.store.bulk`) instead of transactional ``UNWIND`` batches; the
            embedded store without its aggregate triggers, counting them at the end.
        taxonomy: also write the vocabulary taxonomy (:func:`taxonomy_entities`), first; or the
            taxonomy entities to write (e.g. edited by curation overrides).
        on_written: called with each batch once it is written (bulk: once it is staged).

    Raises:
        InputError: ``bulk`` with a store that cannot bulk load.
        StoreError: the store (or neo4j-admin) failed; for bulk also a store that is not empty.
    """
    if batch_size is None:
        from kg.config import load_settings

        batch_size = load_settings().batch_size
    batch_size = max(1, int(batch_size))
    report = LoadReport()
    entities: dict[str, str] = {}
    edges: Counter = Counter()
    sink: BulkLoader | None
    if bulk:
        from kg.store import bulk_loader

        sink = bulk_loader(store)
        write: Callable[[GraphDelta], None] = sink.write
        checkpoint = None
    else:
        sink = None
        write = store.write
        checkpoint = Checkpoint(store)

    def put(delta: GraphDelta) -> None:
        write(delta)
        if checkpoint is not None:
            checkpoint.after_batch(bool(delta.extractions))
        report.batches += 1
        entities.update((e.id, e.kind) for e in delta.all_entities().values())
        edges.update(count_delta(delta)[1])

    with relaxed():  # the collector's settings for a long run (kg.gcpolicy)
        try:
            if taxonomy:
                put(GraphDelta(entities=tuple(taxonomy_entities() if taxonomy is True else taxonomy)))
            for batch in _batches(extractions, batch_size):
                put(GraphDelta(extractions=tuple(batch)))
                report.papers += len(batch)
                if on_written is not None:
                    on_written(batch)
            if sink is not None:
                sink.finish()
        finally:
            if sink is not None:
                sink.close()
            if checkpoint is not None:
                checkpoint.finish()
    report.entities = dict(sorted(Counter(entities.values()).items()))
    report.edges = dict(sorted(edges.items()))
    return report


def skip_unchanged(items: Iterable[T], key: Callable[[T], tuple[str, str, str]], store: GraphStore,
                   force: bool, report: IngestReport, held: dict[str, bool],
                   tick: Callable[[], None] = lambda: None) -> Iterator[T]:
    """The items of ``items`` the store does not hold unchanged, decided :data:`PLAN_CHUNK` at a time.

    ``key(item)`` is ``(paper id, content hash, extractor version)``; an item whose paper the store
    holds with that hash and version is counted in ``report.unchanged`` (unless ``force``). For every
    item yielded, ``held[id]`` says whether the store already held its paper (popped once written)."""
    for chunk in _batches(items, PLAN_CHUNK):
        keys = [key(i) for i in chunk]
        versions = store.paper_versions([k[0] for k in keys])
        for item, (pid, content_hash, version) in zip(chunk, keys, strict=True):
            if not force and versions.get(pid) == (content_hash, version):
                report.unchanged += 1
                continue
            held[pid] = pid in versions
            yield item
        tick()


def write_planned(todo: Iterator[Extraction], store: GraphStore, report: IngestReport, held: dict[str, bool], *,
                  batch_size: int | None = None, bulk: bool = False, taxonomy: bool | Sequence[Entity] = True,
                  tick: Callable[[], None] = lambda: None) -> None:
    """Write the extractions ``todo`` (from :func:`skip_unchanged`) with :func:`load_extractions`
    and count them in ``report`` (``new`` or ``updated`` by ``held``; ``batches``, ``entities``,
    ``edges``; at the end ``totals``). The taxonomy is written only when something else is, or into
    an empty store, so a run that changes nothing writes nothing. ``tick()`` after each batch and at
    the end."""

    def written(batch: Sequence[Extraction]) -> None:
        for x in batch:
            if held.pop(x.paper.id, False):
                report.updated += 1
            else:
                report.new += 1
        tick()

    first = next(todo, None)
    if first is not None:
        loaded = load_extractions(chain([first], todo), store, batch_size=batch_size, bulk=bulk,
                                  taxonomy=taxonomy, on_written=written)
    elif store.stats().papers == 0:  # nothing to write, but a new graph still gets the taxonomy
        loaded = load_extractions((), store, batch_size=batch_size, taxonomy=taxonomy)
    else:
        loaded = LoadReport()
    report.batches, report.entities, report.edges = loaded.batches, loaded.entities, loaded.edges
    tick()
    report.totals = store.stats()


def ingest(
    paths: str | Path | Iterable[str | Path],
    store: GraphStore,
    *,
    fmt: Format = "auto",
    batch_size: int | None = None,
    progress: ProgressCallback | None = None,
    force: bool = False,
    overrides: Overrides | None = None,
    workers: int | None = 1,
    bulk: bool = False,
) -> IngestReport:
    """Read ``paths`` as a stream, extract what changed and write it to ``store`` in batches.

    Memory stays bounded whatever the corpus size: papers are read, checked against the store
    (:data:`PLAN_CHUNK` at a time), extracted (``nlp.memory_zone()`` per batch) and written
    ``batch_size`` at a time.

    Args:
        paths: files or directories (every *.jsonl/*.csv/*.txt below a directory).
        store: an open :class:`kg.store.base.GraphStore`.
        fmt: input format, or ``"auto"`` to detect it per file.
        batch_size: papers per store transaction (default: ``settings.batch_size``, 1,000).
        progress: called as ``progress(done, read)`` as papers are skipped and batches written.
        force: re-extract and re-write papers the store already holds unchanged.
        overrides: curation overrides applied to every extraction and the taxonomy
            (:mod:`kg.resolve.overrides`); their digest is part of the stored version, so a changed
            file re-applies on the next ingest.
        workers: extraction processes (``None``: one per core; 1: in this process). The graph is
            the same whatever the number.
        bulk: first load of an empty store (see :func:`load_extractions`).

    Returns:
        An :class:`IngestReport`; bad records are in ``report.problems``, never raised.

    Raises:
        InputError: a path does not exist or the format is unknown.
        StoreError: the store failed (a batch being written is rolled back by the store).
    """
    from kg.extract import extractor_version
    from kg.extract.parallel import Failed, extract_stream
    from kg.read import iter_papers

    started = time.perf_counter()
    overrides = overrides or Overrides()
    version = overrides.version(extractor_version())
    catalog: dict[str, Entity] = {}
    if overrides.items:
        from kg.extract import vocabulary_entities

        catalog = {e.id: e for e in vocabulary_entities()}
    taxonomy = [overrides.edit_entity(e, catalog) for e in taxonomy_entities()
                if e.id not in overrides.merged_away]
    report = IngestReport(store=store.name, extractor_version=version)
    held: dict[str, bool] = {}
    if bulk:
        from kg.store import check_bulk_load

        check_bulk_load(store)  # an unusable bulk load fails before anything is read or extracted

    last: list[tuple[int, int]] = []

    def tick() -> None:
        now = (report.new + report.updated + report.unchanged + report.failed, report.papers_read)
        if progress and last[-1:] != [now]:
            last[:] = [now]
            progress(*now)

    def papers() -> Iterator[Paper]:
        for item in iter_papers(paths, fmt):
            if isinstance(item, RecordError):
                report.problems.append(Problem.from_error(item))
            elif isinstance(item, ReadWarning):
                report.warnings.append(str(item))
            else:
                report.papers_read += 1
                yield item

    def extracted() -> Iterator[Extraction]:
        todo = skip_unchanged(papers(), lambda p: (p.id, p.content_hash, version), store, force, report, held,
                               tick)
        for result in extract_stream(todo, workers=workers):
            if isinstance(result, Failed):
                held.pop(result.paper.id, None)
                report.failed += 1
                report.problems.append(Problem.at_paper(
                    result.paper, f"extraction failed for paper {result.paper.id}: {result.reason}"))
                continue
            if overrides.items:
                result = overrides.apply(result, catalog).model_copy(update={"extractor_version": version})
            yield result

    write_planned(extracted(), store, report, held, batch_size=batch_size, bulk=bulk, taxonomy=taxonomy, tick=tick)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
