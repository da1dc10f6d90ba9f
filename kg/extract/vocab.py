"""Vocabularies as data: loading ``data/vocab/*.jsonl`` into entities and span-ruler patterns.

One JSON object per line::

    {"id": "divergence:kullback-leibler", "kind": "divergence", "name": "Kullback-Leibler divergence",
     "aliases": ["KL divergence", "relative entropy"], "cased": ["KL"],
     "family": "divergence:f-divergence", "parents": ["divergence:f-divergence"]}

Optional flags: ``"match_name": false`` — the display name is not itself a pattern (entities only
rules produce, such as "L2 distance" inside a list of divergences); ``"context": true`` — the entity
counts only in a sentence that talks about data (for names that are also words, "MATH", "Kinetics");
``"gazetteer": "pwc"`` — adapted from the Papers with Code list (CC BY-SA 4.0, see data/NOTICE.md):
matched, but not written to the graph until a paper mentions it.

``"ambiguous": [...]`` — cased aliases that count only when the paper also names the entity another
way ("IPM" is also an interior-point method: tagged only next to "integral probability metric").

``aliases`` match case-insensitively on NORM (plural- and hyphen-tolerant); ``cased`` aliases
(short acronyms such as "KL", "TV", "FID") match only as written, so "tv" or "Fid" do not fire.
A malformed file raises :class:`~kg.errors.VocabularyError` (a bug in data/, not user input).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from kg.config import default_data_dir
from kg.errors import VocabularyError
from kg.extract.keys import pattern_variants
from kg.models import Entity, EntityKind, fold, make_entity

#: The vocabulary files this module matches with the span ruler (methods.jsonl is matched by the
#: methods rules, but read and validated here like the others).
RULER_FILES = ("divergences.jsonl", "datasets.jsonl", "datasets-pwc.jsonl")
METHODS_FILE = "methods.jsonl"
FAMILIES_FILE = "families.jsonl"


class VocabRecord(BaseModel):
    """One line of a vocabulary file (every kind): the one record type the loaders validate.

    ``aliases`` match case-insensitively on NORM, ``cased`` only as written, ``guarded`` (methods) and
    ``ambiguous`` (divergences, datasets) are acronyms that count only beside the full name;
    ``lookup`` names are understood by lookups (``kg papers-using attention``) but never matched in
    text (a common English word); ``family``/``parents`` place the entity in its kind's taxonomy
    (methods and datasets also get parents from ``families.jsonl``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    guarded: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    lookup: tuple[str, ...] = ()
    description: str | None = None
    family: str | None = None
    parents: tuple[str, ...] = ()
    category: str | None = None
    sources: tuple[str, ...] = ()
    match_name: bool = True
    context: bool = False
    gazetteer: str | None = None


class FamilyRecord(BaseModel):
    """One line of ``families.jsonl``: a family entity and its members (by id or by category).

    ``numbered``: the family's name followed by a depth or size number names a member ("ResNet-50",
    "ResNet18", "VGG-16"; rule ``method.numbered``), an entity of its own under the family.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    members: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    numbered: bool = False


def vocab_dir() -> Path:
    """The folder holding the vocabulary files."""
    return default_data_dir() / "vocab"


def read_rows(path: Path) -> list[dict]:
    """The records of a vocabulary JSONL file (``//`` lines are comments), each validated by
    :class:`VocabRecord` (or :class:`FamilyRecord` for families.jsonl) and given ``_where``
    (``file:line``) for error messages. A malformed line raises :class:`~kg.errors.VocabularyError`."""
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise VocabularyError(f"cannot read vocabulary {path}: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise VocabularyError(f"{path.name}:{n}: not JSON: {exc.msg}") from None
        try:
            rec = (FamilyRecord if path.name == FAMILIES_FILE else VocabRecord).model_validate(row)
        except ValidationError as exc:
            raise VocabularyError(f"{path.name}:{n}: invalid record: {exc.errors()[0]['loc']} "
                                  f"{exc.errors()[0]['msg']}") from None
        row = rec.model_dump(exclude_defaults=True)
        row["_where"] = f"{path.name}:{n}"
        rows.append(row)
    return rows


@functools.cache
def load_rows(name: str) -> tuple[dict, ...]:
    """The raw records of one vocabulary file (empty when the file does not exist)."""
    path = vocab_dir() / name
    if not path.exists():
        return ()
    return tuple(read_rows(path))


_ENTITY_FIELDS = {"id", "kind", "name", "aliases", "description", "family", "parents"}


@functools.cache
def family_parents() -> dict[str, tuple[str, ...]]:
    """Entity id → the family ids ``families.jsonl`` puts it under (methods and datasets).

    Members are listed by id or by the vocabulary ``category`` they carry ("Generative Adversarial
    Networks" → GAN). Raises :class:`VocabularyError` for a family or member id no file defines.
    """
    rows = [r for name in (*RULER_FILES, METHODS_FILE) for r in load_rows(name)]
    known = {r["id"] for r in rows}
    by_category: dict[str, list[str]] = {}
    for r in rows:
        if r.get("category"):
            by_category.setdefault(r["category"], []).append(r["id"])
    out: dict[str, list[str]] = {}
    for fam in load_rows(FAMILIES_FILE):
        members = [*fam.get("members", ()), *(i for c in fam.get("categories", ()) for i in by_category.get(c, ()))]
        for ref in (fam["id"], *fam.get("members", ())):
            if ref not in known:
                raise VocabularyError(f"{fam['_where']}: unknown entity {ref}")
        for m in members:
            if m != fam["id"] and fam["id"] not in out.setdefault(m, []):
                out[m].append(fam["id"])
    return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.cache
def family_ids(numbered: bool = False) -> frozenset[str]:
    """Ids of the families ``families.jsonl`` declares (only the ``numbered`` ones if asked): a family
    is written to the graph even when rules find all its members ("ResNet-50" under ResNet)."""
    return frozenset(f["id"] for f in load_rows(FAMILIES_FILE) if f.get("numbered") or not numbered)


def _top_family(entity_id: str, parents: dict[str, tuple[str, ...]]) -> str | None:
    """The root reached by following first parents (None for an entity without parents)."""
    seen = {entity_id}
    cur = entity_id
    while parents.get(cur):
        nxt = parents[cur][0]
        if nxt in seen:
            break
        seen.add(nxt)
        cur = nxt
    return cur if cur != entity_id else None


def taxonomy_fields(entity_id: str) -> dict:
    """``{"parents": ..., "family": ...}`` from ``families.jsonl`` for a method or dataset
    (empty when the entity is in no family)."""
    table = family_parents()
    if entity_id not in table:
        return {}
    return {"parents": table[entity_id], "family": _top_family(entity_id, table)}


def to_entity(row: dict) -> Entity:
    """The entity model of a vocabulary record (aliases include the cased and lookup-only ones)."""
    fields = {k: v for k, v in row.items() if k in _ENTITY_FIELDS and k != "kind"}
    fields["aliases"] = tuple(dict.fromkeys([*row.get("aliases", ()), *row.get("cased", ()),
                                             *row.get("lookup", ())]))
    if "parents" in fields:
        fields["parents"] = tuple(fields["parents"])
    if row["kind"] != "divergence":
        fields.pop("family", None)
        fields.pop("parents", None)
        fields.update(taxonomy_fields(row["id"]))
    try:
        return make_entity(row["kind"], **fields)
    except (ValidationError, KeyError) as exc:
        raise VocabularyError(f"{row.get('_where')}: invalid entity: {exc}") from None


@functools.cache
def entities_by_id() -> dict[str, Entity]:
    """Every entity of the ruler vocabularies by id; checks that parents/family ids exist."""
    out: dict[str, Entity] = {}
    for name in RULER_FILES:
        for row in load_rows(name):
            if row["id"] in out:
                raise VocabularyError(f"{row['_where']}: duplicate id {row['id']}")
            out[row["id"]] = to_entity(row)
    for ent in out.values():
        for ref in (*getattr(ent, "parents", ()), getattr(ent, "family", None)):
            if ref and ref not in out:
                raise VocabularyError(f"{ent.id}: unknown parent/family {ref}")
    return out


@functools.cache
def flagged(flag: str) -> frozenset[str]:
    """Ids of the ruler-vocabulary records that carry ``flag`` (``context``, ``gazetteer``)."""
    return frozenset(r["id"] for name in RULER_FILES for r in load_rows(name) if r.get(flag))


@functools.cache
def alias_index(kind: str) -> dict[str, Entity]:
    """Folded name/alias → entity for one kind (first record wins), to canonicalize pattern hits."""
    ents = entities_by_id()
    out: dict[str, Entity] = {}
    for name in RULER_FILES:
        for r in load_rows(name):
            if r["kind"] != kind:
                continue
            for a in [r["name"], *r.get("aliases", ()), *r.get("cased", ())]:
                out.setdefault(fold(a), ents[r["id"]])
    return out


@functools.cache
def ambiguous_aliases() -> dict[str, frozenset[str]]:
    """Entity id → its ambiguous cased aliases."""
    return {r["id"]: frozenset(r["ambiguous"]) for name in RULER_FILES for r in load_rows(name)
            if r.get("ambiguous")}


def ruler_patterns() -> list[dict]:
    """Span-ruler phrase patterns for the ruler vocabularies. ``label`` is ``kind`` for NORM
    patterns and ``kind|cased`` for case-sensitive ones (matched by a second ruler on ORTH)."""
    pats: list[dict] = []
    for name in RULER_FILES:
        for row in load_rows(name):
            names = [row["name"]] if row.get("match_name", True) and row["name"] not in row.get("cased", ()) else []
            for alias in dict.fromkeys([*names, *row.get("aliases", ())]):
                for v in pattern_variants(alias):
                    pats.append({"label": row["kind"], "pattern": v, "id": row["id"]})
            for alias in row.get("cased", ()):
                for v in dict.fromkeys([alias, alias + "s"]):
                    pats.append({"label": row["kind"] + "|cased", "pattern": v, "id": row["id"]})
    return pats


#: What the extractors read from data/vocab: vocabularies and rule tables (build and curation scripts
#: and their inputs live in tools/ and are not part of the extractor version).
RUNTIME_DATA = ("*.jsonl", "*.txt")


def data_hash() -> str:
    """Short hash of the vocabulary and rule-table files the extractors read (part of the extractor
    version: editing one re-extracts papers on the next ingest; other files do not)."""
    h = hashlib.sha256()
    folder = vocab_dir()
    if folder.is_dir():
        for path in sorted({p for pattern in RUNTIME_DATA for p in folder.glob(pattern)}):
            if path.is_file():
                h.update(path.name.encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:10]
