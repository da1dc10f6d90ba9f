"""Reading papers: the seed text, kg's JSONL and CSV, and the real corpora — arXiv's metadata
snapshot, OpenAlex works, Semantic Scholar (Graph API objects and the bulk papers + abstracts shards),
BibTeX and CSL-JSON (Zotero, Mendeley, JabRef) — auto-detected per file by name and content.

The first stage of read → extract → resolve → store. Inputs are files, folders, globs or ``-``
(stdin), plain or compressed (.gz, .bz2, .xz, .zst), in UTF-8 or a detected encoding
(:mod:`kg.read.sources`); every format is read as a stream of records. :func:`iter_papers` yields
papers as they are read (bounded memory, for the streaming ingest); :func:`read_papers` collects
them. Neither raises on a bad record: each one (empty or missing abstract, a broken JSON line or
BibTeX entry, a field of the wrong type, a line longer than :data:`MAX_RECORD_CHARS`, a duplicate)
becomes a :class:`~kg.errors.RecordError` with its file, line (and entry key) and reason, and every
good record is kept. Only a missing path or an unknown format raises :class:`~kg.errors.InputError`.

Paper ids are stable across re-reads, reorderings and sources: the record's own ``id`` in kg's
formats; for the corpora the arXiv id (``arxiv:2106.09685``), else the DOI (``doi:10.…``), else the
source's id (``openalex:W…``, ``s2:…``, ``bibtex:<key>``); a record with none gets one derived from
the folded title. A duplicate (same id, DOI, arXiv id or folded title) is one paper:
:func:`read_papers` merges it into the first occurrence (the first one's title and abstract win,
metadata it lacks is filled in); :func:`iter_papers` reports and skips it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from kg.errors import InputError, RecordError
from kg.models import Paper, fold, slug
from kg.read.bib import bibtex_entries, csl_items
from kg.read.corpora import MAPPERS, FieldError, s2_part
from kg.read.formats import RawRecord, csv_rows, detect_format, json_lines, seed_pairs
from kg.read.sources import STDIN, LineSource, expand

__all__ = ["FORMATS", "MAX_RECORD_CHARS", "Format", "ReadResult", "ReadWarning", "iter_papers", "paper_id",
           "read_papers"]

Format = Literal["auto", "seed", "jsonl", "csv", "arxiv", "openalex", "s2", "bibtex", "csljson"]
#: every format name ``--format`` accepts besides ``auto``
FORMATS: tuple[str, ...] = get_args(Format)[1:]
#: A record longer than this (in characters) is reported and skipped.
MAX_RECORD_CHARS = 100_000

_PARSERS: dict[str, Callable[[Iterable[tuple[int, str]], str, int], Iterator[RawRecord]]] = {
    "seed": seed_pairs, "csv": csv_rows, "bibtex": bibtex_entries, "csljson": csl_items,
    **{k: json_lines for k in ("jsonl", "arxiv", "openalex", "s2")},
}


@dataclass(frozen=True)
class ReadWarning:
    """Something read but guessed (a file's encoding), said once per file; nothing was lost."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class ReadResult:
    """The papers read (in file order, duplicates merged), the problems and the warnings."""

    papers: list[Paper] = field(default_factory=list)
    problems: list[RecordError] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)

    def __iter__(self):
        """``papers, problems = read_papers(...)`` also works."""
        return iter((self.papers, self.problems))


