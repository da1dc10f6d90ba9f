"""``kg extract`` and ``kg eval``: run the extractor on files, and score it against gold.

Thin wrappers: :func:`kg.read.iter_papers` → :func:`kg.extract.parallel.extract_stream`
(``extract``) or :func:`kg.read.read_papers` → :func:`kg.extract.extract` (``eval``) → output
(:func:`kg.eval.evaluate` for ``eval``). Data on stdout (JSONL in the gold shape, a Rich table, or
``--json``); bad input records are reported on stderr (file:line: reason) and skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from kg.cli._app import app
from kg.cli._common import guard, out, print_json
from kg.config import default_data_dir
from kg.errors import InputError
from kg.models import Extraction
from kg.read import Format as InputFormat


def _stream(paths: list[Path], input_format: InputFormat, quiet: bool):
    """The papers of ``paths`` as they are read; skipped records and warnings reported on stderr."""
    from kg.errors import RecordError
    from kg.read import ReadWarning, iter_papers

    for item in iter_papers(paths, fmt=input_format):
        if isinstance(item, RecordError):
            if not quiet:
                sys.stderr.write(f"skipped {item.message}\n")
            continue
        if isinstance(item, ReadWarning):
            if not quiet:
                sys.stderr.write(f"warning: {item}\n")
            continue
        yield item


def _read(paths: list[Path], input_format: InputFormat, quiet: bool):
    from kg.read import read_papers

    result = read_papers(paths, fmt=input_format)
    if not quiet:
        for warning in result.warnings:
            sys.stderr.write(f"warning: {warning}\n")
        for problem in result.problems:  # plain lines (no wrapping): they are logs people grep
            sys.stderr.write(f"skipped {problem.message}\n")
    return result


def _table(x: Extraction) -> Table:
    table = Table(title=f"{x.paper.id}: {x.paper.title}", title_justify="left", show_lines=False)
    table.add_column("kind", no_wrap=True)
    table.add_column("name", no_wrap=True)
    table.add_column("role/variant/type")
    table.add_column("mentions / sentence", overflow="fold")
    for kind, tags in (("method", x.methods), ("divergence", x.divergences), ("dataset", x.datasets)):
        for t in tags:
            table.add_row(kind, t.entity.name, t.role or t.variant or "", ", ".join(t.mentions))
    for c in x.claims:
        table.add_row("claim", "", c.type, c.text)
    return table


@app.command("extract")
@guard
def extract_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="Input files or directories (.jsonl, .csv, seed .txt).")],
    format: Annotated[
        Literal["jsonl", "table"], typer.Option("--format", "-f", help="jsonl: one JSON object per paper "
                                                "(gold shape + evidence); table: a readable view.")
    ] = "jsonl",
    input_format: Annotated[
        InputFormat, typer.Option("--input-format", help="Force the input format (default: auto-detect).")
    ] = "auto",
    evidence: Annotated[bool, typer.Option("--evidence/--no-evidence", help="Include evidence in JSONL.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not report skipped records on stderr.")] = False,
    out_dir: Annotated[str | None, typer.Option(
        "--out", help="Write extraction shards (one kg Extraction a line) and manifests to this folder "
        "(or fsspec URL) instead of stdout; re-running skips shards already done.", rich_help_panel="Shards")] = None,
    engine: Annotated[Literal["local", "dask"], typer.Option(
        "--engine", help="With --out: local = --workers processes on this machine (1: this process); "
        "dask = a Dask LocalCluster of --workers "
        "processes, or the cluster at --scheduler (needs pip install 'kg\\[dask]').",
        rich_help_panel="Shards")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a LocalCluster here.",
        rich_help_panel="Shards")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, max=256, help="Extraction processes (default: the machine's cores; the output is "
        "the same, in input order, whatever the number); with --engine dask, the workers of the LocalCluster.",
        show_default=False)] = None,
    shard_size: Annotated[int, typer.Option(
        "--shard-size", min=1, max=10_000_000, help="Records per input shard (one task, one output shard).",
        rich_help_panel="Shards")] = 5000,
    only: Annotated[list[str] | None, typer.Option(
        "--shard", help="Only this shard id (repeatable), e.g. to re-run a failed one.", rich_help_panel="Shards",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="With --out: extract every shard again, even those already done.",
        rich_help_panel="Shards")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="With --out: print the job summary as JSON.", rich_help_panel="Shards")] = False,
) -> None:
    """Tag methods, divergences, datasets and claims in papers; print one result per paper.

    With --out DIR the input is cut into shards of --shard-size records, each extracted into
    DIR/shards/<id>.jsonl with a manifest, by --workers processes here or on Dask (--engine dask); load them
    with `kg ingest DIR --from-extractions`. See docs/scale-out.md. Without --out the input is
    streamed: results are printed as they are ready, in input order.
    """
    from kg.extract.parallel import Failed, extract_stream

    if out_dir is not None:
        from kg.cli.scaleout_cmds import as_url, run_sharded

        run_sharded([as_url(p) for p in inputs], as_url(out_dir), engine=engine, scheduler=scheduler,
                    workers=workers, shard_size=shard_size, input_format=input_format, only=list(only or ()),
                    force=force, quiet=quiet, as_json=as_json)
        return
    if engine != "local" or scheduler or only or as_json:
        raise InputError("--engine dask, --scheduler, --shard and --json write shards: give --out DIR")
    for x in extract_stream(_stream(inputs, input_format, quiet), workers=workers):
        if isinstance(x, Failed):
            sys.stderr.write(f"failed {x.paper.source or x.paper.id}: extraction failed: {x.reason}\n")
            continue
        if format == "table":
            out.print(_table(x))
        else:
            sys.stdout.write(json.dumps(x.to_gold(evidence=evidence), ensure_ascii=False) + "\n")


def _titles(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    from kg.read import read_papers  # raises InputError for a path that does not exist

    return {p.id: p.title for p in read_papers(path).papers}


@app.command("eval")
@guard
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="Gold annotations (JSONL, e.g. data/gold/dev.jsonl).")],
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="Papers to extract (default: the bundled seed).")
    ] = None,
    papers: Annotated[
        Path | None, typer.Option("--papers", help="id/title file the gold ids come from, to join by title "
                                     "when input ids differ (default: the bundled seed papers.jsonl).")
    ] = None,
    input_format: Annotated[InputFormat, typer.Option("--input-format", help="Force the input format.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    rules: Annotated[bool, typer.Option("--rules/--no-rules", help="Show the per-rule table.")] = True,
) -> None:
    """Precision/recall/F1 per kind against gold (same matching as score.py), and per rule id."""
    from kg.eval import evaluate
    from kg.extract import extract

    seed = default_data_dir() / "seed" / "papers.jsonl"
    input = input or seed
    if not gold.exists():
        raise InputError(f"no such gold file: {gold}")
    result = _read([input], input_format, quiet=as_json)
    report = evaluate(gold, extract(result.papers), titles=_titles(papers or seed))
    if as_json:
        print_json(report.model_dump())
        return
    table = Table(title=f"{gold} — {report.predicted_papers}/{report.gold_papers} papers joined")
    for col in ("kind", "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind, s in report.kinds.items():
        table.add_row(kind, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn))
    out.print(table)
    if report.role_accuracy is not None:
        out.print(f"method role accuracy: {report.role_accuracy:.3f} on {report.roles_matched} matched methods")
    if report.claim_type_accuracy is not None:
        out.print(f"claim type accuracy: {report.claim_type_accuracy:.3f} on {report.claims_matched} matched claims")
    if rules:
        rt = Table(title="per rule (precision of the predictions each rule contributed to)")
        for col in ("kind", "rule", "tp", "fp", "P"):
            rt.add_column(col, justify="left" if col in ("kind", "rule") else "right")
        for r in report.rules:
            rt.add_row(r.kind, r.rule, str(r.tp), str(r.fp), f"{r.precision:.3f}")
        out.print(rt)
