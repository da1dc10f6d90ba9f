"""Settings, read from the environment (``KG_*`` plus the standard ``NEO4J_*`` names) and CLI flags.

Build them with :func:`load_settings` (never at import), passing only the CLI flags that were given
so that flags override the environment, which overrides the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def default_data_dir() -> Path:
    """The bundled ``data/`` folder (repo checkout) or the copy installed inside the package."""
    for cand in (DATA_DIR, PACKAGE_DIR / "data"):
        if (cand / "vocab").is_dir():
            return cand
    return DATA_DIR


class Settings(BaseSettings):
    """Every setting kg reads. Env names: ``KG_<FIELD>``; Neo4j also reads ``NEO4J_URI`` etc."""

    model_config = SettingsConfigDict(env_prefix="KG_", extra="ignore", populate_by_name=True)

    store: Literal["sqlite", "networkx", "neo4j"] = Field(
        default="sqlite",
        description="sqlite (the embedded store; 'networkx', its former name, means the same) or neo4j.",
    )
    graph_path: Path = Field(
        default=Path(".kg/graph.db"),
        description="The embedded store's SQLite file (an old graph.json is migrated to graph.db beside it).",
    )
    neo4j_uri: str = Field(
        default="bolt://127.0.0.1:7687", validation_alias=AliasChoices("KG_NEO4J_URI", "NEO4J_URI")
    )
    neo4j_username: str = Field(
        default="neo4j", validation_alias=AliasChoices("KG_NEO4J_USERNAME", "NEO4J_USERNAME")
    )
    neo4j_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KG_NEO4J_PASSWORD", "NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("KG_NEO4J_DATABASE", "NEO4J_DATABASE")
    )
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    neo4j_connection_timeout: float = Field(default=10.0, gt=0, description="Seconds to connect to Neo4j.")
    neo4j_retry_time: float = Field(
        default=15.0, ge=0, description="Seconds the Neo4j driver retries a failed transaction."
    )
    query_timeout: float | None = Field(
        default=None, gt=0, description="Server-side limit in seconds on each Neo4j read (None: none)."
    )
    neo4j_admin: str | None = Field(
        default=None, description="The neo4j-admin command for --bulk (e.g. 'scripts/neo4j-local admin')."
    )
    neo4j_admin_memory: str | None = Field(
        default=None, pattern=r"^\d+(\.\d+)?([kKmMgG]|%)?$",
        description="neo4j-admin import's --max-off-heap-memory for --bulk (e.g. 512m, 25%; default: "
        "neo4j-admin's own, 90% of free memory).",
    )
    neo4j_admin_pagecache: str = Field(
        default="512m", pattern=r"^(\d+(\.\d+)?[kKmMgG]?)?$",
        description="The page cache of neo4j-admin's --bulk import (server.memory.pagecache.size through "
        "--additional-config; empty: the server home's setting, often sized for queries). A larger one did not "
        "speed the import up (100,000 papers: 18-21 s with 256m, 512m, 1g or 4g) but adds to its RSS.",
    )
    bulk_dir: Path | None = Field(default=None, description="Where --bulk stages its CSV files (default: temp).")


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with ``overrides`` (non-None values only) on top.

    Raises:
        InputError: a flag or a ``KG_*``/``NEO4J_*`` variable has a value that is not allowed.
    """
    from pydantic import ValidationError

    from kg.errors import InputError

    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        bad = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise InputError(f"bad setting (from a flag or a KG_*/NEO4J_* variable): {bad}") from None
