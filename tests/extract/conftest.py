"""Fixtures for the extraction tests: one extraction of the bundled seed per session, and a helper
that extracts a single made-up abstract through the real pipeline."""

from __future__ import annotations

import pytest

from kg.extract import extract, extract_one
from kg.models import Extraction, Paper
from kg.read import read_papers


def run(abstract: str, title: str = "A study of things") -> Extraction:
    """Extract one paper made of ``title`` and ``abstract``."""
    return extract_one(Paper(id="t", title=title, abstract=abstract))


@pytest.fixture(scope="session")
def run_text():
    """The :func:`run` helper as a fixture."""
    return run


@pytest.fixture(scope="session")
def seed_extractions(seed_jsonl) -> list[Extraction]:
    return list(extract(read_papers(seed_jsonl).papers))
