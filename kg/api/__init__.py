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

    from kg.config import Settings
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


#: The environment variable that hands :func:`serve_workers`' configuration to its worker processes.
WORKER_CONFIG = "KG_SERVE_WORKER_CONFIG"


def serve_workers(
    settings: Settings, workers: int, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info",
    time_limit: float = 30.0, max_body_bytes: int = 256 * 1024, api_key: str | None = None,
    cors_origins: tuple[str, ...] = (), cache_bytes: int | None = None,
) -> None:
    """Run the API in ``workers`` processes sharing one listening socket (uvicorn's supervisor, which
    replaces a worker that dies), until interrupted. Python runs one thread at a time per process:
    one process serves at most one core's worth of requests, the rest of the machine idles. Each
    worker opens its own store from ``settings`` (a driver or SQLite connections cannot cross
    processes) and keeps its own answer cache. Worker processes are spawned, not forked, and read
    their configuration from :data:`WORKER_CONFIG` (the environment: secrets stay out of the
    process list)."""
    import json
    import os

    _need("uvicorn")
    import uvicorn

    config = {
        "settings": settings.model_dump(mode="json", exclude={"neo4j_password"}),
        "password": settings.neo4j_password.get_secret_value() if settings.neo4j_password else None,
        "limits": {"time_limit": time_limit, "max_body_bytes": max_body_bytes},
        "api_key": api_key, "cors_origins": list(cors_origins), "cache_bytes": cache_bytes,
    }
    os.environ[WORKER_CONFIG] = json.dumps(config)
    uvicorn.run("kg.api:worker_app", factory=True, workers=workers, host=host, port=port, log_level=log_level)


def worker_app() -> Starlette:
    """The app of one :func:`serve_workers` process: its own store, from :data:`WORKER_CONFIG`."""
    import json
    import os

    from kg.api.execution import Limits
    from kg.config import Settings
    from kg.store import open_store

    config = json.loads(os.environ[WORKER_CONFIG])
    settings = Settings(**config["settings"], neo4j_password=config["password"])
    kw: dict[str, Any] = {"cache_bytes": config["cache_bytes"]} if config["cache_bytes"] is not None else {}
    return create_app(open_store(settings), owns_store=True, limits=Limits(**config["limits"]),
                      api_key=config["api_key"], cors_origins=tuple(config["cors_origins"]), **kw)
