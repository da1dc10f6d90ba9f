"""Scale-out: extraction split into shards and run on Dask, then loaded into a store.

Why a package of its own: ``kg ingest`` reads, extracts and writes in one process. Past one machine the
work has to be cut into units that any worker can do, that survive a worker dying and that can be
re-run alone. Here the unit is **one input shard → one output shard**:

* :mod:`kg.scaleout.shards` plans the shards (a JSONL file is cut every ``shard_size`` records at line
  boundaries, deterministically; CSV and seed-text files by record index), hashes their input bytes,
  and reads and writes the output shards and manifests (atomically, through fsspec, so the output
  can live on a local disk, a shared filesystem or object storage);
* :mod:`kg.scaleout.work` is what a worker runs for one shard: read it, extract it inside
  ``nlp.memory_zone()``, write ``<shard>.jsonl`` (one :class:`kg.models.Extraction` a line) and then
  its manifest ``<shard>.json`` (input range, content hash, extractor version, counts, problems);
* :mod:`kg.scaleout.engine` runs a job: skip shards whose output exists and matches, run the rest in
  this process (``engine="local"``) or on Dask (``engine="dask"``: a ``LocalCluster`` of worker
  processes, or the cluster at ``scheduler``), report progress, failures and a summary;
* :mod:`kg.scaleout.load` loads finished shards into either store through batched
  :class:`kg.models.GraphDelta` writes (``kg ingest DIR --from-extractions``), without re-extracting.

Example::

    from kg.scaleout import run_extract, load_shards
    from kg.store import open_store

    report = run_extract(["arxiv.jsonl"], "out/", engine="dask", workers=2, shard_size=10_000)
    assert not report.failed
    with open_store() as store:   # or open_store(store="neo4j", ...)
        load_shards("out/", store)

Dask and fsspec come with the optional extra ``pip install 'kg[dask]'``; without it these functions
raise :class:`kg.errors.MissingExtra` saying so.
"""

from __future__ import annotations

from kg.scaleout.engine import JobReport, ShardOutcome, plan_job, run_extract, run_job
from kg.scaleout.load import load_shards, read_extractions
from kg.scaleout.shards import Manifest, ShardSpec, plan_shards

__all__ = [
    "JobReport",
    "Manifest",
    "ShardOutcome",
    "ShardSpec",
    "load_shards",
    "plan_job",
    "plan_shards",
    "read_extractions",
    "run_extract",
    "run_job",
]
