"""The API's faster executor and event-loop policy change no answer.

kg/api/execution.py completes plain leaf fields and lists of objects with a shortcut
(:class:`FastExecutionContext`), and kg/api/server.py runs the in-memory store on the event loop:
both exist only for speed (bench/api.py), so here every example query, the benchmark query and
queries that end in nulls and errors must give exactly what graphql-core's own executor gives, on
the seed corpus in a real store.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import graphql
import pytest
from graphql import execute
from graphql.pyutils import is_awaitable

from kg.api.execution import EXECUTOR, Limits, execute_request, prepare
from kg.api.loaders import RequestLoader
from kg.api.schema import schema
from kg.api.server import KGGraphQLView, ReadOnlyStore, offloads
from kg.store.sqlite_store import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.graphql"))}
OTHERS = {
    "bench": """{ papersConnection(where: {uses: [{name: "f-divergence"}]}, first: 20) {
        totalCount nodes { id title matches { entity { id name } role variant
        evidence { sentence start end rule } } } } }""",
    "nullable-leaves": "{ papers(limit: 30) { id year venue extractorVersion tags { role variant mentions } } }",
    "null": '{ paper(id: "no-such-paper") { id } stats { papers } }',
    "error": '{ papersConnection(after: "bad") { totalCount } }',
    "typename-and-aliases": "{ a: papers(limit: 3) { __typename x: id y: id } stats { papers } }",
}
QUERIES = {**EXAMPLES, **OTHERS}

GRAPHQL_32 = graphql.version_info[:2] == (3, 2)
if GRAPHQL_32:  # the fast path exists for graphql-core 3.2 only (3.3 has a new executor)
    from graphql import ExecutionContext

    from kg.api.fastexec import FastExecutionContext, is_coroutine


@pytest.fixture(scope="module")
def seed_store(seed_delta):
    store = SQLiteStore(None)
    store.write(seed_delta)
    return store


def _run(store, query: str, context_class, awaitable) -> dict:
    document, errors = prepare(schema.graphql_schema, query, (), Limits())
    assert not errors, errors
    result = execute(
        schema.graphql_schema,
        document,
        context_value={"loader": RequestLoader(ReadOnlyStore(store))},
        execution_context_class=context_class,
        is_awaitable=awaitable,
    )
    return {"data": result.data, "errors": [e.formatted for e in result.errors or ()]}


@pytest.mark.skipif(not GRAPHQL_32, reason="the fast path is for graphql-core 3.2 only; not used on this version")
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_execution_fast_executor_answers_like_graphql_core(seed_store, name):
    fast = _run(seed_store, QUERIES[name], FastExecutionContext, is_coroutine)
    standard = _run(seed_store, QUERIES[name], ExecutionContext, is_awaitable)
    assert fast == standard
    if name == "error":  # a non-null field failed: no data, the error with its path
        assert fast["data"] is None and "invalid cursor" in fast["errors"][0]["message"]
    else:
        assert fast["data"] and not fast["errors"]
    if name == "null":
        assert fast["data"]["paper"] is None


def test_execution_request_uses_the_executor_for_its_graphql_core(seed_store, monkeypatch):
    if not GRAPHQL_32:
        assert EXECUTOR == {}  # stock graphql-core
        context = {"loader": RequestLoader(ReadOnlyStore(seed_store))}
        result = execute_request(schema.graphql_schema, "{ stats { papers } }", context=context)
        assert not result.errors and result.data["stats"]["papers"] > 0
        return
    used = []
    original = FastExecutionContext.execute_fields

    def spy(self, *args):
        used.append(type(self))
        return original(self, *args)

    monkeypatch.setattr(FastExecutionContext, "execute_fields", spy)
    context = {"loader": RequestLoader(ReadOnlyStore(seed_store))}
    result = execute_request(schema.graphql_schema, "{ stats { papers } }", context=context)
    assert not result.errors and result.data["stats"]["papers"] > 0
    assert used and all(t is FastExecutionContext for t in used)


class ThreadRecordingStore(SQLiteStore):
    """A real in-memory store that notes the thread of every ``find_papers`` call."""

    def __init__(self) -> None:
        super().__init__(None)
        self.threads: list[int] = []

    def find_papers(self, query):
        self.threads.append(threading.get_ident())
        return super().find_papers(query)


@pytest.mark.parametrize(("offload", "on_loop"), [(None, True), (False, True), (True, False)])
def test_execution_store_thread_follows_the_offload_policy(seed_delta, offload, on_loop):
    store = ThreadRecordingStore()
    store.write(seed_delta)
    view = KGGraphQLView(store, offload=offload)

    async def run() -> tuple[int, object]:
        result = await view.call(
            execute_request, schema.graphql_schema, "{ papers(limit: 2) { id } }",
            context={"loader": RequestLoader(ReadOnlyStore(store))},
        )
        return threading.get_ident(), result

    loop_thread, result = asyncio.run(run())
    assert not result.errors and len(result.data["papers"]) == 2
    assert (store.threads == [loop_thread]) is on_loop


def test_execution_only_the_in_memory_store_runs_on_the_event_loop(seed_store, tmp_path):
    assert not offloads(seed_store) and not offloads(ReadOnlyStore(seed_store))
    on_disk = SQLiteStore(tmp_path / "graph.db")  # a file may block on I/O: a worker thread
    assert offloads(on_disk) and offloads(ReadOnlyStore(on_disk))
