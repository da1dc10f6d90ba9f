"""The one schema of kg: pydantic models shared by reading, extraction, stores, exports and the API.

Data flows read → extract → resolve → store → api/cli, and every boundary speaks these types:

* :class:`Paper` — what a reader yields (one abstract with its metadata).
* :class:`Method`, :class:`Divergence`, :class:`Dataset` — canonical entities (graph nodes), all
  :class:`Entity` subclasses discriminated by ``kind``; ids look like ``divergence:kullback-leibler``.
* :class:`Evidence` — why a tag exists: the sentence, the character span in the *original* text, the
  surface form, the rule id that fired and the extractor version.
* :class:`Tag` — a paper → entity link (USES/PROPOSES/EVALUATES_ON in the graph) with role/variant.
* :class:`Claim` — a typed claim sentence of a paper and the entities it is about.
* :class:`Extraction` — everything extracted from one paper; :meth:`Extraction.to_gold` gives the
  shape of the gold files (``data/gold/GUIDELINE.md``) so that ``score.py`` can score it.
* :class:`GraphDelta` — what a store writes in one batch.

The GraphQL types are generated from these models (a test keeps them from drifting apart).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

EntityKind = Literal["method", "divergence", "dataset"]
ENTITY_KINDS: tuple[EntityKind, ...] = ("method", "divergence", "dataset")
Role = Literal["proposed", "used"]
Variant = Literal["forward", "reverse"]
ClaimType = Literal["proposal", "theoretical", "empirical", "other"]
CLAIM_TYPES: tuple[ClaimType, ...] = ("proposal", "theoretical", "empirical", "other")
TextField = Literal["title", "abstract"]


def fold(text: str) -> str:
    """Fold a name into a lookup key: no accents, lower case, hyphens/dashes/underscores as spaces,
    punctuation dropped, each word's plural folded by :func:`singular` (the same fold as matching).

    >>> fold("Kullback–Leibler divergences")
    'kullback leibler divergence'
    >>> fold("CIFAR-10") == fold("cifar 10")
    True
    >>> fold("block-wise coordinate descent")
    'block coordinate descent'
    """
    if text.isascii():  # the same steps as below, as one bytes translation (NFKD leaves ASCII as it is)
        words = text.encode().translate(_ASCII_FOLD, _ASCII_DROP).decode().split()
    else:
        text = _SEPARATORS.sub(" ", text)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        words = _NOT_WORD.sub("", text.lower()).split()
    if "wise" in words[1:]:  # "block-wise coordinate descent" is "block coordinate descent"
        words = [w for i, w in enumerate(words) if w != "wise" or i == 0]
    return " ".join([singular(w) if w[-1] == "s" else w for w in words])  # singular() keeps other words


#: What :func:`fold` makes a space (then splits on), and what it drops.
_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015\u2212/]+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]")
#: :func:`fold` of an ASCII text in one ``bytes.translate``: separators (ASCII whitespace as ``\s``
#: matches it, ``_``, ``-``, ``/``) to a space, capitals to lower case, every other byte but a letter
#: or digit dropped — the separator, lower-case and drop steps, which NFKD does not touch on ASCII.
_ASCII_SEPARATORS = frozenset(c for c in range(128) if _SEPARATORS.match(chr(c)))
_ASCII_FOLD = bytes(32 if c in _ASCII_SEPARATORS else c + 32 if 65 <= c <= 90 else c for c in range(256))
_ASCII_DROP = bytes(c for c in range(256)
                    if c not in _ASCII_SEPARATORS and not (chr(c).isascii() and chr(c).isalnum()))


def singular(word: str) -> str:
    """The plural fold of one lower-case word, shared by lookup (:func:`fold`) and matching
    (the pipeline's ``NORM``), so that what extraction matches a lookup finds:
    ``discrepancies``→``discrepancy``, ``losses``→``loss``, ``divergences``→``divergence``;
    ``loss``, ``focus``, ``analysis`` and ``10s`` stay as they are.

    >>> [singular(w) for w in ["discrepancies", "losses", "gans", "loss", "analysis", "series"]]
    ['discrepancy', 'loss', 'gan', 'loss', 'analysis', 'sery']
    """
    if len(word) > 3 and word[-1] == "s" and word[-2].isalpha():
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith("sses"):
            return word[:-2]
        if not word.endswith(("ss", "us", "is")):
            return word[:-1]
    return word


def slug(text: str) -> str:
    """A readable id part: ``fold`` with spaces as hyphens (``"log-variance loss"`` → ``log-variance-loss``)."""
    return fold(text).replace(" ", "-") or "x"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Paper(_Model):
    """One paper abstract as read from an input file."""

    id: str = Field(description="Stable id: the record's own id, else derived from the folded title.")
    title: str
    abstract: str
    year: int | None = None
    venue: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    doi: str | None = Field(default=None, description="DOI, lower case, without 'https://doi.org/'.")
    arxiv_id: str | None = Field(default=None, description="arXiv id without version, e.g. '2106.09685'.")
    categories: tuple[str, ...] = Field(
        default=(), description="Subject categories or topics: arXiv's 'cs.LG', OpenAlex topics, keywords.")
    source: str | None = Field(default=None, description="Where it was read: 'file:line'.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        """sha256 of title and abstract; a changed abstract means the paper is re-extracted."""
        h = hashlib.sha256()
        h.update(self.title.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(self.abstract.encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:16]


class Evidence(_Model):
    """Why a tag exists. ``start``/``end`` index into the original ``field`` text of the paper."""

    field: TextField = "abstract"
    sentence_index: int = Field(description="Index of the sentence within the field (title is 0).")
    sentence: str
    start: int
    end: int
    surface: str = Field(description="The text exactly as written: paper.<field>[start:end].")
    rule: str = Field(description="Id of the rule or vocabulary entry that fired.")
    extractor_version: str


class Entity(_Model):
    """A canonical entity (a graph node). Subclasses fix ``kind``."""

    id: str = Field(description="'<kind>:<slug>', e.g. 'divergence:kullback-leibler'.")
    kind: EntityKind
    name: str = Field(description="Display name, e.g. 'Kullback-Leibler divergence'.")
    aliases: tuple[str, ...] = ()
    description: str | None = None
    family: str | None = Field(
        default=None,
        description="Id of the top family, e.g. 'divergence:f-divergence', 'method:generative-adversarial-network'.",
    )
    parents: tuple[str, ...] = Field(default=(), description="Ids this is a SUBTYPE_OF (same kind).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key(self) -> str:
        """Folded lookup key of the name (case-, accent-, hyphen- and plural-insensitive)."""
        return fold(self.name)


class Method(Entity):
    kind: Literal["method"] = "method"


class Divergence(Entity):
    kind: Literal["divergence"] = "divergence"


class Dataset(Entity):
    kind: Literal["dataset"] = "dataset"


AnyEntity = Annotated[Method | Divergence | Dataset, Field(discriminator="kind")]

ENTITY_CLASSES: dict[str, type[Method] | type[Divergence] | type[Dataset]] = {
    "method": Method, "divergence": Divergence, "dataset": Dataset,
}


def make_entity(kind: str, **fields) -> Method | Divergence | Dataset:
    """Build the entity model of ``kind`` (``method``, ``divergence`` or ``dataset``)."""
    return ENTITY_CLASSES[kind](**fields)


class Tag(_Model):
    """A paper → entity link with its evidence.

    ``role`` is set for methods (proposed/used), ``variant`` for KL divergences when the text says
    forward/reverse. One Tag per (paper, entity); ``mentions`` are the distinct surface forms.
    """

    entity: AnyEntity
    role: Role | None = None
    variant: Variant | None = None
    mentions: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


class Claim(_Model):
    """A sentence in which the authors state a contribution or finding."""

    id: str = Field(description="'<paper id>#<sentence index>'.")
    paper_id: str
    text: str = Field(description="The sentence exactly as written in the abstract.")
    type: ClaimType
    sentence_index: int
    start: int
    end: int
    rule: str
    about: tuple[str, ...] = Field(default=(), description="Ids of entities tagged in this sentence.")


class Extraction(_Model):
    """Everything extracted from one paper."""

    paper: Paper
    methods: tuple[Tag, ...] = ()
    divergences: tuple[Tag, ...] = ()
    datasets: tuple[Tag, ...] = ()
    claims: tuple[Claim, ...] = ()
    extractor_version: str

    @property
    def tags(self) -> tuple[Tag, ...]:
        return self.methods + self.divergences + self.datasets

    def to_gold(self, *, evidence: bool = True) -> dict:
        """The gold-file shape (see data/gold/GUIDELINE.md), plus ``evidence`` when asked."""
        out: dict = {
            "id": self.paper.id,
            "title": self.paper.title,
            "methods": [
                {"name": t.entity.name, "mentions": list(t.mentions), "role": t.role} for t in self.methods
            ],
            "divergences": [
                {
                    "name": t.entity.name,
                    "mentions": list(t.mentions),
                    "variant": t.variant,
                    "family": getattr(t.entity, "family", None),
                }
                for t in self.divergences
            ],
            "datasets": [{"name": t.entity.name, "mentions": list(t.mentions)} for t in self.datasets],
            "claims": [{"sentence": c.text, "type": c.type} for c in self.claims],
        }
        if evidence:
            out["evidence"] = {
                t.entity.id: [e.model_dump() for e in t.evidence] for t in self.tags
            }
            out["extractor_version"] = self.extractor_version
        return out


class GraphDelta(_Model):
    """One batch for a store: papers with all their tags and claims (replacing what the store had for
    those papers), plus the entities they reference and the vocabulary taxonomy."""

    extractions: tuple[Extraction, ...] = ()
    entities: tuple[AnyEntity, ...] = Field(
        default=(), description="Extra entities to upsert (e.g. the whole divergence taxonomy)."
    )

    def all_entities(self) -> dict[str, Entity]:
        """Every entity in the delta by id (explicit ones first, then those referenced by tags)."""
        out: dict[str, Entity] = {e.id: e for e in self.entities}
        for x in self.extractions:
            for t in x.tags:
                out.setdefault(t.entity.id, t.entity)
        return out


# --------------------------------------------------------------------------------------------------
# Query shapes shared by the stores, the CLI and the GraphQL API.


class EntityFilter(_Model):
    """Papers linked to ANY of ``ids`` (already alias-resolved and family-expanded), optionally only
    with that method ``role`` or divergence ``variant``. Without ``ids``, papers linked to any entity
    of ``kind`` ("papers proposing any method"); ``kind`` is then required."""

    ids: tuple[str, ...] = ()
    kind: EntityKind | None = None
    role: Role | None = None
    variant: Variant | None = None
    #: Set when ``ids`` are exactly this entity and its transitive subtypes, as the graph held them
    #: when they were read (``kg.query`` sets it): a store may then take the family as given
    #: instead of working out which families ``ids`` form. Matching uses ``ids`` only.
    head: str | None = None

    @model_validator(mode="after")
    def _ids_or_kind(self) -> EntityFilter:
        if not self.ids and self.kind is None:
            raise ValueError("an entity filter needs ids or a kind")
        if self.head is not None and self.head not in self.ids:
            raise ValueError("an entity filter's head must be one of its ids")
        return self

    def accepts(self, entity_id: str, kind: str, role: str | None, variant: str | None) -> bool:
        """Does a link (to ``entity_id`` of ``kind``, with ``role``/``variant``) satisfy the filter?"""
        return (
            (entity_id in self.ids if self.ids else kind == self.kind)
            and (self.role is None or role == self.role)
            and (self.variant is None or variant == self.variant)
        )


PaperOrder = Literal["relevance", "id", "year", "title"]
PAPER_ORDERS: tuple[PaperOrder, ...] = ("relevance", "id", "year", "title")
Direction = Literal["asc", "desc"]


class PaperQuery(_Model):
    """A paper search. Filters combine with AND; an empty query matches every paper.

    Results are ordered by ``order`` in ``direction``, ties broken by id (ascending), so pages are
    stable; papers without a year come last under ``year`` in both directions. ``relevance`` scores
    a paper's links to the FIRST ``using`` filter's entities (:func:`relevance_score`); without
    entity filters every score is 0 (id order).

    ``venue`` and ``author`` match case-insensitively as substrings (any author), ``category``
    case-insensitively and exactly (any category, e.g. ``cs.LG``).
    """

    using: tuple[EntityFilter, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    venue: str | None = None
    author: str | None = None
    category: str | None = None
    text: str | None = Field(default=None, description="Words that must all occur in title or abstract.")
    ids: tuple[str, ...] | None = None
    order: PaperOrder = "id"
    direction: Direction = "asc"
    limit: int = Field(default=100, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0)


#: Weights of :func:`relevance_score` (kept apart so that the Cypher twin uses the same numbers).
RELEVANCE_PROPOSED = 1_000_000
RELEVANCE_TITLE = 200_000
RELEVANCE_EARLY = 100_000


def relevance_score(links: list[dict]) -> int:
    """Relevance of a paper from its links (relationship properties) to the looked-up entities:
    a proposed method first (+1,000,000), then evidence in the title (+200,000) or in the first two
    abstract sentences (+100,000), then the number of evidence mentions (``count``, 1 when absent).
    The Cypher twin is in :mod:`kg.store.cypher` (``_RELEVANCE``); both stores order alike."""
    score = 0
    if any(link.get("role") == "proposed" for link in links):
        score += RELEVANCE_PROPOSED
    if any(link.get("field") == "title" for link in links):
        score += RELEVANCE_TITLE
    elif any(link.get("field") == "abstract" and (link.get("sentence_index") or 0) <= 1 for link in links):
        score += RELEVANCE_EARLY
    return score + sum(int(link.get("count") or 1) for link in links)


class PaperHit(_Model):
    """A paper and the tags of it that satisfied the query's ``using`` filters (with evidence)."""

    paper: Paper
    matches: tuple[Tag, ...] = ()


class PaperPage(_Model):
    total: int = Field(description="Number of papers matching, independent of limit/offset.")
    items: tuple[PaperHit, ...] = ()


class EntityCount(_Model):
    entity: AnyEntity
    papers: int


class Stats(_Model):
    papers: int
    entities: dict[str, int] = Field(description="Nodes by kind: method, divergence, dataset.")
    links: dict[str, int] = Field(description="Relationships by type: USES, PROPOSES, EVALUATES_ON, ...")
    claims: int
