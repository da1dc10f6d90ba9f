"""Parallel, streaming extraction and ingest: the output does not depend on the number of workers,
and a long stream runs in flat memory (spaCy's string store is released after every batch)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from kg.export import graph_records, to_jsonl
from kg.extract import parallel
from kg.extract.parallel import LEARN_PAPERS, Failed, extract_batch, extract_stream, learned, warm_up
from kg.ingest import ingest
from kg.models import Paper
from kg.read import iter_papers, read_papers

pytestmark = pytest.mark.slow


def gold_lines(results) -> list[str]:
    out = []
    for x in results:
        assert not isinstance(x, Failed), x
        out.append(json.dumps(x.to_gold(evidence=True), ensure_ascii=False, sort_keys=True))
    return out


def test_parallel_extract_output_does_not_depend_on_workers(seed_jsonl):
    papers = read_papers(seed_jsonl).papers
    one = gold_lines(extract_stream(papers, workers=1, batch_size=16))
    two = gold_lines(extract_stream(iter(papers), workers=2, batch_size=16, in_flight=3))

    assert len(one) == len(papers) == 224
    assert two == one
    assert [json.loads(line)["id"] for line in two] == [p.id for p in papers]


def test_parallel_ingest_graph_does_not_depend_on_workers(seed_jsonl, tmp_path):
    from kg.store import open_store

    prints = []
    for workers in (1, 2):
        store = open_store(store="networkx", graph_path=tmp_path / f"w{workers}.json")
        report = ingest(seed_jsonl, store, workers=workers, batch_size=50)
        assert (report.new, report.failed) == (224, 0)
        prints.append(to_jsonl(graph_records(store)))
        store.close()
    assert prints[0] == prints[1]


def _short_abstracts(n: int, seed: int = 7) -> list[dict]:
    """Short abstracts full of words never seen before (each one a new string for spaCy)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(n):
        made_up = " ".join("".join(rng.choice(letters) for _ in range(9)) for _ in range(4))
        out.append({"id": f"s{i}", "title": f"Study {i} of {made_up.split()[0]}",
                    "abstract": f"We minimise the KL divergence with {made_up} on CIFAR-10. "
                                f"Our method improves accuracy by {i % 7}%."})
    return out


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc to read RSS")
def test_parallel_long_stream_runs_in_flat_memory(tmp_path):
    from kg.extract.pipeline import get_nlp

    n, batch = 20_000, 500
    src = tmp_path / "long.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for rec in _short_abstracts(n):
            fh.write(json.dumps(rec) + "\n")
    rss: list[int] = []
    strings: list[tuple[int, int]] = []  # (papers learned so far, strings in the store) per batch
    seen = 0
    papers = (p for p in iter_papers(src) if isinstance(p, Paper))
    for x in extract_stream(papers, workers=1, batch_size=batch):
        assert not isinstance(x, Failed)
        seen += 1
        if seen % batch == 0:
            rss.append(_rss_bytes())
            strings.append((learned(), len(get_nlp().vocab.strings)))

    assert seen == n
    # the first LEARN_PAPERS papers of the process ran outside a zone (their words stay); every
    # later batch ran in a memory zone: its ~5 new words an abstract left nothing in the string store
    zoned = [count for k, count in strings if k == LEARN_PAPERS]
    assert len(zoned) >= len(strings) - LEARN_PAPERS // batch
    assert len(set(zoned)) == 1, zoned[:3]
    # RSS: the second half of the stream grows far less than the first (which includes warm-up);
    # without the memory zone both halves grow alike (~13 strings and lexemes per abstract)
    half = len(rss) // 2
    first, second = rss[half] - rss[0], rss[-1] - rss[half]
    assert second <= max(first, 0) * 0.5 + 8 * 2**20, (first, second)


def test_parallel_memory_zone_releases_strings_of_a_batch(monkeypatch):
    from kg.extract.pipeline import get_nlp

    monkeypatch.setattr(parallel, "_learned", LEARN_PAPERS)  # this process has learned its words
    papers = [Paper(**r) for r in _short_abstracts(50, seed=11)]
    nlp = get_nlp()
    warm_up()  # (what the first batch of a process adds outside any zone, once)
    before = len(nlp.vocab.strings)
    got = extract_batch(papers)
    assert [x.paper.id for x in got] == [p.id for p in papers]
    assert all(not isinstance(x, Failed) and x.divergences for x in got)
    assert len(nlp.vocab.strings) == before


def test_first_papers_of_a_process_are_learned_outside_a_zone(monkeypatch):
    """The first LEARN_PAPERS papers of a process keep their words (a batch may straddle the limit);
    after them every batch is zoned; the output is the same either way."""
    from kg.extract import extract
    from kg.extract.pipeline import get_nlp

    monkeypatch.setattr(parallel, "LEARN_PAPERS", 30)
    monkeypatch.setattr(parallel, "_learned", 0)
    nlp = get_nlp()
    warm_up()
    first = [Paper(**r) for r in _short_abstracts(50, seed=21)]
    later = [Paper(**dict(r, id=f"later-{r['id']}")) for r in _short_abstracts(50, seed=22)]
    before = len(nlp.vocab.strings)
    got = gold_lines(extract_batch(first))
    assert learned() == 30
    after_first = len(nlp.vocab.strings)
    assert after_first > before + 30  # the made-up words of the 30 learned papers stayed
    got += gold_lines(extract_batch(later))
    assert learned() == 30
    assert len(nlp.vocab.strings) == after_first  # the later batch was zoned
    assert got == gold_lines(extract(first + later))  # no zone at all: the same output


def test_tokenizer_cache_warm_up_is_outside_zones_and_changes_no_output():
    """The chunk cache is filled from the bundled abstracts once per process, never inside a zone
    (what a zone adds is freed with it), and extraction gives the same output with it as without."""
    from kg.extract import extract
    from kg.extract.pipeline import get_nlp, warm_tokenizer_cache

    papers = [Paper(**r) for r in _short_abstracts(40, seed=5)]
    plain = gold_lines(extract(papers))  # no zone, whatever the cache holds
    with get_nlp().memory_zone():
        assert warm_tokenizer_cache() == 0  # refused inside a zone
    assert warm_tokenizer_cache() >= 448  # the 224 bundled seed papers: title and abstract each
    assert gold_lines(extract_batch(papers)) == plain
