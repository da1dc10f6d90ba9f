"""Extraction: spaCy rules tag methods, divergences, datasets and claims in paper abstracts.

The library API the CLI and ingest call::

    from kg.extract import extract, extract_one, extractor_version, vocabulary_entities

    for x in extract(papers):          # Iterator[Extraction], batched through nlp.pipe
        print(x.to_gold())

Stages per paper: normalize each field (LaTeX/escape remnants, with an offset map) → the spaCy
pipeline (:mod:`kg.extract.pipeline`) → a :class:`~kg.extract.context.Context` → rule modules
(:mod:`~kg.extract.divergences`, :mod:`~kg.extract.datasets`, :mod:`~kg.extract.methods`,
:mod:`~kg.extract.claims`) → one :class:`~kg.models.Extraction`. Pure and deterministic: the same
input gives the same output, byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.tokens import Doc

from kg.errors import ExtractionError, KGError
from kg.extract.context import FIELDS, Context
from kg.extract.normalize import normalize
from kg.models import Entity, Extraction, Paper, TextField

__all__ = ["extract", "extract_one", "extractor_version", "vocabulary_entities", "contexts", "Context"]


#: Modules of this package that schedule extraction rather than decide it: how papers are spread over
#: processes does not change what is extracted (1, 2 or 8 workers give identical output,
#: tests/ingest/test_parallel.py), so a change to them must not re-extract every stored paper.
NOT_RULES = frozenset({"parallel.py"})


def code_hash(root: Path) -> str:
    """SHA-256 of the rule code under ``root``: every ``*.py`` file (path and bytes) but :data:`NOT_RULES`."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel not in NOT_RULES:
            h.update(rel.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """``<package version>+<hash>``: the hash covers the vocabulary/pattern files and the rule code
    (:func:`code_hash`), so that changing either re-extracts papers on the next ingest."""
    from kg import __version__
    from kg.extract.vocab import data_hash

    h = hashlib.sha256(data_hash().encode())
    h.update(code_hash(Path(__file__).parent).encode())
    return f"{__version__}+{h.hexdigest()[:10]}"


def contexts(papers: Iterable[Paper], *, batch_size: int = 64) -> Iterator[Context]:
    """A :class:`Context` per paper (normalized fields run through the pipeline in batches)."""
    from kg.extract.pipeline import get_nlp

    nlp = get_nlp()
    version = extractor_version()
    batch: list[Paper] = []

    def flush() -> Iterator[Context]:
        norms = [{f: normalize(p.title if f == "title" else p.abstract) for f in FIELDS} for p in batch]
        texts = [n[f].text for n in norms for f in FIELDS]
        docs = list(nlp.pipe(texts, batch_size=max(1, batch_size * 2)))
        for i, paper in enumerate(batch):
            pair: dict[TextField, Doc] = {"title": docs[2 * i], "abstract": docs[2 * i + 1]}
            yield Context.build(paper, pair, norms[i], version)

    for paper in papers:
        batch.append(paper)
        if len(batch) >= batch_size:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def extract(papers: Iterable[Paper], *, batch_size: int = 64) -> Iterator[Extraction]:
    """Extract every paper (lazily, ``batch_size`` papers at a time through ``nlp.pipe``).

    Raises:
        ExtractionError: the pipeline failed on a text (a bug: never expected on user text).
    """
    from kg.extract.rules import run_rules

    it = contexts(papers, batch_size=batch_size)
    while True:
        try:
            ctx = next(it)
        except StopIteration:
            return
        except KGError:
            raise
        except Exception as exc:  # noqa: BLE001 - library code raises only kg.errors types
            raise ExtractionError(f"the spaCy pipeline failed on a batch: {type(exc).__name__}: {exc}") from exc
        try:
            yield run_rules(ctx)
        except KGError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ExtractionError(f"rules failed on paper {ctx.paper.id}: {type(exc).__name__}: {exc}") from exc


def extract_one(paper: Paper) -> Extraction:
    """Extract one paper."""
    return next(extract([paper], batch_size=1))


def vocabulary_entities() -> list[Entity]:
    """Every vocabulary entity (divergences with family and parents, datasets, and the methods
    vocabulary when the methods module provides one), sorted by id — ingest writes them as nodes
    and the divergence taxonomy as SUBTYPE_OF edges."""
    from kg.extract.vocab import entities_by_id, flagged

    gazetteer = flagged("gazetteer")
    out = {k: v for k, v in entities_by_id().items() if k not in gazetteer}
    try:
        from kg.extract import methods

        extra = getattr(methods, "vocabulary_entities", None) or getattr(methods, "method_entities", None)
        if extra is not None:
            for ent in extra():
                out.setdefault(ent.id, ent)
    except ImportError:
        pass
    return [out[k] for k in sorted(out)]
