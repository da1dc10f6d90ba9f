"""Fixtures for the ingest and export tests: a fresh real store per test, on both backends, from the
one store factory of tests/world.py."""

from __future__ import annotations

import pytest

from tests import world


@pytest.fixture
def sqlite_store(request, tmp_path):
    """A fresh embedded SQLite store in a temporary file."""
    store = world.open_fresh("sqlite", request, tmp_path)
    yield store
    store.close()


@pytest.fixture(params=world.STORE_PARAMS)
def store(request, tmp_path):
    """A fresh, empty store; each test using this runs once per store."""
    store = world.open_fresh(request.param, request, tmp_path)
    yield store
    store.close()
