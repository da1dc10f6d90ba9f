"""Run an extraction job: plan the shards, skip the finished ones, run the rest, report.

Why: the unit of work is a shard (:mod:`kg.scaleout.shards`), so a job is a list of independent
tasks. Where they run is the only choice left, and it is made in one place, :func:`_client`:

* ``engine="local"`` — on this machine without Dask: one after another in this process with
  ``workers=1`` (the single-process baseline), else a pool of ``workers`` processes started with
  ``spawn``, one shard a task (a killed worker fails the shards it had; re-running redoes them);
* ``engine="dask"`` without ``scheduler`` — a ``LocalCluster`` of ``workers`` processes (started with
  ``spawn``: spaCy is not fork-safe), one thread each;
* ``engine="dask"`` with ``scheduler="tcp://host:8786"`` — the workers of that cluster.

The Dask paths are the same code from there on: a :class:`~kg.scaleout.worker.PipelinePlugin`
builds the pipeline once per worker, one task per shard, results collected as they complete. A
worker that dies mid-shard (killed, out of memory, machine lost) has its task re-run elsewhere by
the scheduler; a shard whose task still fails is reported by id and the job carries on. Re-running
the same command re-plans, skips every shard whose output exists and matches (same input bytes,
same extractor version), and so runs only what failed — or ``only=[id]`` runs one shard alone.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from kg.errors import InputError, KGError, MissingExtra
from kg.scaleout.shards import DEFAULT_SHARD_SIZE, Manifest, OutputDir, ShardSpec, plan_shards

Engine = Literal["local", "dask"]


class ShardOutcome(BaseModel):
    """What happened to one shard in this run."""

    id: str
    status: Literal["done", "skipped", "failed"]
    papers: int = 0
    problems: list[dict[str, Any]] = Field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    worker: str = ""
    error: str | None = None


class JobPlan(BaseModel):
    """The shards of a job and which of them still need extracting."""

    out: str
    extractor_version: str
    shard_size: int
    shards: list[ShardSpec]
    todo: list[ShardSpec]
    done: list[str] = Field(default_factory=list, description="Ids of shards already extracted.")


class JobReport(BaseModel):
    """What one ``kg extract --out`` run did."""

    out: str
    engine: Engine
    scheduler: str | None = Field(default=None, description="Scheduler address (a LocalCluster's too).")
    workers: int = 0
    extractor_version: str
    shards: int = 0
    extracted: int = Field(default=0, description="Shards extracted in this run.")
    skipped: int = Field(default=0, description="Shards already done (output exists and matches).")
    failed: list[ShardOutcome] = Field(default_factory=list)
    papers: int = Field(default=0, description="Papers extracted in this run.")
    problems: list[dict[str, Any]] = Field(default_factory=list, description="Bad records, this run's shards.")
    seconds: float = 0.0
    cpu_seconds: float = Field(default=0.0, description="CPU time the workers spent on this run's shards.")

    @property
    def papers_per_second(self) -> float:
        return self.papers / self.seconds if self.seconds else 0.0


ShardCallback = Callable[[ShardOutcome, int, int], None]
"""``on_shard(outcome, finished, to_run)`` after each shard of this run finishes or fails."""


def plan_job(inputs: Iterable[str | Path], out: str | Path, *, shard_size: int = DEFAULT_SHARD_SIZE,
             fmt: str = "auto", only: Iterable[str] | None = None, force: bool = False) -> JobPlan:
    """Plan a job: every shard of ``inputs``, and the ones to run (not done, or ``only``/``force``).

    Raises:
        InputError: an input is missing or unreadable, or an ``only`` id is not a shard of the job.
    """
    from kg.extract import extractor_version

    version = extractor_version()
    shards = plan_shards(inputs, shard_size, fmt)
    output = OutputDir(out)
    wanted = set(only or ())
    unknown = wanted - {s.id for s in shards}
    if unknown:
        raise InputError(f"no shard {', '.join(sorted(unknown))} in this job (shards: {shards[0].id} … "
                         f"{shards[-1].id}; the same inputs and --shard-size give the same ids)")
    done = [s.id for s in shards if output.is_done(s, version)]
    finished = set(done)
    todo = [s for s in shards if (not wanted or s.id in wanted) and (force or s.id not in finished)]
    return JobPlan(out=str(out), extractor_version=version, shard_size=shard_size, shards=shards,
                   todo=todo, done=done)


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """The Dask client: of the cluster at ``scheduler``, else of a new LocalCluster of ``workers``
    spawned processes. The one place where the two differ."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingExtra("dask[distributed]", "dask") from None
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError:
                client.close()
                raise InputError(f"no Dask worker joined the scheduler at {scheduler} within 60 s") from None
            try:
                yield client
            finally:
                client.close()
            return
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client


def _outcome(manifest: dict[str, Any]) -> ShardOutcome:
    m = Manifest.model_validate(manifest)
    return ShardOutcome(id=m.shard.id, status="done", papers=m.papers, problems=m.problems,
                        seconds=m.seconds, cpu_seconds=m.cpu_seconds, worker=m.worker)


def _failure(spec: ShardSpec, exc: BaseException) -> ShardOutcome:
    why = str(exc) if isinstance(exc, KGError) else f"{type(exc).__name__}: {exc}"
    return ShardOutcome(id=spec.id, status="failed", error=why)


