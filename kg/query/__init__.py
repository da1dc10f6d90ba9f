"""The query core: every question the CLI and the GraphQL API answer, as one typed function each.

Why a package of its own: ``kg papers-using`` and ``papers(where: …)`` (and every other pair of
adapters) must give the same answer, the same errors and the same empty results, so both only parse
arguments, call a function here and print its pydantic result. Layers: resolution
(:mod:`kg.resolve`) → these functions → the store protocol (:mod:`kg.store.base`).

* :mod:`kg.query.papers` — paper questions with filters, ordering (relevance by default for a
  lookup), page checks and cursors bound to their question;
* :mod:`kg.query.lookups` — one paper, why, entities, claims, co-occurrence, facets, taxonomy.

Errors: an unknown name is :class:`~kg.errors.NotFound` with ``suggestions``; a page size outside
``0..max_limit``, a negative offset or a cursor from another question is an
:class:`~kg.errors.InputError` (never a silent clamp).
"""

from typing import TYPE_CHECKING, Any

#: Where each name lives: imported on first use, so that ``kg papers-using`` (which needs only
#: :mod:`kg.query.papers`) does not pay for the other questions' models.
_LAZY = {
    "ClaimList": "kg.query.lookups",
    "Cooccurrence": "kg.query.lookups",
    "CountRow": "kg.query.lookups",
    "EntityList": "kg.query.lookups",
    "EntityRow": "kg.query.lookups",
    "TaxonomyNode": "kg.query.lookups",
    "WhyResult": "kg.query.lookups",
    "YearBucket": "kg.query.lookups",
    "YearFacet": "kg.query.lookups",
    "claims": "kg.query.lookups",
    "cooccurring": "kg.query.lookups",
    "entities": "kg.query.lookups",
    "paper": "kg.query.lookups",
    "papers_by_year": "kg.query.lookups",
    "taxonomy": "kg.query.lookups",
    "why": "kg.query.lookups",
    "MAX_LIMIT": "kg.query.papers",
    "ORDER_HELP": "kg.query.papers",
    "PaperFilters": "kg.query.papers",
    "PapersResult": "kg.query.papers",
    "ResolvedName": "kg.query.papers",
    "UsingRow": "kg.query.papers",
    "check_limit": "kg.query.papers",
    "decode_cursor": "kg.query.papers",
    "encode_cursor": "kg.query.papers",
    "find_papers": "kg.query.papers",
    "not_found_message": "kg.query.papers",
    "papers_using": "kg.query.papers",
    "parse_years": "kg.query.papers",
    "resolve_name": "kg.query.papers",
    "rows": "kg.query.papers",
}

if TYPE_CHECKING:
    from kg.query.lookups import (
        ClaimList,
        Cooccurrence,
        CountRow,
        EntityList,
        EntityRow,
        TaxonomyNode,
        WhyResult,
        YearBucket,
        YearFacet,
        claims,
        cooccurring,
        entities,
        paper,
        papers_by_year,
        taxonomy,
        why,
    )
    from kg.query.papers import (
        MAX_LIMIT,
        ORDER_HELP,
        PaperFilters,
        PapersResult,
        ResolvedName,
        UsingRow,
        check_limit,
        decode_cursor,
        encode_cursor,
        find_papers,
        not_found_message,
        papers_using,
        parse_years,
        resolve_name,
        rows,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kg.query' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "MAX_LIMIT", "ORDER_HELP", "ClaimList", "Cooccurrence", "CountRow", "EntityList", "EntityRow",
    "PaperFilters", "PapersResult", "ResolvedName", "TaxonomyNode", "UsingRow", "WhyResult", "YearBucket",
    "YearFacet", "check_limit", "claims", "cooccurring", "decode_cursor", "encode_cursor", "entities",
    "find_papers", "not_found_message", "paper", "papers_by_year", "papers_using", "parse_years",
    "resolve_name", "rows", "taxonomy", "why",
]
