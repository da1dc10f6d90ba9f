"""HTTP guards in front of the API: an optional API key and a request body size limit.

Why: a server bound beyond 127.0.0.1 is reachable by anyone on the network. Both guards are small
pure-ASGI middlewares (no buffering of the response) and answer with the API's error shape,
``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``:

* :class:`BearerAuth` — with a key configured, ``/graphql`` requests need ``Authorization: Bearer
  <key>`` (compared in constant time with :func:`hmac.compare_digest`), else 401
  ``UNAUTHENTICATED``. Open without the key: ``/healthz`` (it then reports only the status), the
  GraphiQL page (a browser GET asking for HTML never executes a query; GraphiQL sends the key from
  its headers tab) and its static assets.
* :class:`BodyLimit` — a body larger than ``max_bytes`` (by ``Content-Length`` or while streaming
  a chunked body) gets 413 ``PAYLOAD_TOO_LARGE`` before the GraphQL layer reads it.

The CORS allow-list is Starlette's ``CORSMiddleware``, mounted outside both (see
:func:`kg.api.server.create_app`) so that preflight requests and error answers carry its headers.
"""

from __future__ import annotations

import hmac
from collections.abc import MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def send_error(send: Any, status: int, message: str, code: str, headers: list | None = None) -> None:
    body = error_body(message, code)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *(headers or []),
        ],
    })
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value
    return None


def bearer_ok(scope: Scope, key: bytes) -> bool:
    """Does the request carry ``Authorization: Bearer <key>``? (constant-time comparison)"""
    given = _header(scope, b"authorization") or b""
    scheme, _, token = given.partition(b" ")
    return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), key)


def _open_without_key(scope: Scope) -> bool:
    path = scope.get("path", "")
    if path in ("/", "/healthz") or path.startswith("/static/"):
        return True
    # The GraphiQL page: the endpoint renders it for every GET that accepts HTML (never a query).
    return scope.get("method") == "GET" and b"text/html" in (_header(scope, b"accept") or b"")


class BearerAuth:
    """Require ``Authorization: Bearer <key>`` on ``/graphql`` (see the module docstring)."""

    def __init__(self, app: Any, key: str) -> None:
        self.app = app
        self.key = key.encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or _open_without_key(scope) or bearer_ok(scope, self.key):
            await self.app(scope, receive, send)
            return
        await send_error(
            send, 401, "this server needs an API key: send the header 'Authorization: Bearer <key>'",
            "UNAUTHENTICATED", [(b"www-authenticate", b'Bearer realm="kg"')],
        )


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Answer 413 to a request body larger than ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"the request body is larger than the limit of {self.max_bytes} bytes"

    def _refuse(self, declared: bytes) -> tuple[int, str, str] | None:
        """(status, message, code) for a Content-Length that is bad or too large, else None."""
        try:
            size = int(declared)
        except ValueError:
            return 400, "bad Content-Length header", "BAD_REQUEST"
        if size > self.max_bytes:
            return 413, self._message(), "PAYLOAD_TOO_LARGE"
        return None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            refused = self._refuse(declared)
            if refused is not None:
                await send_error(send, *refused)
                return
        received = 0
        started = False

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except _TooLarge:
            if not started:
                await send_error(send, 413, self._message(), "PAYLOAD_TOO_LARGE")
