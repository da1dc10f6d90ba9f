"""Executing one GraphQL request safely: size/token/depth/cost limits, and errors without tracebacks.

graphene has no complexity limiter, so kg's HTTP endpoint (:class:`kg.api.server.KGGraphQLView`)
runs every request through :func:`execute_request`. In order:

1. the document must be at most :attr:`Limits.max_chars` characters and parse within
   :attr:`Limits.max_tokens` tokens (``graphql.parse(max_tokens=…)`` stops a huge document early),
   and hold only queries (the API is read-only: a mutation or subscription is refused before
   validation, so the answer is the same on graphql-core 3.2 and 3.3);
2. validation runs **every spec rule** plus a depth limit (graphene's ``depth_limit_validator``) and
   :class:`CostRule` — a field-count and cost estimate where each field costs the product of the
   page sizes of the lists around it (``first``/``limit`` arguments, clamped like the resolvers do);
   (parsing and validation are cached per query text and page-size variables: :func:`prepare`);
3. execution is synchronous (resolvers call the store; the server runs this in a worker thread when
   the store does I/O) with graphql-core's executor — on graphql-core 3.2 with the shortcut for plain
   leaf fields of :mod:`kg.api.fastexec` (``EXECUTOR``), on 3.3 the stock one;
4. errors are masked (:func:`public_error`): each gets an ``extensions.code`` (``BAD_USER_INPUT``,
   ``NOT_FOUND``, ``STORE_UNAVAILABLE``, ``QUERY_TIMEOUT``, ``STORE_ERROR``, ``INTERNAL_SERVER_ERROR``
   …) and a message written for users; the store's own messages (addresses, Cypher errors) and
   tracebacks go to the server log only, and every message is scrubbed of URIs, ``host:port`` and
   file paths (:func:`scrub`).

Every paper list also leaves how the store answered it (the Cypher of Neo4j, the SQL and plan of
the embedded store; :func:`kg.query.find_papers` with ``explain``) in ``extensions.explain``. When
the store reports the Cypher it ran (the per-request :class:`kg.api.server.ReadOnlyStore` captures
it around each read, :func:`kg.store.base.capture_queries`), the response carries it in
``extensions.cypher``.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any, cast

import graphql
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    execute,
    get_named_type,
    is_list_type,
    parse,
    specified_rules,
    validate,
)
from graphql.type import GraphQLNonNull

from kg.api.health import UNAVAILABLE
from kg.errors import InputError, NotFound, QueryTimeout, StoreError, StoreUnavailable

log = logging.getLogger("kg.api")


def _executor() -> dict[str, Any]:
    """Keyword arguments for ``graphql.execute``: kg's fast path (:mod:`kg.api.fastexec`) on
    graphql-core 3.2, the stock executor on any other version (3.3 has a new executor)."""
    if graphql.version_info[:2] != (3, 2):
        return {}
    from kg.api.fastexec import FastExecutionContext, is_coroutine

    return {"execution_context_class": FastExecutionContext, "is_awaitable": is_coroutine}


EXECUTOR = _executor()


@dataclass(frozen=True)
class Limits:
    """Request limits of the API (all but the time limit enforced before any resolver runs)."""

    max_chars: int = 20_000
    max_tokens: int = 2_000
    max_depth: int = 10
    max_fields: int = 250
    max_cost: int = 50_000
    page_size: int = 100
    unpaged_list: int = 5  # assumed length of lists without a page argument (tags, claims, …)
    time_limit: float = 30.0  # seconds a request may spend calling the store (then QUERY_TIMEOUT)
    max_body_bytes: int = 256 * 1024  # larger request bodies get 413 before they are read


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


#: Internal details that must never reach a client, wherever a message came from: URIs
#: (``bolt://host:7687``), ``host:port`` addresses, absolute file paths, Python tracebacks.
_URI = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"),]*")
_HOST_PORT = re.compile(
    r"(?<![\w.:/-])(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+)"
    r":\d{1,5}\b"
)
_PATH = re.compile(r"(?<![\w.:/])(?:~|[A-Za-z]:)?(?:[\\/][\w.@+~-]+){2,}[\\/]?")
_TRACEBACK = ("Traceback (most recent call last)", 'File "')

STORE_FAILED = "the graph store could not answer this query (details in the server log)"
READ_ONLY = "the kg API is read-only: only queries are allowed"

#: The user-facing message of each kg error the API masks (their details go to the server log).
_MASKED = {
    StoreUnavailable: ("STORE_UNAVAILABLE", UNAVAILABLE),
    QueryTimeout: ("QUERY_TIMEOUT", "the query ran past the server's time limit: ask for less "
                   "(smaller first/limit, fewer nested lists) or narrow it with filters"),
}


def scrub(message: str) -> str:
    """``message`` with URIs, ``host:port`` addresses and file paths replaced by placeholders; a
    message that holds a traceback becomes "internal error" (a last line of defence: messages that
    reach clients are written for them, see :func:`public_error`)."""
    if any(mark in message for mark in _TRACEBACK):
        return "[E000] internal error (see the server log)"
    message = _URI.sub("<address>", message)
    message = _HOST_PORT.sub("<address>", message)
    return _PATH.sub("<path>", message)


def public_error(error: GraphQLError) -> GraphQLError:
    """A client-safe copy of an error, with an ``extensions.code``:

    * GraphQL's own errors (syntax, validation, limits) and errors raised as GraphQL errors keep
      their message (scrubbed) and code (``BAD_USER_INPUT`` when they have none);
    * :class:`~kg.errors.InputError` / :class:`~kg.errors.NotFound` keep their ``[E…]`` message
      (written for users; scrubbed) → ``BAD_USER_INPUT`` / ``NOT_FOUND``;
    * :class:`~kg.errors.StoreUnavailable` / :class:`~kg.errors.QueryTimeout` get a fixed message
      → ``STORE_UNAVAILABLE`` / ``QUERY_TIMEOUT`` (the store's message names its address);
    * any other error → ``INTERNAL_SERVER_ERROR`` "internal error", logged with its traceback.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code") or "BAD_USER_INPUT"
        return _with_code(error, code, scrub(error.message))
    for kind, (code, message) in _MASKED.items():
        if isinstance(original, kind):
            log.info("%s while resolving %s: %s", code, error.path, original)
            return _with_code(error, code, f"[{original.code}] {message}")
    if isinstance(original, NotFound):
        error = _with_code(error, "NOT_FOUND", scrub(str(original)))
        if original.suggestions:
            error.extensions = {**(error.extensions or {}), "suggestions": list(original.suggestions)}
        return error
    if isinstance(original, InputError):
        return _with_code(error, "BAD_USER_INPUT", scrub(str(original)))
    log.error("internal error while resolving %s", error.path, exc_info=original)
    if isinstance(original, StoreError):
        return _with_code(error, "STORE_ERROR", f"[{StoreError.code}] {STORE_FAILED}")
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
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.operation.value != "query":
            return None, (GraphQLError(READ_ONLY, extensions={"code": "BAD_REQUEST"}),)
    errors = validate(schema, document, validation_rules(limits, dict(page_variables)))
    if errors:
        return None, tuple(_with_code(e, "GRAPHQL_VALIDATION_FAILED") for e in errors)
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
    ``extensions.code``. ``context`` must hold the request's ``loader``; its ``cypher`` (if any) is
    the list the request's store view records its queries in (:attr:`kg.api.server.ReadOnlyStore.recorded`),
    shown as ``extensions.cypher``.
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
        return ExecutionResult(data=None, errors=[public_error(e) for e in errors])
    result = cast(ExecutionResult, execute(  # an ExecutionResult, not an awaitable: kg's resolvers are sync
        schema,
        document,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
        **EXECUTOR,
    ))
    if result.errors:
        result.errors = [public_error(e) for e in result.errors]
    cypher = context.get("cypher")
    if cypher:
        result.extensions = {**(result.extensions or {}), "cypher": list(cypher)}
    if context.get("explain"):  # how the store answered each paper list (Cypher or embedded plan)
        result.extensions = {**(result.extensions or {}), "explain": list(context["explain"])}
    return result
