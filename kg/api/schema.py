"""The GraphQL schema of kg (graphene 3): papers, entities, claims, evidence, taxonomy, facets.

Resolvers are thin adapters over the query core (:mod:`kg.query`, the same functions the CLI
calls, so both answer alike: an unknown name is a ``NOT_FOUND`` error with
``extensions.suggestions``, a page size outside ``0..100`` a ``BAD_USER_INPUT`` error); nested
fields read records through the per-request :class:`kg.api.loaders.RequestLoader`, which batches
them. The API never writes.

Conventions, following the @neo4j/graphql v7 style so that users of that ecosystem feel at home:

* lists take ``where``/``limit``/``offset``/``orderBy`` (``papers``, ``methods``, …) and each has a
  Relay twin ``…Connection`` with ``first``/``after``, ``pageInfo`` and a ``totalCount`` the store
  computes without fetching every node;
* filters nest: ``where: {name: {contains: "wasser"}}``, ``where: {year: {gte: 2020}}``; string
  filters are case-, accent- and hyphen-insensitive (they compare :func:`kg.models.fold` keys);
* page sizes are ``Int!`` with defaults, ``0..100`` (outside: an error, never a silent clamp);
  ordering is stable (ties broken by id); a cursor is bound to its filters and ordering (used
  under others it is an error);
* counts are ``paperCount``, lists of papers ``papers``.

Scalar fields of the GraphQL types are derived from :mod:`kg.models` (:mod:`kg.api.derive`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphene
from graphene import ID, Boolean, Field, InputObjectType, Int, List, NonNull, String

from kg import models, query
from kg.api.derive import enum_from_literal, model_fields
from kg.api.loaders import PaperNode, RequestLoader
from kg.errors import InputError
from kg.query import PaperFilters, check_limit, decode_cursor, encode_cursor
from kg.query.papers import NameFilter

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_OFFSET = 1_000_000


def nn_list(of: Any) -> NonNull:
    """``[T!]!``."""
    return NonNull(List(NonNull(of)))


def loader_of(info) -> RequestLoader:
    return info.context["loader"]


def enum_value(value: Any) -> Any:
    """The plain value of a graphene enum argument (graphene 3 passes enum members)."""
    return getattr(value, "value", value)


# -- enums (from the Literal types of kg.models) ------------------------------------------------
EntityKind = enum_from_literal("EntityKind", models.EntityKind, "The kind of a canonical entity.")
Role = enum_from_literal("Role", models.Role, "How a paper relates to a method.")
Variant = enum_from_literal("Variant", models.Variant, "Direction of a KL divergence, when stated.")
ClaimType = enum_from_literal("ClaimType", models.ClaimType, "What a claim sentence states.")
TextField = enum_from_literal("TextField", models.TextField, "Which text of a paper evidence points into.")


class PaperOrder(graphene.Enum):
    """Order of paper lists; ties are broken by id so pages are stable. RELEVANCE (the default when
    the filters name an entity): a paper proposing the method first, then evidence in the title or
    the first two sentences, then the number of mentions."""

    RELEVANCE = "relevance"
    ID = "id"
    YEAR = "year"
    TITLE = "title"


class Direction(graphene.Enum):
    """Sort direction (default: DESC for RELEVANCE, i.e. best first; ASC otherwise). Papers without
    a year come last either way."""

    ASC = "asc"
    DESC = "desc"


class EntityOrder(graphene.Enum):
    """Order of entity lists: most papers first (then name), or by name."""

    PAPER_COUNT = "papers"
    NAME = "name"


# -- pagination -------------------------------------------------------------------------------
def args_key(field: str, kwargs: dict) -> str:
    """Digest of a list field's arguments other than the page (what its cursors are bound to)."""
    import hashlib
    import json

    rest = {k: v for k, v in kwargs.items() if k not in ("first", "after", "limit", "offset")}
    blob = json.dumps([field, rest], sort_keys=True, default=lambda v: getattr(v, "value", str(v)))
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass
class Page:
    """One page of any list: its nodes, where it starts, how many items exist in total and the key
    its cursors carry."""

    nodes: list
    offset: int
    total: int
    key: str = ""


