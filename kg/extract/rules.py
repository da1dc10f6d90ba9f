"""Running the rule modules on one :class:`~kg.extract.context.Context` and merging their tags.

Order matters and is fixed: divergences and datasets first (vocabulary + patterns), then methods
(which must not re-tag their spans), then claims (which link to every entity tagged in the same
sentence). :class:`~kg.extract.tags.TagCollector` is the one place that turns matches into :class:`~kg.models.Tag`
objects — one per entity, distinct mentions as written, every piece of evidence kept, in order
of first appearance (so output is deterministic).
"""

from __future__ import annotations

from kg.extract.claims import find_claims
from kg.extract.context import Context
from kg.extract.datasets import find_datasets
from kg.extract.divergences import find_divergences
from kg.extract.methods import find_methods
from kg.extract.tags import TagCollector
from kg.models import Extraction

__all__ = ["TagCollector", "run_rules"]


def run_rules(ctx: Context) -> Extraction:
    """All rule modules on one paper → its :class:`~kg.models.Extraction`."""
    divergences = find_divergences(ctx)
    datasets = find_datasets(ctx, exclude=divergences)
    methods = find_methods(ctx, [*divergences, *datasets])
    claims = find_claims(ctx, [*divergences, *datasets, *methods])
    return Extraction(
        paper=ctx.paper,
        methods=tuple(methods),
        divergences=tuple(divergences),
        datasets=tuple(datasets),
        claims=tuple(claims),
        extractor_version=ctx.version,
    )
