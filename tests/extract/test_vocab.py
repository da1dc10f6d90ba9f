"""Vocabulary data (data/vocab, kg/extract/vocab.py): files load, the divergence taxonomy is as
documented, vocabulary_entities() gives what ingest writes, and the extractor version tracks data."""

from __future__ import annotations

import re

import pytest

from kg.extract import extractor_version, vocabulary_entities
from kg.extract.vocab import entities_by_id, flagged, ruler_patterns


def test_vocab_files_load_and_patterns_build():
    ents = entities_by_id()
    assert len(ents) > 100
    pats = ruler_patterns()
    assert {p["label"] for p in pats} <= {"divergence", "dataset", "divergence|cased", "dataset|cased"}
    assert all(p["id"] in ents for p in pats)


@pytest.mark.parametrize(
    "child, parent",
    [
        ("divergence:kullback-leibler", "divergence:f-divergence"),
        ("divergence:alpha", "divergence:f-divergence"),
        ("divergence:chi-squared", "divergence:f-divergence"),
        ("divergence:hellinger", "divergence:f-divergence"),
        ("divergence:total-variation", "divergence:f-divergence"),
        ("divergence:jensen-shannon", "divergence:f-divergence"),
        ("divergence:wasserstein", "divergence:optimal-transport"),
        ("divergence:sinkhorn", "divergence:optimal-transport"),
        ("divergence:mmd", "divergence:integral-probability-metric"),
        ("divergence:wasserstein-1", "divergence:integral-probability-metric"),
        ("divergence:orlicz-wasserstein", "divergence:wasserstein"),
        ("divergence:bures-wasserstein", "divergence:wasserstein"),
    ],
)
def test_vocab_divergence_taxonomy(child, parent):
    assert parent in entities_by_id()[child].parents


def test_vocab_entities_for_ingest():
    ents = vocabulary_entities()
    ids = [e.id for e in ents]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    divs = [e for e in ents if e.kind == "divergence"]
    assert all(e.family for e in divs)
    assert not set(ids) & flagged("gazetteer")  # PwC names are written only when a paper uses them
    kl = next(e for e in divs if e.id == "divergence:kullback-leibler")
    assert kl.name == "Kullback-Leibler divergence" and "relative entropy" in kl.aliases


def test_vocab_extractor_version_shape():
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{10}", extractor_version())


def test_vocab_data_hash_covers_runtime_data_only(tmp_path, monkeypatch):
    from kg.extract import vocab

    monkeypatch.setattr(vocab, "vocab_dir", lambda: tmp_path)
    (tmp_path / "divergences.jsonl").write_text('{"id": "divergence:x", "kind": "divergence", "name": "x"}\n')
    (tmp_path / "method_heads.txt").write_text("loss\n")
    before = vocab.data_hash()
    (tmp_path / "build_something.py").write_text("print('a build script')\n")
    (tmp_path / "notes.md").write_text("curation notes\n")
    assert vocab.data_hash() == before
    (tmp_path / "method_heads.txt").write_text("loss\nestimator\n")
    assert vocab.data_hash() != before


def test_extractor_version_hashes_rule_code_not_scheduling(tmp_path):
    """A rule change re-extracts stored papers; a change to how papers are spread over worker
    processes (kg/extract/parallel.py, output-invariant) does not."""
    import shutil
    from pathlib import Path

    import kg.extract as X

    root = tmp_path / "extract"
    shutil.copytree(Path(X.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    base = X.code_hash(root)
    assert base == X.code_hash(Path(X.__file__).parent)
    (root / "parallel.py").write_text((root / "parallel.py").read_text() + "\nBATCH_SIZE = 1\n")
    assert X.code_hash(root) == base
    (root / "claims.py").write_text((root / "claims.py").read_text() + "\n# a rule tweak\n")
    assert X.code_hash(root) != base
    (root / "claims.py").unlink()
    assert X.code_hash(root) != base
