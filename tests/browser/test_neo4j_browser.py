"""Neo4j Browser, driven like a user would in a real headless Chromium, on the ingested seed graph.

docs/browser.md tells users to open the Browser, connect, drop queries/style.grass onto it and run
the saved queries. This test does exactly that against the test server (Browser 5.x served by the
local Neo4j): connect with "No authentication", drop the style file, set the ``:param`` line from the
query's header, drop queries/papers-using.cypher, paste it in the editor and run it. It asserts on the
page text (the Overview's "Paper (N)", N from the same query over Bolt) and on the style the Browser
stored, and saves a screenshot under artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERY = ROOT / "queries" / "papers-using.cypher"
GRASS = ROOT / "queries" / "style.grass"
ARTIFACTS = ROOT / "artifacts"

pytestmark = [pytest.mark.neo4j, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def driver(neo4j_uri: str) -> Iterator:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_uri, auth=None, notifications_min_severity="OFF") as drv:
        yield drv


@pytest.fixture(scope="module")
def neo4j_http(driver) -> str:
    """The test server's HTTP base URL: KG_NEO4J_HTTP (scripts/neo4j-local env), else asked of the server."""
    if os.environ.get("KG_NEO4J_HTTP"):
        return os.environ["KG_NEO4J_HTTP"].rstrip("/")
    records, _, _ = driver.execute_query(
        "SHOW SETTINGS YIELD name, value WHERE name = 'server.http.listen_address' RETURN value",
        database_="system",
    )
    host, _, port = records[0]["value"].rpartition(":")
    return f"http://{host or '127.0.0.1'}:{port}"


@pytest.fixture(scope="module")
def seeded(neo4j_uri: str, seed_jsonl: Path) -> None:
    """The test Neo4j emptied and loaded with the bundled seed by kg's own ingest."""
    from kg.ingest import ingest
    from kg.store import open_store

    with open_store(store="neo4j", neo4j_uri=neo4j_uri) as store:
        store.clear()
        assert ingest(seed_jsonl, store).papers_read == 224


@pytest.fixture
def page(chromium_path: str, chromium_args: list[str], neo4j_http: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 900})
            pg.set_default_timeout(60_000)
            pg.goto(f"{neo4j_http}/browser/")
            yield pg
        finally:
            browser.close()


def grass_color(selector: str) -> str:
    """The ``color`` of a rule in queries/style.grass (upper case, as compared with the SVG)."""
    rule = re.search(r"(?ms)^" + re.escape(selector) + r" \{$(.*?)^\}$", GRASS.read_text()).group(1)
    return re.search(r"(?m)^\s*color: (#[0-9A-Fa-f]{6});", rule).group(1).upper()


def is_caption_of(caption: str, title: str) -> bool:
    """The Browser wraps a caption over lines and cuts it with "…": its first word is the title's and
    its letters appear in the title in order."""
    words = caption.replace("…", " ").split()
    if not words or not title.startswith(words[0]):
        return False
    rest = iter(title)
    return all(ch in rest for ch in "".join(words))


def drop_file(page, path: Path) -> None:
    """Drop a file onto the Browser, as a user dragging it from their file manager."""
    data = page.evaluate_handle(
        """([name, text]) => { const dt = new DataTransfer();
             dt.items.add(new File([text], name, {type: 'text/plain'})); return dt; }""",
        [path.name, path.read_text()],
    )
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(".filedrop", event, {"dataTransfer": data})


def run_in_editor(page, command: str | None = None) -> None:
    """Type ``command`` (if given) into the editor and run it with Ctrl+Enter."""
    editor = page.locator(".monaco-editor").first
    editor.click()
    if command is not None:
        page.keyboard.type(command)
    page.keyboard.press("Control+Enter")


def test_neo4j_browser_runs_saved_query_with_style(page, seeded, driver) -> None:
    page.get_by_text("Connect to Neo4j").first.wait_for()
    page.locator("select").nth(1).select_option(label="No authentication")
    page.locator('[data-testid="connect"]').click()
    page.get_by_text("You have a working connection").first.wait_for()
    banner = page.get_by_text("To help make Neo4j Browser better")
    if banner.count():  # the usage-data banner: dismiss it, as a user would, for a clean screenshot
        banner.locator("xpath=following-sibling::*[1]").click()
        banner.wait_for(state="detached")

    # Style: dropping the grass file makes the Browser store it and show it in a :style frame.
    drop_file(page, GRASS)
    page.get_by_text('caption: "{title}"').first.wait_for()
    stored = page.wait_for_function(  # persisted a moment after the state changes
        "() => { const g = JSON.parse(localStorage.getItem('neo4j.grass')); return g && g['node.Paper'] && g; }"
    ).json_value()
    assert stored["node.Paper"]["caption"] == "{title}"
    assert stored["node.Divergence"]["caption"] == "{name}"
    assert stored["node.Claim"]["caption"] == "{type}"

    # The saved query, exactly as a user runs it: the header's :param line, then the file itself.
    text = QUERY.read_text()
    param_line = re.search(r"^// (:param entity => .+)$", text, re.M).group(1)
    run_in_editor(page, param_line)
    page.get_by_text('"entity": "KL"').first.wait_for()
    drop_file(page, QUERY)
    page.locator(".filedrop-paste-in-editor").click()
    run_in_editor(page)

    overview = page.get_by_text(re.compile(r"^Paper \(\d+\)$")).first
    overview.wait_for()
    records, _, _ = driver.execute_query(
        text.strip().rstrip(";"), {"entity": "KL"}, database_="neo4j"
    )
    papers = {r["p"]["id"] for r in records}
    entities = {r["e"]["id"] for r in records}
    assert len(papers) >= 10
    assert overview.inner_text() == f"Paper ({len(papers)})"
    assert page.get_by_text(f"Divergence ({len(entities)})").first.is_visible()

    # The graph is drawn with the dropped style: one fill per label, papers captioned by title.
    fills = page.evaluate(
        """() => { const m = {}; document.querySelectorAll('svg g.node circle.b-outline')
             .forEach(c => { const f = c.getAttribute('fill').toUpperCase(); m[f] = (m[f] || 0) + 1; });
             return m; }"""
    )
    assert fills == {grass_color("node.Paper"): len(papers), grass_color("node.Divergence"): len(entities)}
    paper_captions = page.evaluate(
        """(fill) => [...document.querySelectorAll('svg g.node')]
             .filter(g => g.querySelector('circle.b-outline').getAttribute('fill').toUpperCase() === fill)
             .map(g => [...g.querySelectorAll('text.caption')].map(t => t.textContent).join(''))""",
        grass_color("node.Paper"),
    )
    titles = [r["p"]["title"] for r in records]
    assert len(paper_captions) == len(papers)
    for caption in paper_captions:
        assert any(is_caption_of(caption, title) for title in titles), caption
    page.wait_for_timeout(2500)  # let the force layout settle for the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "neo4j-browser.png"))
    assert (ARTIFACTS / "neo4j-browser.png").stat().st_size > 20_000
