"""One place that turns matched spans into tags: :class:`TagCollector`.

Every rule module (divergences, datasets, methods, claims link to them) records its matches here — one
:class:`~kg.models.Tag` per entity, distinct mentions as written, every piece of evidence kept, in order
of first appearance (so output is deterministic).
"""

from __future__ import annotations

from spacy.tokens import Span

from kg.extract.context import Context
from kg.models import Entity, Evidence, Tag


class TagCollector:
    """Accumulates evidence per entity id and builds one :class:`Tag` per entity."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._entities: dict[str, Entity] = {}
        self._evidence: dict[str, list[Evidence]] = {}
        self._variants: dict[str, set[str]] = {}
        self._seen: set[tuple[str, str, int, int]] = set()

    def add(self, entity: Entity, evidence: Evidence, *, variant: str | None = None) -> None:
        """Record one mention (the same span of the same entity counts once)."""
        key = (entity.id, evidence.field, evidence.start, evidence.end)
        if key in self._seen or not evidence.surface.strip():
            return
        self._seen.add(key)
        self._entities.setdefault(entity.id, entity)
        self._evidence.setdefault(entity.id, []).append(evidence)
        if variant:
            self._variants.setdefault(entity.id, set()).add(variant)

    def add_span(self, entity: Entity, span: Span, rule: str, *, variant: str | None = None) -> None:
        """:meth:`add` for a span of one of the context's docs."""
        self.add(entity, self.ctx.span_evidence(span, rule), variant=variant)

    def add_chars(self, entity: Entity, fld, start: int, end: int, rule: str,
                  *, variant: str | None = None) -> None:
        """:meth:`add` for normalized character offsets of a field."""
        self.add(entity, self.ctx.evidence(fld, start, end, rule), variant=variant)

    def covers(self, fld: str, start: int, end: int) -> bool:
        """Whether some evidence already recorded in ``fld`` overlaps the original offsets [start, end)."""
        return any(e.field == fld and e.start < end and start < e.end
                   for evs in self._evidence.values() for e in evs)

    def __contains__(self, entity_id: str) -> bool:
        return entity_id in self._entities

    def ids_in_sentence(self, fld: str, index: int) -> set[str]:
        """Ids of entities with evidence in one sentence."""
        return {i for i, evs in self._evidence.items()
                if any(e.field == fld and e.sentence_index == index for e in evs)}

    def tags(self) -> list[Tag]:
        """One tag per entity, ordered by first evidence (title first, then abstract position)."""
        def first(eid: str) -> tuple:
            e = min(self._evidence[eid], key=_ev_order)
            return _ev_order(e)

        out = []
        for eid in sorted(self._entities, key=lambda i: (first(i), i)):
            evs = sorted(self._evidence[eid], key=_ev_order)
            variants = self._variants.get(eid, set())
            out.append(Tag(
                entity=self._entities[eid],
                variant=next(iter(variants)) if len(variants) == 1 else None,
                mentions=tuple(dict.fromkeys(e.surface for e in evs)),
                evidence=tuple(evs),
            ))
        return out


def _ev_order(e: Evidence) -> tuple:
    return (0 if e.field == "title" else 1, e.start, e.end, e.rule)
