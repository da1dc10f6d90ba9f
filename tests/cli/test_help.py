"""Every kg command, and every option and argument of it, has help text (the sqlite-utils check)."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from kg.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands.items())  # type: ignore[attr-defined]


def test_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name, _ in COMMANDS:
        assert name in result.output
    assert {"ingest", "papers-using", "paper", "entities", "claims", "why", "stats", "export"} <= dict(COMMANDS).keys()


@pytest.mark.parametrize("name,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_help_every_command_and_parameter_is_documented(name, command):
    result = CliRunner().invoke(app, [name, "--help"])

    assert result.exit_code == 0, result.output
    assert (command.help or "").strip(), f"kg {name} has no help text"
    undocumented = [p.name for p in command.params if p.name != "help" and not (getattr(p, "help", None) or "").strip()]
    assert not undocumented, f"kg {name}: parameters without help: {undocumented}"
