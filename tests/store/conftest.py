"""Store fixtures: ``empty_store`` and ``store`` (the fixture graph), each over networkx and Neo4j."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def load_graphdata():
    """Import tests/store/graphdata.py once, by path (test folders are not packages)."""
    name = "kg_tests_graphdata"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("graphdata.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


gd = load_graphdata()
empty_store = gd.empty_store
store = gd.store
neo4j_store = gd.neo4j_store
