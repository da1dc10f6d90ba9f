"""The store options every graph command shares, and the rendering helpers of the lookup commands.

Why apart from :mod:`kg.cli.graph_cmds`: ``kg papers-using`` (and every lookup) needs these, not the
ingest machinery (:mod:`kg.read`, :mod:`kg.ingest`), so a lookup's cold start imports only this.
The flags: ``--store``, ``--graph``, ``--uri``, ``--user``, ``--password``, ``--database``; they
override ``KG_*``/``NEO4J_*`` env.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer

from kg.cli._app import app
from kg.cli._common import guard
from kg.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from kg.models import Tag

T = TypeVar("T")
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

    def ask(self, question: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``question(store, *args, **kwargs)`` on the store these options name, opened for reading
        (see :meth:`open`) and closed again: a lookup command's one call."""
        with self.open(read=True) as store:
            return question(store, *args, **kwargs)


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
    from rich.table import Table

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
    from rich.text import Text

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
