"""A faster executor for graphql-core 3.2: plain leaf fields and lists of objects without the
per-field machinery. Optional, and only here.

Why: measured with bench/executor.py (README "Executor fast path"), most of a response is plain
leaf fields whose standard completion costs more than the store call behind the page. The class
overrides graphql-core 3.2 internals (``execute_fields``, ``complete_list_value``; graphql-core 3.3
replaced ``ExecutionContext`` by a new ``Executor``), so this module is imported only on graphql-core
3.2.x (:data:`kg.api.execution.EXECUTOR`); on 3.3 the server runs the stock executor, which keeps the
project free to move (tests/api/test_execution.py checks that both executors give identical answers
on every example query).
"""

from __future__ import annotations

import functools
from types import CoroutineType
from typing import Any

from graphene.types.resolver import dict_or_attr_resolver
from graphql import ExecutionContext, FieldNode, GraphQLObjectType, is_leaf_type, is_list_type
from graphql.pyutils import Path, Undefined
from graphql.type import GraphQLNonNull


def is_coroutine(value: Any) -> bool:
    """graphql-core's awaitable check for a schema whose resolvers are all synchronous.

    The default check (``hasattr(value, "__await__")`` and more on every resolved value) is slow on
    pydantic models; an async resolver would still be caught, as it returns a coroutine."""
    return isinstance(value, CoroutineType)


def _object_items(list_type: Any) -> GraphQLObjectType | None:
    """The item type of ``[T!]`` / ``[T!]!`` when T is a concrete object type without an
    ``is_type_of`` check, else None."""
    if isinstance(list_type, GraphQLNonNull):
        list_type = list_type.of_type
    if not is_list_type(list_type) or not isinstance(list_type.of_type, GraphQLNonNull):
        return None
    item = list_type.of_type.of_type
    return item if isinstance(item, GraphQLObjectType) and item.is_type_of is None else None


def _plain_items(value: Any) -> bool:
    """A list or tuple without nulls or exceptions (which the standard path reports)."""
    return isinstance(value, (list, tuple)) and not any(v is None or isinstance(v, Exception) for v in value)


class FastExecutionContext(ExecutionContext):
    """graphql-core's executor, with a shortcut for *plain leaf fields*: a scalar or enum field
    without arguments whose resolver is graphene's default attribute/key lookup (``id``, ``title``,
    ``start``, ``rule``, … — most fields of a response).

    For those, the standard path builds a ``Path`` and a ``GraphQLResolveInfo``, coerces (no)
    arguments, calls the resolver through two awaitable checks and completes the value through the
    Non-Null wrapper: several µs per field, so a page of 20 papers with evidence (300–400 fields)
    cost more than the store call behind it. The shortcut reads the attribute and serializes it.
    Lists of non-null objects are completed item by item without the per-item wrapper calls
    (:meth:`complete_list_value`). Anything unusual — a null, an exception, a value the scalar
    refuses — goes through the standard
    path, which produces the same data and errors (tests/api/test_execution.py compares both
    executors on every example query).
    """

    _plans: dict[int, tuple[Any, dict[str, tuple]]] = {}  # id(object type) → (type, plain leaves)

    @classmethod
    def plain_leaves(cls, parent_type: GraphQLObjectType) -> dict[str, tuple]:
        """``{field name: (attribute, default, leaf type, None)}`` of the plain leaf fields of a type
        and ``{field name: (attribute, default, None, item type)}`` of its plain object lists."""
        hit = cls._plans.get(id(parent_type))
        if hit is not None:
            return hit[1]
        plans: dict[str, tuple] = {}
        for name, field_def in parent_type.fields.items():
            resolve = field_def.resolve
            if not (
                isinstance(resolve, functools.partial)
                and resolve.func is dict_or_attr_resolver
                and len(resolve.args) == 2
                and not resolve.keywords
                and not field_def.args
            ):
                continue
            ftype = field_def.type
            inner = ftype.of_type if isinstance(ftype, GraphQLNonNull) else ftype
            if is_leaf_type(inner):
                plans[name] = (resolve.args[0], resolve.args[1], inner, None)
            elif (item := _object_items(inner)) is not None:
                plans[name] = (resolve.args[0], resolve.args[1], None, item)
        cls._plans[id(parent_type)] = (parent_type, plans)  # keeps the type alive: its id stays unique
        return plans

    def complete_list_value(
        self, return_type: Any, field_nodes: list[FieldNode], info: Any, path: Path, result: Any
    ) -> Any:
        """A list of non-null objects of one concrete type (a page of papers, a paper's tags, a
        tag's evidence) is completed by executing each item's sub-selection directly: the standard
        path goes through three completion calls and two awaitable checks per item. A null item,
        an exception or an abstract/type-checked item type take the standard path."""
        item_type = _object_items(return_type)
        if item_type is None or not _plain_items(result):
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        return self._object_list(item_type, field_nodes, path, result)

    def _object_list(self, item_type: GraphQLObjectType, field_nodes: list[FieldNode], path: Path, items: Any) -> Any:
        sub_fields = self.collect_subfields(item_type, field_nodes)
        completed = [
            self.execute_fields(item_type, item, path.add_key(i, None), sub_fields) for i, item in enumerate(items)
        ]
        if not any(self.is_awaitable(c) for c in completed):
            return completed

        async def gathered() -> list[Any]:  # only with an async resolver (kg has none)
            return [await c if self.is_awaitable(c) else c for c in completed]

        return gathered()

    def execute_fields(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, fields: dict[str, list[FieldNode]]
    ) -> Any:
        if self.middleware_manager:
            return super().execute_fields(parent_type, source_value, path, fields)
        plans = self.plain_leaves(parent_type)
        is_dict = isinstance(source_value, dict)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        for response_name, field_nodes in fields.items():
            plan = plans.get(field_nodes[0].name.value)
            if plan is not None:
                attname, default, leaf, item_type = plan
                try:
                    value = source_value.get(attname, default) if is_dict else getattr(source_value, attname, default)
                    if leaf is None:
                        shortcut = _plain_items(value)
                    else:
                        value = None if value is None or isinstance(value, Exception) else leaf.serialize(value)
                        shortcut = value is not None and value is not Undefined
                except Exception:  # noqa: BLE001 - the standard path below reports it as a field error
                    shortcut = False
                if shortcut:
                    if leaf is None:
                        field_path = Path(path, response_name, parent_type.name)
                        value = self._object_list(item_type, field_nodes, field_path, value)
                        if self.is_awaitable(value):
                            awaitable_fields.append(response_name)
                    results[response_name] = value
                    continue
            field_path = Path(path, response_name, parent_type.name)
            result = self.execute_field(parent_type, source_value, field_nodes, field_path)
            if result is not Undefined:
                results[response_name] = result
                if self.is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def gathered() -> dict[str, Any]:  # as graphql-core does (kg's resolvers are all sync)
            for name in awaitable_fields:
                results[name] = await results[name]
            return results

        return gathered()
