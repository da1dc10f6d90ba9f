"""Curation overrides: reviewed corrections that survive every rebuild of the graph.

Why: rules make mistakes a researcher can see (a tag that is wrong for one paper, a missing alias, two
entities that are one, one that is two, a bad name, a divergence without its family). Editing the
graph would be lost at the next ingest; editing rules is for patterns, not cases. Instead the
corrections live in one reviewed YAML file (``data/overrides.yaml``, or ``--overrides PATH`` /
``KG_OVERRIDES``), written by ``kg curate …`` (nobody edits YAML by hand), validated by the pydantic
models below (a bad entry is an :class:`~kg.errors.InputError` naming its line), and applied by
ingest to every extraction before it is written (:meth:`Overrides.apply`). The file's digest is part
of the version ingest stores with each paper, so changing it re-applies it on the next ingest.

Operations (``op``)::

    reject  paper, entity           drop the tag of that paper (and it from the paper's claims)
    alias   entity, alias           add a name the entity is found by
    merge   entity, into            tags of ``entity`` become tags of ``into``
    split   entity, alias, new_id   tags of ``entity`` whose mention is ``alias`` move to ``new_id``
            [, name]                (named ``name``, default the alias)
    rename  entity, name            the display name
    family  entity, family          the entity becomes a SUBTYPE_OF ``family`` (and in its family)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from kg.errors import InputError
from kg.models import Entity, Extraction, Tag, fold, make_entity

HEADER = (
    "# kg curation overrides: reviewed corrections applied at every ingest (see `kg curate --help`).\n"
    "# Written by `kg curate`; review changes like code. Run `kg ingest` after editing to apply them.\n"
)


class _Op(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entity: str = Field(description="Entity id, e.g. 'method:gan'.")
    reason: str | None = None
    line: int | None = Field(default=None, exclude=True, description="Line in the file (set on load).")
    file: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _entity_id(self):
        kind, _, rest = self.entity.partition(":")
        if kind not in ("method", "divergence", "dataset") or not rest:
            raise ValueError(f"entity must be an id like 'method:gan' (got {self.entity!r})")
        return self

    @property
    def where(self) -> str:
        return f"{self.file or 'overrides'}:{self.line}" if self.line else (self.file or "overrides")


def _other_of_same_kind(entity: str, other: str) -> bool:
    """Is ``other`` another entity id of ``entity``'s kind (the ``kind:`` prefix of the id)?"""
    return other.partition(":")[0] == entity.partition(":")[0] and other != entity


class Reject(_Op):
    op: Literal["reject"] = "reject"
    paper: str


class Alias(_Op):
    op: Literal["alias"] = "alias"
    alias: str = Field(min_length=1)


class Merge(_Op):
    op: Literal["merge"] = "merge"
    into: str

    @model_validator(mode="after")
    def _same_kind(self):
        if not _other_of_same_kind(self.entity, self.into):
            raise ValueError(f"merge needs another entity of the same kind (got {self.entity} into {self.into})")
        return self


class Split(_Op):
    op: Literal["split"] = "split"
    alias: str = Field(min_length=1)
    new_id: str
    name: str | None = None

    @model_validator(mode="after")
    def _same_kind(self):
        if not _other_of_same_kind(self.entity, self.new_id):
            raise ValueError(f"split needs a new id of the same kind (got {self.new_id})")
        return self


class Rename(_Op):
    op: Literal["rename"] = "rename"
    name: str = Field(min_length=1)


class Family(_Op):
    op: Literal["family"] = "family"
    family: str

    @model_validator(mode="after")
    def _same_kind(self):
        if not _other_of_same_kind(self.entity, self.family):
            raise ValueError(f"family must be another entity of the same kind (got {self.family})")
        return self


Override = Annotated[Reject | Alias | Merge | Split | Rename | Family, Field(discriminator="op")]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Override)


def _fallback_name(entity_id: str) -> str:
    return entity_id.partition(":")[2].replace("-", " ")


