"""The Typer application of the ``kg`` command, and the entry point that loads only what a command needs.

Why apart from :mod:`kg.cli`: a cold ``kg papers-using X`` should pay for Python, the query and the
store, not for importing every command's dependencies (ingest, readers, extraction, the server).
:func:`main` imports only the module that defines the command named on the command line
(:data:`COMMANDS`); anything else (``kg --help``, an unknown word) loads every command, so the
root help lists them all. ``tests/cli/test_help.py`` checks that :data:`COMMANDS` names the module
of every registered command.
"""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="kg",
    help="A research-index knowledge graph of ML abstracts: methods, divergences, datasets and claims.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: The command modules, in registration order.
MODULES = ("curate_cmds", "extract_cmds", "graph_cmds", "query_cmds", "serve_cmds")
#: Which module defines each top-level command (``version`` is defined here).
COMMANDS = {
    "curate": "curate_cmds",
    "extract": "extract_cmds", "eval": "extract_cmds",
    "ingest": "graph_cmds", "stats": "graph_cmds", "export": "graph_cmds",
    "papers-using": "query_cmds", "papers": "query_cmds", "paper": "query_cmds", "why": "query_cmds",
    "entities": "query_cmds", "claims": "query_cmds", "cooccurring": "query_cmds", "years": "query_cmds",
    "taxonomy": "query_cmds",
    "serve": "serve_cmds",
    "version": None,
}


def load_commands(only: str | None = None) -> typer.Typer:
    """Register the commands of one module (``only``) or of all of them; returns :data:`app`."""
    for name in MODULES if only is None else (only,):
        importlib.import_module(f"kg.cli.{name}")
    return app


def _print_version(value: bool) -> None:
    if value:
        version()
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False, "--version", "-V", help="Print the kg and extractor versions and exit.",
        callback=_print_version, is_eager=True),
) -> None:
    """kg: tag ML abstracts with methods, divergences, datasets and claims; query the graph."""


@app.command()
def version() -> None:
    """Print the kg version and the extractor version."""
    from kg import __version__
    from kg.extract import extractor_version

    typer.echo(f"kg {__version__}\nextractor {extractor_version()}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``kg`` console script and ``python -m kg``: loads the module of the
    command named by the first argument (all of them otherwise), then runs Typer."""
    args = sys.argv[1:] if argv is None else argv
    first = args[0] if args else None
    if first in COMMANDS:
        module = COMMANDS[first]
        if module is not None:
            load_commands(module)
    else:
        load_commands()
    app(args=args, prog_name="kg")
