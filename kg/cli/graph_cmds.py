"""The graph commands: ``kg ingest``, ``stats`` and ``export``, and the store options every graph
command shares (the lookups are in :mod:`kg.cli.query_cmds`, curation in :mod:`kg.cli.curate_cmds`).

Why they live together: they all open a store from the same options (``--store``, ``--graph``,
``--uri``, ``--user``, ``--password``, ``--database``; flags override ``KG_*``/``NEO4J_*`` env) and
each is a thin wrapper over one library call (:func:`kg.ingest.ingest`, the :mod:`kg.query` functions,
:func:`kg.export.export`). Data goes to stdout (a Rich
table, or JSON with ``--json``), progress and logs to stderr; a :class:`kg.errors.KGError` becomes
one red line and a non-zero exit code (see :func:`kg.cli._common.guard`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table
from rich.text import Text

from kg.cli import app
from kg.cli._common import err, guard, out, print_json
from kg.errors import InputError
from kg.models import Tag
from kg.read import Format as InputFormat

StoreKind = Literal["sqlite", "networkx", "neo4j"]
KindOpt = Annotated[
    Literal["method", "divergence", "dataset"] | None,
    typer.Option("--kind", "-k", help="Only entities of this kind."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a table.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or log lines on stderr.")]

# -- store options, shared by every command -------------------------------------------------------

def _store_param(name: str, type_: Any, help_: str) -> inspect.Parameter:
    option = typer.Option(f"--{name}", help=help_, rich_help_panel="Store")
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                             annotation=Annotated[type_ | None, option])


_STORE_PARAMS = [
    _store_param("store", StoreKind, "Graph store: sqlite (embedded; 'networkx', its old name, means the same) "
                 "or neo4j (default: KG_STORE or sqlite)."),
    _store_param("graph", Path, "SQLite file of the embedded store (default: KG_GRAPH_PATH or .kg/graph.db; "
                 "an old .kg/graph.json is migrated to graph.db beside it)."),
    _store_param("uri", str, "Neo4j URI: bolt://, neo4j:// or neo4j+s:// (default: NEO4J_URI)."),
    _store_param("user", str, "Neo4j user (default: NEO4J_USERNAME or neo4j)."),
    _store_param("password", str, "Neo4j password (default: NEO4J_PASSWORD; none = auth disabled)."),
    _store_param("database", str, "Neo4j database (default: NEO4J_DATABASE or neo4j)."),
]
_STORE_SETTINGS = {
    "store": "store", "graph": "graph_path", "uri": "neo4j_uri", "user": "neo4j_username",
    "password": "neo4j_password", "database": "neo4j_database",
}


def _embedded_graph_exists(path: Path) -> bool:
    """Is there an embedded graph at ``path``: its SQLite file, or an old JSON graph to migrate?"""
    from kg.store.migrate import database_path, pending_json

    db = database_path(path)
    return db.exists() or pending_json(path, db) is not None


@dataclass(frozen=True)
class StoreOptions:
    """The store flags a command was given (``None`` = not given: the environment decides)."""

    store: str | None = None
    graph: Path | None = None
    uri: str | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None

    def settings(self, **extra: Any):
        """:class:`kg.config.Settings` from the environment with the given flags on top."""
        from kg.config import load_settings

        given = {_STORE_SETTINGS[k]: v for k, v in vars(self).items()}
        # None values are dropped (the environment decides); a bad value is an InputError there
        return load_settings(**given, **extra)

    @contextmanager
    def open(self, *, read: bool = False, **extra: Any) -> Iterator[Any]:
        """Open the store these options name; closed on exit. ``read``: the command only reads,
        so a missing embedded graph file is an error naming the path (not an empty answer)."""
        from kg.store import open_store

        settings = self.settings(**extra)
        if read and settings.store != "neo4j" and not _embedded_graph_exists(settings.graph_path):
            where = settings.graph_path if settings.graph_path.is_absolute() else (
                f"{settings.graph_path} (in {Path.cwd()})")
            raise InputError(f"no graph file at {where}: run `kg ingest` first, "
                             "or point --graph / KG_GRAPH_PATH at the graph")
        store = open_store(settings)
        try:
            yield store
        finally:
            store.close()


def with_store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the shared store flags; it receives them as ``opts: StoreOptions``."""
    sig = inspect.signature(fn, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "opts"]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opts = StoreOptions(**{name: kwargs.pop(name, None) for name in _STORE_SETTINGS})
        return fn(*args, opts=opts, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + _STORE_PARAMS)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in own + _STORE_PARAMS}
    return wrapper


def graph_command(name: str | None = None) -> Callable[[Callable[..., Any]], Any]:
    """Register a graph command: store flags added, KGError guarded."""

    def register(fn: Callable[..., Any]) -> Any:
        return app.command(name)(guard(with_store_options(fn)))

    return register


# -- rendering helpers ----------------------------------------------------------------------------


_PROSE = {"title": 1, "evidence": 2, "sentence": 2}  # columns that wrap, with their share of the width


def _table(title: str | None, *columns: str) -> Table:
    """A Rich table whose prose columns take the spare width."""
    table = Table(title=title, show_lines=False, title_justify="left")
    for c in columns:
        if c in _PROSE:
            table.add_column(c, overflow="fold", ratio=_PROSE[c])
        else:
            table.add_column(c, overflow="fold")
    return table


def _how(tag: Tag) -> str:
    """How a paper uses an entity: the method role or divergence variant (``-`` when neither)."""
    return " ".join(x for x in (tag.role, tag.variant) if x) or "-"


def _tag_json(tag: Tag) -> dict[str, Any]:
    return {
        "entity": tag.entity.id, "name": tag.entity.name, "kind": tag.entity.kind, "role": tag.role,
        "variant": tag.variant, "mentions": list(tag.mentions),
        "evidence": [e.model_dump() for e in tag.evidence],
    }


def _first_sentence(tag: Tag, width: int = 70) -> Text | str:
    """The first evidence sentence cut to ``width`` characters either side of the mention, which is
    shown in bold (the whole sentence is in ``--json`` and ``kg why``)."""
    if not tag.evidence:
        return ""
    ev = tag.evidence[0]
    sentence, surface = ev.sentence, ev.surface
    at = sentence.find(surface) if surface else -1
    if at < 0:
        return sentence
    lo, hi = max(0, at - width), min(len(sentence), at + len(surface) + width)
    if lo > 0:  # start and end on word boundaries
        lo = sentence.find(" ", lo, at) + 1 or lo
    if hi < len(sentence):
        cut = sentence.rfind(" ", at + len(surface), hi)
        hi = cut if cut > 0 else hi
    text = Text("…" if lo > 0 else "")
    text.append(sentence[lo:at])
    text.append(surface, style="bold")
    text.append(sentence[at + len(surface):hi])
    if hi < len(sentence):
        text.append("…")
    return text


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
    if err.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("ingesting", total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
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
        "--bulk", help="Load an EMPTY Neo4j database with neo4j-admin database import (much faster "
        "for a first load; needs --store neo4j and KG_NEO4J_ADMIN or neo4j-admin on PATH).")] = False,
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
    with opts.open(read=True) as store:
        result, text = export(store, fmt, out_path)
    if text is not None:
        sys.stdout.write(text)
    if not quiet:
        where = f" to {out_path}" if out_path else ""
        err.print(f"exported {result.nodes} nodes and {result.relationships} relationships as {fmt}{where}",
                  highlight=False, soft_wrap=True)
