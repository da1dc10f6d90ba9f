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


def test_every_command_is_mapped_to_the_module_that_defines_it():
    """``kg X`` loads only the module :data:`kg.cli._app.COMMANDS` names for X: every registered
    command must be there, with the module its callback comes from (else ``kg X`` would not exist)."""
    from kg.cli import _app

    assert set(_app.COMMANDS) == {name for name, _ in COMMANDS}
    for name, command in COMMANDS:
        expected = _app.COMMANDS[name]
        if command.callback is None:  # a group (kg curate): its sub-commands come from its module
            sub = next(iter(command.commands.values()))  # type: ignore[attr-defined]
            assert sub.callback.__module__ == f"kg.cli.{expected}", name
        else:
            assert command.callback.__module__ == (f"kg.cli.{expected}" if expected else "kg.cli._app"), name


@pytest.mark.parametrize("argv", [["papers-using", "--help"], ["--help"], ["stats", "--help"]])
def test_the_console_entry_loads_only_the_named_command(argv):
    """A fresh ``python -m kg papers-using`` does not import the ingest, readers or the server; the
    root help still lists every command."""
    import subprocess
    import sys

    code = ("import sys\nfrom kg.cli._app import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith(('kg.read', 'kg.ingest', 'kg.api', "
            "'kg.cli.'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = proc.stdout.rsplit("LOADED", 1)[1]
    if argv[0] == "papers-using":
        assert "papers-using" in proc.stdout and "--exact" in proc.stdout
        assert "kg.read" not in loaded and "kg.ingest" not in loaded and "kg.api" not in loaded
        assert "kg.cli.graph_cmds" not in loaded
    elif argv[0] == "--help":
        assert all(name in proc.stdout for name, _ in COMMANDS)
    else:
        assert "kg.cli.graph_cmds" in loaded and "kg.cli.query_cmds" not in loaded