class Overrides(BaseModel):
    """The overrides of one file, in file order."""

    model_config = ConfigDict(frozen=True)

    items: tuple[Override, ...] = ()
    path: str | None = None

    # -- file I/O --------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Overrides:
        """Read and validate a file (a missing file is an empty set). A bad entry is an InputError
        naming ``file:line`` and what is wrong."""
        import yaml  # type: ignore[import-untyped,unused-ignore]

        path = Path(path)
        if not path.exists():
            return cls(path=str(path))
        try:
            text = path.read_text(encoding="utf-8")
            root = yaml.compose(text)
        except (OSError, UnicodeError) as exc:
            raise InputError(f"cannot read the overrides file {path}: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise InputError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
        if root is None:
            return cls(path=str(path))
        if not isinstance(root, yaml.SequenceNode):
            raise InputError(f"{path}:{root.start_mark.line + 1}: expected a list of overrides (- op: …)")
        items = []
        for node in root.value:
            line = node.start_mark.line + 1
            data = yaml.safe_load(yaml.serialize(node))
            if not isinstance(data, dict):
                raise InputError(f"{path}:{line}: an override is a mapping with an 'op' (got {data!r})")
            try:
                items.append(_ADAPTER.validate_python({**data, "line": line, "file": str(path)}))
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = ".".join(str(p) for p in first["loc"][1:] if not str(p).startswith("function-"))
                msg = first["msg"].removeprefix("Value error, ")
                raise InputError(f"{path}:{line}: bad override ({loc + ': ' if loc else ''}{msg})") from None
        return cls(items=tuple(items), path=str(path))

    def save(self, path: str | Path | None = None) -> Path:
        """Write the file (header comment + one YAML mapping per override), atomically."""
        import os
        import tempfile

        import yaml  # type: ignore[import-untyped,unused-ignore]

        target = Path(path or self.path or "overrides.yaml")
        body = [o.model_dump(exclude_none=True) for o in self.items]
        body = [{"op": d.pop("op"), **d} for d in body]
        text = HEADER + (yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100) if body else "[]\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
        return target

    def add(self, item: Override) -> Overrides:
        """A copy with ``item`` appended (an identical entry is not added twice)."""
        same = [o for o in self.items if o.model_dump() == item.model_dump()]
        return self if same else Overrides(items=(*self.items, item), path=self.path)

    @property
    def digest(self) -> str:
        """A short digest of the entries (part of the version ingest stores per paper)."""
        blob = json.dumps([o.model_dump() for o in self.items], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    def version(self, extractor_version: str) -> str:
        """The version stored with each paper: the extractor's, plus the digest when not empty."""
        return f"{extractor_version}+ov.{self.digest}" if self.items else extractor_version

    def concerning(self, paper_id: str, entity_ids: Iterable[str]) -> list[Override]:
        """The overrides that touch this paper's tags of these entities (for ``kg why``)."""
        ids = set(entity_ids)
        out: list[Override] = []
        for o in self.items:
            targets = {o.entity} | {getattr(o, k) for k in ("into", "new_id", "family") if hasattr(o, k)}
            if isinstance(o, Reject):
                if o.paper == paper_id and o.entity in ids:
                    out.append(o)
            elif targets & ids:
                out.append(o)
        return out

    # -- applying --------------------------------------------------------------------------------
    @property
    def merged_away(self) -> set[str]:
        """Ids of entities merged into others (ingest stops writing them)."""
        return {o.entity for o in self.items if isinstance(o, Merge)}

    def edit_entity(self, entity: Entity, catalog: dict[str, Entity] | None = None) -> Entity:
        """The entity with aliases added (its own, and the names of entities merged into it, when
        ``catalog`` knows them), renamed and its family set."""
        changes: dict[str, Any] = {}
        for o in self.items:
            if isinstance(o, Merge) and o.into == entity.id and catalog and o.entity in catalog:
                old = catalog[o.entity]
                have = changes.get("aliases") or entity.aliases
                changes["aliases"] = (*have, *(n for n in (old.name, *old.aliases) if n not in have))
            if o.entity != entity.id:
                continue
            if isinstance(o, Alias) and o.alias not in (changes.get("aliases") or entity.aliases):
                changes["aliases"] = (*(changes.get("aliases") or entity.aliases), o.alias)
            elif isinstance(o, Rename):
                changes["name"] = o.name
            elif isinstance(o, Family) and "parents" in type(entity).model_fields:
                parents = changes.get("parents") or tuple(getattr(entity, "parents", ()))
                changes["parents"] = tuple(dict.fromkeys((*parents, o.family)))
                changes["family"] = o.family
        return entity.model_copy(update=changes) if changes else entity

    def _new_entity(self, entity_id: str, like: Entity, catalog: dict[str, Entity], name: str | None = None) -> Entity:
        if entity_id in catalog:
            return self.edit_entity(catalog[entity_id], catalog)
        return self.edit_entity(make_entity(like.kind, id=entity_id, name=name or _fallback_name(entity_id)), catalog)

    def _retarget(self, tag: Tag, catalog: dict[str, Entity]) -> list[Tag]:
        """The tag after merges and splits (a split may cut it in two)."""
        for o in self.items:
            if isinstance(o, Merge) and o.entity == tag.entity.id:
                tag = tag.model_copy(update={"entity": self._new_entity(o.into, tag.entity, catalog)})
        for o in self.items:
            if isinstance(o, Split) and o.entity == tag.entity.id:
                key = fold(o.alias)
                moved = tuple(e for e in tag.evidence if fold(e.surface) == key)
                if not moved:
                    continue
                kept = tuple(e for e in tag.evidence if fold(e.surface) != key)
                new = self._new_entity(o.new_id, tag.entity, catalog, o.name or o.alias)
                out = [tag.model_copy(update={
                    "entity": new, "evidence": moved,
                    "mentions": tuple(dict.fromkeys(e.surface for e in moved)),
                })]
                if kept:
                    out.append(tag.model_copy(update={
                        "evidence": kept, "mentions": tuple(m for m in tag.mentions if fold(m) != key),
                    }))
                return out
        return [tag]

    def _id_map(self) -> dict[str, str]:
        return {o.entity: o.into for o in self.items if isinstance(o, Merge)}

    def apply(self, x: Extraction, catalog: dict[str, Entity] | None = None) -> Extraction:
        """The extraction with every override applied (entities edited, tags merged/split/rejected,
        claims re-pointed). ``catalog`` gives known entities by id (merge/split targets)."""
        if not self.items:
            return x
        catalog = catalog or {}
        rejected = {o.entity for o in self.items if isinstance(o, Reject) and o.paper == x.paper.id}
        groups: dict[str, dict[str, list[Tag]]] = {"method": {}, "divergence": {}, "dataset": {}}
        for tag in x.tags:
            for t in self._retarget(tag, catalog):
                t = t.model_copy(update={"entity": self.edit_entity(t.entity, catalog)})
                if t.entity.id in rejected or tag.entity.id in rejected:
                    continue
                groups[t.entity.kind].setdefault(t.entity.id, []).append(t)
        merged = {kind: tuple(_merge_tags(ts) for _, ts in sorted(g.items())) for kind, g in groups.items()}
        kept_ids = {t.entity.id for ts in merged.values() for t in ts}
        id_map = self._id_map()
        claims = tuple(
            c.model_copy(update={"about": tuple(dict.fromkeys(
                i for i in (id_map.get(a, a) for a in c.about) if i in kept_ids))})
            for c in x.claims
        )
        return x.model_copy(update={
            "methods": merged["method"], "divergences": merged["divergence"], "datasets": merged["dataset"],
            "claims": claims,
        })


def _merge_tags(tags: list[Tag]) -> Tag:
    """One tag from several tags of the same entity (after a merge): mentions and evidence joined
    in text order, ``proposed`` if any was, the first stated variant."""
    if len(tags) == 1:
        return tags[0]
    evidence = sorted({e for t in tags for e in t.evidence},
                      key=lambda e: (e.field != "title", e.sentence_index, e.start))
    return tags[0].model_copy(update={
        "role": "proposed" if any(t.role == "proposed" for t in tags) else tags[0].role,
        "variant": next((t.variant for t in tags if t.variant), None),
        "mentions": tuple(dict.fromkeys(m for t in tags for m in t.mentions)),
        "evidence": tuple(evidence),
    })


def default_path() -> Path:
    """``KG_OVERRIDES`` or the bundled ``data/overrides.yaml``."""
    import os

    from kg.config import default_data_dir

    env = os.environ.get("KG_OVERRIDES")
    return Path(env) if env else default_data_dir() / "overrides.yaml"
