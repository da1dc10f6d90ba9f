"""schemathesis in GraphQL mode fuzzes every query field of the app: 0 server errors.

Random names, cursors, page sizes and filters must come back as data or as client errors (coded
``BAD_USER_INPUT``/``NOT_FOUND``/validation errors), never as an internal error. schemathesis knows
``BAD_USER_INPUT`` as a client code but not ``NOT_FOUND`` (an unknown name, the CLI's E404), so
:func:`not_a_server_error_or_not_found` accepts a response whose every error is ``NOT_FOUND``.
Examples are bounded per field so the whole run stays well under a minute. A broken store shows that
the check does catch failures.
"""

from __future__ import annotations

import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

CLIENT_CODES = {"NOT_FOUND"}


@schemathesis.check
def not_a_server_error_or_not_found(ctx, response, case):
    """schemathesis' ``not_a_server_error``, except that a coded unknown-name answer is a client error."""
    errors = (response.json() or {}).get("errors") if response.status_code == 200 else None
    if errors and all((e.get("extensions") or {}).get("code") in CLIENT_CODES for e in errors):
        return None
    return not_a_server_error(ctx, response, case)


MAX_EXAMPLES = {"sqlite": 25, "neo4j": 10}  # per query field; Neo4j round trips are slower


def _fuzz(app, only: str | None = None, examples: int = 25) -> int:
    """Fuzz each query field of ``app`` (or just ``only``); returns how many fields were fuzzed."""
    schema = schemathesis.graphql.from_asgi("/graphql", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if only is None or op.label.endswith(f".{only}")]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def run(case):
            case.call_and_validate(checks=[not_a_server_error_or_not_found])

        run()
    return len(operations)


def test_fuzz_every_query_field_without_server_errors(api_store):
    from kg.api import create_app

    app = create_app(api_store)
    fuzzed = _fuzz(app, examples=MAX_EXAMPLES[api_store.name])
    assert fuzzed >= 15
    assert app.state.view.executed >= fuzzed * 3  # the cases really went through the server


def test_fuzz_would_catch_a_server_error(handmade_delta):
    from kg.api import create_app
    from kg.store.sqlite_store import SQLiteStore

    class Broken(SQLiteStore):
        def stats(self):
            raise RuntimeError("boom")

    store = Broken(None)
    store.write(handmade_delta)
    with pytest.raises(BaseException) as caught:
        _fuzz(create_app(store), only="stats", examples=5)
    assert "GraphQLServerError" in "".join(traceback.format_exception(caught.value))
