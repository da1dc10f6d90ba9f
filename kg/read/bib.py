"""Reference-manager exports: BibTeX (bibtexparser v2, LaTeX decoded with pylatexenc) and CSL-JSON.

Both are read as streams. A BibTeX file is cut at the lines that start an entry (``@article{``) and
each entry is parsed on its own, so a broken entry is reported with its line and key and the
entries after it are still read; ``@string`` macros are carried to the entries that follow them.
Titles, authors and venues have their LaTeX decoded (``{\\"u}`` → ``ü``, protective braces dropped);
the abstract is kept as written, since evidence offsets point into it (the extraction normalizer
reads its LaTeX). A CSL-JSON array is decoded one item at a time with ``json.JSONDecoder.raw_decode``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import warnings
from collections.abc import Iterable, Iterator

from kg.read.corpora import canonical_id, clean_arxiv, clean_doi, find_arxiv
from kg.read.formats import RawRecord

_ENTRY_START = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]")
_WHY = {
    "BlockAbortedException": "broken BibTeX (a brace or quote is never closed before the next entry)",
    "DuplicateFieldKeyBlock": "broken BibTeX (a field appears twice)",
    "DuplicateBlockKeyBlock": "broken BibTeX (the entry key was used before)",
    "ParserStateException": "broken BibTeX (unexpected text inside the entry)",
}
_NEXT_ITEM = re.compile(r"\n[ \t]{0,2}(?=\{)")  # an item, not a nested object (indented deeper)


@functools.lru_cache(maxsize=1)
def _latex():
    from pylatexenc.latex2text import LatexNodes2Text  # type: ignore[import-untyped]

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def latex_to_text(value: str) -> str:
    """``On the R{\\'e}nyi {D}ivergence`` → ``On the Rényi Divergence`` (whitespace runs collapsed)."""
    if "\\" not in value and "{" not in value and "~" not in value:
        return " ".join(value.split())
    try:
        text = _latex().latex_to_text(value)
    except Exception:  # noqa: BLE001 - pylatexenc on malformed LaTeX: keep the text as written
        text = value.replace("{", "").replace("}", "")
    return " ".join(text.split())


def _chunks(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each ``@...`` block; text before the first block is skipped."""
    start, buf = 0, list[str]()
    for n, line in lines:
        if _ENTRY_START.match(line):
            if buf:
                yield start, "".join(buf)
            start, buf = n, [line]
        elif buf:
            buf.append(line)
    if buf:
        yield start, "".join(buf)


def _entry_fields(entry) -> dict:
    f = {k.lower(): (v.value if isinstance(v.value, str) else str(v.value)) for k, v in entry.fields_dict.items()}
    doi = clean_doi(f.get("doi"))
    arxiv_id = None
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").lower()
    if prefix == "arxiv" or "arxiv" in f.get("journal", "").lower():
        arxiv_id = clean_arxiv(f.get("eprint", "")) or find_arxiv(f.get("journal"))
    arxiv_id = arxiv_id or find_arxiv(f.get("url"), f.get("doi"), f.get("note"), f.get("howpublished"))
    authors = [latex_to_text(a) for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()]
    authors = [" ".join(reversed([p.strip() for p in a.split(",", 1)])) if "," in a else a for a in authors]
    venue = f.get("journal") or f.get("booktitle") or f.get("publisher")
    keywords = f.get("keywords", "")
    return {
        "id": canonical_id(arxiv_id, doi, f"bibtex:{entry.key}"),
        "title": latex_to_text(f["title"]) if "title" in f else None,
        "abstract": f.get("abstract"),
        "year": f.get("year") or (f.get("date") or "")[:4] or None,
        "venue": latex_to_text(venue) if venue else None,
        "url": f.get("url"),
        "authors": authors,
        "doi": doi,
        "arxiv_id": arxiv_id,
        "categories": [latex_to_text(k) for k in re.split(r"[,;]", keywords) if k.strip()],
    }


def bibtex_entries(lines: Iterable[tuple[int, str]], source: str, max_chars: int) -> Iterator[RawRecord]:
    """Each BibTeX entry as a record (``data`` in kg's field shape), or an error naming line and key."""
    import bibtexparser

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its errors become our records
    strings: list[str] = []
    for start, text in _chunks(lines):
        m = _ENTRY_START.match(text)
        kind = m.group(1).lower() if m else ""
        key_m = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s]*)", text)
        key = key_m.group(1) if key_m else "?"
        if kind in ("comment", "preamble"):
            continue
        if len(text) > max_chars:
            yield RawRecord(source, start, error=f"entry {key}: too long ({len(text)} characters, limit {max_chars})")
            continue
        if kind == "string":
            strings.append(text)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lib = bibtexparser.parse_string("".join(strings) + text)
        except Exception as exc:  # noqa: BLE001 - the parser's own errors on one entry
            yield RawRecord(source, start, error=f"entry {key}: broken BibTeX ({type(exc).__name__}: {exc})")
            continue
        if lib.failed_blocks or not lib.entries:
            why = "broken BibTeX"
            for block in lib.failed_blocks:
                err = getattr(block, "error", None)
                name = type(err).__name__ if err else type(block).__name__
                why = _WHY.get(name, f"broken BibTeX ({name})")
            yield RawRecord(source, start, error=f"entry {key}: {why}")
            continue
        for entry in lib.entries:
            yield RawRecord(source, start, data=_entry_fields(entry), key=entry.key)


def csl_items(lines: Iterable[tuple[int, str]], source: str, max_chars: int) -> Iterator[RawRecord]:
    """The items of a CSL-JSON array (or CSL-JSON lines), one record each, with the line each starts on."""
    decoder = json.JSONDecoder()
    buf = ""
    line_of_buf = 1  # line number of buf[0]
    started = False
    it = iter(lines)
    exhausted = False

    def more() -> bool:
        nonlocal buf, exhausted
        try:
            _, text = next(it)
        except StopIteration:
            exhausted = True
            return False
        buf += text
        return True

    while True:
        # skip whitespace, the opening bracket and separators
        stripped = buf.lstrip()
        line_of_buf += buf[: len(buf) - len(stripped)].count("\n")
        buf = stripped
        if not started and buf.startswith("["):
            started, buf = True, buf[1:]
            continue
        if buf.startswith(","):
            buf = buf[1:]
            continue
        if buf.startswith("]"):
            return
        if not buf:
            if not more():
                return
            continue
        try:
            obj, end = decoder.raw_decode(buf)
        except json.JSONDecodeError as exc:
            if not exhausted and len(buf) <= max_chars and more():
                continue
            yield RawRecord(source, line_of_buf + exc.lineno - 1,
                            error=f"broken JSON: {exc.msg} (column {exc.colno}); item skipped")
            nxt = _NEXT_ITEM.search(buf, 1)  # resynchronise on the next item that starts a line
            if nxt is None:
                return
            line_of_buf += buf[: nxt.start() + 1].count("\n")
            buf = buf[nxt.start() + 1:]
            continue
        item_line = line_of_buf
        line_of_buf += buf[:end].count("\n")
        buf = buf[end:]
        if not isinstance(obj, dict):
            yield RawRecord(source, item_line, error=f"expected a CSL-JSON object, got {type(obj).__name__}")
            continue
        key = obj.get("id") if isinstance(obj.get("id"), str) else None
        yield RawRecord(source, item_line, data=obj, key=key)