def paper_id(title: str) -> str:
    """A stable id derived from the folded title: a readable slug, shortened with a hash suffix.

    >>> paper_id("Improved Sampling via Learned Diffusions")
    'improved-sampling-via-learned-diffusion'
    """
    s = slug(title)
    if len(s) > 64:
        digest = hashlib.sha1(fold(title).encode()).hexdigest()[:8]
        s = s[:55].rstrip("-") + "-" + digest
    return s


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _surrogate_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (no store accepts lone surrogates), or None (the first
    surrogate is found by a regex search, not a Python loop over every character of every record)."""
    if text.isascii():
        return None
    m = _SURROGATE.search(text)
    if m is None:
        return None
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:  # what surrogateescape makes of bytes that are not UTF-8
        return "undecodable bytes (not UTF-8)"
    return f"invalid Unicode: lone surrogate U+{c:04X} (e.g. a JSON escape like \\ud800)"


def _where(rec: RawRecord) -> str:
    return f"entry {rec.key}: " if rec.key else ""


def _to_paper(rec: RawRecord, kind: str) -> Paper | RecordError:
    if rec.error:
        return RecordError(rec.source, rec.line, rec.error)
    try:
        return paper_from_fields(MAPPERS[kind](rec.data), rec.source, rec.line)
    except (FieldError, _FieldTypeError) as exc:
        return RecordError(rec.source, rec.line, f"{_where(rec)}{exc}")
    except _Missing as exc:
        return RecordError(rec.source, rec.line, f"{_where(rec)}{exc}")


def paper_from_fields(data: dict[str, Any], where: str, line: int | None) -> Paper:
    """A :class:`Paper` from kg's field shape (``title``, ``abstract``, optional ``id``, ``year``,
    ``venue``, ``url``, ``authors``, ``doi``, ``arxiv_id``, ``categories``).

    Raises:
        ValueError: (a private subclass) a field of the wrong type, a missing title or abstract.
    """
    title = _text(data.get("title"), "title")
    abstract = _text(data.get("abstract"), "abstract")
    bad = _surrogate_problem(title + abstract + "".join(str(v) for v in data.values()))
    if bad:
        raise _Missing(bad)
    if len(title) + len(abstract) > MAX_RECORD_CHARS:
        raise _Missing(f"record too long ({len(title) + len(abstract)} characters, limit {MAX_RECORD_CHARS})")
    if not title:
        raise _Missing("missing or empty title")
    if not abstract:
        raise _Missing("missing or empty abstract")
    rid = data.get("id")
    if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (str, int))):
        raise _FieldTypeError(f"field 'id' must be a string or an integer, got {type(rid).__name__}")
    rid = str(rid).strip() if rid not in (None, "") else ""
    return Paper(
        id=rid or paper_id(title),
        title=title,
        abstract=abstract,
        year=_year(data.get("year")),
        venue=_text(data.get("venue"), "venue") or None,
        url=_text(data.get("url"), "url") or None,
        authors=_authors(data.get("authors")),
        doi=_text(data.get("doi"), "doi") or None,
        arxiv_id=_text(data.get("arxiv_id"), "arxiv_id") or None,
        categories=_authors(data.get("categories")),
        source=f"{where}:{line}",
    )


class _FieldTypeError(ValueError):
    """A field that must be text holds a list, an object, a number, ..."""


class _Missing(ValueError):
    """A record without what every paper needs (title, abstract), or text no store accepts."""


def _text(v, field: str = "field") -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise _FieldTypeError(f"field '{field}' must be a string, got {type(v).__name__}")
    return v.strip()


def _year(v) -> int | None:
    """A year from 2021, "2021" or an ISO-like date "2021-05-01"; anything else (``"n.d."``,
    ``"12345"``, ``True``) is left empty rather than losing the abstract over its metadata."""
    if isinstance(v, bool) or v in (None, ""):
        return None
    m = re.fullmatch(r"\s*(\d{4})(?:[-/ T.].*)?\s*", str(v))
    y = int(m.group(1)) if m else None
    return y if y is not None and 1000 <= y <= 3000 else None


def _authors(v) -> tuple[str, ...]:
    if v is None or v == "":
        return ()
    if isinstance(v, str):
        sep = ";" if ";" in v else ("|" if "|" in v else None)
        parts = v.split(sep) if sep else [v]
    elif isinstance(v, (list, tuple)):
        parts = [a if isinstance(a, str) else (a.get("name", "") if isinstance(a, dict) else str(a)) for a in v]
    else:
        parts = [str(v)]
    return tuple(p.strip() for p in parts if p and p.strip())


_FILLED = ("year", "venue", "url", "doi", "arxiv_id")


def _merge(first: Paper, dup: Paper) -> Paper:
    fill: dict[str, Any] = {}
    for name in _FILLED:
        if getattr(first, name) is None and getattr(dup, name) is not None:
            fill[name] = getattr(dup, name)
    for name in ("authors", "categories"):
        if not getattr(first, name) and getattr(dup, name):
            fill[name] = getattr(dup, name)
    return first.model_copy(update=fill) if fill else first


def _keys(p: Paper) -> list[str]:
    keys = [p.id, "t:" + fold(p.title)]
    if p.doi:
        keys.append("doi:" + p.doi)
    if p.arxiv_id:
        keys.append("arxiv:" + p.arxiv_id)
    return keys


Item = Paper | RecordError | ReadWarning


def _records(paths: str | Path | Iterable[str | Path], fmt: Format) -> Iterator[Item]:
    """Every paper of every input, as read (duplicates not yet merged), with problems and warnings."""
    if fmt != "auto" and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (choose auto, {', '.join(FORMATS)})")
    inputs: list[tuple[str, LineSource]] = []
    for name in expand(paths):
        src = LineSource(name)
        kind: str
        if fmt != "auto":
            kind = fmt
        elif name == STDIN:
            raise InputError("reading stdin ('-') needs --format (there is no file name or second read to tell it)")
        else:
            kind = detect_format(name, src.head())
        inputs.append((kind, src))
    # Semantic Scholar bulk shards: the papers shards first, then the abstracts joined to them
    inputs.sort(key=lambda ks: ks[0] == "s2" and ks[1].name != STDIN and _is_s2_abstracts(ks[1]))
    s2_meta: dict[Any, dict] = {}
    for kind, src in inputs:
        yield from _read_one(kind, src, s2_meta)
        yield from (ReadWarning(w) for w in src.warnings)
    if s2_meta:
        yield ReadWarning(f"{len(s2_meta)} Semantic Scholar papers record(s) had no abstract in the abstracts "
                          f"shards read (e.g. corpusid {next(iter(s2_meta))}): not ingested")


def _is_s2_abstracts(src: LineSource) -> bool:
    first = src.head().split("\n", 1)[0]
    return '"corpusid"' in first and '"title"' not in first


def _read_one(kind: str, src: LineSource, s2_meta: dict[Any, dict]) -> Iterator[Item]:
    for rec in _PARSERS[kind](src, src.name, MAX_RECORD_CHARS):
        if kind == "s2" and not rec.error:
            part = s2_part(rec.data)
            if part == "papers":
                s2_meta[rec.data["corpusid"]] = {"data": rec.data, "line": rec.line, "source": rec.source}
                continue
            if part == "abstracts":
                meta = s2_meta.pop(rec.data["corpusid"], None)
                if meta is None:
                    yield RecordError(rec.source, rec.line, f"abstract of corpusid {rec.data['corpusid']} has no "
                                      f"record in the papers shards read")
                    continue
                joined = {**meta["data"], "abstract": rec.data.get("abstract")}
                rec = RawRecord(meta["source"], meta["line"], data=joined)
        yield _to_paper(rec, kind)


def iter_papers(paths: str | Path | Iterable[str | Path], fmt: Format = "auto") -> Iterator[Item]:
    """Papers as they are read, with problems and warnings in between (bounded memory: only the
    keys of the papers seen are kept, to drop duplicates).

    Args:
        paths: files, folders, globs or ``-`` (stdin; needs ``fmt``).
        fmt: ``auto`` (by name and content, per file) or one of :data:`FORMATS`.

    Yields:
        :class:`~kg.models.Paper`, :class:`~kg.errors.RecordError` (a bad or duplicate record: skipped)
        or :class:`ReadWarning` (e.g. the encoding a file was decoded with).

    Raises:
        InputError: a path does not exist, or ``fmt``/a file's format is unknown.
    """
    from kg.keyindex import KeyIndex, RecordLog

    seen = KeyIndex()  # ~16 bytes a key: a dict of the key strings cost ~0.5 KB a paper
    log = RecordLog()
    for item in _records(paths, fmt):
        if not isinstance(item, Paper):
            yield item
            continue
        hit = seen.claim(_keys(item), len(log))
        if hit is not None:
            src, line = (item.source or ":").rsplit(":", 1)
            first_id, first_source = log[hit[1]]
            yield RecordError(src, int(line) if line.isdigit() else None,
                              f"duplicate of paper {first_id} ({first_source}): skipped")
            continue
        log.append(item.id, item.source)
        yield item


def read_papers(paths: str | Path | Iterable[str | Path], fmt: Format = "auto") -> ReadResult:
    """Read every paper in ``paths`` (files, folders, globs, ``-``), duplicates merged.

    Args:
        paths: one path or several.
        fmt: ``auto`` (by name and content), or one of :data:`FORMATS`.

    Returns:
        :class:`ReadResult` with the papers, the per-record problems and the warnings.

    Raises:
        InputError: a path does not exist, or ``fmt``/a file's format is unknown.
    """
    result = ReadResult()
    index: dict[str, int] = {}
    for item in _records(paths, fmt):
        if isinstance(item, RecordError):
            result.problems.append(item)
            continue
        if isinstance(item, ReadWarning):
            result.warnings.append(item)
            continue
        keys = _keys(item)
        j = next((index[k] for k in keys if k in index), None)
        if j is not None:
            first = result.papers[j]
            src, line = (item.source or ":").rsplit(":", 1)
            result.problems.append(RecordError(
                src, int(line) if line.isdigit() else None, f"duplicate of paper {first.id} ({first.source}): merged"))
            result.papers[j] = _merge(first, item)
            for k in _keys(result.papers[j]):
                index.setdefault(k, j)
            continue
        for k in keys:
            index.setdefault(k, len(result.papers))
        result.papers.append(item)
    return result
