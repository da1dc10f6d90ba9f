"""Ingest: the one stage that does I/O end to end — read files, extract, write the graph.

Why a module of its own: reading and extraction are pure, stores only write what they are given;
something has to decide *what* to write. That is this module:

* every input record is read (bad records become :class:`Problem` lines, never a crash);
* a paper whose ``(content_hash, extractor_version)`` the store already holds is skipped, unless
  ``force`` — so ingesting the same files twice writes nothing the second time, and a vocabulary or
  rule change (a new extractor version) re-extracts everything;
* the rest is extracted in ``nlp.pipe`` batches and written as :class:`kg.models.GraphDelta` batches
  of ``batch_size`` papers (one store transaction each; the store replaces a re-written paper's old
  links, so a changed abstract leaves no stale edge);
* the divergence taxonomy from the vocabulary is written first, so ``SUBTYPE_OF`` edges exist even
  for family nodes no paper names.

An interrupted ingest leaves whole batches behind (Neo4j commits each one; the embedded store is
flushed after the first batch and then often enough to lose only the last few, see
:class:`Checkpoint`); re-running it skips them and writes the rest, so it converges to the graph an
uninterrupted run gives.

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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from kg.errors import ExtractionError, RecordError
from kg.models import Entity, Extraction, GraphDelta, Paper, Stats
from kg.read import Format
from kg.store.base import GraphStore
from kg.store.records import chunks, link_type

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: papers handled so far (skipped or written) out of papers read."""

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

    entities = vocabulary_entities()
    parents = {p for e in entities for p in e.parents}
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


def _extract_chunk(papers: Sequence[Paper], problems: list[Problem]) -> list[Extraction]:
    """Extract a chunk with ``nlp.pipe``; if that fails, paper by paper so that one text the
    extractor chokes on costs only itself (reported as a problem, never a traceback)."""
    from kg.extract import extract, extract_one

    try:
        return list(extract(papers))
    except Exception:  # noqa: BLE001 - find the paper(s) at fault below
        pass
    out = []
    for p in papers:
        try:
            out.append(extract_one(p))
        except Exception as exc:  # noqa: BLE001 - an extractor bug must not end the ingest
            source, _, line = (p.source or p.id).rpartition(":")
            why = str(exc) if isinstance(exc, ExtractionError) else f"{type(exc).__name__}: {exc}"
            problems.append(
                Problem(source=source or p.id, line=int(line) if line.isdigit() else None,
                        reason=f"extraction failed for paper {p.id}: {why}")
            )
    return out


class Checkpoint:
    """When to make written batches durable on a store that persists on ``flush()`` (the embedded
    store rewrites its whole file, so flushing after every batch would make a large ingest quadratic).

    Flushes after the first batch of papers, then whenever the time since the last flush reaches
    ``ratio`` times what that flush took (so persisting costs at most about 1/ratio of the run), and
    at the end. A killed ingest therefore loses at most the last few batches; re-running it
    converges. Neo4j commits every batch anyway (its ``flush`` is a no-op that costs nothing).
    """

    def __init__(self, store: GraphStore, ratio: float = 4.0) -> None:
        flush = getattr(store, "flush", None)
        self._flush = flush if callable(flush) else None
        self.ratio = ratio
        self.flushes = 0
        self._papers_durable = False
        self._cost = 0.0
        self._since = time.perf_counter()
        self._pending = False

    def _do(self) -> None:
        started = time.perf_counter()
        if self._flush is not None:
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


def plan(papers: Sequence[Paper], store: GraphStore, version: str, *, force: bool = False
         ) -> tuple[list[Paper], set[str], int]:
    """Decide what to write: ``(papers to extract, ids the store already held, unchanged count)``.

    A paper is skipped when the store holds it with the same content hash and extractor version.
    """
    held: dict[str, tuple[str, str]] = {}
    for chunk in chunks(papers, 5000):
        held.update(store.paper_versions([p.id for p in chunk]))
    todo = [p for p in papers if force or held.get(p.id) != (p.content_hash, version)]
    return todo, set(held), len(papers) - len(todo)


def ingest(
    paths: str | Path | Iterable[str | Path],
    store: GraphStore,
    *,
    fmt: Format = "auto",
    batch_size: int | None = None,
    progress: ProgressCallback | None = None,
    force: bool = False,
) -> IngestReport:
    """Read ``paths``, extract what changed and write it to ``store``.

    Args:
        paths: files or directories (every *.jsonl/*.csv/*.txt below a directory).
        store: an open :class:`kg.store.base.GraphStore`.
        fmt: input format, or ``"auto"`` to detect it per file.
        batch_size: papers per store transaction (default: ``settings.batch_size``, 1,000).
        progress: called as ``progress(done, total)`` after the skip check and after every batch.
        force: re-extract and re-write papers the store already holds unchanged.

    Returns:
        An :class:`IngestReport`; bad records are in ``report.problems``, never raised.

    Raises:
        InputError: a path does not exist or the format is unknown.
        StoreError: the store failed (a batch being written is rolled back by the store).
    """
    from kg.extract import extractor_version
    from kg.read import read_papers

    started = time.perf_counter()
    if batch_size is None:
        from kg.config import load_settings

        batch_size = load_settings().batch_size
    batch_size = max(1, int(batch_size))
    version = extractor_version()

    read = read_papers(paths, fmt)
    report = IngestReport(store=store.name, extractor_version=version, papers_read=len(read.papers))
    report.problems.extend(Problem.from_error(p) for p in read.problems)
    report.warnings.extend(str(w) for w in read.warnings)

    todo, held, report.unchanged = plan(read.papers, store, version, force=force)
    total = len(read.papers)
    done = report.unchanged
    if progress:
        progress(done, total)

    entities: dict[str, str] = {}
    edges: Counter = Counter()

    checkpoint = Checkpoint(store)

    def write(delta: GraphDelta) -> None:
        store.write(delta)
        checkpoint.after_batch(bool(delta.extractions))
        report.batches += 1
        entities.update((e.id, e.kind) for e in delta.all_entities().values())
        edges.update(count_delta(delta)[1])

    if todo or store.stats().papers == 0:
        write(GraphDelta(entities=tuple(taxonomy_entities())))
    for chunk in chunks(todo, batch_size):
        extractions = _extract_chunk(chunk, report.problems)
        report.failed += len(chunk) - len(extractions)
        if extractions:
            write(GraphDelta(extractions=tuple(extractions)))
        for x in extractions:
            if x.paper.id in held:
                report.updated += 1
            else:
                report.new += 1
        done += len(chunk)
        if progress:
            progress(done, total)

    checkpoint.finish()
    report.entities = dict(sorted(Counter(entities.values()).items()))
    report.edges = dict(sorted(edges.items()))
    report.totals = store.stats()
    report.seconds = round(time.perf_counter() - started, 3)
    return report
