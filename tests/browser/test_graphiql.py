"""GraphiQL in a real headless Chromium: the page served by kg (uvicorn, real HTTP) loads with no
outside network, runs a query, and shows the answer; a screenshot is kept under artifacts/."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
QUERY = """{
  papersConnection(first: 3, where: {divergence: {name: "relative entropy"}}) {
    totalCount
    nodes { id title }
  }
}"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served_seed(seed_jsonl):
    """uvicorn serving the bundled seed (embedded store) on a free port, in a thread."""
    import uvicorn

    from kg.api import create_app
    from kg.ingest import ingest
    from kg.store.sqlite_store import SQLiteStore

    store = SQLiteStore(None)
    ingest(seed_jsonl, store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise AssertionError("uvicorn did not start")
    expected = httpx.post(f"{base}/graphql", json={"query": QUERY}, timeout=10).json()["data"]
    yield base, expected
    server.should_exit = True
    thread.join(timeout=10)


def test_graphiql_runs_a_query_in_chromium(served_seed, chromium_path, chromium_args):
    from playwright.sync_api import sync_playwright

    base, expected = served_seed
    first_title = expected["papersConnection"]["nodes"][0]["title"]
    total = expected["papersConnection"]["totalCount"]
    assert total > 0

    outside: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=chromium_args)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})

            def guard(route):
                if route.request.url.startswith(base):
                    route.continue_()
                else:  # GraphiQL must not need the network: record and refuse
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(f"{base}/graphql?query={urllib.parse.quote(QUERY)}")
            page.wait_for_selector(".graphiql-execute-button", timeout=30_000)
            page.click(".graphiql-execute-button")
            response = page.locator(".graphiql-response")
            response.get_by_text(first_title, exact=False).first.wait_for(timeout=30_000)
            text = response.inner_text()
            page.screenshot(path=str(ARTIFACTS / "graphiql.png"))
        finally:
            browser.close()

    assert first_title in text
    assert f'"totalCount": {total}' in text
    assert not outside, f"GraphiQL tried to load from outside: {outside}"
