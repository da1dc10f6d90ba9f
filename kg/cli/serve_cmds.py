"""``kg serve``: run the GraphQL API (GraphiQL in a browser) over the configured store.

A thin wrapper: it opens the store with the shared store flags of the graph commands, checks that it
answers (so an unreachable Neo4j is one red line and exit code 3, not a server that fails on every
request), then runs :func:`kg.api.create_app` under uvicorn until interrupted.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli._common import err
from kg.cli.graph_cmds import StoreOptions, graph_command
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


@graph_command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    *,
    opts: StoreOptions,
) -> None:
    """Serve the GraphQL API at http://HOST:PORT/graphql (GraphiQL in a browser, /healthz)."""
    from kg.api import serve

    _check_can_listen(host, port)
    with opts.open() as store:
        stats = store.stats()
        err.print(
            f"kg serve: {store.name} store with {stats.papers} papers → http://{host}:{port}/graphql",
            highlight=False,
        )
        if stats.papers == 0:
            err.print("[yellow]warning:[/yellow] the store holds no papers yet: run `kg ingest` first", highlight=False)
        serve(store, host=host, port=port, log_level=log_level)
