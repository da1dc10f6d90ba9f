"""Bulk load into an empty Neo4j database with ``neo4j-admin database import full``.

Why: the transactional path (``UNWIND ... MERGE`` batches) writes a few hundred papers a second;
``neo4j-admin database import`` writes ~100k nodes a second because it builds the store files
directly. It only loads a database that is empty and offline (Community edition: ``full`` only),
so it is the path for a first load; later deltas use the ordinary store writes.

:class:`BulkImport` takes the same :class:`~kg.models.GraphDelta` batches as
:meth:`Neo4jStore.write` and streams them into CSV files with *exactly* the node and relationship
properties the transactional path writes (:mod:`kg.store.records`), so both paths give the same
graph and the same answers:

* ``nodes_Paper.csv``, ``nodes_Claim.csv``, ``rel_<TYPE>.csv`` are appended batch by batch (nothing
  of the corpus is held in memory); entities (a vocabulary-sized set, the last write of an id wins as
  with ``MERGE ... SET``), ``SUBTYPE_OF`` and ``ABOUT`` (only to entities that exist) are written at
  the end, and so are the family relationships ``FAM`` and ``FAM_ABOUT`` (:mod:`kg.store.families`,
  from each paper's staged links and the final taxonomy), the kind tags' ``KgTag`` nodes and their
  ``FAM`` relationships, and the summary nodes with their ``aggregates`` marker (:class:`Summaries`),
  so the server recounts nothing after the import (at 100,000 papers its recount took ≈ 40 s); in
  a large load the ``FAM`` relationships are written by a second process while this one writes the
  rest (:func:`write_families`), since the extraction workers have finished by then;
* :meth:`BulkImport.finish` checks the database is still empty, runs ``<admin> database import full``
  (``--overwrite-destination``: the empty database is replaced), waits for the server and creates the
  constraints and indexes (:data:`kg.store.cypher.SCHEMA`), then waits for them to come online.

The admin command is ``settings.neo4j_admin`` (``KG_NEO4J_ADMIN``), else ``neo4j-admin`` on the
``PATH``, else ``$NEO4J_HOME/bin/neo4j-admin``. The database must be offline while it runs: the
command given may stop and restart the server itself (``scripts/neo4j-local admin`` does; its
``env`` prints the ``KG_NEO4J_ADMIN`` line), otherwise kg asks the server to ``STOP DATABASE`` (an
Enterprise command) and reports clearly when the database is still in use. The import gets its own page
cache (``settings.neo4j_admin_pagecache``, ``KG_NEO4J_ADMIN_PAGECACHE``, default 512m, through
``--additional-config``): it reads the server home's otherwise, which a server for queries sets large,
and its RSS follows that setting while its speed did not.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import json
import multiprocessing
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, Any

from kg.errors import StoreError
from kg.gcpolicy import relaxed
from kg.keyindex import KeyIndex
from kg.models import GraphDelta
from kg.store import cypher as Q
from kg.store import families as F
from kg.store import records as R
from kg.store.tally import SpillCounter

#: neo4j-admin's array delimiter here: a control character no kg array element contains.
ARRAY_DELIMITER = "\x1f"
_DELIM_ARG = "U+001F"

#: Property columns per file, typed for neo4j-admin (``name:type``, arrays ``:string[]``); a missing
#: or ``None`` value is an empty cell, which neo4j-admin leaves out (as Neo4j drops ``null``).
PAPER_COLUMNS = ("title", "abstract", "year:long", "venue", "url", "authors:string[]", "source",
                 "content_hash", "extractor_version", "search")
ENTITY_COLUMNS = ("kind", "name", "aliases:string[]", "description", "key", "keys:string[]", "keytext", "family",
                  "parents:string[]")
LINK_COLUMNS = ("role", "variant", "mentions:string[]", "evidence", "rules:string[]", "count:long", "pos:long",
                "sentence", "field", "sentence_index:long", "start:long", "end:long", "surface",
                "extractor_version")
CLAIM_COLUMNS = ("paper_id", "text", "type", "sentence_index:long", "start:long", "end:long", "rule",
                 "about:string[]", "pos:long")
FAM_COLUMNS = ("anc", "pid", "year:long", "score:long", "nscore:long", "ya:long", "yd:long")
FAM_ABOUT_COLUMNS = ("anc", "cid", "type")

_GROUP = {"Paper": "Paper", "Claim": "Claim", "Entity": "Entity"}


#: ``columns`` → ``(property name, is an array)`` per column, parsed once per column tuple.
_SPECS: dict[tuple[str, ...], tuple[tuple[str, bool], ...]] = {}


def _row(props: dict[str, Any], columns: tuple[str, ...]) -> list[str]:
    spec = _SPECS.get(columns)
    if spec is None:
        spec = _SPECS[columns] = tuple((c.split(":", 1)[0], c.endswith("[]")) for c in columns)
    row = []
    for name, array in spec:  # a missing/None value, an empty array: an empty cell
        value = props.get(name)
        if value is None:
            row.append("")
        elif array:
            row.append(ARRAY_DELIMITER.join(str(v).replace(ARRAY_DELIMITER, " ") for v in value) if value else "")
        else:
            row.append(value if type(value) is str else str(value))
    return row


_NEEDS_QUOTES = re.compile(r'[",\n\r]').search


def csv_line(cells: list[Any]) -> str:
    """One CSV line of ``cells`` as ``csv.writer(fh, lineterminator="\\n").writerow`` writes it
    (minimal quoting; ``None`` an empty cell, other values by ``str``) at ≈ 0.4× its CPU, which counts
    at 30 rows a paper — but a cell holding a carriage return is quoted too (Python 3.11's writer
    leaves it bare, a line break to other CSV readers). tests/test_fastpaths.py compares the two."""
    out = []
    for cell in cells:
        if type(cell) is not str:
            cell = "" if cell is None else str(cell)
        out.append('"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES(cell) else cell)
    if len(out) == 1 and not out[0]:
        return '""\n'  # a lone empty cell is quoted, else the line would read as no row
    return ",".join(out) + "\n"


class _LineWriter:
    """``writerow``/``writerows`` of :func:`csv_line` onto a text file; ``multiline`` tells whether a
    cell held a line break (neo4j-admin must then parse the file in its slower multi-line mode)."""

    __slots__ = ("_write", "multiline")

    def __init__(self, fh: IO[str]) -> None:
        self._write = fh.write
        self.multiline = False

    def writerow(self, cells: list[Any]) -> None:
        line = csv_line(cells)
        if not self.multiline and (line.count("\n") > 1 or "\r" in line):
            self.multiline = True
        self._write(line)

    def writerows(self, rows: Iterable[list[Any]]) -> None:
        for cells in rows:
            self.writerow(cells)


def resolve_admin(configured: str | None = None) -> list[str]:
    """The neo4j-admin command as an argument list.

    Raises:
        StoreError: none is configured and ``neo4j-admin`` is neither on PATH nor in ``$NEO4J_HOME/bin``.
    """
    if configured:
        cmd = shlex.split(configured)
        exe = cmd[0] if cmd else ""
        if not cmd or not (shutil.which(exe) or Path(exe).is_file()):
            raise StoreError(f"KG_NEO4J_ADMIN={configured!r}: {exe or 'empty command'} was not found")
        return cmd
    found = shutil.which("neo4j-admin")
    if found:
        return [found]
    home = os.environ.get("NEO4J_HOME")
    if home and (Path(home) / "bin" / "neo4j-admin").is_file():
        return [str(Path(home) / "bin" / "neo4j-admin")]
    raise StoreError(
        "neo4j-admin not found: --bulk runs Neo4j's own 'neo4j-admin database import'. Put it on PATH, "
        "set NEO4J_HOME, or set KG_NEO4J_ADMIN to the command (for scripts/neo4j-local: "
        "eval \"$(scripts/neo4j-local env)\" sets it)"
    )


def preflight(store: Any) -> None:
    """Check, before any work, that a bulk load into ``store`` can run: neo4j-admin is found and
    the database is empty.

    Raises:
        StoreError: it cannot (one clear line saying why).
    """
    from kg.config import load_settings

    resolve_admin(load_settings().neo4j_admin)
    _check_empty(store)


def _check_empty(store: Any) -> None:
    (row,) = store._read(Q.ANY_NODE)
    if row["nodes"]:
        raise StoreError(
            f"--bulk needs an empty database, but '{store.database}' at {store.uri} already holds nodes: "
            "ingest without --bulk to add to it (or clear it first)"
        )


def _year_parts(key: str) -> tuple[str, int]:
    """``known`` and ``year`` cells of a year bucket key (:func:`kg.store.cypher.year_key`)."""
    return ("false", 0) if key == "unknown" else ("true", int(key))


class Summaries:
    """The summary nodes of a bulk load, counted from each paper's links and families as they are
    staged — by the functions that give the transactional writes their deltas
    (:func:`kg.store.records.aggregate_deltas`, :func:`kg.store.families.deltas` and
    :func:`~kg.store.families.pair_deltas`, from no papers to a batch of them), so they are the nodes
    :data:`kg.store.cypher.REBUILD_AGGREGATES` counts from the graph and the server has nothing to
    recount after the import. Pair counts may outgrow memory: they spill to sorted runs under
    ``directory`` (:class:`kg.store.tally.SpillCounter`).

    Args:
        directory: where runs may be written.
        ancestors: entity id → ids of it and its ancestors (:func:`kg.store.families.ancestor_map`).
    """

    #: papers counted together (one call of each delta function)
    BATCH = 2000

    def __init__(self, directory: Path, ancestors: dict[str, list[str]]) -> None:
        proper = {a for eid, ancs in ancestors.items() for a in ancs if a != eid}  # heads with a descendant
        #: entity id → the proper families it belongs to (FamYear and FamCooc count only these)
        self.families = {eid: [a for a in ancs if a in proper] for eid, ancs in ancestors.items()}
        self.years: Counter[str] = Counter()
        self.counters = {name: SpillCounter(directory)
                         for name in ("entity_years", "cooc", "fam_years", "fam_cooc", "fam_pairs")}
        self._footprints: dict[str, R.Footprint] = {}  # of the papers not counted yet, by paper id
        self._heads: dict[str, list[str]] = {}

    def paper(self, paper_id: str, year: int | None, entities: list[str], heads: list[str]) -> None:
        """Count one paper: its id and year, the ids of the entities it links to (that exist) and the
        heads of its FAM relationships (families and kind tags)."""
        self._footprints[paper_id] = (year, frozenset(entities))
        self._heads[paper_id] = heads
        if len(self._footprints) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        c = self.counters
        years, entity_years, cooc = R.aggregate_deltas({}, self._footprints)
        fam_years, fam_cooc = F.deltas({}, self._footprints, self.families)
        self.years.update({Q.year_key(y): n for y, n in years.items()})
        c["entity_years"].update({(e, Q.year_key(y)): n for (e, y), n in entity_years.items()})
        c["cooc"].update(cooc)
        c["fam_years"].update({(a, Q.year_key(y)): n for (a, y), n in fam_years.items()})
        c["fam_cooc"].update(fam_cooc)
        c["fam_pairs"].update(F.pair_deltas({}, self._heads))
        self._footprints, self._heads = {}, {}

    def files(self) -> Iterator[tuple[str, list[str], Iterator[list[Any]]]]:
        """``(file name, header, rows)`` of each summary node file, rows in key order."""
        self._flush()
        c = self.counters

        def years() -> Iterator[list[Any]]:
            for yk in sorted(self.years):
                yield [yk, "YearCount", *_year_parts(yk), self.years[yk]]

        def of_year(label: str, name: str) -> Iterator[list[Any]]:
            for (a, yk), n in c[name].items():
                yield [Q.pair_key(a, yk), label, a, *_year_parts(yk), n]

        def of_pair(label: str, name: str) -> Iterator[list[Any]]:
            for (a, b), n in c[name].items():
                yield [Q.pair_key(a, b), label, a, b, n]

        counted = ("known:boolean", "year:long", "papers:long")
        yield "nodes_YearCount.csv", ["key:ID(YearCount)", ":LABEL", *counted], years()
        yield "nodes_EntityYear.csv", ["key:ID(EntityYear)", ":LABEL", "entity", *counted], of_year("EntityYear",
                                                                                                    "entity_years")
        yield "nodes_Cooc.csv", ["key:ID(Cooc)", ":LABEL", "a", "b", "papers:long"], of_pair("Cooc", "cooc")
        yield "nodes_FamYear.csv", ["key:ID(FamYear)", ":LABEL", "anc", *counted], of_year("FamYear", "fam_years")
        yield "nodes_FamCooc.csv", ["key:ID(FamCooc)", ":LABEL", "anc", "b", "papers:long"], of_pair("FamCooc",
                                                                                                     "fam_cooc")
        yield "nodes_FamPair.csv", ["key:ID(FamPair)", ":LABEL", "a", "b", "papers:long"], of_pair("FamPair",
                                                                                                   "fam_pairs")

    def close(self) -> None:
        """Free the counts, remove any runs."""
        for counter in self.counters.values():
            counter.close()

    def __enter__(self) -> Summaries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Papers staged above which the tail writes the family relationships in a second process.
PARALLEL_TAIL = 20_000

_FAM_HEADER = (":TYPE", *FAM_COLUMNS)


def _staged_rows(path: Path) -> Iterator[list[str]]:
    """The rows of a staging file, its header skipped."""
    with path.open(encoding="utf-8", newline="") as staged:
        rows = csv.reader(staged)
        next(rows)
        yield from rows


def _staged_links(path: Path) -> Iterator[tuple[str, int | None, list[tuple[str, dict[str, Any]]]]]:
    """``(paper id, year, [(entity id, link props)])`` of each paper staged in ``fam.staged``."""
    for pid, year, scored in _staged_rows(path):
        yield pid, int(year) if year else None, [(e, props) for e, props in json.loads(scored)]


def write_families(directory: Path, ancestors: dict[str, list[str]],
                   kinds: dict[str, str]) -> tuple[list[str], list[str]]:
    """Write ``rel_FAM.csv`` (family → paper) and ``rel_FAM_TAG.csv`` (kind tag → paper) of the papers
    staged in ``directory``'s ``fam.staged`` (:func:`kg.store.families.paper_families`); return the
    kind tags used, sorted, and which of the two files hold a line break in a cell. A function of
    files alone, so that it can run in another process."""
    tags: set[str] = set()
    with relaxed(), (directory / "rel_FAM.csv").open("w", encoding="utf-8", newline="") as fh, \
            (directory / "rel_FAM_TAG.csv").open("w", encoding="utf-8", newline="") as th:
        w, tw = _LineWriter(fh), _LineWriter(th)
        w.writerow([":START_ID(Entity)", ":END_ID(Paper)", *_FAM_HEADER])
        tw.writerow([":START_ID(KgTag)", ":END_ID(Paper)", *_FAM_HEADER])
        for pid, known, links in _staged_links(directory / "fam.staged"):
            fams, tag_fams = F.paper_families(pid, known, links, ancestors, kinds)
            for props in fams:
                w.writerow([props["anc"], pid, "FAM", *_row(props, FAM_COLUMNS)])
            for props in tag_fams:
                tw.writerow([props["anc"], pid, "FAM", *_row(props, FAM_COLUMNS)])
                tags.add(props["anc"])
    return sorted(tags), [name for name, wr in (("rel_FAM.csv", w), ("rel_FAM_TAG.csv", tw)) if wr.multiline]


class BulkImport:
    """Stage a graph as neo4j-admin CSV, then import it into the (empty) database of ``store``.

    Args:
        store: an open :class:`~kg.store.neo4j_store.Neo4jStore` whose database is empty.
        admin: the neo4j-admin command (default: :func:`resolve_admin` of the settings).
        directory: where the CSV files go (default: a new temporary folder under ``KG_BULK_DIR``
            or the system's); removed after a successful import unless ``keep``.
        wait: seconds to wait for the server to come back after the import.

    Raises:
        StoreError: the database is not empty, or neo4j-admin is not found (both checked first,
            before any work).
    """

    def __init__(self, store: Any, *, admin: list[str] | None = None, directory: str | Path | None = None,
                 keep: bool = False, wait: float = 300.0) -> None:
        from kg.config import load_settings

        settings = load_settings()
        self.store = store
        self.admin = admin or resolve_admin(settings.neo4j_admin)
        self.admin_memory = settings.neo4j_admin_memory
        self.admin_pagecache = settings.neo4j_admin_pagecache
        self._check_empty()
        base = Path(directory) if directory else settings.bulk_dir
        if base is not None:
            base.mkdir(parents=True, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix="kg-bulk-", dir=base))
        self.keep = keep
        self.wait = wait
        self._attempted = False
        self.entities: dict[str, dict[str, Any]] = {}
        self._papers = KeyIndex()  # the paper ids staged (~16 bytes each)
        self.duplicates = 0
        self._files: dict[str, tuple[IO[str], _LineWriter]] = {}
        self.multiline: set[str] = set()  # the files with a line break in a cell
        self._open("nodes_Paper.csv", ["id:ID(Paper)", ":LABEL", *PAPER_COLUMNS])
        self._open("nodes_Claim.csv", ["id:ID(Claim)", ":LABEL", *CLAIM_COLUMNS])
        for rel in R.LINK_TYPES:
            self._open(f"rel_{rel}.csv", [":START_ID(Paper)", ":END_ID(Entity)", ":TYPE", *LINK_COLUMNS])
        self._open("rel_MAKES.csv", [":START_ID(Paper)", ":END_ID(Claim)", ":TYPE"])
        self._open("about.staged", ["claim", "entity", "type"])
        self._open("fam.staged", ["paper", "year", "links"])

    # -- staging -----------------------------------------------------------------------------
    def _open(self, name: str, header: list[str]) -> None:
        fh = (self.directory / name).open("w", encoding="utf-8", newline="")
        w = _LineWriter(fh)
        w.writerow(header)
        self._files[name] = (fh, w)

    def _w(self, name: str) -> _LineWriter:
        return self._files[name][1]

    def write(self, delta: GraphDelta) -> None:
        """Stage one batch (same semantics as :meth:`Neo4jStore.write` of that batch)."""
        for batch in R.batches(delta, max(1, len(delta.extractions))):
            for e in batch.all_entities().values():
                self.entities[e.id] = R.entity_node_props(e)
            for x in batch.extractions:
                if self._papers.claim([x.paper.id]) is not None:
                    self.duplicates += 1  # written by an earlier batch: a bulk load keeps the first
                    continue
                self._w("nodes_Paper.csv").writerow(
                    [x.paper.id, "Paper", *_row(R.paper_props(x.paper, x.extractor_version), PAPER_COLUMNS)])
                links, claims = R.extraction_rows(x)
                for rel, entity_id, props in links:
                    self._w(f"rel_{rel}.csv").writerow([x.paper.id, entity_id, rel, *_row(props, LINK_COLUMNS)])
                scored = [[entity_id, {k: props[k] for k in F.KEYED if k in props}] for _, entity_id, props in links]
                self._w("fam.staged").writerow([x.paper.id, "" if x.paper.year is None else x.paper.year,
                                                json.dumps(scored)])
                for c in claims:
                    self._w("nodes_Claim.csv").writerow([c["id"], "Claim", *_row(c, CLAIM_COLUMNS)])
                    self._w("rel_MAKES.csv").writerow([x.paper.id, c["id"], "MAKES"])
                    for eid in dict.fromkeys(c["about"]):
                        self._w("about.staged").writerow([c["id"], eid, c["type"]])

    def _write_tail(self) -> None:
        """Entities, SUBTYPE_OF, the ABOUT links to entities that exist, and the families.

        The FAM relationships (:func:`write_families`) run in a second process beside the ABOUT pass
        and the summary counts when more than :data:`PARALLEL_TAIL` papers were staged: after the
        extraction this part has one core busy and the other idle (≈ 3 min at 1M papers). Both ways
        write the same files."""
        self._close_staged("about.staged")
        self._close_staged("fam.staged")
        self._open("nodes_Entity.csv", ["id:ID(Entity)", ":LABEL", *ENTITY_COLUMNS])
        w = self._w("nodes_Entity.csv")
        for eid in sorted(self.entities):
            props = self.entities[eid]
            w.writerow([eid, ARRAY_DELIMITER.join(("Entity", R.KIND_LABELS[props["kind"]])),
                        *_row(props, ENTITY_COLUMNS)])
        self._open("rel_SUBTYPE_OF.csv", [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE"])
        w = self._w("rel_SUBTYPE_OF.csv")
        for eid in sorted(self.entities):
            props = self.entities[eid]
            for parent in dict.fromkeys(props.get("parents") or ()):  # families of every kind, within a kind
                if self.entities.get(parent, {}).get("kind") == props["kind"]:
                    w.writerow([eid, parent, "SUBTYPE_OF"])
        ancestors = F.ancestor_map(self.entities)
        kinds = {eid: props["kind"] for eid, props in self.entities.items()}
        if len(self._papers) > PARALLEL_TAIL:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                families = pool.submit(write_families, self.directory, ancestors, kinds)
                self._write_about(ancestors)
                self._write_summaries(ancestors, kinds)
                try:
                    tags, multiline = families.result()
                except BrokenProcessPool as exc:
                    raise StoreError(f"the process writing the family relationships died ({exc})") from None
        else:
            tags, multiline = write_families(self.directory, ancestors, kinds)
            self._write_about(ancestors)
            self._write_summaries(ancestors, kinds)
        self.multiline.update(multiline)
        for name in ("about.staged", "fam.staged"):
            (self.directory / name).unlink()
        self._open("nodes_KgTag.csv", ["id:ID(KgTag)", ":LABEL"])
        for tag in tags:
            self._w("nodes_KgTag.csv").writerow([tag, "KgTag"])
        # the summaries are complete: the store recounts nothing when it opens the imported database
        self._open("nodes_KgMeta.csv", [":ID(KgMeta)", ":LABEL", "key", "version:long"])
        self._w("nodes_KgMeta.csv").writerow(["aggregates", "KgMeta", "aggregates", Q.AGGREGATES_VERSION])

    def _write_about(self, ancestors: dict[str, list[str]]) -> None:
        """ABOUT (claim → entity, to entities that exist) and FAM_ABOUT (family → claim)."""
        self._open("rel_ABOUT.csv", [":START_ID(Claim)", ":END_ID(Entity)", ":TYPE"])
        self._open("rel_FAM_ABOUT.csv", [":START_ID(Entity)", ":END_ID(Claim)", ":TYPE", *FAM_ABOUT_COLUMNS])
        w, fw = self._w("rel_ABOUT.csv"), self._w("rel_FAM_ABOUT.csv")
        claim_ancs: dict[str, tuple[str, set[str]]] = {}  # the claim being read (its rows are consecutive)

        def flush_claim() -> None:
            for cid, (ctype, ancs) in claim_ancs.items():
                for anc in sorted(ancs):
                    fw.writerow([anc, cid, "FAM_ABOUT", *_row({"anc": anc, "cid": cid, "type": ctype},
                                                              FAM_ABOUT_COLUMNS)])
            claim_ancs.clear()

        for claim, entity, ctype in _staged_rows(self.directory / "about.staged"):
            if entity in self.entities:
                w.writerow([claim, entity, "ABOUT"])
                if claim not in claim_ancs:
                    flush_claim()
                claim_ancs.setdefault(claim, (ctype, set()))[1].update(ancestors[entity])
        flush_claim()

    def _write_summaries(self, ancestors: dict[str, list[str]], kinds: dict[str, str]) -> None:
        """The summary node files (:class:`Summaries`), counted from the staged family links."""
        with Summaries(self.directory, ancestors) as summaries:
            for pid, known, links in _staged_links(self.directory / "fam.staged"):
                summaries.paper(pid, known, [e for e, _ in links if e in ancestors],
                                F.paper_heads(links, ancestors, kinds))
            for name, header, rows in summaries.files():
                self._open(name, header)
                self._w(name).writerows(rows)

    def _close_staged(self, name: str) -> None:
        fh, _ = self._files.pop(name)
        fh.close()

    def _close_files(self) -> None:
        for name, (fh, w) in self._files.items():
            fh.close()
            if w.multiline:
                self.multiline.add(name)
        self._files.clear()

    # -- import ------------------------------------------------------------------------------
    def _check_empty(self) -> None:
        _check_empty(self.store)

    def command(self) -> list[str]:
        """The neo4j-admin argument list that imports the staged files."""
        files = sorted(p.name for p in self.directory.glob("*.csv"))
        args = [f"--nodes={self.directory / n}" for n in files if n.startswith("nodes_")]
        args += [f"--relationships={self.directory / n}" for n in files if n.startswith("rel_")]
        memory = [f"--max-off-heap-memory={self.admin_memory}"] if self.admin_memory else []
        if self.admin_pagecache:  # the import's own page cache, not the one the server home sizes for queries
            conf = self.directory / "import.conf"
            conf.write_text(f"server.memory.pagecache.size={self.admin_pagecache}\n", encoding="utf-8")
            memory.append(f"--additional-config={conf}")
        # only the files with a line break in a cell (a hard-wrapped arXiv abstract, its sentences) are
        # parsed in the multi-line mode, which neo4j-admin warns "can severely degrade the performance
        # of the importer"
        multiline = [str(self.directory / n) for n in files if n in self.multiline]
        lines = (["--multiline-fields-format=v2", f"--multiline-fields={','.join(multiline)}"] if multiline
                 else ["--multiline-fields=false"])
        return [*self.admin, "database", "import", "full", self.store.database, "--overwrite-destination=true",
                *lines, f"--array-delimiter={_DELIM_ARG}", "--id-type=string",
                f"--report-file={self.directory / 'import.report'}", *memory, *args]

    def finish(self) -> None:
        """Write the last files, import them, and bring the database back with its schema.

        Raises:
            StoreError: the database is no longer empty, neo4j-admin failed (its last lines are in
                the message), or the server did not come back within ``wait`` seconds.
        """
        self._write_tail()
        self._close_files()
        self._attempted = True
        self._release_memory()
        self._check_empty()
        stopped = self.store.stop_database()
        try:
            proc = subprocess.run(self.command(), capture_output=True, text=True, errors="replace", check=False)
        except OSError as exc:
            raise StoreError(f"could not run neo4j-admin ({' '.join(self.admin)}): {exc}") from None
        if proc.returncode != 0:
            if stopped:
                self.store.start_database()
            tail = " | ".join(line.strip() for line in (proc.stderr + proc.stdout).splitlines()
                              if line.strip())[-800:]
            hint = (" — the database is in use: stop the server first, or set KG_NEO4J_ADMIN to a command "
                    "that does (scripts/neo4j-local admin)") if "in use" in tail.lower() else ""
            raise StoreError(f"neo4j-admin database import failed (exit {proc.returncode}){hint}: {tail} "
                             f"(CSV files kept in {self.directory})")
        if stopped:
            self.store.start_database()
        self.store.wait_available(self.wait)
        self.store.ensure_schema()
        self.store.await_indexes(self.wait)
        if not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _release_memory(self) -> None:
        """Drop what staging kept (the written paper ids, the entities) and hand freed memory back to
        the OS before neo4j-admin starts: the two processes' memory adds up while it runs, and glibc
        keeps freed heap pages in the process unless asked (``malloc_trim``; a no-op elsewhere)."""
        self._papers = KeyIndex()
        self.entities = {}
        gc.collect()
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):
            pass

    def close(self) -> None:
        """Close the staging files (idempotent). A load that never reached the import (interrupted,
        or extraction failed) removes its folder; a failed import keeps it for inspection."""
        self._close_files()
        if not self._attempted and not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)

    def cleanup(self) -> None:
        """Remove the staging folder."""
        self._close_files()
        shutil.rmtree(self.directory, ignore_errors=True)
