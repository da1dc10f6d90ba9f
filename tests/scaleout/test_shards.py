"""kg.scaleout.shards: deterministic input shards that cover each file exactly, records read back with
the ids, checks and file:line of kg.read, and the "already done" check of output shards."""

from __future__ import annotations

import json

import pytest

from kg.cli.scaleout_cmds import as_url
from kg.errors import InputError, RecordError
from kg.read import read_papers
from kg.scaleout.shards import OutputDir, plan_shards, read_shard_input
from kg.scaleout.work import shard_records

ROWS = [{"id": f"p{i}", "title": f"Paper number {i}", "abstract": f"We study problem {i} with the KL divergence."}
        for i in range(10)]


@pytest.fixture
def messy(tmp_path):
    """10 good records, a blank line, a broken line: 12 non-blank lines over 13 lines."""
    lines = [json.dumps(r) for r in ROWS[:4]] + [""] + [json.dumps(r) for r in ROWS[4:7]]
    lines += ['{"title": "broken'] + [json.dumps(r) for r in ROWS[7:]] + ["not json either"]
    path = tmp_path / "messy.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _papers_and_problems(specs):
    papers, problems = [], []
    for spec in specs:
        for got in shard_records(spec, read_shard_input(spec)):
            (problems if isinstance(got, RecordError) else papers).append(got)
    return papers, problems


@pytest.mark.parametrize("size", [1, 3, 5, 100])
def test_shards_cover_the_file_exactly_and_deterministically(messy, size):
    specs = plan_shards([messy], size)
    raw = messy.read_bytes()
    assert b"".join(raw[s.start:s.end] for s in specs) == raw
    assert [s.records for s in specs[:-1]] == [size] * (len(specs) - 1)
    assert sum(s.records for s in specs) == 12
    assert len(specs) == -(-12 // size)
    assert len({s.id for s in specs}) == len(specs)
    assert plan_shards([messy], size) == specs  # same files, same size: same shards, same ids
    lines = raw.split(b"\n")
    for s in specs:  # each range starts at its first line
        assert raw[s.start:].startswith(lines[s.first_line - 1])


@pytest.mark.parametrize("size", [1, 4, 100])
def test_shards_read_back_as_read_papers_does(messy, size):
    papers, problems = _papers_and_problems(plan_shards([messy], size))
    ref = read_papers(messy)
    assert papers == ref.papers  # same ids, same Paper.source "file:line"
    assert [(p.line, p.reason) for p in problems] == [(p.line, p.reason) for p in ref.problems]
    assert [p.line for p in problems] == [9, 13]


def test_shards_of_seed_text_and_csv_are_cut_by_record(seed_txt, tmp_path):
    csv_path = tmp_path / "papers.csv"
    csv_path.write_text("id,title,abstract\n" + "".join(
        f'{r["id"]},"{r["title"]}","{r["abstract"]}"\n' for r in ROWS), encoding="utf-8")
    for path, size in ((seed_txt, 50), (csv_path, 3)):
        specs = plan_shards([path], size)
        assert {s.unit for s in specs} == {"records"} and len(specs) > 1
        papers, _ = _papers_and_problems(specs)
        assert papers == read_papers(path).papers


def test_shards_folder_input_and_bad_paths(messy, tmp_path):
    assert [s.source for s in plan_shards([tmp_path], 5)] == [str(messy)] * 3
    with pytest.raises(InputError, match="no such file"):
        plan_shards([tmp_path / "missing.jsonl"], 5)
    with pytest.raises(InputError, match="at least 1"):
        plan_shards([messy], 0)


def test_shards_done_only_when_manifest_output_and_input_all_match(messy, tmp_path):
    from kg.scaleout.work import extract_shard, warm_up

    version = warm_up()
    out = OutputDir(tmp_path / "out")
    spec = plan_shards([messy], 100)[0]
    assert not out.is_done(spec, version)
    manifest = extract_shard(spec, out.url, version)
    assert manifest["papers"] == 10 and len(manifest["problems"]) == 2
    assert out.is_done(spec, version)
    assert not out.is_done(spec, version + "-other")  # a new extractor re-extracts
    messy.write_text(messy.read_text().replace("problem 3", "problem three"))
    changed = plan_shards([messy], 100)[0]
    assert changed.id == spec.id and changed.content_hash != spec.content_hash
    assert not out.is_done(changed, version)
    with pytest.raises(InputError, match="changed since the job was planned"):
        extract_shard(spec, out.url, version)  # planned before the edit
    out.fs.pipe_file(out.data_path(spec.id), b"truncated")
    assert not out.is_done(spec, version)  # output shard damaged


def test_shards_worker_refuses_another_extractor_version(messy, tmp_path):
    from kg.errors import ExtractionError
    from kg.scaleout.work import extract_shard

    with pytest.raises(ExtractionError, match="install the same kg version"):
        extract_shard(plan_shards([messy], 100)[0], str(tmp_path / "out"), "0.0.0+other")


def test_shards_cli_urls_keep_their_double_slash(tmp_path):
    from pathlib import Path

    assert as_url(Path("s3://bucket/run1")) == "s3://bucket/run1"
    assert as_url(Path("memory://x/y")) == "memory://x/y"
    assert as_url(tmp_path) == str(tmp_path)


FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "read" / "fixtures"


@pytest.mark.parametrize(("name", "unit"), [("arxiv-snapshot.jsonl", "bytes"), ("openalex-works.jsonl", "bytes"),
                                            ("zotero.bib", "records"), ("zotero-csl.json", "records")])
def test_shards_of_real_corpus_formats_read_back_as_read_papers_does(name, unit, tmp_path):
    path = FIXTURES / name
    specs = plan_shards([path], 2)
    assert {s.unit for s in specs} == {unit}
    papers, problems = _papers_and_problems(specs)
    ref = read_papers(path)
    assert papers == ref.papers  # same ids (arXiv id / DOI), same metadata, same file:line
    assert [(p.line, p.reason) for p in problems] == [(p.line, p.reason) for p in ref.problems]


def test_shards_refuse_semantic_scholar_bulk_and_stdin():
    with pytest.raises(InputError, match="Semantic Scholar"):
        plan_shards([FIXTURES / "s2-papers.jsonl"], 10)
    with pytest.raises(InputError, match="stdin"):
        plan_shards(["-"], 10)
