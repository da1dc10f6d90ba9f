"""The lookup commands: ``kg papers-using``, ``papers``, ``paper``, ``why``, ``entities``, ``claims``,
``cooccurring``, ``years`` and ``taxonomy``.

Why thin: each parses its options, calls ONE function of :mod:`kg.query` (the same the GraphQL
resolvers call, so both answer alike) and prints its result — a Rich table, or with ``--json`` one
JSON object (``total`` plus a list) on stdout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.markup import escape

from kg.cli._common import out, print_json
from kg.cli._store import (
    JsonOpt,
    KindOpt,
    StoreOptions,
    _first_sentence,
    _how,
    _table,
    _tag_json,
    graph_command,
)
from kg.query import ORDER_HELP

if TYPE_CHECKING:
    from rich.table import Table

    from kg.query.lookups import EntityRow

F = "Filters"
YearOpt = Annotated[str | None, typer.Option(
    "--year", "-y", help="Years: 2021, 2020..2023, 2021.. or ..2019.", rich_help_panel=F)]
VenueOpt = Annotated[str | None, typer.Option("--venue", help="Venue contains this (any case).", rich_help_panel=F)]
AuthorOpt = Annotated[str | None, typer.Option(
    "--author", help="An author's name contains this (any case).", rich_help_panel=F)]
CategoryOpt = Annotated[str | None, typer.Option(
    "--category", help="Has this subject category, e.g. cs.LG (any case).", rich_help_panel=F)]
DatasetOpt = Annotated[list[str] | None, typer.Option(
    "--dataset", "-d", help="Evaluated on this dataset (repeat: all of them).", rich_help_panel=F)]
WithOpt = Annotated[list[str] | None, typer.Option(
    "--with", "-w", help="Also linked to this entity, any kind (repeat: all of them).", rich_help_panel=F)]
RoleOpt = Annotated[Literal["proposed", "used"] | None, typer.Option(
    "--role", help="Only papers that propose / use the method.", rich_help_panel=F)]
VariantOpt = Annotated[Literal["forward", "reverse"] | None, typer.Option(
    "--variant", help="Only papers using this KL direction.", rich_help_panel=F)]
TextOpt = Annotated[str | None, typer.Option(
    "--text", help="Words that must all occur in the title or abstract.", rich_help_panel=F)]
ExactOpt = Annotated[bool, typer.Option("--exact", help="Only the named entities, not the members of their families.")]
OrderOpt = Annotated[Literal["relevance", "year", "title", "id"] | None, typer.Option(
    "--order", "-o", help=f"Order of the papers. {ORDER_HELP}", show_default=False)]
DescOpt = Annotated[bool | None, typer.Option(
    "--desc/--asc", help="Direction (default: best first for relevance, ascending otherwise).", show_default=False)]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="Papers per page (0..10000).")]
OffsetOpt = Annotated[int, typer.Option("--offset", help="Papers to skip.")]
AfterOpt = Annotated[str | None, typer.Option(
    "--after", help="Continue after this cursor (next_cursor of the --json output of the same question).")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="Also print the Cypher (Neo4j) or the plan (embedded store) that answered, on stderr.")]


def _papers(opts: StoreOptions, filters: Any, order, desc, limit, offset, after, explain, json_, title: str) -> None:
    from kg.cli._common import err
    from kg.query import find_papers

    direction: Literal["asc", "desc"] | None = None if desc is None else ("desc" if desc else "asc")
    result = opts.ask(find_papers, filters, order=order, direction=direction, limit=limit, offset=offset,
                      after=after, explain=explain)
    if explain and result.explain:
        err.print(result.explain, highlight=False, markup=False, soft_wrap=True)
    nxt = result.next_offset
    if json_:
        subject = result.resolution
        print_json({
            "query": filters.name,
            "resolved": [{"text": r.resolution.text, "as": r.role, "ids": list(r.resolution.ids),
                          "entities": [{"id": e.id, "name": e.name, "kind": e.kind} for e in r.resolution.entities]}
                         for r in result.resolved],
            "ids": list(subject.ids) if subject else [],
            "order": result.order, "direction": result.direction, "offset": result.offset,
            "total": result.total,
            "next_cursor": result.cursor(nxt - 1) if nxt is not None else None,
            "papers": [
                {"id": h.paper.id, "title": h.paper.title, "year": h.paper.year,
                 "matches": [_tag_json(t) for t in h.matches]}
                for h in result.items
            ],
        })
        return
    shown = (f" (showing {result.offset + 1}-{result.offset + len(result.items)})"
             if len(result.items) < result.total else "")
    table = _table(f"{result.total} paper(s) {title}{shown}, by {result.order} {result.direction}",
                   "paper", "year", "title", "entity", "how", "evidence")
    subject_ids = set(result.resolution.ids) if result.resolution else set()
    for h in result.items:
        tags = sorted(h.matches, key=lambda t: (t.entity.id not in subject_ids, t.entity.id))  # the subject first
        for i, t in enumerate(tags or (None,)):
            first = i == 0
            table.add_row(h.paper.id if first else "", str(h.paper.year or "") if first else "",
                          h.paper.title if first else "", t.entity.name if t else "", _how(t) if t else "",
                          _first_sentence(t) if t else "")
    out.print(table)


def _filters(name, kind, role, variant, exact, year, venue, author, category, dataset, with_, text, any_kind=None):
    from kg.query import PaperFilters, parse_years

    y0, y1 = parse_years(year) if year else (None, None)
    return PaperFilters(name=name, kind=kind, role=role, variant=variant, exact=exact, any_kind=any_kind,
                        datasets=tuple(dataset or ()), with_=tuple(with_ or ()), year_min=y0, year_max=y1,
                        venue=venue, author=author, category=category, text=text)


def _describe(filters: Any) -> str:
    parts = [f"using {filters.name}"] if filters.name else []
    parts += [f"on {d}" for d in filters.datasets] + [f"with {w}" for w in filters.with_]
    if filters.role:
        parts.append(f"({filters.role})")
    return " ".join(parts) or "matching"


@graph_command("papers-using")
def papers_using_cmd(
    name: Annotated[str, typer.Argument(help="An entity name or alias, e.g. 'KL divergence', 'f-divergence'.")],
    kind: KindOpt = None, role: RoleOpt = None, variant: VariantOpt = None, exact: ExactOpt = False,
    year: YearOpt = None, venue: VenueOpt = None, author: AuthorOpt = None, category: CategoryOpt = None,
    dataset: DatasetOpt = None, with_: WithOpt = None, text: TextOpt = None,
    order: OrderOpt = None, desc: DescOpt = None, limit: LimitOpt = 100, offset: OffsetOpt = 0,
    after: AfterOpt = None, explain: ExplainOpt = False, json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Papers that use an entity (resolved through aliases; a family includes its members), most
    relevant first: a paper proposing the method, then evidence in the title or first two sentences,
    then the number of mentions.

    Example: kg papers-using GAN --dataset CIFAR-10 --year 2018..2020 --with "Wasserstein distance"
    """
    filters = _filters(name, kind, role, variant, exact, year, venue, author, category, dataset, with_, text)
    _papers(opts, filters, order, desc, limit, offset, after, explain, json_, _describe(filters))