class PageInfo(graphene.ObjectType):
    """Relay page information."""

    has_next_page = NonNull(Boolean)
    has_previous_page = NonNull(Boolean)
    start_cursor = String()
    end_cursor = String()


def make_connection(node: Any, name: str) -> type[graphene.ObjectType]:
    """A Relay connection type ``<name>Connection`` (with ``<name>Edge``) over :class:`Page`."""

    edge = type(
        f"{name}Edge",
        (graphene.ObjectType,),
        {"cursor": NonNull(String), "node": NonNull(node), "__doc__": f"A {name} with its cursor."},
    )

    def resolve_edges(page: Page, info):
        return [{"cursor": encode_cursor(page.key, page.offset + i), "node": n} for i, n in enumerate(page.nodes)]

    def resolve_page_info(page: Page, info):
        n = len(page.nodes)
        return PageInfo(
            has_next_page=page.offset + n < page.total,
            has_previous_page=page.offset > 0,
            start_cursor=encode_cursor(page.key, page.offset) if n else None,
            end_cursor=encode_cursor(page.key, page.offset + n - 1) if n else None,
        )

    return type(
        f"{name}Connection",
        (graphene.ObjectType,),
        {
            "__doc__": f"A page of {name} items (Relay).",
            "total_count": NonNull(Int, description="Items matching, independent of the page."),
            "page_info": NonNull(PageInfo),
            "edges": nn_list(edge),
            "nodes": nn_list(node),
            "resolve_total_count": lambda page, info: page.total,
            "resolve_page_info": resolve_page_info,
            "resolve_edges": resolve_edges,
            "resolve_nodes": lambda page, info: page.nodes,
        },
    )


def connection_args(**extra) -> dict:
    return {"first": Int(required=True, default_value=DEFAULT_PAGE), "after": String(), **extra}


def list_args(**extra) -> dict:
    return {
        "limit": Int(required=True, default_value=DEFAULT_PAGE, description="Page size, 0..100 (else an error)."),
        "offset": Int(required=True, default_value=0),
        **extra,
    }


def window(kwargs: dict, key: str) -> tuple[int, int]:
    """``(offset, limit)`` from either ``limit``/``offset`` or ``first``/``after`` (a cursor made
    under the same ``key``); out of range is an InputError, as in the CLI."""
    if "first" in kwargs:
        return decode_cursor(kwargs.get("after"), key), check_limit(kwargs["first"], MAX_PAGE, "first")
    offset = kwargs.get("offset") or 0
    if offset < 0 or offset > MAX_OFFSET:
        raise InputError(f"offset must be between 0 and {MAX_OFFSET} (got {offset})")
    return offset, check_limit(kwargs.get("limit", DEFAULT_PAGE), MAX_PAGE)


# -- inputs -----------------------------------------------------------------------------------
class StringFilter(InputObjectType):
    """Case-, accent- and hyphen-insensitive string comparison (all given operators must hold)."""

    eq = String()
    contains = String()
    starts_with = String()


class IntRange(InputObjectType):
    """Inclusive integer bounds."""

    gte = Int()
    lte = Int()


class IdFilter(InputObjectType):
    """Paper ids: the paper is one of ``in``."""

    in_ = List(NonNull(ID), name="in")


class UsesFilter(InputObjectType):
    """The paper is linked to this entity: any name or alias, of any kind unless ``kind`` is given;
    a family (e.g. "f-divergence") includes its members unless ``exact``."""

    name = NonNull(String)
    kind = EntityKind()
    exact = NonNull(Boolean, default_value=False)
    role = Role(description="Only links with this method role.")
    variant = Variant(description="Only links with this divergence variant.")


class MethodFilter(InputObjectType):
    """The paper uses or proposes this method (alias-resolved); without ``name``, ANY method (e.g.
    ``{role: PROPOSED}``: papers that propose a method)."""

    name = String()
    exact = NonNull(Boolean, default_value=False)
    role = Role()


class DivergenceFilter(InputObjectType):
    """The paper uses this divergence (a family includes its members unless ``exact``); without
    ``name``, any divergence (e.g. ``{variant: REVERSE}``)."""

    name = String()
    exact = NonNull(Boolean, default_value=False)
    variant = Variant()


