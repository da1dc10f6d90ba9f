"""Golden tests. On the bundled development gold (data/gold/dev.jsonl) every kind must stay at or
above its bar, scored with the same matching as shared/tools/score.py; the methods bars are
enforced as soon as kg/extract/methods.py exists. On the two held-out sets of an independent
annotator (tests/data/heldout-*.jsonl: 30 seed papers not in dev, 30 unseen corpus papers, and the
fresh 40 corpus papers of issue 12) the bars
sit a little below today's scores: the sets are small, so they guard against regressions rather
than certify a level. Plus determinism: two runs, identical JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.eval import evaluate
from kg.extract import extract
from kg.read import read_papers

HELDOUT = Path(__file__).resolve().parent.parent / "data"
# (gold file, papers file, {kind: F1 bar}, claim type accuracy bar); today (P/R/F1):
# seed: div 1.00, methods .89 (.87 before round 5), datasets 1.00 (6 items), claims .93, claim types .77
# corpus: div .96, methods .857 (.84 before round 5, .848 before round 6), datasets 1.00 (4 items), claims .90,
# claim types .67
HELDOUT_BARS = {
    "seed": ("heldout-seed.jsonl", None,
             {"divergences": 0.93, "methods": 0.82, "datasets": 0.85, "claims": 0.89}, 0.74),
    "corpus": ("heldout-corpus.jsonl", "heldout-corpus-papers.jsonl",
               {"divergences": 0.90, "methods": 0.78, "datasets": 0.85, "claims": 0.87}, 0.64),
    # fresh (issue 12: 40 corpus papers no earlier set used, annotated before the round-2 rules and
    # never tuned on): before → after round 2: methods .687 → .700, datasets .88 → .88 (13 items),
    # claims .928 → .928, claim types .61 → .64 (round 3 of the claim typer: .675); methods .718 after
    # round 5, .734 after round 6, which also finds its one divergence (missed before: F1 0 → 1.00,
    # one item, so a bar that only guards against losing it).
    "fresh": ("heldout-fresh.jsonl", "heldout-fresh-papers.jsonl",
              {"divergences": 0.90, "methods": 0.70, "datasets": 0.85, "claims": 0.90}, 0.65),
    # fresh-div: the 7 corpus papers that mention a divergence-like term and no earlier set used (the
    # fresh 40 hold one divergence), annotated blind after round 2: div 1.00 (5 items; two papers are
    # "Steinwart"/"Bernstein" traps with none), methods .60 (.63 after round 4), claims .95, claim
    # types .55 (29 matched; .52 after round 3 of the claim typer).
    "fresh-div": ("heldout-fresh-div.jsonl", "heldout-fresh-div-papers.jsonl",
                  {"divergences": 0.80, "methods": 0.55, "claims": 0.90}, 0.50),
}
HELDOUT_SIZES = {"seed": 30, "corpus": 30, "fresh": 40, "fresh-div": 7}

BARS = {"divergences": 0.90, "datasets": 0.85, "claims": 0.85}


@pytest.fixture(scope="module")
def report(gold_dev, seed_extractions):
    return evaluate(gold_dev, seed_extractions)


def test_golden_every_gold_paper_joined(report):
    assert report.predicted_papers == report.gold_papers == 112 and not report.missing


@pytest.mark.parametrize("kind, bar", sorted(BARS.items()))
def test_golden_kind_f1_at_or_above_bar(report, kind, bar):
    assert report.kinds[kind].f1 >= bar, report.kinds[kind]


def test_golden_methods_f1_at_or_above_bar(report):
    assert report.kinds["methods"].f1 >= 0.65, report.kinds["methods"]


def test_golden_method_role_accuracy_at_or_above_bar(report):
    assert report.role_accuracy is not None and report.role_accuracy >= 0.85


def test_golden_claim_type_accuracy_at_or_above_bar(report):
    assert report.claim_type_accuracy is not None and report.claim_type_accuracy >= 0.80, report.claim_type_accuracy


@pytest.fixture(scope="module")
def heldout_reports(seed_extractions):
    out = {}
    for name, (gold, papers, _, _) in HELDOUT_BARS.items():
        xs = seed_extractions if papers is None else extract(read_papers(HELDOUT / papers).papers)
        out[name] = evaluate(HELDOUT / gold, xs)
    return out


@pytest.mark.parametrize("name, kind", [(n, k) for n, (_, _, bars, _) in HELDOUT_BARS.items() for k in bars])
def test_golden_heldout_kind_f1_at_or_above_bar(heldout_reports, name, kind):
    report = heldout_reports[name]
    assert report.predicted_papers == report.gold_papers == HELDOUT_SIZES[name]
    assert report.kinds[kind].f1 >= HELDOUT_BARS[name][2][kind], report.kinds[kind]


@pytest.mark.parametrize("name", sorted(HELDOUT_BARS))
def test_golden_heldout_claim_type_accuracy_at_or_above_bar(heldout_reports, name):
    acc = heldout_reports[name].claim_type_accuracy
    assert acc is not None and acc >= HELDOUT_BARS[name][3], acc


def test_golden_raw_seed_text_scores_the_same(gold_dev, seed_txt, seed_jsonl, report):
    titles = {p.id: p.title for p in read_papers(seed_jsonl).papers}
    raw = evaluate(gold_dev, extract(read_papers(seed_txt).papers), titles=titles)
    assert raw.predicted_papers == 112
    for kind in BARS:
        assert raw.kinds[kind] == report.kinds[kind]


def test_golden_extraction_is_deterministic(seed_jsonl, seed_extractions):
    again = list(extract(read_papers(seed_jsonl).papers, batch_size=7))
    first = [json.dumps(x.to_gold(), sort_keys=True) for x in seed_extractions]
    second = [json.dumps(x.to_gold(), sort_keys=True) for x in again]
    assert first == second
