"""Derive GraphQL (graphene) fields and enums from the pydantic models in :mod:`kg.models`.

``kg/models.py`` is the one schema of kg. Rather than retyping every scalar field of ``Paper``,
``Evidence``, ``Claim`` or an entity as a graphene field (and letting the two drift apart), the API
builds those fields from the models here; only relations (a claim's entities, a paper's tags) are
written by hand in :mod:`kg.api.schema`. ``tests/api/test_schema.py`` checks every model field against
the GraphQL type, so a new model field without a GraphQL counterpart fails the suite.
"""

from __future__ import annotations

import types
import typing
from enum import Enum as PyEnum
from typing import Any, Literal, Union, get_args, get_origin

import graphene
from pydantic import BaseModel

_SCALARS: dict[type, type[graphene.Scalar]] = {
    str: graphene.String,
    int: graphene.Int,
    bool: graphene.Boolean,
    float: graphene.Float,
}

_ENUMS: dict[tuple[str, ...], type[graphene.Enum]] = {}


def enum_from_literal(name: str, literal: Any, description: str) -> type[graphene.Enum]:
    """A graphene Enum whose values are the strings of a ``Literal[...]`` (``"method"`` → ``METHOD``).

    Enums are cached by their values so that a model field typed with the same Literal reuses it.
    """
    values = tuple(get_args(literal))
    # A str enum: its members are equal to (and hash like) the plain strings kg's models hold, so
    # graphql-core finds a resolved "proposed" among the enum's values by itself. graphene's own
    # conversion (GrapheneEnumType.serialize) is not called by graphql-core 3.3's executor.
    members = PyEnum(name, {v.upper().replace("-", "_"): v for v in values}, type=str)  # type: ignore[misc]
    enum = graphene.Enum.from_enum(members, description=description)
    _ENUMS[values] = enum
    return enum


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


class Underivable(Exception):
    """A model annotation has no automatic GraphQL counterpart (internal: caught by model_fields)."""


def graphene_type_for(tp: Any) -> Any:
    """The graphene type (with NonNull wrappers) for a model annotation, or raise Underivable."""
    inner, optional = _unwrap_optional(tp)
    origin = get_origin(inner)
    if origin is Literal:
        values = tuple(get_args(inner))
        if values not in _ENUMS:
            raise Underivable(f"no GraphQL enum for Literal{list(values)}")
        out: Any = _ENUMS[values]
    elif origin in (tuple, list) and get_args(inner):
        item = get_args(inner)[0]
        out = graphene.List(graphene_type_for(item))
    elif inner in _SCALARS:
        out = _SCALARS[inner]
    else:
        raise Underivable(f"no GraphQL type for model annotation {tp!r}")
    return out if optional else graphene.NonNull(out)


def model_fields(model: type[BaseModel], *, exclude: tuple[str, ...] = (), ids: tuple[str, ...] = ("id",)) -> dict:
    """graphene fields for the scalar/enum/list fields (and computed fields) of a pydantic model.

    Fields named in ``ids`` become ``ID!``; descriptions are copied from the model. A field whose
    type cannot be mapped (a dict, a nested model) is left out — to be written by hand; the drift
    test (tests/api/test_schema.py) names it until then, so the API never breaks at import.
    """
    out: dict[str, graphene.Field] = {}
    hints = typing.get_type_hints(model)
    specs = [(n, f.annotation if n not in hints else hints[n], f.description) for n, f in model.model_fields.items()]
    specs += [(n, f.return_type, f.description) for n, f in model.model_computed_fields.items()]
    for name, annotation, description in specs:
        if name in exclude:
            continue
        if name in ids:
            gtype: Any = graphene.NonNull(graphene.ID)
        else:
            try:
                gtype = graphene_type_for(annotation)
            except Underivable:
                continue
        out[name] = graphene.Field(gtype, description=description)
    return out