class DatasetFilter(InputObjectType):
    """The paper is evaluated on this dataset (alias-resolved)."""

    name = NonNull(String)
    exact = NonNull(Boolean, default_value=False)


class PaperWhere(InputObjectType):
    """Paper filters; every given filter must hold (AND). The first named entity (``uses``, then
    ``method``, then ``divergence``) is the subject that the RELEVANCE order scores."""

    uses = List(NonNull(UsesFilter), description="The paper is linked to every one of these entities.")
    method = MethodFilter()
    divergence = DivergenceFilter()
    dataset = DatasetFilter()
    datasets = List(NonNull(String), description="Evaluated on every one of these datasets.")
    with_ = List(NonNull(String), name="with", description="Also linked to every one of these entities (any kind).")
    year = IntRange()
    venue = String(description="The venue contains this (any case).")
    author = String(description="An author's name contains this (any case).")
    category = String(description="Has this subject category, e.g. cs.LG (any case).")
    text = String(description="Words that must all occur in the title or abstract.")
    id = IdFilter()


class EntityWhere(InputObjectType):
    """Entity filters; every given filter must hold (AND)."""

    name = StringFilter()
    paper_count = IntRange(description="Bounds on the number of papers linked to the entity.")


def paper_filters(where: dict | None) -> PaperFilters:
    """The query core's :class:`kg.query.PaperFilters` for a :class:`PaperWhere` (the CLI builds
    the same from its options)."""
    where = where or {}
    named: list[NameFilter] = [
        NameFilter(text=u["name"], kind=enum_value(u.get("kind")), exact=bool(u.get("exact")),
                   role=enum_value(u.get("role")), variant=enum_value(u.get("variant")))
        for u in where.get("uses") or []
    ]
    any_kind = role = variant = None
    for kind in ("method", "divergence"):
        flt = where.get(kind)
        if flt is None:
            continue
        if flt.get("name") is not None:
            named.append(NameFilter(text=flt["name"], kind=kind, exact=bool(flt.get("exact")),
                                    role=enum_value(flt.get("role")), variant=enum_value(flt.get("variant"))))
        else:
            any_kind, role, variant = kind, enum_value(flt.get("role")), enum_value(flt.get("variant"))
    datasets = list(where.get("datasets") or [])
    exact = False
    if where.get("dataset"):
        datasets.insert(0, where["dataset"]["name"])
        exact = bool(where["dataset"].get("exact"))
    subject = named[0] if named else None
    year = where.get("year") or {}
    ids = (where.get("id") or {}).get("in_")
    return PaperFilters(
        name=subject.text if subject else None,
        kind=subject.kind if subject else None,
        exact=subject.exact if subject else exact,
        role=subject.role if subject else role,
        variant=subject.variant if subject else variant,
        any_kind=None if subject else any_kind,
        also=tuple(named[1:]),
        datasets=tuple(datasets),
        with_=tuple(where.get("with_") or ()),
        year_min=year.get("gte"),
        year_max=year.get("lte"),
        venue=where.get("venue"),
        author=where.get("author"),
        category=where.get("category"),
        text=where.get("text"),
        ids=tuple(ids) if ids is not None else None,
    )


def note_explain(info, text: str | None) -> None:
    """Keep how the store answered, for the response's ``extensions.explain``."""
    if text:
        info.context.setdefault("explain", []).append(text)


def find_papers(info, filters: PaperFilters, kw: dict) -> Page:
    """Run :func:`kg.query.find_papers` for a list field's arguments and prime the page's records
    for batched nested loads (an entity's family comes from the request loader, which reads those of
    a whole list of entities at once)."""
    order = enum_value(kw.get("order_by"))
    direction = enum_value(kw.get("direction"))
    loader = loader_of(info)
    common = {"order": order, "direction": direction, "max_limit": MAX_PAGE, "explain": True,
              "family_of": loader.family_of}
    if "first" in kw:
        limit = check_limit(kw["first"], MAX_PAGE, "first")
        result = query.find_papers(loader.store, filters, limit=limit, after=kw.get("after"), **common)
    else:
        result = query.find_papers(loader.store, filters, limit=kw.get("limit", DEFAULT_PAGE),
                                   offset=kw.get("offset") or 0, **common)
    note_explain(info, result.explain)
    nodes = [PaperNode(hit.paper, hit.matches) for hit in result.items]
    loader.want_papers(n.id for n in nodes)
    return Page(nodes, result.offset, result.total, result.filters.key(result.order, result.direction))


