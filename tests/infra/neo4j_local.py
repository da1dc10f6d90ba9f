"""Helpers for tests that drive scripts/neo4j-local (not a test module; imported by path).

Why: the script's own tests (tests/infra) and the store-error CLI tests (tests/cli) both start real
throwaway servers with it; one runner, one ``env`` parser and one process lookup keep them in step.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j-local"


def run(home: Path, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 240):
    """Run the script with ``KG_NEO4J_HOME=home``; returns the CompletedProcess (never raises on rc).

    ``KG_NEO4J_BOLT_PORT``/``KG_NEO4J_HTTP_PORT``/``KG_NEO4J_HEAP``/``KG_NEO4J_PAGECACHE`` of the
    caller's environment are dropped unless
    ``extra_env`` sets them, so a developer's own settings never leak into a throwaway home.
    """
    env = {**os.environ, "KG_NEO4J_HOME": str(home), **(extra_env or {})}
    for var in ("KG_NEO4J_BOLT_PORT", "KG_NEO4J_HTTP_PORT", "KG_NEO4J_HEAP", "KG_NEO4J_PAGECACHE"):
        if extra_env is None or var not in extra_env:
            env.pop(var, None)
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def parse_env(stdout: str) -> dict[str, str]:
    """``export NAME=value`` lines → ``{NAME: value}``; any other line is an error."""
    out = {}
    for line in stdout.splitlines():
        assert line.startswith("export "), line
        name, _, value = line[len("export ") :].partition("=")
        out[name] = value
    return out


def server_processes(home: Path) -> list[int]:
    """Pids of Neo4j server processes started for ``home`` (read from /proc, whatever the pid file says)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        if b"org.neo4j.server.CommunityEntryPoint" in args and f"--home-dir={home}".encode() in args:
            pids.append(int(cmdline.parent.name))
    return pids


ENV_NAMES = ("NEO4J_URI", "KG_NEO4J_HTTP", "NEO4J_USERNAME", "NEO4J_PASSWORD")


def shell_env(home: Path) -> dict[str, str]:
    """What ``eval "$(scripts/neo4j-local env)"`` really sets in bash (quoting included), for ``home``."""
    printed = " ".join(f'"${{{name}-}}"' for name in ENV_NAMES)
    result = subprocess.run(
        ["bash", "-c", f'eval "$("$0" env)" && printf "%s\\0" {printed}', str(SCRIPT)],
        env={**os.environ, "KG_NEO4J_HOME": str(home)}, capture_output=True, text=True, check=True,
    )
    values = result.stdout.split("\0")[: len(ENV_NAMES)]
    return {name: value for name, value in zip(ENV_NAMES, values, strict=True) if value}
