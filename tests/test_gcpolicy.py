"""The garbage collector's settings for long runs (kg.gcpolicy): applied while a run lasts, restored
after (nested runs included), and still collecting the reference cycles a spaCy Doc makes."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from kg import gcpolicy
from kg.extract.parallel import extract_stream
from kg.ingest import load_extractions
from kg.models import Paper


@pytest.fixture(autouse=True)
def _default_collector():
    saved = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)


def test_relaxed_freezes_and_raises_the_young_threshold_then_restores_both():
    with gcpolicy.relaxed():
        assert gc.get_threshold() == (gcpolicy.YOUNG, 10, 10)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_relaxed_nests_and_restores_only_at_the_outermost_exit():
    with gcpolicy.relaxed():
        with gcpolicy.relaxed():
            pass
        assert gc.get_threshold()[0] == gcpolicy.YOUNG  # the inner exit left the outer run's settings
    assert gc.get_threshold() == (700, 10, 10)


def test_relaxed_restores_after_an_exception():
    with pytest.raises(RuntimeError), gcpolicy.relaxed():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_relaxed_keeps_a_disabled_threshold():
    gc.set_threshold(0)
    with gcpolicy.relaxed():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_cycles_made_inside_a_relaxed_run_are_still_collected():
    class Node:
        pass

    with gcpolicy.relaxed():
        refs = []
        for _ in range(3 * gcpolicy.YOUNG):  # garbage only the cyclic collector can free
            a, b = Node(), Node()
            a.other, b.other = b, a
            refs.append(weakref.ref(a))
        alive = sum(r() is not None for r in refs)
    assert alive < len(refs) // 2, "young collections no longer ran"


def test_extract_stream_runs_relaxed_and_restores():
    seen = []
    paper = Paper(id="p1", title="KL divergence", abstract="We minimise the KL divergence on CIFAR-10.")
    for _ in extract_stream([paper], workers=1):
        seen.append(gc.get_threshold()[0])
    assert seen == [gcpolicy.YOUNG]
    assert gc.get_threshold() == (700, 10, 10)


def test_load_extractions_runs_relaxed(tmp_path):
    from kg.store.sqlite_store import SQLiteStore

    thresholds = []

    def extractions():
        thresholds.append(gc.get_threshold()[0])
        yield from ()

    with SQLiteStore(tmp_path / "g.db") as store:
        load_extractions(extractions(), store, taxonomy=False)
    assert thresholds == [gcpolicy.YOUNG]
    assert gc.get_threshold() == (700, 10, 10)


def test_an_extraction_batch_leaves_no_spacy_document_behind():
    from spacy.tokens import Doc

    from kg.extract.parallel import extract_batch

    def docs_alive() -> int:
        return sum(isinstance(o, Doc) for o in gc.get_objects())

    from kg.read import read_papers

    papers = read_papers([Path(__file__).resolve().parent.parent / "data" / "seed" / "papers.jsonl"]).papers[:60]
    extract_batch(papers[:2])  # the pipeline built and warm
    with gcpolicy.relaxed():
        gc.collect()
        before = docs_alive()
        assert len(extract_batch(papers)) == 60
        # about one document in five (those with span groups) ends in a reference cycle; the raised
        # threshold alone would keep them until thousands of papers later: the batch's own young
        # collection freed them
        assert docs_alive() <= before
