"""What a worker does with one shard: read → extract inside ``nlp.memory_zone()`` → write atomically.

Why a module of its own: the same function runs in this process (``engine="local"``), in a Dask
``LocalCluster`` worker and in a worker on another machine, so it must need nothing but its
arguments — a :class:`~kg.scaleout.shards.ShardSpec`, the output URL and the extractor version the
client planned with — and must be safe to run twice (a retried task rewrites the same bytes).

The spaCy pipeline is built once per worker process (:func:`kg.extract.pipeline.get_nlp` is cached;
:class:`kg.scaleout.worker.PipelinePlugin` builds it when a Dask worker starts). A shard is extracted
as ingest extracts, by :func:`kg.extract.parallel.extract_stream` in this process: batches, each in
its own memory zone after the process's first ``LEARN_PAPERS`` papers (so the string store does not
grow over a long run), and a text the extractor
chokes on costs only itself. Tasks sharing a process (a worker started with several threads) take
turns on the pipeline: a memory zone is per process.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from kg.errors import ExtractionError, InputError, RecordError
from kg.models import Extraction, Paper
from kg.scaleout.shards import Manifest, OutputDir, ShardSpec, input_hash, read_shard_input

_PIPELINE = threading.Lock()


@functools.lru_cache(maxsize=1)
def warm_up() -> str:
    """Build this process's pipeline, the rules' lazy matchers and the tokenizer cache now, outside
    any memory zone (:func:`kg.extract.parallel.warm_up`); returns the extractor version."""
    from kg.extract import extractor_version
    from kg.extract.parallel import warm_up as warm_pipeline

    with _PIPELINE:
        warm_pipeline()
    return extractor_version()


def shard_records(spec: ShardSpec, raw: bytes) -> Iterator[Paper | RecordError]:
    """The papers (or the problems) of a shard, with the ids, checks and ``file:line`` sources of
    :func:`kg.read.read_papers` (line numbers counted from the start of the file)."""
    from kg.read import MAX_RECORD_CHARS, _to_paper
    from kg.read.formats import json_lines
    from kg.scaleout.shards import whole_file_records

    if spec.unit == "records":
        for i, item in enumerate(whole_file_records(spec.source, spec.format)):
            if i >= spec.end:
                break
            if i >= spec.start:
                yield item
        return
    text = raw.decode("utf-8", errors="surrogateescape")
    if spec.start == 0:
        text = text.removeprefix("\ufeff")
    lines = ((spec.first_line + i, line) for i, line in enumerate(text.split("\n")))
    for rec in json_lines(lines, spec.source, MAX_RECORD_CHARS):
        yield _to_paper(rec, spec.format)


def extract_shard(spec: ShardSpec | dict[str, Any], out: str, version: str, worker: str = "") -> dict[str, Any]:
    """Extract one input shard into ``out``/shards/<id>.jsonl and write its manifest; the manifest.

    Args:
        spec: the shard (a :class:`ShardSpec` or its dict).
        out: the output directory (local path or fsspec URL) every worker can reach.
        version: the extractor version the client planned with; a worker whose kg differs refuses.
        worker: a name for the manifest (the Dask worker address); default: this host and pid.

    Returns:
        The :class:`~kg.scaleout.shards.Manifest` as a plain dict (cheap to send back).

    Raises:
        ExtractionError: this worker's extractor version is not ``version``.
        InputError: the input changed since it was planned (its hash differs), or cannot be read.
    """
    spec = spec if isinstance(spec, ShardSpec) else ShardSpec.model_validate(spec)
    started, cpu = time.perf_counter(), time.process_time()
    mine = warm_up()
    if mine != version:
        raise ExtractionError(f"this worker runs extractor {mine} but the job was planned with {version}: "
                              "install the same kg version on every machine")
    try:
        raw = read_shard_input(spec)
    except OSError as exc:
        raise InputError(f"shard {spec.id}: cannot read {spec.source}: {exc}") from None
    if input_hash(spec, raw) != spec.content_hash:
        raise InputError(f"shard {spec.id}: {spec.source} changed since the job was planned "
                         "(its content hash differs): run the command again to re-plan")

    from kg.extract.parallel import Failed, extract_stream
    from kg.ingest import Problem

    papers: list[Paper] = []
    problems: list[Problem] = []
    for got in shard_records(spec, raw):
        if isinstance(got, RecordError):
            problems.append(Problem.from_error(got))
        else:
            papers.append(got)

    extractions: list[Extraction] = []
    with _PIPELINE:  # batches in this process, each in its own memory zone; a bad text costs only itself
        for result in extract_stream(papers, workers=1):
            if isinstance(result, Failed):
                problems.append(Problem.at_paper(
                    result.paper, f"extraction failed for paper {result.paper.id}: {result.reason}"))
            else:
                extractions.append(result)

    counts: Counter = Counter()
    for x in extractions:
        counts.update(methods=len(x.methods), divergences=len(x.divergences),
                      datasets=len(x.datasets), claims=len(x.claims))
    output = OutputDir(out)
    data_path = output.data_path(spec.id)
    lines = ((x.model_dump_json(exclude_computed_fields=True) + "\n").encode("utf-8") for x in extractions)
    size, digest = output.write_lines(data_path, lines)
    manifest = Manifest(
        shard=spec, extractor_version=version, output=data_path.rsplit("/", 1)[-1], output_bytes=size,
        output_sha256=digest, papers=len(extractions), counts=dict(sorted(counts.items())),
        problems=[p.model_dump() for p in problems], seconds=round(time.perf_counter() - started, 3),
        cpu_seconds=round(time.process_time() - cpu, 3), worker=worker or _me(),
    )
    output.write_json(output.manifest_path(spec.id), manifest.model_dump(mode="json"))
    return manifest.model_dump(mode="json")


def _me() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"
