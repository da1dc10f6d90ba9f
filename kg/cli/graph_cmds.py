"""The graph commands: ``kg ingest``, ``stats`` and ``export`` (the store options every graph command
shares are in :mod:`kg.cli._store`, the lookups in :mod:`kg.cli.query_cmds`, curation in
:mod:`kg.cli.curate_cmds`).

Why they live together: they all open a store from the same options (``--store``, ``--graph``,
``--uri``, ``--user``, ``--password``, ``--database``; flags override ``KG_*``/``NEO4J_*`` env) and
each is a thin wrapper over one library call (:func:`kg.ingest.ingest`, the :mod:`kg.query` functions,
:func:`kg.export.export`). Data goes to stdout (a Rich
table, or JSON with ``--json``), progress and logs to stderr; a :class:`kg.errors.KGError` becomes
one red line and a non-zero exit code (see :func:`kg.cli._common.guard`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from kg.cli._common import err, out, print_json, terminal_bar
from kg.cli._store import JsonOpt, QuietOpt, StoreOptions, _table, graph_command
from kg.errors import InputError
from kg.read import Format as InputFormat

# -- ingest ---------------------------------------------------------------------------------------


def _bundled_seed() -> Path:
    from kg.config import default_data_dir

    return default_data_dir() / "seed" / "papers.jsonl"


@contextmanager
def _progress_reporter(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on a terminal stderr; plain log lines otherwise (CI logs, pipes)."""
    if quiet:
        yield None
        return
    with terminal_bar("ingesting") as bar:
        if bar is not None:
            yield bar
            return

    def log(done: int, total: int) -> None:
        err.print(f"ingest: {done}/{total} papers read so far", highlight=False)

    yield log


def _print_ingest_report(report: Any) -> None:
    out.print(
        f"[bold]{report.papers_read}[/bold] papers read: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged" + (f", {report.failed} failed" if report.failed else "")
        + f" — {report.batches} batch(es) written to {report.store} in {report.seconds:.1f}s",
        highlight=False,
    )
    table = _table("written this run", "kind", "count")
    for k, v in report.entities.items():
        table.add_row(f"{k} entities", str(v))
    for k, v in report.edges.items():
        table.add_row(f"{k} edges", str(v))
    if report.entities or report.edges:
        out.print(table)
    if report.totals is not None:
        t = report.totals
        parts = [f"{t.papers} papers", f"{t.claims} claims"]
        parts += [f"{v} {k}" for k, v in sorted(t.entities.items())]
        parts += [f"{v} {k}" for k, v in sorted(t.links.items())]
        out.print("graph now: " + ", ".join(parts), highlight=False)
    for w in report.warnings:
        err.print(f"warning: {w}", highlight=False, markup=False, soft_wrap=True)
    if report.problems:
        err.print(f"[yellow]{len(report.problems)} bad record(s) skipped:[/yellow]")
        for p in report.problems:
            err.print(f"  {p.where}: {p.reason}", highlight=False, markup=False, soft_wrap=True)


@graph_command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files, folders, globs or - (stdin): *.jsonl, *.json, *.csv, *.tsv, *.txt, *.bib, each optionally "
             ".gz/.bz2/.xz/.zst; default: the bundled seed.", show_default=False)] = None,
    fmt: Annotated[InputFormat, typer.Option(
        "--format", "-f", help="Input format (auto: per file, by name and content): seed, jsonl, csv, arxiv "
                               "(metadata snapshot), openalex (works), s2 (Semantic Scholar API or bulk shards), "
                               "bibtex, csljson.")] = "auto",
    force: Annotated[bool, typer.Option(
        "--force", help="Re-extract and re-write papers the store already holds unchanged.")] = False,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, max=100_000,
        help="Papers per store transaction (default: KG_BATCH_SIZE or 1000).")] = None,
    overrides: Annotated[Path | None, typer.Option(
        "--overrides", help="Curation overrides to apply (default: KG_OVERRIDES or the bundled "
        "data/overrides.yaml; see `kg curate`).", show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, max=256, help="Extraction processes (default: the machine's cores; "
        "the graph is the same whatever the number).", show_default=False)] = None,
    bulk: Annotated[bool, typer.Option(
        "--bulk", help="First load of an EMPTY store, much faster: Neo4j through neo4j-admin database "
        "import (KG_NEO4J_ADMIN or neo4j-admin on PATH); the embedded store writes rows without upkeep of "
        "its counts and families and counts them once at the end.")] = False,
    from_extractions: Annotated[bool, typer.Option(
        "--from-extractions", help="PATHS is the --out folder of `kg extract --out`: load its shards "
        "without re-extracting.")] = False,
    json_: JsonOpt = False,
    quiet: QuietOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Read abstracts, tag them and write the graph (skips papers already ingested unchanged).

    The input is streamed and extracted in parallel (--workers) with bounded memory. With
    --from-extractions, load the shards of a finished `kg extract --out DIR` job instead.

    Bad records are reported with file:line and skipped; the exit code stays 0. Curation overrides
    are applied to every paper; a changed overrides file re-applies them on the next ingest.
    """
    from kg.ingest import ingest
    from kg.resolve.overrides import Overrides, default_path

    curated = Overrides.load(overrides or default_path())
    targets = list(paths) if paths else [_bundled_seed()]
    if from_extractions and (len(targets) != 1 or not paths):
        raise InputError("--from-extractions takes one folder: the --out of `kg extract`")
    with opts.open(batch_size=batch_size) as store, _progress_reporter(quiet) as progress:
        if from_extractions:
            from kg.cli.scaleout_cmds import as_url, load_sharded

            report = load_sharded(as_url(targets[0]), store, batch_size=batch_size, force=force,
                                  progress=progress, bulk=bulk)
        else:
            report = ingest(targets, store, fmt=fmt, batch_size=batch_size, progress=progress, force=force,
                            overrides=curated, workers=workers, bulk=bulk)
    if json_:
        print_json(report.model_dump(mode="json"))
    elif not quiet:
        _print_ingest_report(report)


@graph_command("stats")
def stats_cmd(json_: JsonOpt = False, *, opts: StoreOptions) -> None:
    """Node and relationship counts of the graph."""
    with opts.open(read=True) as store:
        stats = store.stats()
    if json_:
        print_json(stats.model_dump(mode="json"))
        return
    table = _table(f"graph ({store.name})", "what", "count")
    table.add_row("papers", str(stats.papers))
    table.add_row("claims", str(stats.claims))
    for k, v in sorted(stats.entities.items()):
        table.add_row(f"{k} entities", str(v))
    for k, v in sorted(stats.links.items()):
        table.add_row(f"{k} relationships", str(v))
    out.print(table)


@graph_command("export")
def export_cmd(
    fmt: Annotated[Literal["jsonl", "graphml", "gexf", "csv"], typer.Option(
        "--format", "-f", help="jsonl, graphml, gexf, or csv (the neo4j-admin import layout).")] = "jsonl",
    out_path: Annotated[Path | None, typer.Option(
        "--out", "-o", help="File to write (a directory for csv); default: stdout.")] = None,
    quiet: QuietOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Export the whole graph (nodes and relationships with their properties)."""
    import sys

    from kg.export import export

    if fmt == "csv" and out_path is None:
        raise InputError("the csv export is several files: give a directory with --out DIR")
    result, text = opts.ask(export, fmt, out_path)
    if text is not None:
        sys.stdout.write(text)
    if not quiet:
        where = f" to {out_path}" if out_path else ""
        err.print(f"exported {result.nodes} nodes and {result.relationships} relationships as {fmt}{where}",
                  highlight=False, soft_wrap=True)
