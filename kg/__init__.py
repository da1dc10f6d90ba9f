"""kg — a research-index knowledge graph built from ML paper abstracts with offline spaCy rules.

Library API (the CLI and the GraphQL server are thin layers over it)::

    import kg
    papers, problems = kg.read_papers("data/seed/papers.jsonl")
    extractions = kg.extract(papers)            # pure, deterministic
    store = kg.open_store()                      # networkx by default, Neo4j via settings
    kg.ingest(["data/seed/papers.jsonl"], store)
    kg.papers_using(store, "KL divergence")
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "read_papers": "kg.read",
    "extract": "kg.extract",
    "extract_one": "kg.extract",
    "open_store": "kg.store",
    "ingest": "kg.ingest",
    "papers_using": "kg.query",
}


def __getattr__(name: str):
    """Import the public functions lazily so that ``import kg`` stays cheap."""
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(mod), name)
