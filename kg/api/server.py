"""The HTTP side of the API: a Starlette ASGI app serving GraphQL, GraphiQL and a health check.

* ``/graphql`` — GraphQL over HTTP, GET and POST: kg's own endpoint (:class:`KGGraphQLView`, a
  Starlette endpoint of about a hundred lines; kg used graphql-server's ASGI view until it blocked
  graphql-core 3.3). Every request runs :func:`kg.api.execution.execute_request` (limits, validation
  rules, masked errors); requests and responses are (de)serialized with orjson. A store whose calls
  may block on I/O (``store.blocking``: Neo4j, the SQLite file) is called in a worker thread so one
  slow query does not block the event loop; an in-memory store is called on the event loop itself.
  A browser GET (``Accept: text/html``) gets GraphiQL.
* ``/static/graphiql/…`` — GraphiQL's JS/CSS, vendored: the page needs no outside network.
* ``/healthz`` — 200 with store counts when the store answers, 503 (code, no details) otherwise.

Answers without errors are kept until the graph changes (:mod:`kg.api.cache`, keyed by the store's
version, read once per request; the ``x-kg-cache`` response header says ``hit`` or ``miss``).

The store handed to resolvers is wrapped in :class:`ReadOnlyStore` (the API cannot write) and in
:class:`kg.api.health.GuardedStore`: while the store is down every request fails at once with
``STORE_UNAVAILABLE`` and a background probe brings the API back; a request past its time limit
gets ``QUERY_TIMEOUT``. Errors are masked (:func:`kg.api.execution.public_error`). Optional guards
(:mod:`kg.api.guard`): an API key (Bearer token), a CORS allow-list, a request body size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson
from graphql import ExecutionResult
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.api.cache import AnswerCache
from kg.api.execution import READ_ONLY, STORE_FAILED, Limits, execute_request
from kg.api.guard import BearerAuth, BodyLimit, bearer_ok, error_body
from kg.api.health import UNAVAILABLE, GuardedStore, StoreHealth
from kg.api.loaders import RequestLoader
from kg.api.schema import schema as kg_schema
from kg.errors import StoreError, StoreUnavailable
from kg.store.base import GraphStore, capture_queries, read_deadline

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The answer cache's default size (``kg serve --cache-mb``).
DEFAULT_CACHE_BYTES = 64 * 2**20
log = logging.getLogger("kg.api")

READ_METHODS = (
    "explain",
    "lookup",
    "search_entities",
    "entities",
    "descendants",
    "family_ids",
    "parents",
    "children",
    "entity_counts",
    "count_entities",
    "cooccurring",
    "find_papers",
    "papers",
    "claims",
    "count_claims",
    "counts_by_year",
    "stats",
    "paper_versions",
)


class ReadOnlyStore:
    """A per-request view of a :class:`GraphStore` exposing only its read methods.

    The API never writes: ``write``/``clear``/``close`` do not exist on it, so a resolver bug cannot
    modify the graph. When the store reports its queries (``query_language`` is ``"cypher"``), each
    read appends the ``{"query", "params"}`` it ran to :attr:`recorded` (captured around that call
    only, see :func:`kg.store.base.capture_queries`), which the response shows as
    ``extensions.cypher`` — parameterized text a user can paste into Neo4j Browser.
    """

    def __init__(self, store: GraphStore) -> None:
        self.name = store.name
        self.blocking = store.blocking
        self.query_language = store.query_language
        self._store = store
        self.recorded: list[dict[str, Any]] | None = [] if store.query_language == "cypher" else None

    def __getattr__(self, attr: str) -> Any:
        if attr not in READ_METHODS:
            raise AttributeError(f"the GraphQL API has read-only access to the store (no {attr!r})")
        method = getattr(self._store, attr)
        recorded = self.recorded
        if recorded is None:
            return method

        def recording(*args: Any, **kwargs: Any) -> Any:
            with capture_queries() as log:
                try:
                    return method(*args, **kwargs)
                finally:
                    recorded.extend(e for e in log if not recorded or recorded[-1] != e)

        return recording


def offloads(store: GraphStore) -> bool:
    """Should the server call ``store`` from a worker thread? Yes when its calls may block on I/O
    (``store.blocking``: Neo4j, a SQLite file); an in-memory store is called on the event loop."""
    return store.blocking


JSON = "application/json"
STRICT = "application/graphql-response+json"  # the GraphQL-over-HTTP response type
#: Characters that must not appear raw in a JavaScript literal inside an HTML <script> element.
_UNSAFE_IN_SCRIPT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _media_types(header: str) -> list[str]:
    """The media types of an ``Accept`` or ``Content-Type`` header, lower-cased, parameters dropped."""
    return [part.split(";", 1)[0].strip().lower() for part in header.split(",") if part.strip()]


def _js_literal(value: str | None) -> str:
    """``value`` as a JavaScript literal that cannot end the ``<script>`` element it is written into."""
    return json.dumps(value).translate(_UNSAFE_IN_SCRIPT)  # ensure_ascii: U+2028/2029 escaped too


def _error(status: int, message: str, code: str = "BAD_REQUEST") -> Response:
    """A request refused before execution, in the API's error shape."""
    return Response(error_body(message, code), status, media_type=JSON)


