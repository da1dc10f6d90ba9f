"""Reading papers from files: the seed text format, JSONL and CSV, auto-detected.

The first stage of read → extract → resolve → store. :func:`read_papers` never raises on a bad
record: each one (empty or missing abstract, undecodable bytes, a broken JSON line, a line longer
than :data:`MAX_RECORD_CHARS`, a duplicate) becomes a :class:`~kg.errors.RecordError` in
:attr:`ReadResult.problems` with its file, line and reason, and every good record is kept. Only a
missing path or an unknown format raises :class:`~kg.errors.InputError`.

Paper ids are stable across re-reads and reorderings: the record's own ``id``, else one derived from
the folded title. A duplicate (same id, or same folded title) is merged into the first occurrence —
the first one's title and abstract win, metadata it lacks (year, venue, url, authors) is filled in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kg.errors import InputError, RecordError
from kg.models import Paper, fold, slug
from kg.read.formats import FORMATS, RawRecord, detect_format, parse

__all__ = ["read_papers", "ReadResult", "paper_id", "Format", "MAX_RECORD_CHARS"]

Format = Literal["auto", "seed", "jsonl", "csv"]
#: A record longer than this (in characters) is reported and skipped.
MAX_RECORD_CHARS = 100_000
_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".txt", ".tsv"}


@dataclass
class ReadResult:
    """The papers read (in file order, duplicates merged) and the problems found on the way."""

    papers: list[Paper] = field(default_factory=list)
    problems: list[RecordError] = field(default_factory=list)

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


def _files(paths: str | Path | Iterable[str | Path]) -> Iterator[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"no such file or directory: {path}")
        if path.is_dir():
            found = sorted(q for q in path.rglob("*") if q.is_file() and q.suffix.lower() in _SUFFIXES)
            if not found:
                raise InputError(
                    f"no input files under {path} (looked for {', '.join(sorted(_SUFFIXES))})"
                )
            yield from found
        else:
            yield path


def _surrogate_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (no store accepts lone surrogates), or None."""
    for c in text:
        if 0xD800 <= ord(c) <= 0xDFFF:
            if 0xDC80 <= ord(c) <= 0xDCFF:  # what surrogateescape makes of bytes that are not UTF-8
                return "undecodable bytes (not UTF-8)"
            return f"invalid Unicode: lone surrogate U+{ord(c):04X} (e.g. a JSON escape like \\ud800)"
    return None


def _to_paper(rec: RawRecord) -> Paper | RecordError:
    where = rec.source
    if rec.error:
        return RecordError(where, rec.line, rec.error)
    data = rec.data
    try:
        return _paper_from(data, where, rec.line)
    except _FieldTypeError as exc:
        return RecordError(where, rec.line, str(exc))


def _paper_from(data: dict, where: str, line: int | None) -> Paper | RecordError:
    title = _text(data.get("title"), "title")
    abstract = _text(data.get("abstract"), "abstract")
    bad = _surrogate_problem(title + abstract + "".join(str(v) for v in data.values()))
    if bad:
        return RecordError(where, line, bad)
    if len(title) + len(abstract) > MAX_RECORD_CHARS:
        return RecordError(where, line, f"record too long ({len(title) + len(abstract)} characters, "
                                            f"limit {MAX_RECORD_CHARS})")
    if not title:
        return RecordError(where, line, "missing or empty title")
    if not abstract:
        return RecordError(where, line, "missing or empty abstract")
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
        source=f"{where}:{line}",
    )


class _FieldTypeError(ValueError):
    """A field that must be text holds a list, an object, a number, ..."""


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


def _merge(first: Paper, dup: Paper) -> Paper:
    fill = {}
    for name in ("year", "venue", "url"):
        if getattr(first, name) is None and getattr(dup, name) is not None:
            fill[name] = getattr(dup, name)
    if not first.authors and dup.authors:
        fill["authors"] = dup.authors
    return first.model_copy(update=fill) if fill else first


def read_papers(paths: str | Path | Iterable[str | Path], fmt: Format = "auto") -> ReadResult:
    """Read every paper in ``paths`` (files, or directories searched for *.jsonl/*.csv/*.txt).

    Args:
        paths: one path or several.
        fmt: ``auto`` (by extension, else by content), or force ``seed``, ``jsonl`` or ``csv``.

    Returns:
        :class:`ReadResult` with the papers and the per-record problems.

    Raises:
        InputError: a path does not exist, or ``fmt``/a file's format is unknown.
    """
    if fmt != "auto" and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (choose auto, seed, jsonl or csv)")
    result = ReadResult()
    by_id: dict[str, int] = {}
    by_title: dict[str, int] = {}
    for path in _files(paths):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        kind = fmt if fmt != "auto" else detect_format(path, raw)
        for rec in parse(kind, raw, str(path), MAX_RECORD_CHARS):
            got = _to_paper(rec)
            if isinstance(got, RecordError):
                result.problems.append(got)
                continue
            key = fold(got.title)
            j = by_id.get(got.id, by_title.get(key))
            if j is not None:
                first = result.papers[j]
                result.problems.append(RecordError(
                    str(path), rec.line, f"duplicate of paper {first.id} ({first.source}): merged"))
                result.papers[j] = _merge(first, got)
                continue
            by_id[got.id] = by_title[key] = len(result.papers)
            result.papers.append(got)
    return result
