"""``kg serve`` on a port it cannot bind, or an unknown host: one error line, exit 2, no uvicorn log."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


@pytest.fixture()
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def _serve(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg", "serve", "--graph", str(tmp_path / "g.json"), *args],
        capture_output=True, text=True, timeout=60,
    )


def test_serve_errors_busy_port_is_one_line(tmp_path, busy_port):
    proc = _serve(tmp_path, "--port", str(busy_port))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: [E100] cannot listen on 127.0.0.1:"), proc.stderr
    assert "Traceback" not in proc.stderr and "INFO" not in proc.stderr


def test_serve_errors_unknown_host_is_one_line(tmp_path):
    proc = _serve(tmp_path, "--host", "no-such-host.invalid", "--port", "8000")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "unknown host" in proc.stderr, proc.stderr
