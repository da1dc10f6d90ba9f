"""The GraphQL schema: its SDL is snapshotted, and its types must not drift from kg.models."""

from __future__ import annotations

import os
import typing
from pathlib import Path

import pytest
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLEnumType, GraphQLNonNull, get_named_type, print_schema

from kg import models
from kg.api.schema import schema

SNAPSHOT = Path(__file__).with_name("schema.graphql")

# model → (GraphQL type, {model field: GraphQL field}) for fields exposed under another shape.
RELATIONS = {
    models.Paper: ("Paper", {}),
    models.Evidence: ("Evidence", {}),
    models.Tag: ("Tag", {}),
    models.Claim: ("Claim", {}),
    models.Method: ("Method", {}),
    models.Dataset: ("Dataset", {}),
    models.Divergence: ("Divergence", {}),
    models.EntityCount: ("EntityCount", {"papers": "paperCount"}),  # counts are paperCount in the API
    models.Stats: ("Stats", {}),
    models.PaperPage: ("PaperConnection", {"total": "totalCount", "items": "nodes"}),
    models.PaperHit: ("Paper", {"paper": None, "matches": "matches"}),  # a hit IS a paper + its matches
    models.Extraction: (
        "Paper",
        {"paper": None, "methods": "methods", "divergences": "divergences", "datasets": "datasets"},
    ),
}
ENUMS = {
    "EntityKind": models.EntityKind,
    "Role": models.Role,
    "Variant": models.Variant,
    "ClaimType": models.ClaimType,
    "TextField": models.TextField,
}


def test_schema_sdl_matches_snapshot():
    """Every API change shows up as a diff of tests/api/schema.graphql (KG_UPDATE_SNAPSHOT=1 rewrites it)."""
    sdl = print_schema(schema.graphql_schema) + "\n"
    if os.environ.get("KG_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(sdl, encoding="utf-8")
    assert sdl == SNAPSHOT.read_text(encoding="utf-8"), "schema changed: review, then KG_UPDATE_SNAPSHOT=1"


@pytest.mark.parametrize("model", list(RELATIONS), ids=lambda m: m.__name__)
def test_schema_type_covers_every_model_field(model):
    type_name, renamed = RELATIONS[model]
    gtype = schema.graphql_schema.get_type(type_name)
    names = list(model.model_fields) + list(model.model_computed_fields)
    missing = []
    for name in names:
        target = renamed.get(name, to_camel_case(name))
        if target is None:
            continue
        if target not in gtype.fields:
            missing.append(f"{model.__name__}.{name} → {type_name}.{target}")
    assert not missing, f"model fields without a GraphQL field: {missing}"


@pytest.mark.parametrize(
    "model", [models.Paper, models.Evidence, models.Claim, models.Method], ids=lambda m: m.__name__
)
def test_schema_nullability_follows_the_model(model):
    gtype = schema.graphql_schema.get_type(model.__name__)
    hints = typing.get_type_hints(model)
    for name, _field in model.model_fields.items():
        gfield = gtype.fields.get(to_camel_case(name))
        if gfield is None or get_named_type(gfield.type).name not in ("String", "Int", "ID", "Boolean"):
            continue
        optional = type(None) in typing.get_args(hints[name])
        assert isinstance(gfield.type, GraphQLNonNull) != optional, f"{model.__name__}.{name}"


@pytest.mark.parametrize("name", list(ENUMS))
def test_schema_enums_have_the_model_literal_values(name):
    enum = schema.graphql_schema.get_type(name)
    assert isinstance(enum, GraphQLEnumType)
    values = sorted(getattr(v.value, "value", v.value) for v in enum.values.values())
    assert values == sorted(typing.get_args(ENUMS[name]))
    # each internal value IS its model string (a str enum member): graphql-core 3.3 completes an enum
    # field by looking the resolved value up among these, without graphene's conversion
    for v in enum.values.values():
        assert v.value == v.value.value and hash(v.value) == hash(v.value.value)
        assert {v.value: True}.get(v.value.value)


def test_schema_is_read_only():
    assert schema.graphql_schema.mutation_type is None
    assert schema.graphql_schema.subscription_type is None


def test_schema_derive_maps_model_annotations_and_skips_the_rest():
    from pydantic import BaseModel

    from kg.api.derive import model_fields

    class Sample(BaseModel):
        id: str
        count: int
        note: str | None = None
        names: tuple[str, ...] = ()
        kind: models.EntityKind = "method"
        table: dict[str, int] = {}

    fields = model_fields(Sample)
    assert sorted(fields) == ["count", "id", "kind", "names", "note"]  # the dict needs a hand-written field
    assert str(fields["id"].type) == "ID!"
    assert str(fields["count"].type) == "Int!"
    assert str(fields["note"].type) == "String"
    assert str(fields["names"].type) == "[String!]!"
    assert str(fields["kind"].type) == "EntityKind!"
