"""Dataset rules (kg/extract/datasets.py): curated names and variants, gazetteer names that need a
data context, "the X dataset" and "datasets such as X, Y" patterns, and generic descriptions."""

from __future__ import annotations

import pytest

from kg.extract import extract_one
from kg.models import Paper


def _datasets(abstract: str, title: str = "A study of things") -> dict[str, object]:
    x = extract_one(Paper(id="t", title=title, abstract=abstract))
    return {t.entity.name: t for t in x.datasets}


@pytest.mark.parametrize(
    "abstract, name",
    [
        ("We show improvements on CIFAR-10, CIFAR-100, Tiny-ImageNet, and ImageNet.", "Tiny-ImageNet"),
        ("Results on CIFAR10 are strong.", "CIFAR-10"),
        ("Pretrained on ImageNet-1K. We also test.", "ImageNet"),
        ("On the ImageNet-64times 64 generation benchmark we reach a new record.", "ImageNet 64x64"),
        ("We train on MS-COCO and LVIS.", "COCO"),
        ("We evaluate on Office-Home and DomainNet.", "Office-Home"),
        ("Accuracy on coding benchmarks HumanEval and MBPP improves.", "MBPP"),
        ("We report results on the Atari suite.", "Atari"),
        ("We evaluate on the D4RL benchmark.", "D4RL"),
        ("Experiments on the Waterbirds dataset confirm it.", "Waterbirds"),
        ("We pretrain on the YFCC100M corpus.", "YFCC100M"),
        ("Experiments on HotpotQA show gains.", "HotpotQA"),
        ("We use the FooBar-7 dataset for evaluation.", "FooBar-7"),
        ("We evaluate on benchmarks such as QuuxQA and ZedBench.", "ZedBench"),
        ("On NASBench-201, we also achieve state-of-the-art results.", "NAS-Bench-201"),
        ("We remove glitches from data recorded by a seismometer during NASA's InSight mission on Mars.",
         "InSight mission"),
        ("We fit galaxy shapes to observations from the Sloan Digital Sky Survey.", "Sloan Digital Sky Survey"),
    ],
)
def test_datasets_names_variants_and_patterns(abstract, name):
    found = _datasets(abstract)
    assert name in found, sorted(found)


@pytest.mark.parametrize(
    "abstract",
    [
        "We evaluate on several image datasets and real-world data.",
        "Experiments on synthetic data and out-of-distribution detection benchmarks.",
        "In attempts to produce models less reliant on spurious patterns in NLP datasets, we curate data.",
        "We discuss the MATH of the problem.",  # a gazetteer/context name without a data context
        "Kinetics of the reaction are modeled by an ODE.",
        "The model is a GAN.",
        "Knowledge graphs store IS-A and PART-OF relations between concepts in the data.",
        "The mission of the data team is to curate knowledge.",
    ],
)
def test_datasets_generic_descriptions_are_skipped(abstract):
    assert _datasets(abstract) == {}


def test_datasets_context_names_need_a_data_sentence():
    assert "MATH" in _datasets("We evaluate on GSM8K and MATH benchmarks.")


def test_datasets_context_once_per_paper_covers_every_mention():
    found = _datasets("We introduce the SCAN domain of navigation commands. "
                      "We then test networks trained on SCAN with sequence-to-sequence methods.")
    assert [e.surface for e in found["SCAN"].evidence] == ["SCAN", "SCAN"]


def test_datasets_evidence_round_trips():
    abstract = "We test on CIFAR-10 and on the Waterbirds dataset."
    x = extract_one(Paper(id="t", title="t", abstract=abstract))
    for tag in x.datasets:
        for ev in tag.evidence:
            assert abstract[ev.start:ev.end] == ev.surface
    assert {t.entity.id for t in x.datasets} == {"dataset:cifar-10", "dataset:waterbirds"}
