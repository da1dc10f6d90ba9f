"""The real corpora's record shapes, mapped onto kg's one record shape.

Each mapper takes one parsed JSON object and returns the fields :func:`kg.read.paper_from_fields`
builds a :class:`~kg.models.Paper` from (``id``, ``title``, ``abstract``, ``year``, ``venue``,
``url``, ``authors``, ``doi``, ``arxiv_id``, ``categories``), or raises :class:`FieldError` with a
reason naming the field. Shapes, as the sources document them:

* **arXiv metadata snapshot** — ``id``, ``title`` and ``abstract`` (hard-wrapped, leading spaces),
  ``authors`` (one string) or ``authors_parsed``, ``categories`` ("cs.LG stat.ML"), ``doi``,
  ``journal-ref``, ``versions[].created`` (RFC 2822; the first gives the year), ``update_date``.
* **OpenAlex works** — ``id`` (``https://openalex.org/W…``), ``doi`` (a URL), ``title``/
  ``display_name``, ``publication_year``, ``abstract_inverted_index`` (word → positions),
  ``primary_location.source.display_name``, ``authorships[].author.display_name``, ``topics``,
  ``concepts``, ``locations[].landing_page_url`` (an arXiv landing page gives the arXiv id).
* **Semantic Scholar** — Graph API paper objects (``paperId``, ``externalIds`` {ArXiv, DOI,
  CorpusId}, ``title``, ``abstract``, ``venue``, ``year``, ``authors[].name``, ``fieldsOfStudy``),
  and the bulk datasets' ``papers`` records (``corpusid``, ``externalids``, ``title``, ``authors``,
  ``venue``, ``year``, ``s2fieldsofstudy``) and ``abstracts`` records (``corpusid``, ``abstract``),
  which :mod:`kg.read` joins on ``corpusid``.

Paper ids: the arXiv id (``arxiv:2106.09685``) if the record has one, else the DOI
(``doi:10.1145/…``), else the source's own id (``openalex:W…``, ``s2:…``, ``s2corpus:…``), so that the
same paper read from two sources gets the same id.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from typing import Any

_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_ID = re.compile(rf"^(?:arxiv:)?({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_IN = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:\s]\s*|10\.48550/arxiv\.)({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?",
    re.IGNORECASE,
)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")


class FieldError(ValueError):
    """A field of a record has the wrong type or shape (the reason names the field)."""


def clean_doi(value: Any) -> str | None:
    """``10.1145/123.456`` from a DOI, a ``doi:`` or ``https://doi.org/`` form (lower-cased)."""
    if not isinstance(value, str) or not value.strip():
        return None
    m = _DOI.search(value.strip())
    return m.group(1).rstrip(".,;").lower() if m else None


def clean_arxiv(value: Any) -> str | None:
    """``2106.09685`` from an arXiv id, with or without ``arXiv:`` and version."""
    if not isinstance(value, str):
        return None
    m = _ARXIV_ID.match(value.strip())
    return m.group(1) if m else None


def find_arxiv(*texts: Any) -> str | None:
    """An arXiv id mentioned in any of ``texts`` (a URL, an arXiv DOI, "arXiv:2106.09685")."""
    for t in texts:
        if isinstance(t, str):
            m = _ARXIV_IN.search(t)
            if m:
                return m.group(1)
    return None


def canonical_id(arxiv_id: str | None, doi: str | None, own: str | None) -> str | None:
    """The paper id by precedence: arXiv id, DOI, the source's own id."""
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    if doi:
        return f"doi:{doi}"
    return own


def _str(obj: dict, key: str) -> str | None:
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise FieldError(f"field '{key}' must be a string, got {type(v).__name__}")
    return v


def _obj(obj: Any, key: str) -> dict:
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise FieldError(f"field '{key}' must be an object, got {type(v).__name__}")
    return v


def _list(obj: dict, key: str) -> list:
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise FieldError(f"field '{key}' must be a list, got {type(v).__name__}")
    return v


def _names(items: list, *path: str) -> list[str]:
    out = []
    for it in items:
        for p in path:
            it = it.get(p) if isinstance(it, dict) else None
        if isinstance(it, str) and it.strip():
            out.append(it.strip())
    return out


# --- arXiv ----------------------------------------------------------------------------------------

