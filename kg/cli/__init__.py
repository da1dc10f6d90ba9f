"""The ``kg`` command: a thin Typer layer over the library.

Each command parses options, calls one library function and prints: data on stdout (a Rich table for
people, ``--json`` for scripts), progress and logs on stderr. Errors from the library
(:class:`kg.errors.KGError`) become one red line on stderr and a non-zero exit code — never a
traceback. Commands live in the modules next to this one, each registering itself on :data:`app`.
"""

from __future__ import annotations

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


from kg.cli import (  # noqa: E402,F401  (register commands)
    curate_cmds,
    extract_cmds,
    graph_cmds,
    query_cmds,
    serve_cmds,
)


@app.command()
def version() -> None:
    """Print the kg version and the extractor version."""
    from kg import __version__
    from kg.extract import extractor_version

    typer.echo(f"kg {__version__}\nextractor {extractor_version()}")


def main() -> None:
    """Entry point of the ``kg`` console script and ``python -m kg``."""
    app()
