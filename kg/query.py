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
from kg.models import EntityFilter, EntityKind, Evidence, PaperPage, PaperQuery, Role, Variant
from kg.resolve import Resolution, resolve
from kg.store.base import GraphStore


class UsingRow(BaseModel):
    """One flat row of a "papers using X" answer: a paper, one matched entity, how it is used and
    the first evidence sentence (what the CLI table and ``--json`` show)."""

    model_config = ConfigDict(frozen=True)

    paper_id: str
    title: str
    year: int | None = None
    entity_id: str
    entity: str
    kind: EntityKind
    role: Role | None = None
    variant: Variant | None = None
    sentence: str | None = None
    rule: str | None = None
    evidence: tuple[Evidence, ...] = ()


class UsingResult(BaseModel):
    """The answer to "papers using X": how X was resolved and the page of papers."""

    model_config = ConfigDict(frozen=True)

    resolution: Resolution
    role: Role | None = None
    variant: Variant | None = None
    page: PaperPage

    def rows(self) -> list[UsingRow]:
        """One row per (paper, matched entity), in page order."""
        out = []
        for hit in self.page.items:
            for tag in hit.matches:
                first = tag.evidence[0] if tag.evidence else None
                out.append(
                    UsingRow(
                        paper_id=hit.paper.id,
                        title=hit.paper.title,
                        year=hit.paper.year,
                        entity_id=tag.entity.id,
                        entity=tag.entity.name,
                        kind=tag.entity.kind,
                        role=tag.role,
                        variant=tag.variant,
                        sentence=first.sentence if first else None,
                        rule=first.rule if first else None,
                        evidence=tag.evidence,
                    )
                )
        return out


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
        for row in result.rows():
            print(row.paper_id, row.title, row.variant, row.sentence)
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