class KGGraphQLView:
    """kg's GraphQL-over-HTTP endpoint (``/graphql``): parses the request, runs
    :func:`kg.api.execution.execute_request` (limits, validation rules, masked errors) in a worker
    thread or on the event loop (:attr:`offload`), and answers JSON encoded by orjson.

    The conventions (the GraphQL-over-HTTP draft, as far as a read-only API needs them):

    * ``POST`` with ``Content-Type: application/json`` and a JSON object ``{"query", "variables",
      "operationName"}`` (``extensions`` is accepted and ignored); ``GET`` with the same fields in the
      query string (``variables`` as JSON text). Another content type is 415, a body that is not a
      JSON object, ``variables`` that are not a JSON object or an ``operationName`` that is not a
      string are 400 (``BAD_REQUEST``); other methods are 405 (Starlette's router).
    * A ``GET`` that accepts ``text/html`` (a browser) gets the GraphiQL page, prefilled from the
      query string, and never executes anything.
    * The API is read-only: a document with a mutation or subscription is refused (``BAD_REQUEST``),
      and on ``GET`` with 405 (``Allow: POST``), as the spec asks of a mutation over GET.
    * Response format: ``application/graphql-response+json`` when the client's ``Accept`` names it,
      else ``application/json``. With ``application/json`` every executed request answers 200 with
      ``data`` (null when nothing was executed) and any ``errors``; with
      ``application/graphql-response+json`` a request that was not executed (parse, validation,
      limits, variables) answers 400 without ``data``, as the spec requires.
    * A failure outside the resolvers (a bug) answers 500 with ``INTERNAL_SERVER_ERROR``; the
      details go to the server log only.

    ``executed`` counts the requests that reached :func:`~kg.api.execution.execute_request`
    (tests/api/test_fuzz.py checks that the fuzzed cases really went through it).
    """

    def __init__(
        self, store: GraphStore, limits: Limits | None = None, *, offload: bool | None = None,
        probe_interval: float = 0.5, cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        self.schema = kg_schema.graphql_schema
        self.raw_store = store
        self.store = ReadOnlyStore(store)  # for the health check; each request gets its own view
        self.health = StoreHealth(self.store.stats, interval=probe_interval)
        self.limits = limits or Limits()
        self.offload = offloads(store) if offload is None else offload
        self.executed = 0
        self.cache = AnswerCache(cache_bytes)
        self._ide_html = (STATIC_DIR / "graphiql.html").read_text(encoding="utf-8")

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in a worker thread when :attr:`offload`, else right here."""
        if self.offload:
            return await run_in_threadpool(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    def _version(self, deadline: float) -> str | None:
        with read_deadline(deadline):
            return self.raw_store.version()

    async def version(self, deadline: float) -> str | None:
        """The store's version for the answer cache, or None (then the request is not cached): while
        the store is down, or when reading it failed (the request itself then reports the error).
        ``deadline``: the request's (``time.monotonic()``), so the version read counts in its limit."""
        if not self.cache.max_bytes or not self.health.available:
            return None
        try:
            return await self.call(self._version, deadline)
        except StoreUnavailable as exc:
            self.health.failed(exc)
        except Exception:  # noqa: BLE001 - the request itself reports what is wrong with the store
            log.debug("could not read the store version", exc_info=True)
        return None

    def context(self, request: Request, deadline: float) -> dict[str, Any]:
        """The per-request context: a fresh read-only store view (recording its Cypher), guarded by
        the store's health and the request's deadline (``time.monotonic()``), behind a fresh
        batching loader."""
        view = ReadOnlyStore(self.raw_store)
        return {"request": request, "cypher": view.recorded,
                "loader": RequestLoader(GuardedStore(view, self.health, deadline))}

    def graphiql_page(self, params: Mapping[str, str]) -> HTMLResponse:
        """The vendored GraphiQL page, its editors prefilled from ``query``, ``variables`` and
        ``operationName`` of the query string (as JavaScript literals safe inside ``<script>``)."""
        values = {"query": params.get("query"), "variables": params.get("variables") or "",
                  "operation_name": params.get("operationName")}
        page = self._ide_html
        for name, value in values.items():
            page = page.replace("{{" + name + "}}", _js_literal(value))
        return HTMLResponse(page)

    async def handle(self, request: Request) -> Response:
        """Answer one ``/graphql`` request (GET or POST; see the class docstring)."""
        accept = _media_types(request.headers.get("accept", ""))
        if request.method == "POST":
            content_type = _media_types(request.headers.get("content-type", ""))
            if content_type[:1] != ["application/json"]:
                return _error(415, "send the request as Content-Type: application/json")
            try:
                payload = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                return _error(400, "the request body is not valid JSON")
        elif "text/html" in accept:
            return self.graphiql_page(request.query_params)
        else:
            payload = dict(request.query_params)
            try:
                payload["variables"] = orjson.loads(payload["variables"]) if payload.get("variables") else None
            except orjson.JSONDecodeError:
                return _error(400, "the variables parameter is not valid JSON")
        if not isinstance(payload, dict):
            return _error(400, "the request body must be a JSON object (batched requests are not supported)")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if operation_name == "":  # GraphiQL and some clients send an empty name for "none"
            operation_name = None
        if variables is not None and not isinstance(variables, dict):
            return _error(400, "variables must be a JSON object")
        if operation_name is not None and not isinstance(operation_name, str):
            return _error(400, "operationName must be a string")

        deadline = time.monotonic() + self.limits.time_limit  # the version read counts in the limit
        key = self.cache.key(await self.version(deadline), payload.get("query"), variables, operation_name)
        media_type = STRICT if STRICT in accept else JSON
        if (body := self.cache.get(key)) is not None:
            return Response(body, 200, {"x-kg-cache": "hit"}, media_type)
        self.executed += 1
        try:
            result = await self.call(
                execute_request, self.schema, payload.get("query"), context=self.context(request, deadline),
                variables=variables, operation_name=operation_name, limits=self.limits,
            )
        except Exception:  # noqa: BLE001 - a bug outside the resolvers: logged, never shown
            log.exception("internal error while executing a request")
            return _error(500, "[E000] internal error (see the server log)", "INTERNAL_SERVER_ERROR")
        response = self.respond(result, strict=STRICT in accept, get=request.method != "POST")
        if key is not None and result.data is not None and not result.errors and response.status_code == 200:
            self.cache.put(key, bytes(response.body))
            response.headers["x-kg-cache"] = "miss"
        return response

    @staticmethod
    def respond(result: ExecutionResult, *, strict: bool, get: bool) -> Response:
        """The HTTP response for an execution result (status codes: see the class docstring)."""
        errors = result.errors or []
        not_executed = result.data is None and bool(errors) and all(e.path is None for e in errors)
        status, headers = 200, None
        if get and not_executed and errors[0].message == READ_ONLY:
            status, headers = 405, {"allow": "POST"}
        elif strict and not_executed:
            status = 400
        body: dict[str, Any] = {} if strict and not_executed else {"data": result.data}
        if errors:
            body["errors"] = [e.formatted for e in errors]
        if result.extensions:
            body["extensions"] = result.extensions
        return Response(orjson.dumps(body), status, headers, STRICT if strict else JSON)


def guards(limits: Limits, api_key: str | None, cors_origins: tuple[str, ...] | list[str]) -> list[Middleware]:
    """The HTTP guards, outermost first: CORS (so that preflights and error answers carry its
    headers), the API key, the body size limit."""
    middleware = []
    if cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"], max_age=600,
        ))
    if api_key:
        middleware.append(Middleware(BearerAuth, key=api_key))
    middleware.append(Middleware(BodyLimit, max_bytes=limits.max_body_bytes))
    return middleware


