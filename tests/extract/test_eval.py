"""Scoring (kg/eval.py): the same matching as shared/tools/score.py — names, mentions, plural
folding, claim token overlap, one gold item per prediction — plus per-rule precision."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.eval import claim_match, norm, score

GOLD = {"p1": {"id": "p1",
               "divergences": [{"name": "Kullback-Leibler divergence", "mentions": ["KL-divergence"]}],
               "methods": [{"name": "Adam", "mentions": ["Adam"], "role": "used"}],
               "datasets": [{"name": "CIFAR-10", "mentions": ["CIFAR10"]}],
               "claims": [{"sentence": "We prove a tight bound on the risk.", "type": "theoretical"}]}}
PRED = {"p1": {"id": "p1",
               "divergences": [{"name": "KL divergence", "mentions": ["KL-divergences"]},
                               {"name": "Kullback-Leibler divergence", "mentions": []}],
               "methods": [{"name": "adam", "mentions": [], "role": "proposed"}],
               "datasets": [{"name": "cifar 10", "mentions": []}],
               "claims": [{"sentence": "We prove a tight bound on the risk", "type": "other"},
                          {"sentence": "Deep learning is popular.", "type": "other"}]}}


@pytest.mark.parametrize("a, b, same", [("Divergences", "divergences", True),
                                        ("Kullback-Leibler", "kullback leibler", True),
                                        ("Rényi", "renyi", True), ("CIFAR-10", "cifar 10", True),
                                        # score.py's quirks, kept on purpose: "es" is cut before "s",
                                        # and an en dash is dropped by the ASCII fold
                                        ("Divergences", "divergence", False),
                                        ("Kullback–Leibler", "kullback leibler", False)])
def test_eval_norm_like_score_py(a, b, same):
    assert (norm(a) == norm(b)) is same


def test_eval_matching_counts():
    r = score(GOLD, PRED)
    assert (r.kinds["divergences"].tp, r.kinds["divergences"].fp) == (1, 1)  # a gold item matches once
    assert r.kinds["datasets"].f1 == 1.0 and r.kinds["methods"].tp == 1
    assert (r.kinds["claims"].tp, r.kinds["claims"].fp, r.kinds["claims"].fn) == (1, 1, 0)
    assert r.role_accuracy == 0.0 and r.roles_matched == 1


def test_eval_claim_overlap_threshold():
    assert claim_match("we show that a b c d e f g h", "We show that a b c d e f g h i")
    assert not claim_match("we show that", "we prove something else entirely here")


def test_eval_agrees_with_score_py(tmp_path, seed_extractions, gold_dev):
    tool = Path(__file__).resolve().parents[3] / "shared" / "tools" / "score.py"
    if not tool.exists():
        pytest.skip("shared/tools/score.py is not beside this checkout")
    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(x.to_gold(evidence=False)) + "\n" for x in seed_extractions))
    theirs = json.loads(subprocess.run([sys.executable, str(tool), str(gold_dev), str(pred), "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    from kg.eval import evaluate

    ours = evaluate(gold_dev, seed_extractions)
    for kind, s in theirs.items():
        assert ours.kinds[kind].model_dump() == s


@pytest.mark.parametrize(
    "record, message",
    [
        ({"id": "p001", "divergences": "abc"}, "'divergences' must be a list"),
        ({"id": "p001", "methods": [{"nom": "x"}]}, "every item of 'methods' needs a string 'name'"),
        ({"id": "p001", "claims": [{"text": "x"}]}, "every item of 'claims' needs a string 'sentence'"),
    ],
)
def test_eval_malformed_gold_record_is_an_input_error_with_line(tmp_path, record, message):
    import json

    from kg.errors import InputError
    from kg.eval import load_gold

    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": "p003", "methods": []}) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(InputError, match=f"gold.jsonl:2: not a gold record: {re.escape(message)}"):
        load_gold(path)
