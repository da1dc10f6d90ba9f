"""docker-compose.yml, Dockerfile and .env.example checked without Docker (no engine on these machines).

What can drift silently is checked against the code itself: the env names the api service sets must
be names kg.config.Settings reads, and the ``kg ...`` commands it runs must parse with the real Typer
CLI (unknown commands or options fail here, not on a user's machine).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import typer
import yaml
from pydantic import AliasChoices

from kg.cli import app
from kg.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def settings_env_names() -> set[str]:
    """Every environment variable Settings reads: ``KG_<FIELD>`` plus the validation aliases."""
    names = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(a.upper() for a in alias.choices if isinstance(a, str))
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"KG_{field_name}".upper())
    return names


def env_keys(service: dict) -> set[str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return {item.split("=", 1)[0] for item in env}
    return set(env)


def kg_invocations(service: dict) -> list[list[str]]:
    """The ``kg ...`` command lines inside the service's command (``sh -c "a && exec b"`` split up)."""
    command = service["command"]
    script = command[-1] if isinstance(command, list) else command
    out = []
    for part in re.split(r"&&|;|\|\|", script):
        words = shlex.split(part)
        if words and words[0] == "exec":
            words = words[1:]
        if words and words[0] == "kg":
            out.append(words[1:])
    return out


def parse_cli(name: str, args: list[str]):
    """Parse (not run) ``kg NAME ARGS`` with the real CLI; the click context with the parsed params.

    An unknown command fails the assertion; an unknown option or a bad value raises a UsageError."""
    group = typer.main.get_command(app)
    command = group.get_command(group.context_class(group), name)
    assert command is not None, f"`kg {name}` is not a command of kg.cli.app"
    return command.make_context(name, list(args))


DASK_SERVICES = {"dask-scheduler", "dask-worker", "kg-dask"}


def test_compose_services_and_ports() -> None:
    assert set(SERVICES) == {"neo4j", "api"} | DASK_SERVICES
    assert all("profiles" not in SERVICES[s] for s in ("neo4j", "api"))  # `docker compose up` as before
    neo4j = SERVICES["neo4j"]
    assert re.fullmatch(r"neo4j:5\.26(\.\d+)?-community", neo4j["image"])
    container_ports = {p.rsplit(":", 1)[1] for p in neo4j["ports"]}
    assert container_ports == {"7474", "7687"}
    assert any(v.split(":")[0] == "neo4j-data" and v.endswith(":/data") for v in neo4j["volumes"])
    assert "neo4j-data" in COMPOSE["volumes"]
    assert [p.rsplit(":", 1)[1] for p in SERVICES["api"]["ports"]] == ["8000"]


