"""The ``kg`` command: a thin Typer layer over the library.

Each command parses options, calls one library function and prints: data on stdout (a Rich table for
people, ``--json`` for scripts), progress and logs on stderr. Errors from the library
(:class:`kg.errors.KGError`) become one red line on stderr and a non-zero exit code — never a
traceback. Commands live in the modules next to this one, each registering itself on the Typer
application of :mod:`kg.cli._app`.

``from kg.cli import app`` gives the application with every command registered (tests, docs);
:func:`main` (the console script) registers only the command it runs, for a fast cold start.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from kg.cli._app import load_commands

        return load_commands()
    raise AttributeError(f"module 'kg.cli' has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``kg`` console script and ``python -m kg``."""
    from kg.cli._app import main as run

    run()