def create_app(
    store: GraphStore,
    *,
    limits: Limits | None = None,
    owns_store: bool = False,
    offload: bool | None = None,
    api_key: str | None = None,
    cors_origins: tuple[str, ...] | list[str] = (),
    probe_interval: float = 0.5,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
) -> Starlette:
    """The ASGI app serving ``store`` (read-only). With ``owns_store`` the app closes it on shutdown;
    ``offload`` forces store calls into worker threads (True) or onto the event loop (False) —
    by default only stores that may block on I/O are offloaded (:func:`offloads`).

    Args:
        api_key: when given, ``/graphql`` needs ``Authorization: Bearer <api_key>``
            (:class:`kg.api.guard.BearerAuth`).
        cors_origins: origins allowed to call the API from a browser (none by default).
        probe_interval: seconds between health probes while the store is down.
        cache_bytes: size of the answer cache (:mod:`kg.api.cache`; 0: none).

    Example::

        from kg.store import open_store
        app = create_app(open_store(), owns_store=True)   # then: uvicorn.run(app)
    """
    view = KGGraphQLView(store, limits, offload=offload, probe_interval=probe_interval, cache_bytes=cache_bytes)
    key = api_key.encode() if api_key else None

    async def healthz(request: Request) -> JSONResponse:
        health = view.health
        body: dict[str, object] = {"status": "unavailable", "store": view.store.name}
        if not health.available:
            return JSONResponse({**body, "error": f"[{StoreUnavailable.code}] {UNAVAILABLE}"}, 503)
        try:
            stats = await view.call(view.store.stats)
        except StoreUnavailable as exc:
            health.failed(exc)
            return JSONResponse({**body, "error": f"[{StoreUnavailable.code}] {UNAVAILABLE}"}, 503)
        except StoreError:
            log.exception("health check: the store failed")
            return JSONResponse({**body, "status": "error", "error": f"[{StoreError.code}] {STORE_FAILED}"}, 503)
        except Exception:  # noqa: BLE001 - the health check reports, it never crashes
            log.exception("health check failed")
            return JSONResponse({**body, "status": "error", "error": "[E000] internal error"}, 503)
        body["status"] = "ok"
        if key is None or bearer_ok(request.scope, key):  # counts only for those who may query
            body.update(papers=stats.papers, entities=stats.entities)
        return JSONResponse(body)

    async def index(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        probe = asyncio.create_task(view.health.run(view.call))
        try:
            yield
        finally:
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe
            if owns_store:
                await run_in_threadpool(store.close)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/graphql", view.handle, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=guards(view.limits, api_key, cors_origins),
        lifespan=lifespan,
    )
    app.state.view = view
    return app
