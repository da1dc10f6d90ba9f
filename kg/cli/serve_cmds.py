"""CLI commands (placeholder module: commands register themselves on kg.cli.app)."""

from kg.cli import app  # noqa: F401
