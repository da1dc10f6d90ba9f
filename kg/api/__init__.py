"""kg's GraphQL API: a graphene schema over the :class:`~kg.store.base.GraphStore` protocol, served
over HTTP by Starlette + uvicorn with GraphiQL (``kg serve``).

Layout: :mod:`kg.api.schema` (types and resolvers), :mod:`kg.api.derive` (GraphQL fields derived from
:mod:`kg.models`), :mod:`kg.api.loaders` (per-request batching: no N+1), :mod:`kg.api.execution`
(limits, validation rules, masked errors), :mod:`kg.api.cache` (answers kept until the graph
changes), :mod:`kg.api.health` (fail fast while the store is down,
background probe), :mod:`kg.api.guard` (API key, body size limit), :mod:`kg.api.server` (the ASGI app).
The server parts are an optional extra: importing them without it raises
:class:`kg.errors.MissingExtra`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kg.errors import MissingExtra

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from kg.store.base import GraphStore


def _need(module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtra(module, "server")


def create_app(store: GraphStore, **kw: Any) -> Starlette:
    """The ASGI app (``/graphql``, GraphiQL, ``/healthz``) over ``store``; keyword arguments
    (``limits``, ``owns_store``, ``offload``, ``api_key``, ``cors_origins``, ``probe_interval``,
    ``cache_bytes``) as in
    :func:`kg.api.server.create_app`."""
    for module in ("graphene", "starlette"):
        _need(module)
    from kg.api.server import create_app as _create_app

    return _create_app(store, **kw)


def serve(store: GraphStore, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info", **kw: Any) -> None:
    """Run the API under uvicorn until interrupted (blocking)."""
    _need("uvicorn")
    import uvicorn

    uvicorn.run(create_app(store, **kw), host=host, port=port, log_level=log_level)
