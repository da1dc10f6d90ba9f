"""Golden test on real-shaped text: the dev gold's abstracts (a) hard-wrapped at 70–80 columns the
way arXiv's snapshot is, with the title wrapped too, (b) inside JATS markup the way Crossref and
OpenAlex hand them over, (c) in a file saved as Windows-1252 — each gives an F1 per kind within 0.02
of the clean text, and every evidence span still points into the text as read."""

from __future__ import annotations

import html
import json
import textwrap
from pathlib import Path

import pytest

from kg.eval import evaluate
from kg.extract import extract
from kg.models import Paper
from kg.read import read_papers

KINDS = ("divergences", "methods", "datasets", "claims")
TOLERANCE = 0.02


def wrapped(p: Paper, i: int) -> Paper:
    width = 70 + (i * 7) % 11  # 70..80 columns, varying per paper
    abstract = "  " + "\n".join(textwrap.wrap(p.abstract, width)) + "\n"
    title = "\n  ".join(textwrap.wrap(p.title, 48))
    return p.model_copy(update={"abstract": abstract, "title": title})


def jats(p: Paper, i: int) -> Paper:
    body = html.escape(p.abstract, quote=False)
    return p.model_copy(update={"abstract": f"<jats:title>Abstract</jats:title><jats:p>{body}</jats:p>"})


def _cp1252_json(record: dict) -> bytes:
    """A JSON line in Windows-1252: characters that code page has are written as bytes, the rest as
    JSON escapes (as a Windows tool writing JSON does)."""
    text = json.dumps(record, ensure_ascii=False)
    return "".join(c if _in_cp1252(c) else json.dumps(c)[1:-1] for c in text).encode("cp1252")


def _in_cp1252(c: str) -> bool:
    try:
        c.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def _scores(gold: Path, papers: list[Paper]) -> dict[str, float]:
    report = evaluate(gold, extract(papers))
    assert report.predicted_papers == report.gold_papers
    return {k: report.kinds[k].f1 for k in KINDS}


@pytest.fixture(scope="module")
def clean(seed_jsonl) -> list[Paper]:
    return read_papers(seed_jsonl).papers


@pytest.fixture(scope="module")
def clean_scores(gold_dev, clean) -> dict[str, float]:
    return _scores(gold_dev, clean)


@pytest.mark.parametrize("variant", ["wrapped", "jats"])
def test_golden_real_text_f1_within_tolerance_of_clean(gold_dev, clean, clean_scores, variant):
    make = {"wrapped": wrapped, "jats": jats}[variant]
    papers = [make(p, i) for i, p in enumerate(clean)]
    assert sum("\n" in p.abstract for p in papers) > 100 or variant == "jats"
    got = _scores(gold_dev, papers)
    for kind in KINDS:
        assert abs(got[kind] - clean_scores[kind]) <= TOLERANCE, (variant, kind, got[kind], clean_scores[kind])


def test_golden_real_text_windows_1252_file(tmp_path, gold_dev, clean, clean_scores):
    path = tmp_path / "papers-cp1252.jsonl"
    path.write_bytes(b"\n".join(_cp1252_json(p.model_dump(include={"id", "title", "abstract"})) for p in clean))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the file really is not UTF-8
    result = read_papers(path)
    assert not result.problems
    assert [str(w) for w in result.warnings] == [f"{path}: not UTF-8; decoded as Windows-1252 (detected)"]
    assert [(p.title, p.abstract) for p in result.papers] == [(p.title, p.abstract) for p in clean]
    got = _scores(gold_dev, result.papers)
    for kind in KINDS:
        assert abs(got[kind] - clean_scores[kind]) <= TOLERANCE, (kind, got[kind], clean_scores[kind])


def test_golden_real_text_evidence_points_into_the_wrapped_and_tagged_text(clean):
    papers = [wrapped(p, i) for i, p in enumerate(clean[:40])] + [jats(p, i) for i, p in enumerate(clean[:40])]
    n = 0
    for x in extract(papers):
        for tag in x.tags:
            for ev in tag.evidence:
                text = x.paper.title if ev.field == "title" else x.paper.abstract
                assert text[ev.start:ev.end] == ev.surface
                n += 1
        for c in x.claims:
            assert x.paper.abstract[c.start:c.end] == c.text and not c.text.startswith(("<", "Abstract"))
    assert n > 100
