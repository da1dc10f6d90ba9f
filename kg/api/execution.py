"""Executing one GraphQL request safely: size/token/depth/cost limits, and errors without tracebacks.

graphene has no complexity limiter and graphql-server's ASGI view passes no validation rules, so the
server calls :func:`execute_request` instead (from its ``execute_operation`` override). In order:

1. the document must be at most :attr:`Limits.max_chars` characters and parse within
   :attr:`Limits.max_tokens` tokens (``graphql.parse(max_tokens=…)`` stops a huge document early);
2. validation runs **every spec rule** plus a depth limit (graphene's ``depth_limit_validator``) and
   :class:`CostRule` — a field-count and cost estimate where each field costs the product of the
   page sizes of the lists around it (``first``/``limit`` arguments, clamped like the resolvers do);
   (parsing and validation are cached per query text and page-size variables: :func:`prepare`);
3. execution is synchronous (resolvers call the store; the server runs this in a worker thread when
   the store does I/O) with :class:`FastExecutionContext`, graphql-core's executor with a shortcut
   for plain leaf fields (most of a response), which otherwise cost more than the store call;
4. errors are cleaned: a :class:`kg.errors.KGError` keeps its ``[E…]`` message and gets an
   ``extensions.code`` (``BAD_USER_INPUT``, ``STORE_UNAVAILABLE`` …), any other exception becomes
   "internal error" (logged server-side with its traceback, never sent to the client).

Every paper list also leaves how the store answered it (the Cypher of Neo4j, the plan of the
embedded store; :func:`kg.query.find_papers` with ``explain``) in ``extensions.explain``. When the
store records the Cypher it ran (the per-request
:class:`kg.api.server.ReadOnlyStore` collects ``Neo4jStore.last_query`` after each read), the
response carries it in ``extensions.cypher``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from types import CoroutineType
from typing import Any, cast

from graphene.types.resolver import dict_or_attr_resolver
from graphql import (
    DocumentNode,
    ExecutionContext,
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    execute,
    get_named_type,
    is_leaf_type,
    is_list_type,
    parse,
    specified_rules,
    validate,
)
from graphql.pyutils import Path, Undefined
from graphql.type import GraphQLNonNull

from kg.errors import InputError, KGError, NotFound, StoreUnavailable

log = logging.getLogger("kg.api")


@dataclass(frozen=True)
class Limits:
    """Request limits of the API (all enforced before any resolver runs)."""

    max_chars: int = 20_000
    max_tokens: int = 2_000
    max_depth: int = 10
    max_fields: int = 250
    max_cost: int = 50_000
    page_size: int = 100
    unpaged_list: int = 5  # assumed length of lists without a page argument (tags, claims, …)


def _page_arg(field: FieldNode, variables: dict | None, limits: Limits, default: int) -> int:
    """The page size a list field will return at most (its ``first``/``limit``, clamped)."""
    for arg in field.arguments or ():
        if arg.name.value in ("first", "limit"):
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(0, min(limits.page_size, int(value.value)))
            if isinstance(value, VariableNode):
                given = (variables or {}).get(value.name.value)
                if isinstance(given, int):
                    return max(0, min(limits.page_size, given))
                return limits.page_size
    return default


def cost_rule(limits: Limits, variables: dict | None = None) -> type[ValidationRule]:
    """A validation rule bounding the number of fields and the estimated cost of each operation.

    The cost of a field is the product of the page sizes of the list fields around it; a connection
    or list with ``first``/``limit`` counts that many items (variables: their value, else the max),
    other lists ``limits.unpaged_list``. Introspection (``__schema``, ``__type``) is free.
    """
    variables = variables or {}

    class CostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            schema = self.context.schema
            root = schema.get_root_type(node.operation)
            if root is None:
                return
            fields = 0
            cost = 0

            def walk(selection_set: SelectionSetNode | None, parent, multiplier: int, seen: frozenset):
                nonlocal fields, cost
                if selection_set is None or parent is None:
                    return
                for sel in selection_set.selections:
                    if isinstance(sel, FieldNode):
                        name = sel.name.value
                        if name.startswith("__"):
                            continue
                        field_def = getattr(parent, "fields", {}).get(name)
                        if field_def is None:
                            continue  # reported by the spec rules
                        fields += 1
                        cost += multiplier
                        ftype = field_def.type
                        inner = ftype.of_type if isinstance(ftype, GraphQLNonNull) else ftype
                        child_mult = multiplier
                        named = get_named_type(ftype)
                        in_connection = getattr(parent, "name", "").endswith("Connection")
                        if is_list_type(inner) and not in_connection:  # a connection's nodes/edges: counted once
                            child_mult *= max(1, _page_arg(sel, variables, limits, limits.unpaged_list))
                        elif named.name.endswith("Connection"):
                            child_mult *= max(1, _page_arg(sel, variables, limits, limits.page_size))
                        walk(sel.selection_set, named, child_mult, seen)
                    elif isinstance(sel, InlineFragmentNode):
                        target = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                        walk(sel.selection_set, target, multiplier, seen)
                    elif isinstance(sel, FragmentSpreadNode):
                        name = sel.name.value
                        frag = self.context.get_fragment(name)
                        if frag is None or name in seen:
                            continue  # unknown / cyclic fragments are reported by the spec rules
                        frag_type = schema.get_type(frag.type_condition.name.value)
                        walk(frag.selection_set, frag_type, multiplier, seen | {name})

            walk(node.selection_set, root, 1, frozenset())
            if fields > limits.max_fields:
                self.report_error(
                    GraphQLError(f"query has {fields} fields, more than the limit of {limits.max_fields}", node)
                )
            elif cost > limits.max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {limits.max_cost}: ask for smaller pages "
                        "(first/limit) or fewer nested lists",
                        node,
                    )
                )

    return CostRule


def validation_rules(limits: Limits, variables: dict | None = None) -> tuple[type[ValidationRule], ...]:
    """Every spec rule, plus the depth limit and the cost rule (never the extra rules alone)."""
    from graphene.validation import depth_limit_validator

    return (*specified_rules, depth_limit_validator(max_depth=limits.max_depth), cost_rule(limits, variables))


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
    refuses — goes through the standard path, which produces the same data and errors
    (tests/api/test_execution.py compares both executors on every example query).
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
        completed = [self.execute_fields(item_type, item, path.add_key(i, None), sub_fields)
                     for i, item in enumerate(items)]
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
            field_path = Path(path, response_name, parent_type.name)
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
                        value = self._object_list(item_type, field_nodes, field_path, value)
                        if self.is_awaitable(value):
                            awaitable_fields.append(response_name)
                    results[response_name] = value
                    continue
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


def _with_code(error: GraphQLError, code: str, message: str | None = None) -> GraphQLError:
    return GraphQLError(
        message if message is not None else error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code},
    )


def clean_error(error: GraphQLError) -> GraphQLError:
    """A client-safe copy of an execution error: kg errors keep their message and get a code;
    anything else becomes "internal error" (and is logged with its traceback here)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code") or "BAD_USER_INPUT"
        return _with_code(error, code)
    if isinstance(original, KGError):
        if isinstance(original, StoreUnavailable):
            code = "STORE_UNAVAILABLE"
        elif isinstance(original, NotFound):
            code = "NOT_FOUND"
            if original.suggestions:
                error = _with_code(error, code, str(original))
                error.extensions = {**(error.extensions or {}), "suggestions": list(original.suggestions)}
                return error
        elif isinstance(original, InputError):
            code = "BAD_USER_INPUT"
        else:
            code = "INTERNAL_SERVER_ERROR"
        return _with_code(error, code, str(original))
    log.error("internal error while resolving %s", error.path, exc_info=original)
    return _with_code(error, "INTERNAL_SERVER_ERROR", "[E000] internal error (see the server log)")