@pytest.mark.parametrize("service", ["neo4j"])
def test_compose_healthcheck(service: str) -> None:
    check = SERVICES[service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert "7474" in " ".join(check["test"])
    assert check["retries"] >= 3


def test_compose_api_waits_for_healthy_neo4j_and_builds_here() -> None:
    api = SERVICES["api"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["build"] == "."
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert 'pip install ".[all]"' in dockerfile


def test_compose_env_names_are_settings_names() -> None:
    known = settings_env_names()
    assert {"NEO4J_URI", "NEO4J_PASSWORD", "KG_STORE"} <= known  # the introspection itself works
    api_env = env_keys(SERVICES["api"])
    assert api_env <= known, f"not read by kg.config.Settings: {sorted(api_env - known)}"
    assert {"KG_STORE", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD"} <= api_env
    assert SERVICES["api"]["environment"]["KG_STORE"] == "neo4j"
    assert SERVICES["api"]["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    Settings.model_validate({})  # defaults still build (the compose values are plain overrides)


def test_compose_password_comes_from_env_file_without_secret() -> None:
    auth = SERVICES["neo4j"]["environment"]["NEO4J_AUTH"]
    assert auth.startswith("neo4j/${NEO4J_PASSWORD:?")
    assert SERVICES["api"]["environment"]["NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD:?")
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert example["NEO4J_PASSWORD"] == ""  # no secret committed
    referenced = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    assert referenced <= set(example), f"missing from .env.example: {sorted(referenced - set(example))}"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_compose_api_commands_are_real_cli_commands() -> None:
    invocations = kg_invocations(SERVICES["api"])
    assert [words[0] for words in invocations] == ["ingest", "serve"]
    for words in invocations:
        name, args = words[0], words[1:]
        ctx = parse_cli(name, args)
        if name == "ingest":
            assert ctx.params["store"] == "neo4j"
            assert [Path(p) for p in ctx.params["paths"]] == [Path("data/seed/papers.jsonl")]
            assert (ROOT / "data" / "seed" / "papers.jsonl").is_file()
        if name == "serve":
            assert ctx.params["host"] == "0.0.0.0" and ctx.params["port"] == 8000
            assert ctx.params["store"] == "neo4j"


@pytest.mark.parametrize(
    ("name", "args"), [("serve", ["--no-such-flag"]), ("ingest", ["--store", "mongodb"])]
)
def test_compose_cli_check_rejects_what_the_cli_rejects(name: str, args: list[str]) -> None:
    with pytest.raises(typer.TyperException):  # click's UsageError, as vendored by typer
        parse_cli(name, args)
    with pytest.raises(AssertionError, match="not a command"):
        parse_cli("no-such-command", [])


def test_compose_dockerfile_default_command_is_real() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert cmd[0] == "kg"
    ctx = parse_cli(cmd[1], cmd[2:])
    assert ctx.params["host"] == "0.0.0.0" and ctx.params["port"] == 8000


def test_compose_dockerignore_keeps_context_small() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".cache", "var", ".kg", ".env", ".git"} <= ignored
    for needed in ("kg", "data", "pyproject.toml"):
        assert needed not in ignored


def parse_dask_cli(words: list[str]):
    """Parse (not run) ``dask scheduler|worker ARGS`` with the real click commands of distributed."""
    from distributed.cli import dask_scheduler, dask_worker

    command = {"scheduler": dask_scheduler.main, "worker": dask_worker.main}[words[1]]
    return command.make_context(f"dask {words[1]}", list(words[2:]))


def test_compose_dask_profile_is_optional_and_from_the_project_image() -> None:
    for name in DASK_SERVICES:
        service = SERVICES[name]
        assert service["profiles"] == ["dask"], name
        assert service["image"] == SERVICES["api"]["image"] == "kg:latest"
    assert SERVICES["dask-scheduler"]["build"] == "."
    assert SERVICES["dask-worker"]["depends_on"] == ["dask-scheduler"]
    assert [p.rsplit(":", 1)[1] for p in SERVICES["dask-scheduler"]["ports"]] == ["8786"]
    # workers and the client see the same shard folder at the same path
    assert SERVICES["dask-worker"]["volumes"] == SERVICES["kg-dask"]["volumes"]
    assert SERVICES["kg-dask"]["volumes"][0].endswith(":/shards")
    assert "shards" in (ROOT / ".dockerignore").read_text().split()


def test_compose_dask_commands_are_real_dask_commands() -> None:
    scheduler = parse_dask_cli(SERVICES["dask-scheduler"]["command"])
    assert scheduler.params["port"] == "8786" and scheduler.params["dashboard"] is False
    worker = parse_dask_cli(SERVICES["dask-worker"]["command"])
    assert worker.params["scheduler"] == "tcp://dask-scheduler:8786"
    assert worker.params["nthreads"] == 1 and worker.params["n_workers"] == "1"  # spaCy: 1 thread a process
    with pytest.raises(Exception, match="No such option"):
        parse_dask_cli(["dask", "worker", "tcp://x:8786", "--no-such-flag"])


def test_compose_dask_client_runs_a_real_kg_command() -> None:
    client = SERVICES["kg-dask"]
    assert env_keys(client) <= settings_env_names()
    [words] = kg_invocations(client)
    ctx = parse_cli(words[0], words[1:])
    assert words[0] == "extract"
    assert ctx.params["engine"] == "dask" and ctx.params["scheduler"] == "tcp://dask-scheduler:8786"
    assert ctx.params["out_dir"] == "/shards/out"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'pip install ".[all]"' in dockerfile
    try:
        import tomllib
    except ImportError:  # pragma: no cover - python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "dask" in extras["all"][0] and any(d.startswith("dask[distributed]") for d in extras["dask"])
