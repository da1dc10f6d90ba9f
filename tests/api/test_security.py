"""What the API hands to clients, and who may ask: masked errors, API key, CORS, body size, time limit,
and failing fast while the store is down.

"Store down" here is real: the Neo4j store talks to the test server through a small TCP relay that
the test closes and reopens (tests/api/test_fault.py kills a real server instead).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time

import pytest

from kg.api.execution import Limits, scrub

#: What must never reach a client: URIs, host:port, absolute paths, tracebacks, Cypher.
LEAKS = [
    re.compile(r"[a-z][a-z0-9+.-]*://", re.I),
    re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"),
    re.compile(r"\blocalhost:\d+"),
    re.compile(r"(?<![\w.])/(?:tmp|work|home|usr|root|var|etc)/"),
    re.compile(r"Traceback|File \""),
    re.compile(r"\b(?:MATCH|UNWIND|RETURN)\b"),
]


def assert_no_leak(text: str) -> None:
    """No leak in a response (``extensions.cypher`` of an answer is a feature: it is left out)."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        body.get("extensions", {}).pop("cypher", None)
        text = json.dumps(body)
    for pattern in LEAKS:
        assert not pattern.search(text), f"{pattern.pattern!r} leaked in: {text}"


def _codes(body: dict) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or ()}


# -- masking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "kept", "gone"),
    [
        ("Neo4j at bolt://127.0.0.1:55955 is unreachable", "Neo4j at <address> is unreachable", "55955"),
        ("Couldn't connect to 10.0.0.7:7687 (resolved)", "connect to <address>", "10.0.0.7"),
        ("connect to neo4j.internal.example.com:7687 failed", "connect to <address> failed", "example"),
        ("cannot read /work/data/graph.json: denied", "cannot read <path>: denied", "graph.json"),
        ('Traceback (most recent call last):\n  File "x.py"', "[E000] internal error", "x.py"),
        ("unknown method 'foo': did you mean 'bar'?", "unknown method 'foo': did you mean 'bar'?", "<"),
        ("ask for smaller pages (first/limit)", "ask for smaller pages (first/limit)", "<"),
    ],
)
def test_security_scrub_removes_addresses_paths_tracebacks(message, kept, gone):
    cleaned = scrub(message)
    assert kept in cleaned
    assert gone not in cleaned


USUAL_FAILURES = [
    '{ papers(where: {method: {name: "no-such-method"}}) { id } }',  # unknown name
    '{ entity(name: "/etc/passwd") { id } }',
    '{ paper(id: "nope") { id title } }',
    "{ papers(where: {method: {name: ",  # bad query: syntax
    "{ nosuchfield }",  # bad query: validation
    "mutation { x }",
]


@pytest.mark.parametrize("query", USUAL_FAILURES)
def test_security_usual_failures_leak_nothing(client, query):
    response = client.post({"query": query})
    assert_no_leak(response.text)
    body = response.json()
    for error in body.get("errors") or ():
        assert error["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND", "GRAPHQL_PARSE_FAILED",
                                               "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST")


