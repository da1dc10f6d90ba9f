"""Shared fixtures. Small and real: a fresh store per test, one nlp pipeline per session.

Services: tests marked ``neo4j`` use the server at ``KG_TEST_NEO4J_URI`` (scripts/test starts one).
Without it they skip — unless ``KG_REQUIRE_NEO4J=1`` (set by scripts/test and so by CI), where a
missing or unreachable server FAILS the run: a skip is not a pass. Likewise ``browser`` tests and
``KG_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.world import empty_store, neo4j_store, store  # noqa: F401 - the shared store fixtures

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED_JSONL = DATA / "seed" / "papers.jsonl"
SEED_TXT = DATA / "seed" / "seed-abstracts.txt"
GOLD_DEV = DATA / "gold" / "dev.jsonl"
CORPUS = ROOT.parent / "shared" / "corpora" / "ml-abstracts-ccby.jsonl"


def _required(var: str) -> bool:
    return os.environ.get(var, "") not in ("", "0", "false", "no")


def need(condition: bool, reason: str, require_var: str) -> None:
    """Skip when a service is missing, or fail when ``require_var`` says it is required."""
    if condition:
        return
    if _required(require_var):
        pytest.fail(f"{reason} (required: {require_var}=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    """URI of the real Neo4j server for integration tests (auth disabled)."""
    uri = os.environ.get("KG_TEST_NEO4J_URI", "")
    need(bool(uri), "KG_TEST_NEO4J_URI is not set: no Neo4j server for this run", "KG_REQUIRE_NEO4J")
    try:
        from neo4j import GraphDatabase

        with GraphDatabase.driver(uri, auth=None) as driver:
            driver.verify_connectivity()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is not there
        need(False, f"Neo4j at {uri} is not reachable: {exc}", "KG_REQUIRE_NEO4J")
    return uri


@pytest.fixture(scope="session")
def java_and_maven() -> None:
    """scripts/neo4j-local needs Java 17+ and Maven: a skip without them, a failure where Neo4j is required."""
    import shutil

    need(shutil.which("java") is not None and shutil.which("mvn") is not None,
         "scripts/neo4j-local needs Java 17+ and Maven", "KG_REQUIRE_NEO4J")


#: Debian chromium as root on a machine with no outside network (see shared docs/browser-testing.md):
#: no sandbox, and none of the background connections that the closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    return list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = "/usr/bin/chromium"
    need(Path(path).exists(), "Debian chromium is not installed at /usr/bin/chromium", "KG_REQUIRE_BROWSER")
    return path


@pytest.fixture(scope="session")
def seed_jsonl() -> Path:
    return SEED_JSONL


@pytest.fixture(scope="session")
def wrapped_seed_jsonl(tmp_path_factory) -> Path:
    """The seed with every third abstract hard-wrapped at 76 columns, as arXiv's are: cells with line
    breaks (abstracts, sentences, claims) beside papers without any."""
    import json
    import textwrap

    out = tmp_path_factory.mktemp("wrapped") / "papers.jsonl"
    with SEED_JSONL.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            rec = json.loads(line)
            if i % 3 == 0:
                rec["abstract"] = textwrap.fill(rec["abstract"], 76)
            dst.write(json.dumps(rec) + "\n")
    return out


@pytest.fixture(scope="session")
def seed_txt() -> Path:
    return SEED_TXT


@pytest.fixture(scope="session")
def gold_dev() -> Path:
    return GOLD_DEV


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    if not CORPUS.exists():
        pytest.skip("../shared/corpora is not beside this checkout")
    return CORPUS


# A fresh embedded store per test; ``empty_store`` (both stores), ``store`` (both, holding the fixture
# graph) and ``neo4j_store`` come from tests/world.py.
@pytest.fixture
def sqlite_store(request, tmp_path):
    """A fresh embedded SQLite store in a temporary file."""
    from tests import world

    opened = world.open_fresh("sqlite", request, tmp_path)
    yield opened
    opened.close()
