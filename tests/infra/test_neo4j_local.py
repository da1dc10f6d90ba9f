"""scripts/neo4j-local against a real server in a throwaway home.

The script is what scripts/test (and so CI) and developers use to get a Neo4j without Docker; these
tests run its real start/status/env/stop cycle and its failure paths (a port in use, a server that
dies during startup), each in its own temporary home and on free ports so they never touch the
server the rest of the suite uses.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import GraphDatabase

from tests.infra.neo4j_local import (
    parse_env,
    run,
    server_processes,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("java_and_maven")]


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A throwaway server home; whatever started there is stopped afterwards."""
    path = tmp_path / "neo4j-home"
    yield path
    run(path, "stop", timeout=120)


def test_neo4j_local_lifecycle_start_status_env_stop(home: Path) -> None:
    started = run(home, "start", "--fresh", "--free-ports")
    assert started.returncode == 0, started.stderr
    assert "ready" in started.stderr

    env = parse_env(run(home, "env").stdout)
    assert set(env) == {"NEO4J_URI", "KG_NEO4J_HTTP", "KG_NEO4J_ADMIN"}
    bolt_port = int(env["NEO4J_URI"].rsplit(":", 1)[1])
    http_port = int(env["KG_NEO4J_HTTP"].rsplit(":", 1)[1])
    assert env["NEO4J_URI"] == f"bolt://127.0.0.1:{bolt_port}"
    assert bolt_port != http_port
    assert (home / "run" / "ports").read_text() == f"bolt={bolt_port}\nhttp={http_port}\n"

    status = run(home, "status")
    assert status.returncode == 0
    assert "ready" in status.stdout and f":{bolt_port}" in status.stdout

    again = run(home, "start")
    assert again.returncode == 0
    assert "already running" in again.stderr
    # Asking a running auth-less server for a password is refused, not silently ignored.
    other_mode = run(home, "start", "--password", "a-password")
    assert other_mode.returncode == 1
    assert "already running" in other_mode.stderr and "with auth disabled: stop it first" in other_mode.stderr

    with GraphDatabase.driver(env["NEO4J_URI"], auth=None) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS v, edition",
            database_="neo4j",
        )
    assert records[0]["edition"] == "community"
    assert records[0]["v"].startswith("5.26.")

    page = httpx.get(f"{env['KG_NEO4J_HTTP']}/browser/", timeout=30)
    assert page.status_code == 200
    assert "<title>Neo4j Browser" in page.text

    # --fresh on a running home: the old server is stopped and the database starts empty.
    with GraphDatabase.driver(env["NEO4J_URI"], auth=None) as driver:
        driver.execute_query("CREATE (:Marker {at: 'before fresh'})", database_="neo4j")
    old_pid = int((home / "run" / "neo4j.pid").read_text())
    fresh = run(home, "start", "--fresh", "--free-ports")
    assert fresh.returncode == 0, fresh.stderr
    assert f"stopping the running server (pid {old_pid}) for --fresh" in fresh.stderr
    assert not Path(f"/proc/{old_pid}").exists()
    env = parse_env(run(home, "env").stdout)
    with GraphDatabase.driver(env["NEO4J_URI"], auth=None) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_="neo4j")
    assert records[0]["n"] == 0

    pid = int((home / "run" / "neo4j.pid").read_text())
    assert pid != old_pid
    assert server_processes(home) == [pid]
    stopped = run(home, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert server_processes(home) == []
    assert "Stopped." in (home / "logs" / "console.log").read_text()
    status = run(home, "status")
    assert status.returncode == 3
    assert "not running" in status.stdout

    # Neo4j takes an initial password only before a database's first start: this one exists already.
    late = run(home, "start", "--password", "a-password")
    assert late.returncode == 1
    assert "created without a password" in late.stderr and "add --fresh" in late.stderr
    assert server_processes(home) == []
    assert set(parse_env(run(home, "env").stdout)) == {"NEO4J_URI", "KG_NEO4J_HTTP", "KG_NEO4J_ADMIN"}


def test_neo4j_local_start_after_a_crash_reuses_the_recorded_ports_and_memory(home: Path) -> None:
    slow_machine = {"KG_NEO4J_TIMEOUT": "500"}  # a loaded 2-core machine can take minutes to start Neo4j
    sized = {**slow_machine, "KG_NEO4J_HEAP": "640m", "KG_NEO4J_PAGECACHE": "96m"}
    assert run(home, "start", "--fresh", "--free-ports", extra_env=sized, timeout=540).returncode == 0
    recorded = (home / "run" / "ports").read_text()
    uri = parse_env(run(home, "env").stdout)["NEO4J_URI"]
    (pid,) = server_processes(home)
    os.kill(pid, signal.SIGKILL)  # a crash: no stop, the pid file stays behind
    deadline = time.monotonic() + 10
    while server_processes(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run(home, "status").returncode == 3

    restarted = run(home, "start", extra_env=slow_machine, timeout=540)
    assert restarted.returncode == 0, restarted.stderr
    assert (home / "run" / "ports").read_text() == recorded
    assert parse_env(run(home, "env").stdout)["NEO4J_URI"] == uri
    # the sizes of the first start, not the defaults (a benchmark server restarted by `admin` keeps them)
    (pid,) = server_processes(home)
    assert b"-Xmx640m" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert "server.memory.pagecache.size=96m" in (home / "conf" / "neo4j.conf").read_text().splitlines()
    with GraphDatabase.driver(uri, auth=None) as driver:
        driver.verify_connectivity()


def test_neo4j_local_port_in_use_fails_loudly(home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(home, "start", extra_env={"KG_NEO4J_BOLT_PORT": str(port)})
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--free-ports" in result.stderr
    assert run(home, "status").returncode == 3


def test_neo4j_local_server_dying_at_startup_fails_with_log(home: Path) -> None:
    # Both listeners on one free port: the pre-check passes, then Neo4j itself cannot bind the second
    # and exits; the script must notice the dead process at once and show why.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    result = run(home, "start", extra_env={"KG_NEO4J_BOLT_PORT": port, "KG_NEO4J_HTTP_PORT": port})
    assert result.returncode == 1
    assert "died during startup" in result.stderr
    assert "first error:" in result.stderr and "already in use" in result.stderr
    assert not (home / "run" / "neo4j.pid").exists()
    assert server_processes(home) == []


def test_neo4j_local_readiness_timeout_stops_the_server(home: Path) -> None:
    result = run(home, "start", "--free-ports", extra_env={"KG_NEO4J_TIMEOUT": "1"})
    assert result.returncode == 1
    assert "not ready after 1s" in result.stderr and "stopping it" in result.stderr
    assert not (home / "run" / "neo4j.pid").exists()
    assert run(home, "status").returncode == 3
    assert server_processes(home) == []


@pytest.mark.parametrize(
    ("args", "rc", "needle"),
    [
        ((), 2, "start [--fresh] [--free-ports]"),
        (("bogus",), 2, "start [--fresh] [--free-ports]"),
        (("start", "--nope"), 1, "unknown option '--nope'"),
        (("start", "--password"), 1, "--password needs a value"),
        (("start", "--free-ports", "--password", "short"), 1, "at least 8 characters"),
        (("stop",), 0, "not running"),
    ],
)
def test_neo4j_local_usage_errors(home: Path, args: tuple[str, ...], rc: int, needle: str) -> None:
    result = run(home, *args, timeout=60)
    assert result.returncode == rc
    assert needle in result.stderr