@graph_command("papers")
def papers_cmd(
    any_kind: Annotated[Literal["method", "divergence", "dataset"] | None, typer.Option(
        "--any", help="Linked to any entity of this kind (with --role: e.g. any proposed method).",
        rich_help_panel=F)] = None,
    role: RoleOpt = None, variant: VariantOpt = None, exact: ExactOpt = False,
    year: YearOpt = None, venue: VenueOpt = None, author: AuthorOpt = None, category: CategoryOpt = None,
    dataset: DatasetOpt = None, with_: WithOpt = None, text: TextOpt = None,
    order: OrderOpt = None, desc: DescOpt = None, limit: LimitOpt = 100, offset: OffsetOpt = 0,
    after: AfterOpt = None, explain: ExplainOpt = False, json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Papers matching filters without a subject entity (id order unless --order).

    Example: kg papers --role proposed --year 2021.. --dataset ImageNet
    """
    filters = _filters(None, None, role, variant, exact, year, venue, author, category, dataset, with_, text,
                       any_kind=any_kind)
    _papers(opts, filters, order, desc, limit, offset, after, explain, json_, _describe(filters))


@graph_command("paper")
def paper_cmd(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="Paper id, e.g. p001.")],
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Everything tagged in one paper, with evidence."""
    from kg.query import paper

    x = opts.ask(paper, paper_id)
    if json_:
        print_json({
            "paper": x.paper.model_dump(mode="json"), "extractor_version": x.extractor_version,
            "tags": [_tag_json(t) for t in x.tags], "claims": [c.model_dump(mode="json") for c in x.claims],
        })
        return
    p = x.paper
    meta = ", ".join(str(v) for v in (p.year, p.venue, p.url) if v)
    out.print(f"[bold]{escape(p.id)}[/bold] {escape(p.title)}" + (f" ({escape(meta)})" if meta else ""),
              highlight=False)
    for kind, tags in (("methods", x.methods), ("divergences", x.divergences), ("datasets", x.datasets)):
        out.print(f"\n[bold]{kind}[/bold]" + ("" if tags else ": none"), highlight=False)
        for t in tags:
            rules = ", ".join(sorted({e.rule for e in t.evidence}))
            how = f" ({_how(t)})" if t.role or t.variant else ""
            mentions = escape("; ".join(t.mentions))
            out.print(f"  {escape(t.entity.name)}{how} — {mentions} [dim]\\[{escape(rules)}][/dim]",
                      highlight=False)
    out.print("\n[bold]claims[/bold]" + ("" if x.claims else ": none"), highlight=False)
    for c in x.claims:
        about = f" [dim](about {escape(', '.join(c.about))})[/dim]" if c.about else ""
        out.print(f"  #{c.sentence_index} {c.type}: {escape(c.text)}{about}", highlight=False)


@graph_command("why")
def why_cmd(
    paper_id: Annotated[str, typer.Argument(metavar="PAPER", help="Paper id, e.g. p001.")],
    name: Annotated[str, typer.Argument(metavar="X", help="An entity name or alias.")],
    overrides: Annotated[str | None, typer.Option(
        "--overrides", help="Overrides file to report from (default: KG_OVERRIDES or data/overrides.yaml).",
        show_default=False)] = None,
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Why a paper is tagged with an entity: the sentence, span, surface form and rule of each
    mention, and the curation overrides that applied."""
    from kg.query import why
    from kg.resolve.overrides import Overrides, default_path

    curated = Overrides.load(overrides or default_path())
    r = opts.ask(why, paper_id, name, curated)
    if json_:
        print_json({"paper": paper_id, "title": r.paper.paper.title, "tags": [_tag_json(t) for t in r.tags],
                    "claims": [c.model_dump(mode="json") for c in r.claims],
                    "overrides": [{**o.model_dump(mode="json"), "where": o.where} for o in r.overrides]})
        return
    out.print(f"[bold]{escape(paper_id)}[/bold] {escape(r.paper.paper.title)}", highlight=False)
    for t in r.tags:
        out.print(f"\n[bold]{escape(t.entity.name)}[/bold] ({t.entity.id}; {_how(t)})", highlight=False)
        for e in t.evidence:
            out.print(f"  {e.field} sentence {e.sentence_index}, chars {e.start}-{e.end}: "
                      f"[bold]{escape(e.surface)}[/bold] — rule {escape(e.rule)} "
                      f"(extractor {e.extractor_version})", highlight=False)
            out.print(f"    {escape(e.sentence)}", highlight=False, style="dim")
    for c in r.claims:
        out.print(f"\nclaim ({c.type}, rule {escape(c.rule)}): {escape(c.text)}", highlight=False)
    for o in r.overrides:
        fields = ", ".join(f"{k}={v}" for k, v in o.model_dump(exclude_none=True).items() if k != "op")
        out.print(f"\noverride {o.op} ({escape(fields)}) at {escape(o.where)}", highlight=False)


def _counts_json(rows: Sequence[EntityRow]) -> list[dict[str, Any]]:
    """Entities with their paper counts (``kg entities``, ``kg cooccurring``) as JSON."""
    return [{"id": r.entity.id, "name": r.entity.name, "kind": r.entity.kind,
             "family": getattr(r.entity, "family", None), "paperCount": r.paper_count} for r in rows]


def _counts_table(title: str, rows: Sequence[EntityRow]) -> Table:
    """Entities with their paper counts as a table: papers, kind, name, id."""
    table = _table(title, "papers", "kind", "name", "id")
    for r in rows:
        table.add_row(str(r.paper_count), r.entity.kind, r.entity.name, r.entity.id)
    return table


@graph_command("entities")
def entities_cmd(
    kind: KindOpt = None,
    contains: Annotated[str | None, typer.Option("--contains", help="Name contains this (folded).")] = None,
    by_name: Annotated[bool, typer.Option("--by-name", help="Order by name instead of most papers.")] = False,
    top: Annotated[int, typer.Option("--top", "--limit", "-n", help=(
        "Show the N most used (0 = all); only those are read from the store."))] = 20,
    offset: OffsetOpt = 0,
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Entities with the number of papers linked to each, most used first."""
    from kg.query import entities

    everything = 2**31
    result = opts.ask(entities, kind, contains=contains, order="name" if by_name else "papers",
                      limit=top or everything, offset=offset, max_limit=everything)
    if json_:
        print_json({"total": result.total, "offset": result.offset, "entities": _counts_json(result.items)})
        return
    shown = f" (showing {len(result.items)})" if len(result.items) < result.total else ""
    out.print(_counts_table(f"{result.total} entities{shown}", result.items))


@graph_command("claims")
def claims_cmd(
    about: Annotated[str | None, typer.Option(
        "--about", "-a", help="Only claims about this entity (alias- and family-resolved).")] = None,
    type_: Annotated[Literal["proposal", "theoretical", "empirical", "other"] | None, typer.Option(
        "--type", "-t", help="Only claims of this type.")] = None,
    exact: ExactOpt = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N claims (0 = all).")] = 50,
    offset: OffsetOpt = 0,
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Claim sentences (proposal, theoretical, empirical, other), optionally about an entity."""
    from kg.query import claims

    everything = 2**31
    with opts.open(read=True) as store:
        result = claims(store, about, type=type_, exact=exact, limit=limit or everything, offset=offset,
                        max_limit=everything)
        # two batched calls, whatever the number of claims: entity names, and each paper's datasets
        names = {i: e.name for i, e in store.entities({i for c in result.items for i in c.about}).items()}
        records = store.papers({c.paper_id for c in result.items})
    datasets = {pid: [t.entity.name for t in x.datasets] for pid, x in records.items()}
    if json_:
        print_json({"total": result.total, "offset": result.offset, "claims": [
            {**c.model_dump(mode="json"), "about_names": [names.get(i, i) for i in c.about],
             "paper_datasets": datasets.get(c.paper_id, [])}
            for c in result.items
        ]})
        return
    n = len(result.items)
    title = (f"{result.total} claim(s)" + (f" about {about}" if about else "")
             + (f" (showing {n})" if n < result.total else ""))
    table = _table(title, "paper", "type", "about", "sentence", "paper's datasets")
    for c in result.items:
        table.add_row(c.paper_id, c.type, ", ".join(names.get(i, i) for i in c.about), c.text,
                      ", ".join(datasets.get(c.paper_id, [])) or "-")
    out.print(table)


@graph_command("cooccurring")
def cooccurring_cmd(
    name: Annotated[str, typer.Argument(help="An entity name or alias.")],
    kind: KindOpt = None,
    exact: ExactOpt = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N entities (0..10000).")] = 20,
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Entities that appear in papers linked to NAME, with the number of such papers."""
    from kg.query import cooccurring

    result = opts.ask(cooccurring, name, kind=kind, exact=exact, limit=limit)
    if json_:
        print_json({"query": name, "ids": list(result.resolution.ids), "total": result.total,
                    "entities": _counts_json(result.items)})
        return
    out.print(_counts_table(f"{result.total} entities co-occurring with {name}", result.items))


@graph_command("years")
def years_cmd(
    name: Annotated[str | None, typer.Argument(help="Only papers linked to this entity.")] = None,
    exact: ExactOpt = False,
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """Number of papers per year (papers without a year in an "unknown" row)."""
    from kg.query import papers_by_year

    facet = opts.ask(papers_by_year, name, exact=exact)
    if json_:
        print_json({"query": name, "total": facet.total,
                    "years": [{"year": b.year, "paperCount": b.paper_count} for b in facet.buckets]})
        return
    table = _table(f"{facet.total} paper(s)" + (f" linked to {name}" if name else ""), "year", "papers")
    for b in facet.buckets:
        table.add_row(str(b.year) if b.year is not None else "unknown", str(b.paper_count))
    out.print(table)


@graph_command("taxonomy")
def taxonomy_cmd(
    root: Annotated[str | None, typer.Argument(help="Only the subtree of this family.")] = None,
    kind: KindOpt = None,
    json_: JsonOpt = False,
    *,
    opts: StoreOptions,
) -> None:
    """The family tree (SUBTYPE_OF) of divergences, methods and datasets."""
    from kg.query import taxonomy

    roots = opts.ask(taxonomy, kind, root)
    if json_:
        def node(n: Any) -> dict:
            return {"id": n.entity.id, "name": n.entity.name, "children": [node(c) for c in n.children]}

        print_json({"roots": [node(n) for n in roots]})
        return

    def show(n: Any, depth: int) -> None:
        out.print(f"{'  ' * depth}{escape(n.entity.name)} [dim]({n.entity.id})[/dim]", highlight=False)
        for c in n.children:
            show(c, depth + 1)

    for n in roots:
        show(n, 0)
