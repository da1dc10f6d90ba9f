"""Fixtures for the scale-out tests: small real inputs, the single-process reference, a real Dask
``LocalCluster`` of 2 worker processes (shared by a module's tests: starting one costs seconds)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kg.extract import extract
from kg.models import Extraction
from kg.read import read_papers


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def seed_records(seed_jsonl: Path, n: int | None = None) -> list[dict]:
    return [json.loads(line) for line in seed_jsonl.read_text(encoding="utf-8").splitlines()[:n]]


def reference(path: Path) -> list[Extraction]:
    """What the single-process path gives: read_papers → extract, in one process."""
    return list(extract(read_papers(path).papers))


@pytest.fixture
def make_jsonl(tmp_path):
    """``make_jsonl(name, records)``: a JSONL file of ``records`` under tmp_path."""
    return lambda name, records: write_jsonl(tmp_path / name, records)


@pytest.fixture(scope="session")
def single_process():
    """``single_process(path)``: the extractions of the single-process path (read_papers → extract)."""
    return reference


@pytest.fixture(scope="session")
def seed_rows(seed_jsonl) -> list[dict]:
    return seed_records(seed_jsonl)


@pytest.fixture(scope="session")
def seed_reference(seed_jsonl) -> list[Extraction]:
    return reference(seed_jsonl)


@pytest.fixture(scope="module")
def cluster():
    """A real LocalCluster: 2 spawned worker processes, one thread each (its scheduler address is
    passed as --scheduler, so these tests run the cluster code path)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
            yield c


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    """The 530-abstract corpus of ../shared (or of $KG_SHARED, for a worktree not beside shared/)."""
    root = Path(__file__).resolve().parents[2]
    base = Path(os.environ.get("KG_SHARED") or root.parent / "shared")
    path = base / "corpora" / "ml-abstracts-ccby.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared (or $KG_SHARED) is not beside this checkout")
    return path