# -- object types -----------------------------------------------------------------------------
def object_type(name: str, model: type, *, exclude: tuple = (), doc: str = "", **attrs):
    """A graphene ObjectType whose scalar fields come from ``model`` plus hand-written ``attrs``."""
    meta = attrs.pop("Meta", None)
    body = {**model_fields(model, exclude=exclude), **attrs, "__doc__": doc or (model.__doc__ or "").strip()}
    if meta is not None:
        body["Meta"] = meta
    return type(name, (graphene.ObjectType,), body)


Evidence = object_type("Evidence", models.Evidence)


class EntityFields:
    """Resolvers shared by every entity type (the Entity interface and its implementations)."""

    @staticmethod
    def resolve_paper_count(entity, info) -> int:
        return loader_of(info).paper_count(entity)

    @staticmethod
    def _entity_papers(entity, info, kwargs) -> Page:
        filters = PaperFilters(entity_id=entity.id, exact=bool(kwargs.get("exact")),
                               role=enum_value(kwargs.get("role")), variant=enum_value(kwargs.get("variant")))
        return find_papers(info, filters, kwargs)

    @staticmethod
    def resolve_papers(entity, info, **kwargs):
        return EntityFields._entity_papers(entity, info, kwargs).nodes

    @staticmethod
    def resolve_papers_connection(entity, info, **kwargs):
        return EntityFields._entity_papers(entity, info, kwargs)


def _entity_attrs() -> dict:
    filters = {
        "exact": Boolean(required=True, default_value=False, description="Leave out taxonomy descendants."),
        "role": Role(),
        "variant": Variant(),
        "order_by": PaperOrder(description="Default: RELEVANCE."),
        "direction": Direction(),
    }
    return {
        # family/parents are typed per kind (Divergence: objects of its taxonomy); methods and datasets
        # use their families through `papers` (a family includes its members unless exact)
        **model_fields(models.Entity, exclude=("family", "parents")),
        "paper_count": NonNull(Int, description="Distinct papers linked to this entity directly."),
        "papers": Field(nn_list(lambda: Paper), args=list_args(**filters), description="Papers linked to it."),
        "papers_connection": Field(NonNull(lambda: PaperConnection), args=connection_args(**filters)),
    }


class Entity(graphene.Interface):
    """A canonical method, divergence or dataset."""

    locals().update(_entity_attrs())
    resolve_paper_count = EntityFields.resolve_paper_count
    resolve_papers = EntityFields.resolve_papers
    resolve_papers_connection = EntityFields.resolve_papers_connection

    @classmethod
    def resolve_type(cls, instance, info):
        return {"method": Method, "divergence": Divergence, "dataset": Dataset}[instance.kind]


class FamilyFields:
    """``family`` and ``parents`` of a method or dataset (families.jsonl: GAN ⊃ DCGAN, CIFAR ⊃ CIFAR-10)."""

    @staticmethod
    def resolve_family(entity, info):
        fam = getattr(entity, "family", None)
        return loader_of(info).entity(fam) if fam and fam != entity.id else None

    @staticmethod
    def resolve_parents(entity, info):
        return [e for e in (loader_of(info).entity(p) for p in entity.parents) if e is not None]


class Method(graphene.ObjectType):
    """A method (model, algorithm, loss, …) found in abstracts."""

    class Meta:
        interfaces = (Entity,)

    family = Field(lambda: Method, description="The top family, e.g. generative adversarial networks.")
    parents = Field(nn_list(lambda: Method), description="Direct SUBTYPE_OF parents (its families).")
    resolve_family = FamilyFields.resolve_family
    resolve_parents = FamilyFields.resolve_parents


class Dataset(graphene.ObjectType):
    """A dataset or benchmark."""

    class Meta:
        interfaces = (Entity,)

    family = Field(lambda: Dataset, description="The top family, e.g. CIFAR.")
    parents = Field(nn_list(lambda: Dataset), description="Direct SUBTYPE_OF parents (its families).")
    resolve_family = FamilyFields.resolve_family
    resolve_parents = FamilyFields.resolve_parents


