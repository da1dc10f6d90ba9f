"""Lookups: "papers using X" — resolution plus one store query — shared by the CLI and the API.

Why a module of its own: ``kg papers-using`` and the GraphQL ``papers(where: {using: …})`` must give
the same answer for the same words, so both call :func:`papers_using`, which resolves the name
(aliases, folded keys, family expansion; :mod:`kg.resolve`) and asks the store for one
:class:`~kg.models.PaperPage`. An unknown name raises :class:`~kg.errors.NotFound` whose message
carries the close names, ready to print as one line.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from kg.errors import NotFound
from kg.models import EntityFilter, EntityKind, PaperPage, PaperQuery, Role, Variant
from kg.resolve import Resolution, resolve
from kg.store.base import GraphStore


class UsingResult(BaseModel):
    """The answer to "papers using X": how X was resolved and the page of papers."""

    model_config = ConfigDict(frozen=True)

    resolution: Resolution
    role: Role | None = None
    variant: Variant | None = None
    page: PaperPage


def not_found_message(resolution: Resolution) -> str:
    """The one-line message for a name that resolves to nothing, with suggestions."""
    what = f"no {resolution.kind} named" if resolution.kind else "no entity named"
    if resolution.suggestions:
        return f"{what} {resolution.text!r}; did you mean: {', '.join(resolution.suggestions)}?"
    return f"{what} {resolution.text!r} (see `kg entities` for the known names)"


def papers_using(
    store: GraphStore,
    text: str,
    *,
    kind: EntityKind | None = None,
    role: Role | None = None,
    variant: Variant | None = None,
    exact: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> UsingResult:
    """Papers linked to the entity (or family) ``text`` names.

    Args:
        store: any graph store.
        text: an entity name or alias ("KL", "relative entropy", "f-divergence", "CIFAR10").
        kind: only entities of this kind.
        role: only method links with this role (``proposed``/``used``).
        variant: only divergence links with this KL variant; default: the variant the text names
            ("reverse KL"), else any.
        exact: do not include the members of a family.
        limit, offset: the page (ordered by paper id); ``page.total`` counts every match.

    Raises:
        NotFound: nothing resolves; the message lists close names.
        StoreError: the store failed.

    Example::

        result = papers_using(store, "KL divergence")
        for hit in result.page.items:
            for tag in hit.matches:
                print(hit.paper.id, hit.paper.title, tag.variant, tag.evidence[0].sentence)
    """
    resolution = resolve(store, text, kind, exact=exact)
    if not resolution.found:
        raise NotFound(not_found_message(resolution))
    variant = variant or resolution.variant
    query = PaperQuery(
        using=(EntityFilter(ids=resolution.ids, role=role, variant=variant),),
        limit=limit,
        offset=offset,
    )
    return UsingResult(resolution=resolution, role=role, variant=variant, page=store.find_papers(query))