def _arxiv_year(rec: dict) -> int | str | None:
    versions = _list(rec, "versions")
    if versions and isinstance(versions[0], dict) and isinstance(versions[0].get("created"), str):
        try:
            return email.utils.parsedate_to_datetime(versions[0]["created"]).year
        except (TypeError, ValueError):
            pass
    return _str(rec, "update_date")


def _arxiv_authors(rec: dict) -> list[str] | str | None:
    parsed = rec.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        out = []
        for parts in parsed:
            if isinstance(parts, list) and parts and all(isinstance(p, str) for p in parts):
                last, first = parts[0], parts[1] if len(parts) > 1 else ""
                out.append(f"{first} {last}".strip() + (f" {parts[2]}" if len(parts) > 2 and parts[2] else ""))
        if out:
            return out
    authors = _str(rec, "authors")
    if not authors:
        return None
    return [a.strip() for a in re.split(r",\s*(?:and\s+)?|\s+and\s+", authors.replace("\n", " ")) if a.strip()]


def from_arxiv(rec: dict) -> dict:
    """A record of arXiv's metadata snapshot."""
    own = _str(rec, "id")
    arxiv_id = clean_arxiv(own) if own else None
    if own and not arxiv_id:
        raise FieldError(f"field 'id' is not an arXiv id: {own[:40]!r}")
    doi = clean_doi(_str(rec, "doi"))
    cats = _str(rec, "categories") or ""
    return {
        "id": canonical_id(arxiv_id, None, None),
        "title": _str(rec, "title"),
        "abstract": _str(rec, "abstract"),
        "year": _arxiv_year(rec),
        "venue": (_str(rec, "journal-ref") or "").strip() or None,
        "url": f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
        "authors": _arxiv_authors(rec),
        "doi": doi,
        "arxiv_id": arxiv_id,
        "categories": cats.split(),
    }


# --- OpenAlex -------------------------------------------------------------------------------------

def inverted_abstract(index: Any) -> str:
    """The abstract text of OpenAlex's ``abstract_inverted_index`` (word → list of positions)."""
    if index is None:
        return ""
    if not isinstance(index, dict):
        raise FieldError(f"field 'abstract_inverted_index' must be an object, got {type(index).__name__}")
    words: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(isinstance(p, int) and not isinstance(p, bool)
                                                      for p in positions):
            raise FieldError(f"field 'abstract_inverted_index' has non-integer positions for {word[:30]!r}")
        for p in positions:
            if p < 0 or p > 1_000_000:
                raise FieldError(f"field 'abstract_inverted_index' has position {p} for {word[:30]!r}")
            words[p] = word
    return " ".join(words[p] for p in sorted(words))


def from_openalex(rec: dict) -> dict:
    """An OpenAlex work (snapshot JSONL or API result)."""
    own = _str(rec, "id") or ""
    wid = own.rsplit("/", 1)[-1]
    ids = _obj(rec, "ids")
    doi = clean_doi(_str(rec, "doi") or ids.get("doi"))
    landing = [loc.get("landing_page_url") for loc in _list(rec, "locations") if isinstance(loc, dict)]
    primary = _obj(rec, "primary_location")
    arxiv_id = find_arxiv(*landing, primary.get("landing_page_url"), doi)
    venue = _obj(primary, "source").get("display_name")
    topics = _names(_list(rec, "topics"), "display_name")
    concepts = _names(_list(rec, "concepts"), "display_name")
    return {
        "id": canonical_id(arxiv_id, doi, f"openalex:{wid}" if wid else None),
        "title": _str(rec, "title") or _str(rec, "display_name"),
        "abstract": inverted_abstract(rec.get("abstract_inverted_index")),
        "year": rec.get("publication_year"),
        "venue": venue if isinstance(venue, str) else None,
        "url": f"https://doi.org/{doi}" if doi else (own or None),
        "authors": _names(_list(rec, "authorships"), "author", "display_name"),
        "doi": doi,
        "arxiv_id": arxiv_id,
        "categories": list(dict.fromkeys(topics + concepts)),
    }


# --- Semantic Scholar -----------------------------------------------------------------------------