class Divergence(graphene.ObjectType):
    """A divergence or distance between distributions, placed in the family taxonomy."""

    class Meta:
        interfaces = (Entity,)

    family = Field(lambda: Divergence, description="The top family, e.g. f-divergence.")
    parents = Field(nn_list(lambda: Divergence), description="Direct SUBTYPE_OF parents.")
    children = Field(nn_list(lambda: Divergence), description="Direct subtypes.")
    descendants = Field(nn_list(lambda: Divergence), description="All subtypes, transitively.")

    @staticmethod
    def resolve_family(entity, info):
        fam = getattr(entity, "family", None)
        if not fam or fam == entity.id:
            return None
        return loader_of(info).taxonomy().by_id.get(fam) or loader_of(info).entity(fam)

    @staticmethod
    def resolve_parents(entity, info):
        return loader_of(info).taxonomy().parents_of(entity.id)

    @staticmethod
    def resolve_children(entity, info):
        return loader_of(info).taxonomy().children_of(entity.id)

    @staticmethod
    def resolve_descendants(entity, info):
        return loader_of(info).taxonomy().descendants_of(entity.id)


Tag = object_type(
    "Tag",
    models.Tag,
    exclude=("entity", "evidence"),
    doc="A paper → entity link (USES / PROPOSES / EVALUATES_ON) with its evidence.",
    entity=NonNull(Entity),
    evidence=nn_list(Evidence),
)


def _claim_about(claim, info):
    return loader_of(info).entities(claim.about)


def _claim_paper(claim, info):
    x = loader_of(info).extraction(claim.paper_id)
    return PaperNode(x.paper) if x else None


Claim = object_type(
    "Claim",
    models.Claim,
    exclude=("about",),
    about=Field(nn_list(Entity), description="Entities tagged in the same sentence."),
    paper=Field(lambda: Paper),
    resolve_about=_claim_about,
    resolve_paper=_claim_paper,
)


def _tags(kind: models.EntityKind | None):
    def resolver(node: PaperNode, info, **kwargs):
        x = loader_of(info).extraction(node.id)
        if x is None:
            return []
        by_kind = {"method": x.methods, "divergence": x.divergences, "dataset": x.datasets}
        tags = x.tags if kind is None else by_kind[kind]
        want_kind = enum_value(kwargs.get("kind"))
        role = enum_value(kwargs.get("role"))
        return [t for t in tags if (not want_kind or t.entity.kind == want_kind) and (not role or t.role == role)]

    return resolver


def _paper_claims(node: PaperNode, info, type=None):
    x = loader_of(info).extraction(node.id)
    claims = [c for c in (x.claims if x else ()) if not type or c.type == enum_value(type)]
    loader_of(info).want_claims(claims)
    return claims


def _extractor_version(node: PaperNode, info):
    x = loader_of(info).extraction(node.id)
    return x.extractor_version if x else None


Paper: type = object_type(
    "Paper",
    models.Paper,
    doc="A paper abstract with everything tagged in it.",
    tags=Field(nn_list(Tag), kind=EntityKind(), description="Every entity link, with evidence."),
    methods=Field(nn_list(Tag), role=Role(), description="Methods used or proposed."),
    divergences=Field(nn_list(Tag), description="Divergences used (with variant)."),
    datasets=Field(nn_list(Tag), description="Datasets evaluated on."),
    claims=Field(nn_list(Claim), type=ClaimType()),
    matches=Field(nn_list(Tag), description="The links that satisfied the query's entity filters."),
    extractor_version=String(description="Version of the extractor that tagged this paper."),
    resolve_tags=_tags(None),
    resolve_methods=_tags("method"),
    resolve_divergences=_tags("divergence"),
    resolve_datasets=_tags("dataset"),
    resolve_claims=_paper_claims,
    resolve_matches=lambda node, info: list(node.matches),
    resolve_extractor_version=_extractor_version,
)

