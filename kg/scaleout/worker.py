"""The Dask side of a worker: a ``WorkerPlugin`` that builds the spaCy pipeline once per worker
process, and the task function that runs one shard there.

Why separate from :mod:`kg.scaleout.work`: this module imports ``distributed`` (the ``kg[dask]``
extra) at the top, because a worker plugin must subclass :class:`distributed.WorkerPlugin`;
``work`` stays importable without Dask for the in-process engine. Workers unpickle the plugin by
its import path, so ``kg`` (the same version) must be installed on every machine of a cluster.
"""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin, get_worker

from kg.scaleout.work import extract_shard, warm_up


class PipelinePlugin(WorkerPlugin):
    """Registered once per job with ``client.register_plugin``: every current and future worker
    (a restarted one too) builds its pipeline in ``setup``, before its first task, and records the
    extractor version it runs."""

    name = "kg-pipeline"
    idempotent = True  # registering again (a second job on the same cluster) does not rebuild

    def setup(self, worker: Any) -> None:
        worker.kg_extractor_version = warm_up()


def dask_extract_shard(spec: dict[str, Any], out: str, version: str) -> dict[str, Any]:
    """:func:`kg.scaleout.work.extract_shard` as a Dask task, named after the worker that ran it."""
    return extract_shard(spec, out, version, worker=get_worker().address)
