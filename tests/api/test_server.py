"""The HTTP server: health check, GraphiQL page and its local assets, read-only store view, and
`kg serve` as a real uvicorn process answering real HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kg.api.server import ReadOnlyStore
from kg.cli import app as cli_app


def test_server_healthz_reports_the_store(client, api_store):
    response = client.request("GET", "/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store"] == api_store.name and body["papers"] == 5


def test_server_graphiql_page_loads_only_local_assets(sqlite_client):
    page = sqlite_client.request("GET", "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, "no assets referenced"
    external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert not external, f"GraphiQL page loads from the network: {external}"
    for src in sources:
        if src.startswith("/static/"):
            asset = sqlite_client.request("GET", src)
            assert asset.status_code == 200 and len(asset.content) > 1000, src


def test_server_root_redirects_to_graphql(sqlite_client):
    response = sqlite_client.request("GET", "/", follow_redirects=False)
    assert response.status_code in (302, 307) and response.headers["location"].endswith("/graphql")


@pytest.mark.parametrize("method", ["write", "clear", "close", "flush", "_store_secret"])
def test_server_store_view_is_read_only(sqlite_store, method):
    view = ReadOnlyStore(sqlite_store)
    with pytest.raises(AttributeError, match="read-only"):
        getattr(view, method)
    assert view.stats().papers == 5  # reads pass through


def test_server_rejects_other_methods_and_bad_json(sqlite_client):
    assert sqlite_client.request("PUT", "/graphql").status_code == 405
    bad = sqlite_client.request("POST", "/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400


# -- the GraphQL-over-HTTP endpoint (kg/api/server.py KGGraphQLView) ---------------------------

STATS = "{ stats { papers } }"


def test_server_get_takes_variables_and_operation_name(sqlite_client):
    doc = "query A($id: ID!) { paper(id: $id) { id } } query B { stats { papers } }"
    response = sqlite_client.request(
        "GET", "/graphql", params={"query": doc, "variables": '{"id": "p2"}', "operationName": "A"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"paper": {"id": "p2"}}}
    other = sqlite_client.request("GET", "/graphql", params={"query": doc, "operationName": "B"})
    assert other.json() == {"data": {"stats": {"papers": 5}}}


@pytest.mark.parametrize(("method", "kw", "status"), [
    ("GET", {"params": {"query": STATS, "variables": "{nope"}}, 400),
    ("GET", {"params": {"query": STATS, "variables": "[1]"}}, 400),
    ("POST", {"json": [{"query": STATS}]}, 400),  # batches are not supported
    ("POST", {"json": {"query": STATS, "variables": [1]}}, 400),
    ("POST", {"json": {"query": STATS, "operationName": 3}}, 400),
    ("POST", {"content": STATS, "headers": {"content-type": "application/graphql"}}, 415),
    ("POST", {"content": b'{"query": "{ stats { papers } }"}'}, 415),  # no content type
], ids=["get-bad-variables", "get-variables-not-object", "batch", "variables-not-object", "operation-name",
        "graphql-body", "no-content-type"])
def test_server_malformed_requests_are_4xx_with_a_code(sqlite_client, method, kw, status):
    before = sqlite_client.app.state.view.executed
    response = sqlite_client.request(method, "/graphql", **kw)
    assert response.status_code == status
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"]
    assert sqlite_client.app.state.view.executed == before  # refused before execution


def test_server_mutation_over_get_is_405(sqlite_client):
    response = sqlite_client.request("GET", "/graphql", params={"query": "mutation { x }"})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert "read-only" in response.json()["errors"][0]["message"]
    posted = sqlite_client.post({"query": "mutation { x }"})  # POST: refused as a GraphQL error
    assert posted.status_code == 200 and posted.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


STRICT = {"accept": "application/graphql-response+json"}


def test_server_graphql_response_json_status_codes(sqlite_client):
    ok = sqlite_client.request("POST", "/graphql", json={"query": STATS}, headers=STRICT)
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/graphql-response+json"
    assert ok.json() == {"data": {"stats": {"papers": 5}}}
    # not executed (validation, variables): 400 and no data entry
    for payload in ({"query": "{ nope }"}, {"query": "query($n: Int!) { papers(limit: $n) { id } }"}):
        bad = sqlite_client.request("POST", "/graphql", json=payload, headers=STRICT)
        assert bad.status_code == 400 and "data" not in bad.json() and bad.json()["errors"]
    # executed, a field failed: 200 with data (here null: the error reached a non-null root field)
    field = sqlite_client.request("POST", "/graphql", json={"query": '{ papersConnection(after: "x") { totalCount } }'},
                                  headers=STRICT)
    assert field.status_code == 200 and field.json()["data"] is None and field.json()["errors"][0]["path"]
    # application/json (the default): 200 with a data entry, as before
    legacy = sqlite_client.post({"query": "{ nope }"})
    assert legacy.status_code == 200 and legacy.json()["data"] is None


def test_server_graphiql_page_prefills_the_query_safely(sqlite_client):
    evil = '{ stats { papers } } # </script><script>alert(1)</script>'
    page = sqlite_client.request("GET", "/graphql", params={"query": evil, "operationName": "Q"},
                                 headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)" not in page.text and "{{" not in page.text
    assert '{ stats { papers } } # \\u003c/script\\u003e' in page.text
    assert 'operationName: "Q"' in page.text


def test_server_introspection_for_graphiql(sqlite_client):
    """GraphiQL's schema query (every type, argument and default value) answers without errors."""
    from graphql import get_introspection_query

    body = sqlite_client.post({"query": get_introspection_query(descriptions=True)}).json()
    assert not body.get("errors"), body.get("errors")
    query_type = next(t for t in body["data"]["__schema"]["types"] if t["name"] == "Query")
    methods = next(f for f in query_type["fields"] if f["name"] == "methods")
    assert {a["name"]: a["defaultValue"] for a in methods["args"]}["orderBy"] == "PAPER_COUNT"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_graph(tmp_path_factory, handmade_delta) -> Path:
    from kg.store.sqlite_store import SQLiteStore

    path = tmp_path_factory.mktemp("served") / "graph.json"
    with SQLiteStore(path) as store:
        store.write(handmade_delta)
    return path


