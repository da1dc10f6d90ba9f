"""``kg curate``: write reviewed curation overrides so that nobody edits YAML by hand.

Each subcommand validates one entry with the pydantic models of :mod:`kg.resolve.overrides`,
appends it to the overrides file (``--overrides``, ``KG_OVERRIDES`` or the bundled
``data/overrides.yaml``) and says to run ``kg ingest``, which applies the file to every paper (a
changed file re-applies on the next ingest). Entities are given by id (``method:gan``) or by a name
the graph resolves (``--graph``/``--store`` options as for the lookups).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from kg.cli._app import app
from kg.cli._common import guard, out
from kg.cli._store import StoreOptions, with_store_options
from kg.errors import InputError

curate = typer.Typer(
    name="curate", no_args_is_help=True, rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Reviewed corrections applied at every ingest: reject a tag, add an alias, merge, split, "
         "rename, set a family. Then run `kg ingest`.",
)
app.add_typer(curate)

FileOpt = Annotated[Path | None, typer.Option(
    "--overrides", help="The overrides file (default: KG_OVERRIDES or the bundled data/overrides.yaml).",
    show_default=False)]
ReasonOpt = Annotated[str | None, typer.Option("--reason", "-r", help="Why (kept in the file for reviewers).")]


def _command(name: str):
    def register(fn):
        return curate.command(name)(guard(with_store_options(fn)))
    return register


def _entity_id(opts: StoreOptions, text: str, *, must_exist: bool = True) -> str:
    """An entity id as given (``kind:slug``), or the one entity a name resolves to in the graph."""
    from kg.query import resolve_name

    kind, _, rest = text.partition(":")
    if kind in ("method", "divergence", "dataset") and rest:
        return text
    if not must_exist:
        raise InputError(f"give a new entity as an id like 'method:my-method' (got {text!r})")
    r = opts.ask(resolve_name, text, exact=True)
    if len(r.entities) != 1:
        ids = ", ".join(e.id for e in r.entities)
        raise InputError(f"{text!r} names several entities ({ids}): give one id")
    return r.entities[0].id


def _add(path: Path | None, entry: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from kg.resolve.overrides import _ADAPTER, Overrides, default_path

    target = path or default_path()
    current = Overrides.load(target)
    try:
        item = _ADAPTER.validate_python({k: v for k, v in entry.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"bad override: {first['msg'].removeprefix('Value error, ')}") from None
    updated = current.add(item)
    if updated is current:
        out.print(f"already in {target}: nothing to do", highlight=False)
        return
    updated.save(target)
    out.print(f"{escape(item.op)} written to {escape(str(target))} ({len(updated.items)} override(s)); "
              "run `kg ingest` to apply it", highlight=False)


@_command("reject")
def reject_cmd(
    paper: Annotated[str, typer.Argument(help="Paper id.")],
    entity: Annotated[str, typer.Argument(help="Entity id or name whose tag on this paper is wrong.")],
    reason: ReasonOpt = None, overrides: FileOpt = None, *, opts: StoreOptions,
) -> None:
    """Reject one tag: PAPER is not about ENTITY."""
    _add(overrides, {"op": "reject", "paper": paper, "entity": _entity_id(opts, entity), "reason": reason})


@_command("alias")
def alias_cmd(
    entity: Annotated[str, typer.Argument(help="Entity id or name.")],
    alias: Annotated[str, typer.Argument(help="Another name it is written as.")],
    reason: ReasonOpt = None, overrides: FileOpt = None, *, opts: StoreOptions,
) -> None:
    """Add an alias to an entity (lookups then find it by that name)."""
    _add(overrides, {"op": "alias", "entity": _entity_id(opts, entity), "alias": alias, "reason": reason})


@_command("merge")
def merge_cmd(
    entity: Annotated[str, typer.Argument(help="Entity id or name that is really INTO.")],
    into: Annotated[str, typer.Argument(help="Entity id or name to keep.")],
    reason: ReasonOpt = None, overrides: FileOpt = None, *, opts: StoreOptions,
) -> None:
    """Merge ENTITY into INTO: its tags become INTO's and its names INTO's aliases."""
    _add(overrides, {"op": "merge", "entity": _entity_id(opts, entity), "into": _entity_id(opts, into),
                     "reason": reason})


@_command("split")
def split_cmd(
    entity: Annotated[str, typer.Argument(help="Entity id or name that lumps two things.")],
    alias: Annotated[str, typer.Argument(help="The surface form that is really NEW_ID.")],
    new_id: Annotated[str, typer.Argument(help="Id of the entity it becomes, e.g. method:my-method.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name of the new entity (default: ALIAS).")] = None,
    reason: ReasonOpt = None, overrides: FileOpt = None, *, opts: StoreOptions,
) -> None:
    """Split a merged entity: tags whose mention is ALIAS move to NEW_ID."""
    _add(overrides, {"op": "split", "entity": _entity_id(opts, entity), "alias": alias,
                     "new_id": _entity_id(opts, new_id, must_exist=False), "name": name, "reason": reason})


@_command("rename")
def rename_cmd(
    entity: Annotated[str, typer.Argument(help="Entity id or name.")],
    name: Annotated[str, typer.Argument(help="The new display name.")],
    reason: ReasonOpt = None, overrides: FileOpt = None, *, opts: StoreOptions,
) -> None:
    """Rename an entity (the old name stays findable as an alias)."""
    eid = _entity_id(opts, entity)
    _add(overrides, {"op": "rename", "entity": eid, "name": name, "reason": reason})


@_command("family")
def family_cmd(
    entity: Annotated[str, typer.Argument(help="Entity id or name.")],
    family: Annotated[str, typer.Argument(help="Id or name of its family (SUBTYPE_OF parent).")],
    reason: ReasonOpt = None, overrides: FileOpt = None, *, opts: StoreOptions,
) -> None:
    """Set the family of an entity (a lookup of the family then includes it)."""
    _add(overrides, {"op": "family", "entity": _entity_id(opts, entity), "family": _entity_id(opts, family),
                     "reason": reason})


@curate.command("list")
@guard
def list_cmd(overrides: FileOpt = None) -> None:
    """Show the overrides in the file, with their lines (validates the file)."""
    from kg.resolve.overrides import Overrides, default_path

    target = overrides or default_path()
    current = Overrides.load(target)
    out.print(f"{len(current.items)} override(s) in {escape(str(target))}", highlight=False)
    for o in current.items:
        fields = ", ".join(f"{k}={v}" for k, v in o.model_dump(exclude_none=True).items() if k != "op")
        out.print(f"  line {o.line}: {o.op} {escape(fields)}", highlight=False)