def _run_local(plan: JobPlan, workers: int) -> Iterator[ShardOutcome]:
    from kg.scaleout.work import extract_shard

    if workers <= 1:
        for spec in plan.todo:
            try:
                yield _outcome(extract_shard(spec, plan.out, plan.extractor_version))
            except Exception as exc:  # noqa: BLE001 - one bad shard is reported; the job goes on
                yield _failure(spec, exc)
        return
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from kg.extract.parallel import init_worker

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=init_worker, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(extract_shard, spec, plan.out, plan.extractor_version): spec for spec in plan.todo}
        for fut in as_completed(futures):
            try:
                yield _outcome(fut.result())
            except Exception as exc:  # noqa: BLE001 - a task error, or a worker that died (BrokenProcessPool)
                yield _failure(futures[fut], exc)


def _run_dask(plan: JobPlan, client: Any) -> Iterator[ShardOutcome]:
    from distributed import as_completed

    from kg.scaleout.worker import PipelinePlugin, dask_extract_shard

    client.register_plugin(PipelinePlugin())
    job = uuid.uuid4().hex[:8]
    futures = {}
    for spec in plan.todo:
        fut = client.submit(dask_extract_shard, spec.model_dump(), plan.out, plan.extractor_version,
                            key=f"kg-shard-{spec.id}-{job}", pure=False, retries=1)
        futures[fut.key] = (fut, spec)
    for fut in as_completed([f for f, _ in futures.values()]):
        spec = futures[fut.key][1]
        try:
            yield _outcome(fut.result())
        except Exception as exc:  # noqa: BLE001 - KilledWorker after the retries, a task error, ...
            yield _failure(spec, exc)
        finally:
            fut.release()


def run_job(plan: JobPlan, *, engine: Engine = "dask", scheduler: str | None = None, workers: int | None = None,
            on_shard: ShardCallback | None = None) -> JobReport:
    """Run the shards ``plan`` still needs and write the job manifest; never raises for one shard.

    ``workers``: processes of the local pool (``engine="local"``; default 1, this process) or of the
    Dask ``LocalCluster`` (default 2); ignored with ``scheduler``.

    Returns:
        A :class:`JobReport`; ``report.failed`` lists the shards to re-run (each with its error).

    Raises:
        MissingExtra: ``engine="dask"`` without ``kg[dask]`` installed.
        InputError: the scheduler cannot be reached or has no worker.
    """
    started = time.perf_counter()
    output = OutputDir(plan.out)
    report = JobReport(out=plan.out, engine=engine, extractor_version=plan.extractor_version,
                       shards=len(plan.shards), skipped=len(set(plan.done) - {s.id for s in plan.todo}))
    output.clean_temporaries()
    statuses = {s.id: "done" for s in plan.shards if s.id in set(plan.done)}
    statuses.update({s.id: "pending" for s in plan.todo})
    _write_job_manifest(output, plan, statuses)

    def record(outcome: ShardOutcome, finished: int) -> None:
        statuses[outcome.id] = outcome.status
        if outcome.status == "failed":
            report.failed.append(outcome)
        else:
            report.extracted += 1
            report.papers += outcome.papers
            report.cpu_seconds = round(report.cpu_seconds + outcome.cpu_seconds, 3)
            report.problems.extend(outcome.problems)
        if on_shard:
            on_shard(outcome, finished, len(plan.todo))

    if plan.todo and engine == "local":
        report.workers = min(max(1, workers or 1), len(plan.todo))
        for i, outcome in enumerate(_run_local(plan, report.workers), 1):
            record(outcome, i)
    elif plan.todo:
        with _client(scheduler, workers or 2) as client:
            report.scheduler = client.scheduler.address
            report.workers = len(client.scheduler_info().get("workers", {}))
            for i, outcome in enumerate(_run_dask(plan, client), 1):
                record(outcome, i)
    order = {s.id: i for i, s in enumerate(plan.shards)}
    report.failed.sort(key=lambda o: order[o.id])
    _write_job_manifest(output, plan, statuses)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _write_job_manifest(output: OutputDir, plan: JobPlan, statuses: dict[str, str]) -> None:
    from kg import __version__

    output.write_job_manifest({
        "kg_version": __version__,
        "extractor_version": plan.extractor_version,
        "shard_size": plan.shard_size,
        "shards": [{"id": s.id, "source": s.source, "records": s.records, "content_hash": s.content_hash,
                    "status": statuses.get(s.id, "pending")} for s in plan.shards],
    })


def run_extract(inputs: Iterable[str | Path], out: str | Path, *, engine: Engine = "dask",
                scheduler: str | None = None, workers: int | None = None, shard_size: int = DEFAULT_SHARD_SIZE,
                fmt: str = "auto", only: Iterable[str] | None = None, force: bool = False,
                on_shard: ShardCallback | None = None) -> JobReport:
    """Plan and run a job in one call (what ``kg extract --out`` does); see :func:`plan_job`, :func:`run_job`."""
    plan = plan_job(inputs, out, shard_size=shard_size, fmt=fmt, only=only, force=force)
    return run_job(plan, engine=engine, scheduler=scheduler, workers=workers, on_shard=on_shard)