def start_kg_serve(graph: Path, port: int) -> subprocess.Popen:
    """``kg serve`` in a subprocess on ``port``; returns once /healthz answers (or fails)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--graph", str(graph), "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KG_STORE": "sqlite"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"kg serve exited: {proc.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("kg serve did not become ready in 30 s")


def test_server_kg_serve_answers_real_http(served_graph):
    port = _free_port()
    proc = start_kg_serve(served_graph, port)
    try:
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": '{ papers(where: {divergence: {name: "KL"}}) { id } }'},
            timeout=10,
        )
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["data"]["papers"]] == ["p1", "p3"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_server_kg_serve_unreachable_neo4j_is_one_line():
    port = _free_port()  # nothing listens there
    result = CliRunner().invoke(cli_app, ["serve", "--store", "neo4j", "--uri", f"bolt://127.0.0.1:{port}"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert "[E401]" in result.output


def test_server_kg_serve_help():
    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--store", "--graph", "--api-key", "KG_API_KEY", "--cors-origin",
                 "--max-body-bytes", "--time-limit", "STORE_UNAVAILABLE"):
        assert flag in result.output


@pytest.mark.parametrize(("host", "exposed"), [("127.0.0.1", False), ("127.0.0.2", False), ("localhost", False),
                                               ("::1", False), ("0.0.0.0", True), ("::", True),
                                               ("192.168.1.5", True), ("kg.example.org", True)])
def test_server_kg_serve_warns_beyond_loopback(host, exposed):
    from kg.cli.serve_cmds import exposed as is_exposed

    assert is_exposed(host) is exposed
