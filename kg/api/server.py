"""The HTTP side of the API: a Starlette ASGI app serving GraphQL, GraphiQL and a health check.

* ``/graphql`` — GraphQL over GET and POST (graphql-server 3.0's ASGI view, subclassed as
  :class:`KGGraphQLView`: its ``execute_operation`` is overridden to run
  :func:`kg.api.execution.execute_request`, which adds the limits and validation rules the stock view
  cannot take). Requests and responses are (de)serialized with orjson. A store whose calls may block
  on I/O (``store.blocking``: Neo4j, the SQLite file) is called in a worker thread so one slow query
  does not block the event loop; an in-memory store is called on the event loop itself.
  A browser GET (``Accept: text/html``) gets GraphiQL.
* ``/static/graphiql/…`` — GraphiQL's JS/CSS, vendored: the page needs no outside network.
* ``/healthz`` — 200 with store counts when the store answers, 503 (code, no details) otherwise.

The store handed to resolvers is wrapped in :class:`ReadOnlyStore` (the API cannot write) and in
:class:`kg.api.health.GuardedStore`: while the store is down every request fails at once with
``STORE_UNAVAILABLE`` and a background probe brings the API back; a request past its time limit
gets ``QUERY_TIMEOUT``. Errors are masked (:func:`kg.api.execution.public_error`). Optional guards
(:mod:`kg.api.guard`): an API key (Bearer token), a CORS allow-list, a request body size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from graphql_server.asgi import GraphQL
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.api.execution import STORE_FAILED, Limits, execute_request, request_error
from kg.api.guard import BearerAuth, BodyLimit, bearer_ok
from kg.api.health import UNAVAILABLE, GuardedStore, StoreHealth
from kg.api.loaders import RequestLoader
from kg.api.schema import schema as kg_schema
from kg.errors import StoreError, StoreUnavailable
from kg.store.base import GraphStore, capture_queries

STATIC_DIR = Path(__file__).resolve().parent / "static"
log = logging.getLogger("kg.api")

READ_METHODS = (
    "explain",
    "lookup",
    "search_entities",
    "entities",
    "descendants",
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


class KGGraphQLView(GraphQL):
    """graphql-server's ASGI view with kg's limits, validation rules, thread offloading, orjson and
    GraphiQL.

    ``executed`` counts the operations that went through the override; a test checks it, so that an
    upgrade of graphql-server that stopped calling ``execute_operation`` (bypassing the limits) fails.
    ``offload`` (default: :func:`offloads`) runs execution in a worker thread.
    """

    def __init__(
        self, store: GraphStore, limits: Limits | None = None, *, offload: bool | None = None,
        probe_interval: float = 0.5,
    ) -> None:
        super().__init__(kg_schema.graphql_schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.raw_store = store
        self.store = ReadOnlyStore(store)  # for the health check; each request gets its own view
        self.health = StoreHealth(self.store.stats, interval=probe_interval)
        self.limits = limits or Limits()
        self.offload = offloads(store) if offload is None else offload
        self.executed = 0
        self._ide_html = (STATIC_DIR / "graphiql.html").read_text(encoding="utf-8")

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in a worker thread when :attr:`offload`, else right here."""
        if self.offload:
            return await run_in_threadpool(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # orjson.JSONDecodeError is a json.JSONDecodeError: still a 400

    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()

    def create_response(self, response_data, sub_response, is_strict: bool) -> Response:
        """The JSON response, encoded once to bytes by orjson (the stock view goes through str)."""
        response = Response(
            orjson.dumps(response_data),
            status_code=sub_response.status_code or 200,
            headers=sub_response.headers,
            media_type="application/graphql-response+json" if is_strict else "application/json",
        )
        response.background = sub_response.background
        return response

    @property
    def graphql_ide_html(self) -> str:  # the vendored page, not graphql-server's CDN one
        return self._ide_html

    # graphql-server annotates get_context as returning None; the context is whatever it returns
    async def get_context(self, request, response) -> dict:  # type: ignore[override]
        deadline = time.monotonic() + self.limits.time_limit
        view = ReadOnlyStore(self.raw_store)
        return {"request": request, "response": response, "cypher": view.recorded,
                "loader": RequestLoader(GuardedStore(view, self.health, deadline))}

    async def execute_operation(self, request_adapter, request_data, context, root_value, allowed_operation_types):
        self.executed += 1
        try:
            return await self.call(
                execute_request,
                self.schema,
                request_data.query,
                context=context,
                variables=request_data.variables,
                operation_name=request_data.operation_name,
                limits=self.limits,
            )
        except Exception:  # noqa: BLE001 - a bug outside the resolvers: logged, never shown
            log.exception("internal error while executing a request")
            return request_error("[E000] internal error (see the server log)", "INTERNAL_SERVER_ERROR")


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
) -> Starlette:
    """The ASGI app serving ``store`` (read-only). With ``owns_store`` the app closes it on shutdown;
    ``offload`` forces store calls into worker threads (True) or onto the event loop (False) —
    by default only stores that may block on I/O are offloaded (:func:`offloads`).

    Args:
        api_key: when given, ``/graphql`` needs ``Authorization: Bearer <api_key>``
            (:class:`kg.api.guard.BearerAuth`).
        cors_origins: origins allowed to call the API from a browser (none by default).
        probe_interval: seconds between health probes while the store is down.

    Example::

        from kg.store import open_store
        app = create_app(open_store(), owns_store=True)   # then: uvicorn.run(app)
    """
    view = KGGraphQLView(store, limits, offload=offload, probe_interval=probe_interval)
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
            Route("/graphql", view, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=guards(view.limits, api_key, cors_origins),
        lifespan=lifespan,
    )
    app.state.view = view
    return app
