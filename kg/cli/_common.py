"""Helpers shared by the CLI modules: error guard, stdout/stderr consoles, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from kg.errors import InputError, KGError, StoreUnavailable

out = Console(soft_wrap=True)  # data
err = Console(stderr=True, soft_wrap=True)  # progress, logs, errors: one error = one line

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
EXIT_STORE = 3
EXIT_OTHER = 1


def exit_code(exc: KGError) -> int:
    if isinstance(exc, InputError):
        return EXIT_INPUT
    if isinstance(exc, StoreUnavailable):
        return EXIT_STORE
    return EXIT_OTHER


def guard(fn: F) -> F:
    """Turn a :class:`KGError` raised by a command into one red line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KGError as exc:
            # escaped: a message may hold brackets ("pip install 'kg[dask]'") that are not markup
            err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
            raise typer.Exit(exit_code(exc)) from None
        except KeyboardInterrupt:
            err.print("[red]interrupted[/red]")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `kg ... | head`
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """Pretty JSON on stdout (one document)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_jsonl(rows) -> None:
    """One compact JSON object per line on stdout."""
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


@contextmanager
def terminal_bar(description: str, total: int | None = None) -> Iterator[Callable[..., None] | None]:
    """A Rich progress bar on stderr while it is a terminal: yields ``update(done, total=None)``;
    yields ``None`` when stderr is not a terminal (CI logs, pipes: the caller logs lines instead)."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total: int | None = None) -> None:
            if total is None:
                bar.update(task, completed=done)
            else:
                bar.update(task, completed=done, total=total)

        yield update
