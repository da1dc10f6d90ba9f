"""Readers (kg/read): the seed text, JSONL and CSV, every bad-input case reported with file:line,
duplicates merged, stable ids, directories and format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError, RecordError
from kg.read import MAX_RECORD_CHARS, paper_id, read_papers

ABSTRACT = "We propose a method. It works well on CIFAR-10 and beats the baselines by a wide margin."


def _jsonl(tmp_path: Path, rows: list, name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_read_seed_text_matches_parsed_seed(seed_txt, seed_jsonl):
    raw = read_papers(seed_txt)
    parsed = read_papers(seed_jsonl)
    assert len(raw.papers) == len(parsed.papers) == 224
    assert [(p.title, p.abstract) for p in raw.papers] == [(p.title, p.abstract) for p in parsed.papers]
    assert raw.papers[0].title == "Improved sampling via learned diffusions"  # "Subscribe" removed
    assert [e.line for e in raw.problems] == [1, 2]  # the two lines of page chrome
    assert all(isinstance(e, RecordError) for e in raw.problems)


def test_read_seed_ids_are_title_derived_and_jsonl_ids_kept(seed_txt, seed_jsonl):
    raw = read_papers(seed_txt).papers
    assert raw[0].id == paper_id(raw[0].title) == "improved-sampling-via-learned-diffusion"
    assert read_papers(seed_jsonl).papers[0].id == "p001"
    assert len({p.id for p in raw}) == 224


def test_read_ids_stable_under_reordering(tmp_path):
    rows = [{"title": f"Paper number {i}", "abstract": ABSTRACT} for i in range(5)]
    a = read_papers(_jsonl(tmp_path, rows, "a.jsonl")).papers
    b = read_papers(_jsonl(tmp_path, rows[::-1], "b.jsonl")).papers
    assert {p.title: p.id for p in a} == {p.title: p.id for p in b}


def test_read_long_title_id_is_short_and_distinct():
    t1 = "A very long title " * 10 + "ending one"
    t2 = "A very long title " * 10 + "ending two"
    assert len(paper_id(t1)) <= 64 and paper_id(t1) != paper_id(t2)


@pytest.mark.parametrize(
    "line, reason",
    [
        ({"title": "No abstract here"}, "missing or empty abstract"),
        ({"title": "Empty abstract", "abstract": "   "}, "missing or empty abstract"),
        ({"abstract": ABSTRACT}, "missing or empty title"),
        ('{"title": "broken", "abstract": ', "broken JSON"),
        ("[1, 2, 3]", "expected a JSON object"),
        ({"title": "Huge", "abstract": "x" * (MAX_RECORD_CHARS + 10)}, "too long"),
    ],
)
def test_read_jsonl_bad_record_reported_good_kept(tmp_path, line, reason):
    path = _jsonl(tmp_path, [{"id": "good1", "title": "Good one", "abstract": ABSTRACT}, line,
                             {"id": "good2", "title": "Good two", "abstract": ABSTRACT}])
    result = read_papers(path)
    assert [p.id for p in result.papers] == ["good1", "good2"]
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.line == 2 and reason in problem.reason and problem.source == str(path)
    assert f"{path}:2" in str(problem)


def test_read_one_megabyte_line(tmp_path):
    big = json.dumps({"title": "Big", "abstract": "word " * 210_000})  # > 1 MB
    path = _jsonl(tmp_path, [big, {"title": "Small", "abstract": ABSTRACT}])
    result = read_papers(path)
    assert [p.title for p in result.papers] == ["Small"]
    assert result.problems[0].line == 1 and "too long" in result.problems[0].reason


def test_read_non_utf8_line_is_decoded_with_a_warning_not_lost(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"title": "Fine", "abstract": ABSTRACT}).encode()
    bad = b'{"title": "Caf\xe9 \x96 na\xefve", "abstract": "' + ABSTRACT.encode() + b'"}'
    path.write_bytes(good + b"\n" + bad + b"\n")
    result = read_papers(path)
    assert [p.title for p in result.papers] == ["Fine", "Café – naïve"]
    assert not result.problems
    assert [str(w) for w in result.warnings] == [f"{path}: not UTF-8; decoded as Windows-1252 (detected)"]


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"title": "Lone \\ud800 surrogate", "abstract": "We use MMD."}',
        '{"title": "Fine title", "abstract": "We use MMD.", "venue": "V\\udfff"}',
    ],
)
def test_read_lone_surrogate_escape_is_a_record_problem(tmp_path, bad_line):
    path = tmp_path / "surrogate.jsonl"
    good = json.dumps({"title": "Fine", "abstract": ABSTRACT})
    path.write_text(good + "\n" + bad_line + "\n", encoding="utf-8")
    result = read_papers(path)
    assert [p.title for p in result.papers] == ["Fine"]
    assert result.problems[0].line == 2 and "lone surrogate" in result.problems[0].reason


@pytest.mark.parametrize(
    "second, expected_reason",
    [
        ({"id": "a", "title": "Another title", "abstract": ABSTRACT}, "duplicate of paper a"),
        ({"id": "b", "title": "the SAME   title!", "abstract": ABSTRACT, "year": 2020}, "duplicate of paper a"),
    ],
)
def test_read_duplicates_merged_first_wins(tmp_path, second, expected_reason):
    path = _jsonl(tmp_path, [{"id": "a", "title": "The same title", "abstract": ABSTRACT}, second])
    result = read_papers(path)
    assert len(result.papers) == 1
    paper = result.papers[0]
    assert paper.id == "a" and paper.title == "The same title"
    assert expected_reason in result.problems[0].reason and result.problems[0].line == 2
    if "year" in second:  # metadata the first lacked is merged in
        assert paper.year == 2020


def test_read_csv_with_metadata_and_bad_rows(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        'id,title,abstract,year,venue,url,authors\n'
        f'c1,"A CSV paper","{ABSTRACT}",2021,ICML,https://x.org,"Ada Lovelace; Alan Turing"\n'
        'c2,"No abstract",,2020,,,\n'
        f'c3,"Multi\nline title","{ABSTRACT}",not-a-year,,,\n',
        encoding="utf-8",
    )
    result = read_papers(path)
    assert [p.id for p in result.papers] == ["c1", "c3"]
    c1 = result.papers[0]
    assert (c1.year, c1.venue, c1.url, c1.authors) == (2021, "ICML", "https://x.org", ("Ada Lovelace", "Alan Turing"))
    assert result.papers[1].year is None
    assert [(e.line, e.reason) for e in result.problems] == [(3, "missing or empty abstract")]


def test_read_directory_and_autodetect(tmp_path, seed_txt):
    (tmp_path / "sub").mkdir()
    _jsonl(tmp_path / "sub", [{"title": "From JSONL", "abstract": ABSTRACT}], "x.jsonl")
    (tmp_path / "y.csv").write_text(f'title,abstract\nFrom CSV,"{ABSTRACT}"\n', encoding="utf-8")
    (tmp_path / "z.txt").write_text(f"From seed text\n{ABSTRACT}\n", encoding="utf-8")
    (tmp_path / "ignored.md").write_text("# not input\n", encoding="utf-8")
    titles = sorted(p.title for p in read_papers(tmp_path).papers)
    assert titles == ["From CSV", "From JSONL", "From seed text"]


@pytest.mark.parametrize(
    "content, fmt, title",
    [
        (json.dumps({"title": "Sniffed JSONL", "abstract": ABSTRACT}) + "\n", "auto", "Sniffed JSONL"),
        (f'title,abstract\nSniffed CSV,"{ABSTRACT}"\n', "auto", "Sniffed CSV"),
        (f"Sniffed seed\n{ABSTRACT}\n", "auto", "Sniffed seed"),
        (f"Forced seed\n{ABSTRACT}\n", "seed", "Forced seed"),
    ],
)
def test_read_format_detection_without_extension(tmp_path, content, fmt, title):
    path = tmp_path / "papers.data"
    path.write_text(content, encoding="utf-8")
    assert [p.title for p in read_papers(path, fmt=fmt).papers] == [title]


@pytest.mark.parametrize("paths, fmt", [("does/not/exist.jsonl", "auto"), (None, "xml")])
def test_read_missing_path_or_unknown_format_raises(tmp_path, paths, fmt):
    target = paths if paths is not None else _jsonl(tmp_path, [{"title": "t", "abstract": ABSTRACT}])
    with pytest.raises(InputError):
        read_papers(target, fmt=fmt)


def test_read_binary_file_unknown_format(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputError, match="format"):
        read_papers(path)


def test_read_corpus_split_on_newline_only(corpus_path):
    result = read_papers(corpus_path)
    assert len(result.papers) == 530 and not result.problems


def test_read_result_unpacks_to_papers_and_problems(seed_txt):
    papers, problems = read_papers(seed_txt)
    assert len(papers) == 224 and len(problems) == 2


@pytest.mark.parametrize(
    "line, reason",
    [
        ({"title": "List abstract", "abstract": ["x"]}, "field 'abstract' must be a string, got list"),
        ({"id": ["l"], "title": "List id", "abstract": ABSTRACT}, "field 'id' must be a string or an integer"),
        ({"title": 5, "abstract": ABSTRACT}, "field 'title' must be a string, got int"),
        ({"title": "T", "abstract": ABSTRACT, "venue": {"x": 1}}, "field 'venue' must be a string, got dict"),
    ],
)
def test_read_wrong_field_type_is_reported_not_stringified(tmp_path, line, reason):
    path = _jsonl(tmp_path, [{"id": 7, "title": "Fine", "abstract": ABSTRACT}, line])
    result = read_papers(path)
    assert [p.id for p in result.papers] == ["7"]  # an integer id is fine
    assert result.problems[0].line == 2 and reason in result.problems[0].reason


def test_read_folder_without_input_files_is_an_input_error(tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    with pytest.raises(InputError, match="no input files under"):
        read_papers(tmp_path)


@pytest.mark.parametrize(
    "year, expected",
    [(2021, 2021), ("2021", 2021), ("2021-05-01", 2021), (" 2020 ", 2020), ("12345", None), ("n.d.", None),
     (True, None)],
)
def test_read_year_is_parsed_strictly_and_a_bad_one_left_empty(tmp_path, year, expected):
    result = read_papers(_jsonl(tmp_path, [{"title": "T", "abstract": ABSTRACT, "year": year}]))
    assert result.papers[0].year == expected  # the abstract is kept either way


def test_read_csv_unterminated_quote_is_named(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(f'title,abstract,year\nGood,"{ABSTRACT}",2020\n"Broken title,{ABSTRACT}\nNext,"{ABSTRACT}",2021\n',
                    encoding="utf-8")
    result = read_papers(path)
    assert [p.title for p in result.papers] == ["Good"]
    assert result.problems[0].line == 3 and "unterminated quoted field" in result.problems[0].reason
