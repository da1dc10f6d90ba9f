"""kg.ingest on real stores (SQLite and Neo4j) with the real extractor: idempotency, incremental
re-writes of a changed abstract, bad records reported and skipped, the taxonomy written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.export import graph_records, to_jsonl
from kg.ingest import Problem, ingest, taxonomy_entities
from kg.models import Paper


def seed_records(seed_jsonl: Path, n: int | None = None) -> list[dict]:
    lines = seed_jsonl.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def fingerprint(store, *, linked_only: bool = False) -> str:
    """The whole graph as export text: equal fingerprints mean equal graphs. ``linked_only`` leaves
    out entities no relationship touches (a re-write keeps entities that lost their last paper)."""
    records = graph_records(store)
    if linked_only:
        linked = {r.start for r in records.relationships} | {r.end for r in records.relationships}
        records.nodes = [n for n in records.nodes if n.label in ("Paper", "Claim") or n.id in linked]
    return to_jsonl(records)


def test_ingest_twice_is_idempotent(empty_store, seed_jsonl, tmp_path):
    src = write_jsonl(tmp_path / "part.jsonl", seed_records(seed_jsonl, 80))
    first = ingest(src, empty_store, batch_size=25)
    before = fingerprint(empty_store)
    second = ingest(src, empty_store, batch_size=25)

    assert (first.papers_read, first.new, first.updated, first.unchanged) == (80, 80, 0, 0)
    assert first.batches == 1 + 4
    assert first.edges["USES"] > 0 and first.edges["MAKES"] > 0
    assert (second.new, second.updated, second.unchanged, second.batches) == (0, 0, 80, 0)
    assert second.totals == first.totals
    assert first.totals.papers == 80
    assert fingerprint(empty_store) == before


def test_ingest_force_rewrites_to_the_same_graph(empty_store, seed_jsonl, tmp_path):
    src = write_jsonl(tmp_path / "part.jsonl", seed_records(seed_jsonl, 30))
    ingest(src, empty_store)
    before = fingerprint(empty_store)
    again = ingest(src, empty_store, force=True, batch_size=7)

    assert (again.new, again.updated, again.unchanged) == (0, 30, 0)
    assert again.batches == 1 + 5  # the taxonomy, then ceil(30 / 7) paper batches
    assert fingerprint(empty_store) == before


def test_ingest_changed_abstract_replaces_old_edges(empty_store, seed_jsonl, tmp_path):
    records = seed_records(seed_jsonl, 12)
    src = write_jsonl(tmp_path / "papers.jsonl", records)
    ingest(src, empty_store)
    old = empty_store.papers(["p008"])["p008"]
    assert any(t.entity.kind == "divergence" for t in old.tags)  # "f-Divergence Distribution Matching"

    records[7] = {**records[7], "title": "A plain title",
                  "abstract": "We evaluate image classifiers on CIFAR-10. Our method improves accuracy by 3%."}
    write_jsonl(src, records)
    report = ingest(src, empty_store)
    updated = fingerprint(empty_store, linked_only=True)

    assert (report.new, report.updated, report.unchanged) == (0, 1, 11)
    new = empty_store.papers(["p008"])["p008"]
    assert new.paper.title == "A plain title"
    assert not new.divergences
    assert [t.entity.id for t in new.datasets] == ["dataset:cifar-10"]
    # the same graph as a fresh ingest of the changed file: nothing stale, nothing duplicated
    empty_store.clear()
    ingest(src, empty_store)
    assert fingerprint(empty_store, linked_only=True) == updated


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_ingest_bad_records_are_reported_and_good_ones_kept(sqlite_store, tmp_path, suffix):
    good = [
        {"id": "g1", "title": "Wasserstein GANs revisited",
         "abstract": "We train GANs with the Wasserstein distance on CIFAR-10."},
        {"id": "g2", "title": "Variational inference", "abstract": "We minimize the reverse KL divergence."},
        {"id": "g3", "title": "Kernel tests", "abstract": "We use the maximum mean discrepancy (MMD) on MNIST."},
    ]
    if suffix == "jsonl":
        lines = [json.dumps(good[0]), "{not json", json.dumps({"id": "b1", "title": "No abstract"}),
                 json.dumps(good[1]), json.dumps(good[0]), json.dumps(good[2])]
        bad_lines = {2, 3, 5}
    else:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "title", "abstract"])
        w.writerow([good[0]["id"], good[0]["title"], good[0]["abstract"]])
        w.writerow(["b1", "Empty abstract", ""])
        for g in good[1:]:
            w.writerow([g["id"], g["title"], g["abstract"]])
        lines = buf.getvalue().splitlines()
        bad_lines = {3}
    src = tmp_path / f"mixed.{suffix}"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = ingest(src, sqlite_store)

    assert report.new == 3
    assert set(sqlite_store.papers(["g1", "g2", "g3", "b1"])) == {"g1", "g2", "g3"}
    assert {p.line for p in report.problems} == bad_lines
    assert all(Path(p.source).name == src.name and p.reason for p in report.problems)


def test_ingest_writes_the_divergence_taxonomy(sqlite_store, seed_jsonl, tmp_path):
    ingest(write_jsonl(tmp_path / "one.jsonl", seed_records(seed_jsonl, 1)), sqlite_store)
    taxonomy = taxonomy_entities()
    with_parents = [e for e in taxonomy if e.parents]

    assert with_parents, "the vocabulary has a divergence taxonomy"
    assert set(sqlite_store.entities([e.id for e in taxonomy])) == {e.id for e in taxonomy}
    for e in with_parents:
        assert {p.id for p in sqlite_store.parents(e.id)} == set(e.parents)


def test_ingest_progress_counts_up_to_every_paper(sqlite_store, seed_jsonl, tmp_path):
    src = write_jsonl(tmp_path / "part.jsonl", seed_records(seed_jsonl, 25))
    calls: list[tuple[int, int]] = []
    ingest(src, sqlite_store, batch_size=10, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(0, 25), (10, 25), (20, 25), (25, 25)]


@pytest.mark.parametrize("paths", [["does/not/exist.jsonl"], "missing-dir/"])
def test_ingest_missing_path_is_an_input_error(sqlite_store, paths):
    with pytest.raises(InputError):
        ingest(paths, sqlite_store)


def test_ingest_checkpoints_the_embedded_store(seed_jsonl, tmp_path):
    """The first batch of papers is on disk when progress reports it; everything is at the end."""
    from kg.store import open_store

    path = tmp_path / "graph.db"
    src = write_jsonl(tmp_path / "part.jsonl", seed_records(seed_jsonl, 30))
    on_disk: list[int] = []

    def progress(done: int, total: int) -> None:
        if done and not on_disk:
            on_disk.append(open_store(store="sqlite", graph_path=path).stats().papers)

    store = open_store(store="sqlite", graph_path=path)
    ingest(src, store, batch_size=5, progress=progress)  # not closed: ingest itself must persist
    assert on_disk == [5]
    assert open_store(store="sqlite", graph_path=path).stats().papers == 30


def test_problem_at_paper_takes_file_and_line_from_the_source_only():
    paper = Paper(id="s2:123", title="T", abstract="A.")
    unread = Problem.at_paper(paper, "bad")
    assert (unread.source, unread.line) == ("s2:123", None)  # an id with a colon is not file:line
    read = paper.model_copy(update={"source": "data/part.jsonl:7"})
    assert (Problem.at_paper(read, "bad").source, Problem.at_paper(read, "bad").line) == ("data/part.jsonl", 7)
