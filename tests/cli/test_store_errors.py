"""An unusable Neo4j — wrong password, wrong user, nothing listening — is one error line and exit 3.

The issue asks for "one clear error line and a non-zero exit, no traceback" when Neo4j is unreachable
or refuses the credentials. The suite's shared server runs without auth, so this module starts its own
auth-enabled server (scripts/neo4j-local ``--password``, throwaway home, free ports), runs the real CLI
in subprocesses (real stderr, real exit codes) against it, and stops it afterwards whatever happened.
Under ``KG_REQUIRE_NEO4J=1`` (scripts/test, CI) a server that cannot start fails the module.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    """Import a helper module of another test folder by path, once (test folders are not packages)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


local = _load("neo4j_local", TESTS / "infra" / "neo4j_local.py")
need = _load("kg_tests_root_conftest", TESTS / "conftest.py").need

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

PASSWORD = "kg-test pass$word"  # a space and a '$': the script's env line must quote it for eval
EXIT_STORE = 3  # kg.cli._common.EXIT_STORE (StoreUnavailable)


def kg(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m kg ARGS`` in a clean environment (no NEO4J_*/KG_* of the caller) plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "KG_"))}
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], env={**base, **(env or {})}, capture_output=True,
        text=True, timeout=timeout, check=False,
    )


def assert_one_error_line(result: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 3, nothing on stdout, and stderr is exactly one ``error:`` line holding every needle."""
    assert result.returncode == EXIT_STORE, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stderr.endswith("\n"), result.stderr
    assert lines[0].startswith("error:"), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert result.stdout == ""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict[str, str]]:
    """An auth-enabled Neo4j (user neo4j, password PASSWORD); yields the script's ``env`` variables."""
    need(
        shutil.which("java") is not None and shutil.which("mvn") is not None,
        "scripts/neo4j-local needs Java 17+ and Maven on PATH", "KG_REQUIRE_NEO4J",
    )
    home = tmp_path_factory.mktemp("neo4j-auth") / "home"
    try:
        started = local.run(home, "start", "--fresh", "--free-ports", "--password", PASSWORD)
        need(
            started.returncode == 0,
            f"scripts/neo4j-local could not start an auth-enabled Neo4j: {started.stderr[-2000:]}",
            "KG_REQUIRE_NEO4J",
        )
        printed = local.parse_env(local.run(home, "env").stdout)
        assert set(printed) == {"NEO4J_URI", "KG_NEO4J_HTTP", "KG_NEO4J_ADMIN", "NEO4J_USERNAME", "NEO4J_PASSWORD"}
        yield local.shell_env(home)
    finally:
        local.run(home, "stop", timeout=120)
        assert local.server_processes(home) == []


@pytest.fixture(scope="module")
def tiny_jsonl(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("input") / "one.jsonl"
    path.write_text(
        '{"id": "auth-1", "title": "A test paper", "abstract": "We minimize the KL divergence on MNIST."}\n',
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    """A port nothing listens on (bound, read back, closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command(name: str, tiny_jsonl: Path) -> list[str]:
    """The CLI arguments of a store-opening command (serve on a free port: it must fail before serving)."""
    return {
        "stats": ["stats", "--json"],
        "ingest": ["ingest", str(tiny_jsonl), "--quiet"],
        "serve": ["serve", "--port", str(free_port())],
    }[name]


def test_store_errors_right_password_works(server):
    # First in the module on purpose: after 3 wrong passwords Neo4j locks user neo4j for 5 s
    # (dbms.security.auth_max_failed_attempts / auth_lock_time defaults, kept as users have them).
    env = {**server, "KG_STORE": "neo4j"}  # exactly what `eval "$(scripts/neo4j-local env)"` sets
    from_env = kg("stats", "--json", env=env)
    assert from_env.returncode == 0, from_env.stderr
    assert "Traceback" not in from_env.stderr and "error:" not in from_env.stderr
    counts = json.loads(from_env.stdout)
    assert counts["papers"] == 0 and counts["claims"] == 0

    flags = kg("stats", "--json", "--store", "neo4j", "--uri", server["NEO4J_URI"], "--password", PASSWORD)
    assert flags.returncode == 0, flags.stderr
    assert json.loads(flags.stdout) == counts


def test_store_errors_env_script_exports_the_credentials(server):
    # `server` is what bash sets from `eval "$(scripts/neo4j-local env)"`: the quoting survived.
    assert server["NEO4J_USERNAME"] == "neo4j"
    assert server["NEO4J_PASSWORD"] == PASSWORD
    assert server["NEO4J_URI"].startswith("bolt://127.0.0.1:")


@pytest.mark.parametrize("name", ["stats", "ingest", "serve"])
@pytest.mark.parametrize(
    ("user", "password"), [("neo4j", "wrong-password"), ("nobody", PASSWORD)], ids=["wrong-password", "wrong-user"]
)
def test_store_errors_refused_credentials_are_one_line_exit_3(server, tiny_jsonl, name, user, password):
    uri = server["NEO4J_URI"]
    result = kg(*command(name, tiny_jsonl), "--store", "neo4j", "--uri", uri, "--user", user, "--password", password)
    assert_one_error_line(result, uri, "refused the credentials")
    # Neo4j's reason: a plain failure, or (once it locked the user after repeated failures) that one.
    assert "authentication failure" in result.stderr or "incorrect authentication details" in result.stderr


def test_store_errors_wrong_password_from_the_environment(server):
    env = {**server, "NEO4J_PASSWORD": "wrong-password", "KG_STORE": "neo4j"}
    assert_one_error_line(kg("stats", env=env), server["NEO4J_URI"], "refused the credentials")


def test_store_errors_no_password_on_an_auth_server(server):
    # No password at all means "auth disabled" to kg: the server says who is missing.
    result = kg("stats", "--store", "neo4j", "--uri", server["NEO4J_URI"])
    assert_one_error_line(result, server["NEO4J_URI"])


@pytest.mark.parametrize("name", ["stats", "ingest", "serve"])
def test_store_errors_unreachable_server_is_one_line_exit_3(tiny_jsonl, name):
    uri = f"bolt://127.0.0.1:{free_port()}"
    result = kg(*command(name, tiny_jsonl), "--store", "neo4j", "--uri", uri, "--password", "whatever")
    assert_one_error_line(result, uri, "unreachable")