PaperConnection = make_connection(Paper, "Paper")
MethodConnection = make_connection(Method, "Method")
DivergenceConnection = make_connection(Divergence, "Divergence")
DatasetConnection = make_connection(Dataset, "Dataset")
ClaimConnection = make_connection(Claim, "Claim")


class EntityCount(graphene.ObjectType):
    """An entity with a number of papers."""

    entity = NonNull(Entity)
    paper_count = NonNull(Int)


class YearCount(graphene.ObjectType):
    """Number of papers in one year; ``year`` null: papers without a year."""

    year = Int()
    paper_count = NonNull(Int)


class Count(graphene.ObjectType):
    """A named count (nodes of a kind, relationships of a type)."""

    key = NonNull(String)
    count = NonNull(Int)


def _counts(table: dict[str, int]) -> list[Count]:
    return [Count(key=k, count=v) for k, v in sorted(table.items())]


Stats = object_type(
    "Stats",
    models.Stats,
    exclude=("entities", "links"),
    entities=Field(nn_list(Count), description="Nodes by kind."),
    links=Field(nn_list(Count), description="Relationships by type."),
    resolve_entities=lambda s, info: _counts(s.entities),
    resolve_links=lambda s, info: _counts(s.links),
)


# -- query ------------------------------------------------------------------------------------
def _entity_page(info, kind: models.EntityKind, kwargs: dict) -> Page:
    key = args_key(kind, kwargs)
    offset, limit = window(kwargs, key)
    where = kwargs.get("where") or {}
    name = where.get("name") or {}
    count = where.get("paper_count") or {}
    result = query.entities(
        loader_of(info).store, kind, equals=name.get("eq"), contains=name.get("contains"),
        starts_with=name.get("starts_with"), min_papers=count.get("gte"), max_papers=count.get("lte"),
        order=enum_value(kwargs.get("order_by")) or "papers", limit=limit, offset=offset, max_limit=MAX_PAGE,
        counts=loader_of(info),
    )
    loader_of(info).want_families(r.entity.id for r in result.items)
    return Page([r.entity for r in result.items], offset, result.total, key)


def _entity_fields(kind: models.EntityKind, plural: str, node: Any, connection: Any) -> dict:
    # the default is the enum member, not its value: graphql-core 3.3 prints and introspects a default
    # through the enum's own value lookup (graphene's conversion of plain values is not called there)
    order = {"where": EntityWhere(), "order_by": EntityOrder(required=True, default_value=EntityOrder.PAPER_COUNT)}
    return {
        plural: Field(nn_list(node), args=list_args(**order), description=f"{plural.title()} with paper counts."),
        f"{plural}_connection": Field(NonNull(connection), args=connection_args(**order)),
        f"resolve_{plural}": lambda root, info, **kw: _entity_page(info, kind, kw).nodes,
        f"resolve_{plural}_connection": lambda root, info, **kw: _entity_page(info, kind, kw),
    }


def _claims_page(info, kwargs: dict) -> Page:
    key = args_key("claims", kwargs)
    offset, limit = window(kwargs, key)
    result = query.claims(loader_of(info).store, kwargs.get("about"), type=enum_value(kwargs.get("type")),
                          exact=bool(kwargs.get("exact")), limit=limit, offset=offset, max_limit=MAX_PAGE)
    loader_of(info).want_claims(result.items)
    return Page(list(result.items), offset, result.total, key)


