"""The scale-out side of ``kg extract --out DIR`` and ``kg ingest DIR --from-extractions``.

Thin: the options are parsed by the two commands (:mod:`kg.cli.extract_cmds`,
:mod:`kg.cli.graph_cmds`), which call these helpers; these call :func:`kg.scaleout.run_extract` and
:func:`kg.scaleout.load_shards` and print. Progress goes to stderr (a Rich bar on a terminal,
one log line per shard otherwise), the summary to stdout (``--json`` for scripts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from kg.cli._common import EXIT_OTHER, err, out, print_json, terminal_bar
from kg.errors import InputError


def as_url(path: Path | str) -> str:
    """A CLI path as a string, with the ``//`` of a URL that ``pathlib`` folded put back
    (``Path("s3://b/x")`` prints as ``s3:/b/x``)."""
    text = str(path)
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]+):/(?!/)", text)
    return f"{m.group(1)}://{text[m.end():]}" if m and not Path(text).exists() else text


@contextmanager
def _shard_progress(quiet: bool, total: int) -> Iterator[Callable[..., None] | None]:
    if quiet or total == 0:
        yield None
        return
    with terminal_bar("extracting shards", total) as bar:
        if bar is not None:
            yield lambda outcome, done, todo: bar(done)
            return

    def log(outcome: Any, done: int, todo: int) -> None:
        how = (f"{outcome.papers} papers in {outcome.seconds:.1f}s on {outcome.worker}"
               if outcome.status == "done" else f"FAILED: {outcome.error}")
        err.print(f"extract: shard {outcome.id} {how} [{done}/{todo}]", highlight=False, markup=False)

    yield log


def run_sharded(inputs: list[str], out_dir: str, *, engine: str, scheduler: str | None, workers: int | None,
                shard_size: int, input_format: str, only: list[str], force: bool, quiet: bool,
                as_json: bool) -> None:
    """``kg extract ... --out DIR``: plan, run, summarise; exit 1 when a shard failed."""
    from kg.extract.parallel import default_workers
    from kg.scaleout import plan_job, run_job

    if scheduler and engine != "dask":
        raise InputError("--scheduler needs --engine dask")
    plan = plan_job(inputs, out_dir, shard_size=shard_size, fmt=input_format, only=only, force=force)
    if not quiet:
        err.print(f"extract: {len(plan.shards)} shard(s) of up to {shard_size} records, "
                  f"{len(plan.todo)} to extract, {len(plan.done)} already done", highlight=False)
    with _shard_progress(quiet, len(plan.todo)) as on_shard:
        report = run_job(plan, engine=engine, scheduler=scheduler,  # type: ignore[arg-type]
                         workers=workers or default_workers(), on_shard=on_shard)
    if as_json:
        print_json(report.model_dump(mode="json") | {"papers_per_second": round(report.papers_per_second, 1)})
    else:
        where = f" on {report.workers} worker(s) ({report.scheduler})" if report.scheduler else ""
        rate = f" ({report.papers_per_second:.0f} papers/s)" if report.papers else ""
        out.print(f"{report.shards} shard(s): {report.extracted} extracted, {report.skipped} already done, "
                  f"{len(report.failed)} failed — {report.papers} papers in {report.seconds:.1f}s{rate}"
                  f"{where}; output in {report.out}", highlight=False, markup=False)
    if report.problems and not quiet:
        err.print(f"{len(report.problems)} bad record(s) skipped:", style="yellow")
        for p in report.problems:
            line = f":{p['line']}" if p.get("line") is not None else ""
            err.print(f"  {p['source']}{line}: {p['reason']}", highlight=False, markup=False, soft_wrap=True)
    if report.failed:
        for f in report.failed:
            err.print(f"shard {f.id} failed: {f.error}", style="red", highlight=False, markup=False)
        ids = " ".join(f"--shard {f.id}" for f in report.failed)
        err.print(f"re-run the same command to extract only what is missing (finished shards are skipped), "
                  f"or just these: {ids}", highlight=False, markup=False)
        raise typer.Exit(EXIT_OTHER)


def load_sharded(directory: str, store: Any, *, batch_size: int | None, force: bool,
                 progress: Callable[[int, int], None] | None, bulk: bool = False) -> Any:
    """``kg ingest DIR --from-extractions``: the :class:`kg.ingest.IngestReport` of the load."""
    from kg.scaleout import load_shards

    return load_shards(directory, store, batch_size=batch_size, progress=progress, force=force, bulk=bulk)
