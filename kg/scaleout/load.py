"""Load the output shards of ``kg extract --out DIR`` into a store, without re-extracting.

Why: extraction is the expensive part and scales out; writing the graph is one store's job. This is
``kg ingest DIR --from-extractions``: the shards are read in job order, one
:class:`kg.models.Extraction` a line, and written through the store protocol's
:meth:`~kg.store.base.GraphStore.write` in :class:`kg.models.GraphDelta` batches — the same batches,
skip rule and report as :func:`kg.ingest.ingest`, so the graph is the one a direct ingest of the same
input gives:

* the divergence taxonomy is written first;
* a paper the store already holds with the same content hash and extractor version is skipped
  (unless ``force``), so loading twice writes nothing the second time;
* shards are extracted independently, so a paper that occurs in two shards (same id, folded title,
  DOI or arXiv id) is loaded once — the first occurrence wins, the other is reported (as a streaming ingest
  does; :func:`kg.read.read_papers` would also merge the duplicate's missing metadata);
* the bad records the extraction job skipped are reported again, with file and line;
* a job that is not finished (a shard missing or failed) is refused with the ids to re-run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from kg.errors import InputError
from kg.ingest import IngestReport, Problem, ProgressCallback, skip_unchanged, write_planned
from kg.keyindex import KeyIndex
from kg.models import Extraction, fold
from kg.scaleout.shards import Manifest, OutputDir
from kg.store.base import GraphStore


def _finished_manifests(output: OutputDir) -> list[Manifest]:
    """The shard manifests of a finished job, in job order.

    Raises:
        InputError: no job manifest, or shards not finished (their ids and how to finish them).
    """
    job = output.job_manifest()
    manifests, missing = [], []
    for entry in job["shards"]:
        sid = str(entry.get("id", ""))
        m = output.read_manifest(sid)
        ok = m is not None and m.shard.content_hash == entry.get("content_hash")
        if ok:
            try:
                ok = int(output.fs.size(output.data_path(sid))) == m.output_bytes  # type: ignore[union-attr]
            except (FileNotFoundError, OSError):
                ok = False
        if not ok:
            missing.append(sid)
        else:
            manifests.append(m)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(f"{output.url}: {len(missing)} of {len(job['shards'])} shard(s) not extracted "
                         f"({shown}): re-run the same `kg extract ... --out {output.url}` to finish them")
    return manifests  # type: ignore[return-value]


def _key(kind: bytes, text: str) -> bytes:
    return kind + text.encode("utf-8", "surrogatepass")


def _keys(x: Extraction) -> list[tuple[str, bytes]]:
    """What makes two records the same paper, as :func:`kg.read.read_papers` decides: id, folded
    title, DOI, arXiv id (kept in a :class:`kg.keyindex.KeyIndex`: ~16 bytes of memory a key)."""
    p = x.paper
    keys = [("id", _key(b"i", p.id)), ("title", _key(b"t", fold(p.title)))]
    if p.doi:
        keys.append(("DOI", _key(b"d", p.doi)))
    if p.arxiv_id:
        keys.append(("arXiv id", _key(b"a", p.arxiv_id)))
    return keys


def read_extractions(out: str | Path, problems: list[Problem] | None = None) -> Iterator[Extraction]:
    """Every extraction of a finished job, in input order, each paper once (first occurrence wins).

    Args:
        out: the ``--out`` directory of ``kg extract`` (local path or fsspec URL).
        problems: filled with the job's bad records, unreadable lines and skipped duplicates.

    Raises:
        InputError: ``out`` is not a finished job (see :func:`_finished_manifests`).
    """
    output = OutputDir(out)
    sink = problems if problems is not None else []
    seen = KeyIndex()
    for m in _finished_manifests(output):
        sink.extend(Problem(source=str(p.get("source", "")), line=p.get("line"), reason=str(p.get("reason", "")))
                    for p in m.problems)
        path = output.data_path(m.shard.id)
        with output.fs.open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    x = Extraction.model_validate_json(line)
                except ValidationError as exc:
                    sink.append(Problem(source=f"{output.url}/shards/{m.output}", line=n,
                                        reason=f"not an extraction record: {exc.errors()[0]['msg']}"))
                    continue
                keys = _keys(x)
                hit = seen.claim([k for _, k in keys])
                if hit is not None:
                    sink.append(Problem.at_paper(
                        x.paper, f"duplicate of an earlier paper (same {keys[hit[0]][0]} as {x.paper.id}): skipped"))
                    continue
                yield x


def load_shards(out: str | Path, store: GraphStore, *, batch_size: int | None = None,
                progress: ProgressCallback | None = None, force: bool = False, bulk: bool = False
                ) -> IngestReport:
    """Write the extractions of a finished ``kg extract --out`` job into ``store``.

    Args:
        out: the job's output directory (local path or fsspec URL).
        store: an open store (either implementation).
        batch_size: papers per store transaction (default: ``settings.batch_size``).
        progress: ``progress(done, total)`` after each batch; ``total`` is the papers the shards hold.
        force: re-write papers the store already holds unchanged.
        bulk: first load of an empty store (Neo4j: ``neo4j-admin database import full``; the
            embedded store: counts kept at the end), as :func:`kg.ingest.ingest` with ``bulk``
            (:func:`kg.ingest.load_extractions`).

    Returns:
        An :class:`kg.ingest.IngestReport`, as :func:`kg.ingest.ingest` gives (``failed`` stays 0:
        extraction failures were reported by the extraction job and are in ``problems``).

    Raises:
        InputError: ``out`` is not a finished job; ``bulk`` on a store that cannot bulk load.
        StoreError: the store failed; for ``bulk`` also neo4j-admin not found or a database not empty.
    """
    started = time.perf_counter()
    if bulk:
        from kg.store import check_bulk_load

        check_bulk_load(store)  # before reading anything
    manifests = _finished_manifests(OutputDir(out))
    total = sum(m.papers for m in manifests)
    versions = sorted({m.extractor_version for m in manifests})
    report = IngestReport(store=store.name, extractor_version=",".join(versions) or "-")
    held: dict[str, bool] = {}

    def extractions() -> Iterator[Extraction]:
        for x in read_extractions(out, report.problems):
            report.papers_read += 1
            yield x

    def tick() -> None:
        if progress:
            progress(report.new + report.updated + report.unchanged, total)

    todo = skip_unchanged(extractions(), lambda x: (x.paper.id, x.paper.content_hash, x.extractor_version),
                          store, force, report, held)
    write_planned(todo, store, report, held, batch_size=batch_size, bulk=bulk, tick=tick)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