class Query(graphene.ObjectType):
    """Read-only queries over the kg graph."""

    paper = Field(Paper, id=NonNull(ID), description="One paper by id (null if the graph lacks it).")
    papers = Field(
        nn_list(Paper),
        args=list_args(where=PaperWhere(), order_by=PaperOrder(description="Default: RELEVANCE with a named "
                       "entity, else ID."), direction=Direction()),
        description="Papers matching every filter in `where`.",
    )
    papers_connection = Field(
        NonNull(PaperConnection),
        args=connection_args(where=PaperWhere(), order_by=PaperOrder(description="Default: RELEVANCE with a "
                             "named entity, else ID."), direction=Direction()),
        description="Papers matching every filter in `where`, with cursors bound to the filters and order.",
    )
    locals().update(_entity_fields("method", "methods", Method, MethodConnection))
    locals().update(_entity_fields("divergence", "divergences", Divergence, DivergenceConnection))
    locals().update(_entity_fields("dataset", "datasets", Dataset, DatasetConnection))
    entity = Field(
        Entity,
        name=NonNull(String),
        kind=EntityKind(),
        description="The entity a name or alias stands for (e.g. 'KL', 'relative entropy'); null if none.",
    )
    suggest = Field(
        nn_list(Entity),
        name=NonNull(String),
        kind=EntityKind(),
        limit=Int(required=True, default_value=10),
        description="Entities whose name or alias contains the text, or close names.",
    )
    taxonomy = Field(nn_list(Divergence), description="Root divergence families; walk `children` down.")
    claims = Field(
        nn_list(Claim),
        args=list_args(about=String(), exact=Boolean(required=True, default_value=False), type=ClaimType()),
        description="Claims about an entity (any alias; families include members unless exact), by type.",
    )
    claims_connection = Field(
        NonNull(ClaimConnection),
        args=connection_args(about=String(), exact=Boolean(required=True, default_value=False), type=ClaimType()),
    )
    cooccurring = Field(
        nn_list(EntityCount),
        name=NonNull(String),
        kind=EntityKind(),
        exact=Boolean(required=True, default_value=False),
        limit=Int(required=True, default_value=DEFAULT_PAGE),
        description="Entities appearing in papers linked to the named one, with the number of such papers.",
    )
    papers_by_year = Field(
        nn_list(YearCount),
        name=String(description="Only papers linked to this entity (alias-/family-resolved)."),
        exact=Boolean(required=True, default_value=False),
        description="Facet: number of papers per year.",
    )
    stats = Field(NonNull(Stats), description="Node and relationship counts.")

    @staticmethod
    def resolve_paper(root, info, id):
        x = loader_of(info).extraction(id)
        return PaperNode(x.paper) if x else None

    @staticmethod
    def resolve_papers(root, info, **kw):
        return find_papers(info, paper_filters(kw.get("where")), kw).nodes

    @staticmethod
    def resolve_papers_connection(root, info, **kw):
        return find_papers(info, paper_filters(kw.get("where")), kw)

    @staticmethod
    def resolve_entity(root, info, name, kind=None):
        from kg.resolve import resolve

        if not name.strip():
            return None
        found = resolve(loader_of(info).store, name, enum_value(kind), exact=True).entities
        return found[0] if found else None

    @staticmethod
    def resolve_suggest(root, info, name, kind=None, limit=10):
        from kg.resolve import resolve

        check_limit(limit, MAX_PAGE)
        if not name.strip() or not limit:
            return []
        store = loader_of(info).store
        found = store.search_entities(name, enum_value(kind), limit=limit)
        if not found:  # no substring match: the close names resolution suggests
            names = resolve(store, name, enum_value(kind)).suggestions
            found = [e for n in names for e in store.lookup(n, enum_value(kind))]
        return list({e.id: e for e in found}.values())[:limit]

    @staticmethod
    def resolve_taxonomy(root, info):
        return loader_of(info).taxonomy().roots()

    @staticmethod
    def resolve_claims(root, info, **kw):
        return _claims_page(info, kw).nodes

    @staticmethod
    def resolve_claims_connection(root, info, **kw):
        return _claims_page(info, kw)

    @staticmethod
    def resolve_cooccurring(root, info, name, kind=None, exact=False, limit=DEFAULT_PAGE):
        result = query.cooccurring(loader_of(info).store, name, kind=enum_value(kind), exact=exact, limit=limit,
                                   max_limit=MAX_PAGE)
        return [EntityCount(entity=r.entity, paper_count=r.paper_count) for r in result.items]

    @staticmethod
    def resolve_papers_by_year(root, info, name=None, exact=False):
        facet = query.papers_by_year(loader_of(info).store, name, exact=exact)
        return [YearCount(year=b.year, paper_count=b.paper_count) for b in facet.buckets]

    @staticmethod
    def resolve_stats(root, info):
        return loader_of(info).store.stats()


def build_schema() -> graphene.Schema:
    """The kg GraphQL schema (query only: the API never writes)."""
    return graphene.Schema(query=Query, types=[Method, Divergence, Dataset])


schema = build_schema()
