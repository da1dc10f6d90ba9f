"""The line-based input formats, each a generator of :class:`RawRecord` (data or a per-record error),
and :func:`detect_format`, which tells every format kg reads apart by name and content.

* ``seed`` — the seed's own text: a title line, then an abstract line. Page chrome before the first
  pair (lines that are not followed by an abstract-like line) is skipped and reported, and a
  "Subscribe" button label glued to the first title is removed.
* ``jsonl`` — one JSON object per line: ``id?``, ``title``, ``abstract``, optional ``year``,
  ``venue``, ``url``, ``authors``. Lines are split on "\\n" only (U+2028 may occur inside strings).
* ``csv`` — a header row with the same column names (a ``.tsv`` file or tab-separated header is read
  tab-separated).

Records of the real corpora (arXiv, OpenAlex, Semantic Scholar) are JSON lines too: their fields
are mapped in :mod:`kg.read.corpora`; BibTeX and CSL-JSON are in :mod:`kg.read.bib`.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kg.errors import InputError

_CHROME_PREFIX = re.compile(r"^(?:Subscribe|Sign in|Sign up|Log in)(?=[A-Z0-9])")


@dataclass
class RawRecord:
    """One record as parsed: ``data`` (field → value) or ``error`` (why it is unusable)."""

    source: str
    line: int
    data: dict = field(default_factory=dict)
    error: str | None = None
    key: str | None = None  # an entry key (BibTeX, CSL-JSON) that names the record better than its line


def detect_format(name: str, head: str) -> str:
    """The format of one input from its name (under any compression suffix) and first text.

    ``.bib`` → ``bibtex``; a JSON array → ``csljson``; JSON lines are told apart by the keys of the
    first object (:func:`kg.read.corpora.json_kind`); ``.csv``/``.tsv`` or a header naming title and
    abstract → ``csv``; ``.txt`` or other text → ``seed``.
    """
    from kg.read.corpora import json_kind
    from kg.read.sources import data_suffix

    suffix = data_suffix(name)
    text = head.lstrip()
    if suffix == ".bib" or text.startswith(("@", "%")):
        return "bibtex"
    if text.startswith("["):
        return "csljson"
    if text.startswith("{") or suffix in (".jsonl", ".ndjson", ".json"):
        first = text.split("\n", 1)[0]
        try:
            obj = json.loads(first)
        except json.JSONDecodeError:
            return "jsonl"
        return json_kind(obj) if isinstance(obj, dict) else "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".txt":
        return "seed"
    first = text.split("\n", 1)[0].lower()
    if ("title" in first and "abstract" in first) and ("," in first or "\t" in first):
        return "csv"
    if not text:
        raise InputError(f"cannot tell the format of {name}: it is empty")
    if "\x00" in text:
        raise InputError(f"unknown format: {name} looks binary (use .jsonl, .csv, .bib or .txt, or --format)")
    return "seed"


def json_lines(lines: Iterable[tuple[int, str]], source: str, max_chars: int) -> Iterator[RawRecord]:
    """One JSON object per line (blank lines skipped); a broken line is a record error."""
    for n, line in lines:
        line = line.strip()
        if not line:
            continue
        if len(line) > max_chars:
            yield RawRecord(source, n, error=f"line too long ({len(line)} characters, limit {max_chars})")
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            bad = any(0xDC80 <= ord(c) <= 0xDCFF for c in line)
            reason = "undecodable bytes (not UTF-8)" if bad else f"broken JSON: {exc.msg} (column {exc.colno})"
            yield RawRecord(source, n, error=reason)
            continue
        if not isinstance(data, dict):
            yield RawRecord(source, n, error=f"expected a JSON object, got {type(data).__name__}")
            continue
        yield RawRecord(source, n, data=data)


def csv_rows(lines: Iterable[tuple[int, str]], source: str, max_chars: int) -> Iterator[RawRecord]:
    """A header row naming ``title`` and ``abstract`` (comma- or tab-separated), then one row each."""
    it = iter(lines)
    try:
        _, first = next(it)
    except StopIteration:
        return
    from kg.read.sources import data_suffix

    delimiter = "\t" if data_suffix(source) == ".tsv" or first.count("\t") > first.count(",") else ","
    csv.field_size_limit(max(max_chars * 4, 1 << 20))
    reader = csv.reader(itertools.chain([first], (text for _, text in it)), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield RawRecord(source, 1, error=f"broken CSV header: {exc}")
        return
    cols = [h.strip().lower() for h in header]
    if "title" not in cols or "abstract" not in cols:
        yield RawRecord(source, 1, error="CSV header needs 'title' and 'abstract' columns")
        return
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield RawRecord(source, start, error=f"broken CSV row: {exc}")
            continue
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if sum(len(c) for c in row) > max_chars:
            yield RawRecord(source, start, error=f"row too long ({sum(len(c) for c in row)} characters, "
                                                 f"limit {max_chars})")
            continue
        if len(row) > len(cols):
            yield RawRecord(source, start, error=f"{len(row)} fields for {len(cols)} columns")
            continue
        if len(row) < len(cols) and line > start and any("\n" in c for c in row):
            # a quote that is never closed swallows the following lines into one field
            yield RawRecord(source, start, error=f"unterminated quoted field: lines {start}-{line} were read "
                                                 f"as one row of {len(row)} fields for {len(cols)} columns")
            continue
        yield RawRecord(source, start, data=dict(zip(cols, row, strict=False)))


def _looks_like_abstract(line: str) -> bool:
    return len(line) >= 150 or (len(line) >= 60 and line.count(". ") >= 1)


def seed_pairs(lines: Iterable[tuple[int, str]], source: str, max_chars: int) -> Iterator[RawRecord]:
    """Title line, abstract line (the seed's own small text files: read whole, unlike the others)."""
    text_lines = [ln.rstrip("\r\n") for _, ln in lines]
    i, n = 0, len(text_lines)
    started = False
    while i < n:
        title = text_lines[i].strip()
        if not title:
            i += 1
            continue
        j = i + 1
        while j < n and not text_lines[j].strip():
            j += 1
        nxt = text_lines[j].strip() if j < n else ""
        if len(title) > max_chars:
            yield RawRecord(source, i + 1, error=f"line too long ({len(title)} characters, limit {max_chars})")
            i += 1
            continue
        if not started and not (nxt and _looks_like_abstract(nxt) and len(title) < len(nxt)):
            yield RawRecord(source, i + 1, error="page chrome before the first title/abstract pair")
            i += 1
            continue
        if not started:
            title = _CHROME_PREFIX.sub("", title)
            started = True
        if not nxt:
            yield RawRecord(source, i + 1, error="missing or empty abstract (title line at end of file)")
            return
        if len(nxt) > max_chars:
            yield RawRecord(source, j + 1, error=f"line too long ({len(nxt)} characters, limit {max_chars})")
            i = j + 1
            continue
        yield RawRecord(source, i + 1, data={"title": title, "abstract": nxt})
        i = j + 1
