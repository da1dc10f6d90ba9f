"""The three input formats, each a generator of :class:`RawRecord` (data or a per-record error).

* ``seed`` — the seed's own text: a title line, then an abstract line. Page chrome before the first
  pair (lines that are not followed by an abstract-like line) is skipped and reported, and a
  "Subscribe" button label glued to the first title is removed.
* ``jsonl`` — one JSON object per line: ``id?``, ``title``, ``abstract``, optional ``year``,
  ``venue``, ``url``, ``authors``. Lines are split on "\\n" only (U+2028 may occur inside strings).
* ``csv`` — a header row with the same column names (a ``.tsv`` file or tab-separated header is read
  tab-separated).

Bytes are decoded as UTF-8 with ``surrogateescape`` so that one bad byte spoils only its record.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError

FORMATS = ("seed", "jsonl", "csv")
_CHROME_PREFIX = re.compile(r"^(?:Subscribe|Sign in|Sign up|Log in)(?=[A-Z0-9])")


@dataclass
class RawRecord:
    """One record as parsed: ``data`` (field → value) or ``error`` (why it is unusable)."""

    source: str
    line: int
    data: dict = field(default_factory=dict)
    error: str | None = None


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="surrogateescape")
    return text[1:] if text.startswith("\ufeff") else text


def detect_format(path: Path, raw: bytes) -> str:
    """``jsonl``/``csv``/``seed`` from the extension, else from the first non-blank line."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".txt":
        return "seed"
    head = _decode(raw[:4096]).lstrip()
    if head.startswith("{"):
        return "jsonl"
    first = head.split("\n", 1)[0].lower()
    if ("title" in first and "abstract" in first) and ("," in first or "\t" in first):
        return "csv"
    if not head:
        raise InputError(f"cannot tell the format of {path}: it is empty")
    if "\x00" in head:
        raise InputError(f"unknown format: {path} looks binary (use .jsonl, .csv or .txt)")
    return "seed"


def parse(kind: str, raw: bytes, source: str, max_chars: int) -> Iterator[RawRecord]:
    """Records of one file in format ``kind``."""
    if kind == "jsonl":
        yield from _jsonl(raw, source, max_chars)
    elif kind == "csv":
        yield from _csv(raw, source, max_chars)
    elif kind == "seed":
        yield from _seed(raw, source, max_chars)
    else:
        raise InputError(f"unknown format {kind!r} (choose auto, seed, jsonl or csv)")


def _jsonl(raw: bytes, source: str, max_chars: int) -> Iterator[RawRecord]:
    for n, line in enumerate(_decode(raw).split("\n"), 1):
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


def _csv(raw: bytes, source: str, max_chars: int) -> Iterator[RawRecord]:
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if source.lower().endswith(".tsv") or first.count("\t") > first.count(",") else ","
    csv.field_size_limit(max(max_chars * 4, 1 << 20))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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


def _seed(raw: bytes, source: str, max_chars: int) -> Iterator[RawRecord]:
    lines = [ln.rstrip("\r") for ln in _decode(raw).split("\n")]
    i, n = 0, len(lines)
    started = False
    while i < n:
        title = lines[i].strip()
        if not title:
            i += 1
            continue
        j = i + 1
        while j < n and not lines[j].strip():
            j += 1
        nxt = lines[j].strip() if j < n else ""
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