def from_s2(rec: dict) -> dict:
    """A Semantic Scholar Graph API paper object, or a bulk ``papers`` record (``corpusid``) joined
    with its ``abstract``."""
    ext = _obj(rec, "externalIds") or _obj(rec, "externalids")
    arxiv_id = clean_arxiv(ext.get("ArXiv"))
    doi = clean_doi(ext.get("DOI"))
    if "paperId" in rec:
        pid = rec.get("paperId")
        own = f"s2:{pid}" if isinstance(pid, str) and pid else None
    else:
        corpus = rec.get("corpusid")
        own = f"s2corpus:{corpus}" if corpus not in (None, "") else None
    fields = [f for f in _list(rec, "fieldsOfStudy") if isinstance(f, str)]
    fields += _names(_list(rec, "s2FieldsOfStudy") or _list(rec, "s2fieldsofstudy"), "category")
    url = _str(rec, "url")
    return {
        "id": canonical_id(arxiv_id, doi, own),
        "title": _str(rec, "title"),
        "abstract": _str(rec, "abstract"),
        "year": rec.get("year"),
        "venue": _str(rec, "venue") or None,
        "url": url or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None),
        "authors": _names(_list(rec, "authors"), "name"),
        "doi": doi,
        "arxiv_id": arxiv_id,
        "categories": list(dict.fromkeys(fields)),
    }


def s2_part(rec: dict) -> str:
    """``graph`` (a Graph API object), ``papers`` or ``abstracts`` (a bulk dataset record)."""
    if "paperId" in rec or "corpusid" not in rec:
        return "graph"
    return "papers" if "title" in rec else "abstracts"


# --- CSL-JSON and kg's own JSON lines ------------------------------------------------------------

def _csl_year(issued: Any) -> int | str | None:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return parts[0][0]
        raw = issued.get("raw") or issued.get("literal")
        return raw if isinstance(raw, str) else None
    return None


def from_csl(rec: dict) -> dict:
    """A CSL-JSON item (what Zotero, Mendeley and pandoc export)."""
    doi = clean_doi(_str(rec, "DOI"))
    url = _str(rec, "URL")
    arxiv_id = find_arxiv(url, doi, rec.get("number"), rec.get("note"), rec.get("archive_location"))
    authors = []
    for a in _list(rec, "author"):
        if isinstance(a, dict):
            name = a.get("literal") or " ".join(p for p in (a.get("given"), a.get("family")) if isinstance(p, str))
            if name:
                authors.append(name)
    own = rec.get("id")
    venue = rec.get("container-title") or rec.get("event-title")
    return {
        "id": canonical_id(arxiv_id, doi, f"csl:{own}" if isinstance(own, (str, int)) and own != "" else None),
        "title": _str(rec, "title"),
        "abstract": _str(rec, "abstract"),
        "year": _csl_year(rec.get("issued")),
        "venue": venue if isinstance(venue, str) else None,
        "url": url,
        "authors": authors,
        "doi": doi,
        "arxiv_id": arxiv_id,
        "categories": [k.strip() for k in (_str(rec, "keyword") or "").split(",") if k.strip()],
    }


def from_kg(rec: dict) -> dict:
    """kg's own JSON lines/CSV: the fields as they are (``doi``/``arxiv_id`` cleaned)."""
    out = dict(rec)
    if "doi" in rec:
        out["doi"] = clean_doi(rec["doi"])
    if "arxiv_id" in rec:
        out["arxiv_id"] = clean_arxiv(rec["arxiv_id"])
    cats = rec.get("categories")
    if isinstance(cats, str):
        out["categories"] = [c.strip() for c in re.split(r"[;|]", cats) if c.strip()]
    return out


MAPPERS: dict[str, Callable[[dict], dict]] = {
    "arxiv": from_arxiv, "openalex": from_openalex, "s2": from_s2, "csljson": from_csl,
    "jsonl": from_kg, "csv": from_kg, "seed": from_kg, "bibtex": from_kg,
}


def json_kind(obj: dict) -> str:
    """Which source a JSON object comes from, by its keys."""
    if "abstract_inverted_index" in obj or str(obj.get("id", "")).startswith("https://openalex.org/"):
        return "openalex"
    if "paperId" in obj or "corpusid" in obj:
        return "s2"
    if "versions" in obj or "journal-ref" in obj or "update_date" in obj or "authors_parsed" in obj:
        return "arxiv"
    if "type" in obj and ("issued" in obj or "container-title" in obj or "DOI" in obj or "URL" in obj):
        return "csljson"
    return "jsonl"
