"""``kg serve``: run the GraphQL API (GraphiQL in a browser) over the configured store.

A thin wrapper: it opens the store with the shared store flags of the graph commands, checks that it
answers (so an unreachable Neo4j is one red line and exit code 3, not a server that fails on every
request), then runs :func:`kg.api.create_app` under uvicorn until interrupted.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kg.cli._common import err
from kg.cli._store import StoreOptions, graph_command
from kg.errors import InputError


def _check_can_listen(host: str, port: int) -> None:
    """Fail with one line (InputError) when HOST:PORT cannot be bound, before uvicorn logs a stack of
    lines about it. Port 0 (any free port) is left to uvicorn."""
    import socket

    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(addr)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def exposed(host: str) -> bool:
    """Is ``host`` an interface beyond this machine (not loopback)? ``0.0.0.0``/``::`` are."""
    import ipaddress

    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: assume it is reachable from elsewhere
        return True


def _origins(given: list[str] | None) -> tuple[str, ...]:
    """``--cors-origin`` values, else ``KG_CORS_ORIGINS`` (comma- or space-separated)."""
    import os

    values = given or [os.environ.get("KG_CORS_ORIGINS", "")]
    return tuple(o for v in values for o in v.replace(",", " ").split())


@graph_command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key", envvar="KG_API_KEY", show_envvar=True,
            help="Require 'Authorization: Bearer KEY' on /graphql (prefer the env variable: "
                 "a flag shows in the process list).",
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="Origin allowed to call the API from a browser (repeat the flag; or KG_CORS_ORIGINS, "
                 "comma-separated). None by default.",
        ),
    ] = None,
    max_body: Annotated[
        int, typer.Option("--max-body-bytes", min=1024, help="Larger request bodies get 413.")
    ] = 256 * 1024,  # kg.api.execution.Limits.max_body_bytes (not imported: the server is an extra)
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", min=0.1,
            help="Seconds a request may spend in the store: the Neo4j transaction timeout, and the "
                 "deadline after which a request stops calling the store (QUERY_TIMEOUT).",
        ),
    ] = 30.0,  # kg.api.execution.Limits.time_limit
    cache_mb: Annotated[
        float,
        typer.Option(
            "--cache-mb", min=0,
            help="Memory for answers kept until the graph changes (any write through kg changes its "
                 "version; errors are never kept). 0 turns the cache off.",
        ),
    ] = 64.0,  # kg.api.server.DEFAULT_CACHE_BYTES
    workers: Annotated[
        int,
        typer.Option(
            "--workers", "-w", min=1, max=64,
            help="Server processes sharing the port, each with its own store connection and answer cache "
                 "(one process uses at most one core: set the machine's cores to serve many clients).",
        ),
    ] = 1,
    *,
    opts: StoreOptions,
) -> None:
    """Serve the GraphQL API at http://HOST:PORT/graphql (GraphiQL in a browser, /healthz).

    While Neo4j is down, requests fail at once with STORE_UNAVAILABLE and /healthz says 503; the API comes back by itself when Neo4j does. Errors name no addresses, paths or Cypher (those go to the log).

    Beyond 127.0.0.1, set an API key (KG_API_KEY) and, for browser apps, a CORS allow-list: kg serve warns when a non-loopback host has no key.
    """  # noqa: E501 - one line per paragraph: Typer keeps docstring line breaks in --help
    from kg.api import serve, serve_workers
    from kg.api.execution import Limits

    _check_can_listen(host, port)
    origins = _origins(cors_origin)
    # Fail fast on the request path: a short TCP connect timeout, no driver retries, and a
    # server-side transaction timeout (the health probe brings the API back when Neo4j returns).
    fail_fast: dict[str, Any] = {"neo4j_connection_timeout": 3.0, "neo4j_retry_time": 0.0, "query_timeout": time_limit}
    with opts.open(**fail_fast) as store:
        stats = store.stats()
        err.print(
            f"kg serve: {store.name} store with {stats.papers} papers → http://{host}:{port}/graphql"
            + (f" ({workers} processes)" if workers > 1 else ""),
            highlight=False,
        )
        if stats.papers == 0:
            err.print("[yellow]warning:[/yellow] the store holds no papers yet: run `kg ingest` first", highlight=False)
        if exposed(host) and not api_key:
            err.print(
                f"[yellow]warning:[/yellow] listening on {host} without an API key: anyone who can reach "
                "this port can query the graph (set KG_API_KEY or --api-key)",
                highlight=False,
            )
        if workers == 1:
            limits = Limits(time_limit=time_limit, max_body_bytes=max_body)
            serve(store, host=host, port=port, log_level=log_level, limits=limits, api_key=api_key,
                  cors_origins=origins, cache_bytes=int(cache_mb * 2**20))
            return
    # several processes: each opens its own store (this one only checked it and printed the above)
    serve_workers(opts.settings(**fail_fast), workers, host=host, port=port, log_level=log_level,
                  time_limit=time_limit, max_body_bytes=max_body, api_key=api_key, cors_origins=origins,
                  cache_bytes=int(cache_mb * 2**20))
