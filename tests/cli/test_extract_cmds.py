"""``kg extract`` and ``kg eval`` through Typer's CliRunner on real files and the real pipeline."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app

ABSTRACT = ("In this paper, we propose a sampler that minimizes the reverse KL divergence. "
            "Experiments on CIFAR-10 show that it outperforms the baselines.")


@pytest.fixture
def papers(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "x1", "title": "A fast sampler", "abstract": ABSTRACT}) + "\n"
                    + '{"title": "broken\n', encoding="utf-8")
    return path


def test_extract_cmds_jsonl_gold_shape_with_evidence(papers):
    result = CliRunner().invoke(app, ["extract", str(papers)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    rec = lines[0]
    assert {"id", "title", "methods", "divergences", "datasets", "claims", "evidence", "extractor_version"} <= set(rec)
    kl = next(d for d in rec["divergences"] if d["name"] == "Kullback-Leibler divergence")
    assert kl["variant"] == "reverse" and kl["family"] == "divergence:f-divergence"
    assert [d["name"] for d in rec["datasets"]] == ["CIFAR-10"]
    assert [c["type"] for c in rec["claims"]] == ["proposal", "empirical"]
    ev = rec["evidence"]["divergence:kullback-leibler"][0]
    assert ABSTRACT[ev["start"]:ev["end"]] == ev["surface"]
    assert f"{papers}:2" in result.stderr and "broken JSON" in result.stderr


def test_extract_cmds_table_format(papers):
    result = CliRunner().invoke(app, ["extract", str(papers), "--format", "table", "--quiet"])
    assert result.exit_code == 0
    assert "Kullback-Leibler divergence" in result.stdout and "CIFAR-10" in result.stdout
    assert "broken" not in result.stderr


def test_extract_cmds_missing_input_is_one_red_line(tmp_path):
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "[E100]" in result.stderr and "Traceback" not in result.output + result.stderr


def test_extract_cmds_eval_json_on_bundled_gold(gold_dev):
    result = CliRunner().invoke(app, ["eval", str(gold_dev), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["predicted_papers"] == 112
    assert report["kinds"]["divergences"]["f1"] >= 0.9
    assert any(r["rule"] == "div:list" for r in report["rules"])


def test_extract_cmds_eval_table_joins_raw_seed_by_title(gold_dev, seed_txt):
    result = CliRunner().invoke(app, ["eval", str(gold_dev), "--input", str(seed_txt), "--no-rules"])
    assert result.exit_code == 0, result.output
    assert "112/112 papers joined" in result.stdout
    assert "divergences" in result.stdout and "per rule" not in result.stdout


def test_extract_cmds_eval_missing_gold(tmp_path):
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "gold.jsonl")])
    assert result.exit_code == 2 and "no such gold file" in result.stderr


def test_extract_cmds_eval_missing_papers_file_is_an_error(gold_dev, tmp_path):
    result = CliRunner().invoke(app, ["eval", str(gold_dev), "--papers", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.stderr