def request_error(message: str, code: str) -> ExecutionResult:
    """A response for a request that never reached execution."""
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


@functools.lru_cache(maxsize=256)
def prepare(
    schema: GraphQLSchema, query: str, page_variables: tuple[tuple[str, int], ...], limits: Limits
) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """Parse and validate a document once: ``(document, ())`` or ``(None, coded errors)``.

    Cached by query text and the integer variables (the only ones the cost rule reads): an app
    sending the same queries skips parsing and validation, which otherwise cost more than a
    typical store lookup. Documents are never mutated by execution, so sharing them is safe.
    """
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as exc:
        return None, (_with_code(exc, "GRAPHQL_PARSE_FAILED"),)
    errors = validate(schema, document, validation_rules(limits, dict(page_variables)))
    if errors:
        return None, tuple(_with_code(e, "GRAPHQL_VALIDATION_FAILED") for e in errors)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.operation.value != "query":
            return None, (GraphQLError("the kg API is read-only: only queries are allowed",
                                       extensions={"code": "BAD_REQUEST"}),)
    return document, ()


def execute_request(
    schema: GraphQLSchema,
    query: Any,
    *,
    context: dict,
    variables: dict | None = None,
    operation_name: str | None = None,
    limits: Limits = Limits(),
) -> ExecutionResult:
    """Parse, validate (spec rules + limits) and execute one GraphQL request synchronously.

    Never raises for bad input: every problem comes back as a GraphQL error with
    ``extensions.code``. ``context`` must hold the request's ``loader``.
    """
    if not isinstance(query, str) or not query.strip():
        return request_error("no GraphQL query in the request", "BAD_REQUEST")
    if len(query) > limits.max_chars:
        return request_error(
            f"query is {len(query)} characters long, more than the limit of {limits.max_chars}", "BAD_REQUEST"
        )
    if variables is not None and not isinstance(variables, dict):
        return request_error("variables must be a JSON object", "BAD_REQUEST")
    page_variables = tuple(
        sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int) and not isinstance(v, bool))
    )
    document, errors = prepare(schema, query, page_variables, limits)
    if document is None:
        return ExecutionResult(data=None, errors=list(errors))
    result = cast(ExecutionResult, execute(  # an ExecutionResult, not an awaitable: kg's resolvers are sync
        schema,
        document,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
        execution_context_class=FastExecutionContext,
        is_awaitable=is_coroutine,
    ))
    if result.errors:
        result.errors = [clean_error(e) for e in result.errors]
    cypher = getattr(context["loader"].store, "recorded", None)
    if cypher:
        result.extensions = {**(result.extensions or {}), "cypher": list(cypher)}
    if context.get("explain"):  # how the store answered each paper list (Cypher or embedded plan)
        result.extensions = {**(result.extensions or {}), "explain": list(context["explain"])}
    return result