def test_security_bad_json_and_bad_variables_leak_nothing(sqlite_client):
    bad = sqlite_client.request("POST", "/graphql", content=b"{nope", headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert_no_leak(bad.text)
    body = sqlite_client.post({"query": "query($n: Int) { papers(limit: $n) { id } }", "variables": {"n": "x"}}).json()
    assert _codes(body) == {"BAD_USER_INPUT"}
    assert_no_leak(str(body))


def test_security_internal_error_leaks_nothing(handmade_delta, client_for, caplog):
    from kg.store.sqlite_store import SQLiteStore

    class Broken(SQLiteStore):
        def find_papers(self, query):
            raise RuntimeError("boom at /work/secret/place.py via bolt://10.1.2.3:7687")

    store = Broken(None)
    store.write(handmade_delta)
    with caplog.at_level("ERROR", logger="kg.api"):
        response = client_for(store).post({"query": "{ papers { id } }"})
    assert _codes(response.json()) == {"INTERNAL_SERVER_ERROR"}
    assert_no_leak(response.text)
    assert "boom" not in response.text
    assert "boom at /work/secret/place.py" in caplog.text  # the server log has it all


# -- store down: a real Neo4j behind a relay the test can cut ---------------------------------


class Relay:
    """A TCP relay 127.0.0.1:port → target; :meth:`cut` closes the listener and every connection
    (the client sees a refused/reset connection, as when the server dies), :meth:`restore` listens
    again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        assert self.listener is not None
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (Linux)
        except OSError:
            pass
        self.listener.close()
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass
        self.conns.clear()


@pytest.fixture
def relayed_neo4j(neo4j_uri, handmade_delta):
    from kg.store.neo4j_store import Neo4jStore

    host, port = neo4j_uri.split("://", 1)[1].rsplit(":", 1)
    with Neo4jStore(neo4j_uri, None, "neo4j") as direct:
        direct.clear()
        direct.write(handmade_delta)
    relay = Relay((host, int(port)))
    store = Neo4jStore(f"bolt://127.0.0.1:{relay.port}", None, "neo4j", connection_timeout=1.0, retry_time=0.0)
    yield relay, store
    relay.cut()
    store.close()


QUERY = '{ papers(where: {divergence: {name: "KL"}}) { id } }'


@pytest.mark.neo4j
def test_security_store_down_fails_fast_then_recovers(relayed_neo4j, client_for):
    relay, store = relayed_neo4j
    client = client_for(store)
    view = client.app.state.view
    assert client.data(QUERY) == {"papers": [{"id": "p1"}, {"id": "p3"}]}

    relay.cut()
    for attempt in range(3):  # the first finds out, the next ones do not even call the driver
        started = time.monotonic()
        response = client.post({"query": QUERY})
        took = time.monotonic() - started
        assert _codes(response.json()) == {"STORE_UNAVAILABLE"}, response.text
        assert took < 1.0, f"attempt {attempt}: {took:.2f}s"
        assert_no_leak(response.text)
    assert not view.health.available
    health = client.request("GET", "/healthz")
    assert health.status_code == 503 and health.json()["error"].startswith("[E401]")
    assert_no_leak(health.text)
    assert client.loop.run_until_complete(view.health.probe_once(view.call)) is False

    relay.restore()
    assert client.loop.run_until_complete(view.health.probe_once(view.call)) is True
    assert client.data(QUERY) == {"papers": [{"id": "p1"}, {"id": "p3"}]}
    assert client.request("GET", "/healthz").status_code == 200


# -- time limit ---------------------------------------------------------------------------------


def test_security_request_past_its_time_limit_is_query_timeout(sqlite_store, client_for):
    client = client_for(sqlite_store, limits=Limits(time_limit=0.0))
    body = client.gql(QUERY)
    assert _codes(body) == {"QUERY_TIMEOUT"}
    assert body["errors"][0]["message"].startswith("[E402]")
    assert client_for(sqlite_store).data("{ __typename }") == {"__typename": "Query"}  # no store call: fine


@pytest.mark.neo4j
def test_security_neo4j_transaction_timeout_is_query_timeout(neo4j_uri):
    from kg.errors import QueryTimeout
    from kg.store.neo4j_store import Neo4jStore

    with Neo4jStore(neo4j_uri, None, "neo4j", query_timeout=0.2) as store:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"\[E402\]"):
            store._read("UNWIND range(1, 2000000000) AS x RETURN count(x) AS n")  # seconds of work
        assert time.monotonic() - started < 5


@pytest.mark.neo4j
def test_security_neo4j_read_stops_at_the_request_deadline(neo4j_uri):
    """The time left before the request's deadline bounds the transaction, not only the store's
    own (longer) transaction timeout."""
    from kg.errors import QueryTimeout
    from kg.store.base import read_deadline
    from kg.store.neo4j_store import Neo4jStore

    with Neo4jStore(neo4j_uri, None, "neo4j", query_timeout=60) as store:
        started = time.monotonic()
        with read_deadline(started + 0.3), pytest.raises(QueryTimeout, match=r"\[E402\]"):
            store._read("UNWIND range(1, 2000000000) AS x RETURN count(x) AS n")  # seconds of work
        assert time.monotonic() - started < 5
        with read_deadline(time.monotonic() - 1), pytest.raises(QueryTimeout):
            store.stats()  # past its deadline: not sent
        assert store.stats().papers >= 0  # no deadline: answers


def test_security_embedded_read_stops_at_the_request_deadline(sqlite_store):
    """A store call in progress when the request's deadline passes is interrupted inside SQLite
    (the per-request wrapper runs each call under the deadline)."""
    from kg.api.health import GuardedStore, StoreHealth
    from kg.errors import QueryTimeout

    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    started = time.monotonic()
    guarded = GuardedStore(sqlite_store, StoreHealth(sqlite_store.stats), started + 0.3)
    with pytest.raises(QueryTimeout):
        guarded._rows(endless)
    assert time.monotonic() - started < 10
    assert sqlite_store.stats().papers > 0  # the store reads on


# -- API key ------------------------------------------------------------------------------------


@pytest.fixture
def keyed(sqlite_store, client_for):
    return client_for(sqlite_store, api_key="s3cret-key")


def _post(client, headers: dict[str, str]):
    return client.request("POST", "/graphql", json={"query": "{ stats { papers } }"}, headers=headers)


@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic s3cret-key", "Bearer ", "s3cret-key"])
def test_security_api_key_refuses_missing_or_wrong_keys(keyed, header):
    response = _post(keyed, {"authorization": header} if header is not None else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert _codes(response.json()) == {"UNAUTHENTICATED"}
    assert "s3cret" not in response.text


def test_security_api_key_lets_the_key_in(keyed):
    response = _post(keyed, {"authorization": "Bearer s3cret-key"})
    assert response.status_code == 200
    assert response.json() == {"data": {"stats": {"papers": 5}}}
    get = keyed.request("GET", "/graphql", params={"query": "{ stats { papers } }"})
    assert get.status_code == 401  # a GET query needs the key too


def test_security_api_key_leaves_graphiql_and_health_open(keyed):
    page = keyed.request("GET", "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    # a browser GET with a query still gets only the page, never an answer
    trick = keyed.request("GET", "/graphql", params={"query": "{ stats { papers } }"}, headers={"accept": "text/html"})
    assert trick.status_code == 200 and '"papers"' not in trick.text
    health = keyed.request("GET", "/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok", "store": "sqlite"}
    full = keyed.request("GET", "/healthz", headers={"authorization": "Bearer s3cret-key"})
    assert full.json()["papers"] == 5


# -- CORS ---------------------------------------------------------------------------------------


def test_security_cors_allows_only_listed_origins(sqlite_store, client_for):
    client = client_for(sqlite_store, cors_origins=["https://lab.example.org"], api_key="k")
    preflight = {"access-control-request-method": "POST",
                 "access-control-request-headers": "authorization,content-type"}
    ok = client.request("OPTIONS", "/graphql", headers={"origin": "https://lab.example.org", **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://lab.example.org"
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    other = client.request("OPTIONS", "/graphql", headers={"origin": "https://evil.example", **preflight})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers

    answer = client.request("POST", "/graphql", json={"query": "{ stats { papers } }"},
                            headers={"origin": "https://lab.example.org", "authorization": "Bearer k"})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://lab.example.org"
    refused = client.request("POST", "/graphql", json={"query": "{ stats { papers } }"},
                             headers={"origin": "https://lab.example.org"})
    assert refused.status_code == 401  # the browser can read why: the 401 carries the CORS header
    assert refused.headers["access-control-allow-origin"] == "https://lab.example.org"
    foreign = client.request("POST", "/graphql", json={"query": "{ stats { papers } }"},
                             headers={"origin": "https://evil.example", "authorization": "Bearer k"})
    assert "access-control-allow-origin" not in foreign.headers


def test_security_no_cors_headers_by_default(sqlite_client):
    response = sqlite_client.request("POST", "/graphql", json={"query": "{ stats { papers } }"},
                                 headers={"origin": "https://lab.example.org"})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


# -- body size ----------------------------------------------------------------------------------


def test_security_body_size_limit(sqlite_store, client_for):
    client = client_for(sqlite_store, limits=Limits(max_body_bytes=2048))
    small = client.request("POST", "/graphql", json={"query": "{ stats { papers } }"})
    assert small.status_code == 200
    big = {"query": "{ stats { papers } }", "variables": {"pad": "x" * 5000}}
    declared = client.request("POST", "/graphql", json=big)
    assert declared.status_code == 413 and _codes(declared.json()) == {"PAYLOAD_TOO_LARGE"}

    async def chunks():  # no Content-Length: the limit holds while the body streams in
        for _ in range(10):
            yield b" " * 1000

    streamed = client.request("POST", "/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert client.request("POST", "/graphql", json={"query": "{ stats { papers } }"}).status_code == 200
