"""Request limits and error handling of the API, through HTTP: every bad request gets a clear
GraphQL error with a code, never a traceback, and the spec validation rules stay on."""

from __future__ import annotations

import pytest

from kg.api.execution import Limits


def _codes(body: dict) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in body.get("errors") or []}


def _deep_query(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = f"claims {{ paper {{ {inner} }} }}"
    return f"{{ paper(id: \"p1\") {{ {inner} }} }}"


@pytest.mark.parametrize(
    ("query", "code", "fragment"),
    [
        (_deep_query(8), "GRAPHQL_VALIDATION_FAILED", "exceeds maximum operation depth"),
        ("{ paper(id: 1 ", "GRAPHQL_PARSE_FAILED", "Syntax Error"),
        ("{ " + "stats{papers} " * 600 + "}", "GRAPHQL_PARSE_FAILED", "more than 2000 tokens"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED", "Cannot query field 'nope'"),  # spec rules still on
        ("{ paper { id } }", "GRAPHQL_VALIDATION_FAILED", "of type 'ID!' is required"),  # 3.2 and 3.3 wording
        ("query($n: Int!) { papers(limit: $n) { id } }", "BAD_USER_INPUT", "Variable '$n'"),
        ("{ papers(limit: null) { id } }", "GRAPHQL_VALIDATION_FAILED", "Int!"),
        (
            "{ papers(limit: 100) { claims { about { papers(limit: 100) { id title year } } } } }",
            "GRAPHQL_VALIDATION_FAILED",
            "cost",
        ),
        ("mutation { x }", "BAD_REQUEST", "read-only"),
        ('{ papersConnection(after: "not-a-cursor") { totalCount } }', "BAD_USER_INPUT", "invalid cursor"),
    ],
    ids=["depth", "syntax", "tokens", "unknown-field", "missing-arg", "missing-variable", "null-limit",
         "cost", "mutation", "bad-cursor"],
)
def test_limits_reject_bad_requests_with_a_coded_error(sqlite_client, query, code, fragment):
    body = sqlite_client.gql(query)
    assert body.get("errors"), body
    assert code in _codes(body)
    messages = " ".join(e["message"] for e in body["errors"])
    assert fragment.lower() in messages.lower()
    assert "Traceback" not in str(body)


def test_limits_field_count(sqlite_client):
    fields = " ".join(f"a{i}: stats {{ papers }}" for i in range(Limits().max_fields + 1))
    body = sqlite_client.gql("{ " + fields + " }")
    assert "GRAPHQL_VALIDATION_FAILED" in _codes(body)
    assert "fields, more than the limit" in body["errors"][0]["message"]


def test_limits_document_size(sqlite_client):
    body = sqlite_client.gql("{ stats { papers } }" + " " * Limits().max_chars)
    assert _codes(body) == {"BAD_REQUEST"}


@pytest.mark.parametrize(
    ("args", "message"),
    [("limit: 1000", "limit must be between 0 and 100 (got 1000)"), ("limit: -5", "limit must be between 0 and 100"),
     ("limit: 2, offset: -3", "offset must be")],
)
def test_limits_page_size_out_of_range_is_an_error_not_a_clamp(sqlite_client, args, message):
    body = sqlite_client.gql(f"{{ papers({args}) {{ id }} }}")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and message in error["message"]


def test_limits_page_size_up_to_100(seed_like_many_papers_client):
    data = seed_like_many_papers_client.data("{ papersConnection(first: 100) { totalCount nodes { id } } }")
    assert data["papersConnection"]["totalCount"] == 150
    assert len(data["papersConnection"]["nodes"]) == 100
    body = seed_like_many_papers_client.gql("{ papersConnection(first: 500) { totalCount } }")
    assert "first must be between 0 and 100 (got 500)" in body["errors"][0]["message"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_limits_apply_to_get_and_post(sqlite_client, method):
    """Both ways into the endpoint go through execute_request (the limits and validation rules):
    a depth error over GET and POST, and each request counted by the endpoint."""
    view = sqlite_client.app.state.view
    before = view.executed
    if method == "GET":
        response = sqlite_client.request("GET", "/graphql", params={"query": _deep_query(8)})
    else:
        response = sqlite_client.post({"query": _deep_query(8)})
    assert response.status_code == 200
    assert view.executed == before + 1
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]


def test_limits_internal_errors_are_not_leaked(handmade_delta, client_for):
    """A store that fails unexpectedly gives 'internal error' with a code, not the exception text."""
    from kg.store.sqlite_store import SQLiteStore

    class Broken(SQLiteStore):
        def stats(self):
            raise ZeroDivisionError("secret detail")

    store = Broken(None)
    store.write(handmade_delta)
    body = client_for(store).gql("{ stats { papers } }")
    assert _codes(body) == {"INTERNAL_SERVER_ERROR"}
    assert "secret" not in str(body)
    assert body["errors"][0]["message"].startswith("[E000]")


def test_limits_kg_errors_keep_their_code(tmp_path, client_for):
    """A store error (here: an unreadable graph file) reaches the client as its [E4xx] code, without
    the file's path (which goes to the server log)."""
    from kg.store.sqlite_store import SQLiteStore

    bad = tmp_path / "graph.json"
    bad.write_text("{not json", encoding="utf-8")
    client = client_for(SQLiteStore(bad))
    body = client.gql("{ stats { papers } }")
    health = client.request("GET", "/healthz")
    assert body["errors"][0]["message"].startswith("[E400]")
    assert health.status_code == 503
    assert health.json()["error"].startswith("[E400]")
    assert body["errors"][0]["extensions"]["code"] == "STORE_ERROR"
    for text in (str(body), health.text):
        assert str(tmp_path) not in text and "graph.json" not in text and "not JSON" not in text
