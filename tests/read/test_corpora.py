"""Readers of the real corpora (kg/read/corpora.py, bib.py, sources.py): one small fixture per
format, written in the shape each source documents (tests/read/fixtures), compressed inputs,
globs and stdin, encodings, and papers merged across sources on a shared arXiv id or DOI."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import sys
from pathlib import Path

import pytest

from kg.read import FORMATS, iter_papers, read_papers
from kg.read.formats import detect_format

FIX = Path(__file__).resolve().parent / "fixtures"


def _by_id(result):
    return {p.id: p for p in result.papers}


def _problems(result):
    return [(Path(e.source).name, e.line, e.reason) for e in result.problems]


def test_corpora_arxiv_snapshot_fields_and_bad_lines():
    r = read_papers(FIX / "arxiv-snapshot.jsonl")
    lora = _by_id(r)["arxiv:2106.09685"]
    assert lora.arxiv_id == "2106.09685" and lora.url == "https://arxiv.org/abs/2106.09685"
    assert lora.year == 2021  # versions[0].created, not update_date
    assert lora.categories == ("cs.CL", "cs.AI", "cs.LG")
    assert lora.authors[:2] == ("Edward J. Hu", "Yelong Shen")
    assert lora.abstract.startswith("An important paradigm") and "\n" in lora.abstract  # kept as written
    wgan = _by_id(r)["arxiv:1701.07875"]
    assert wgan.venue == "ICML 2017" and wgan.authors[2] == "Léon Bottou"
    assert _problems(r) == [
        ("arxiv-snapshot.jsonl", 3, "broken JSON: Unterminated string starting at (column 60)"),
        ("arxiv-snapshot.jsonl", 4, "missing or empty abstract"),
        ("arxiv-snapshot.jsonl", 5, "field 'id' must be a string, got list"),
    ]


def test_corpora_openalex_abstract_rebuilt_from_inverted_index():
    r = read_papers(FIX / "openalex-works.jsonl")
    [p] = r.papers
    assert p.abstract.startswith("The dominant sequence transduction models are based on complex recurrent")
    assert p.abstract.endswith("superior in quality.")
    assert (p.year, p.venue, p.doi) == (2017, "Neural Information Processing Systems", "10.5555/3295222.3295349")
    assert p.arxiv_id == "1706.03762" and p.id == "arxiv:1706.03762"  # from the arXiv landing page
    assert p.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert p.categories == ("Natural Language Processing Techniques", "Artificial intelligence")
    assert _problems(r) == [
        ("openalex-works.jsonl", 2, "missing or empty abstract"),
        ("openalex-works.jsonl", 3, "field 'abstract_inverted_index' has non-integer positions for 'We'"),
    ]


def test_corpora_semantic_scholar_graph_api_objects():
    r = read_papers(FIX / "s2-graph.jsonl")
    bert = _by_id(r)["arxiv:1810.04805"]
    assert bert.doi == "10.18653/v1/n19-1423" and bert.year == 2019 and bert.authors == ("Jacob Devlin",)
    assert bert.categories == ("Computer Science",)
    assert _problems(r) == [("s2-graph.jsonl", 3, "missing or empty abstract")]


def test_corpora_semantic_scholar_bulk_shards_joined_on_corpusid_in_any_order():
    # the abstracts shard named first: the papers shards are still read before it
    r = read_papers([FIX / "s2-abstracts.jsonl", FIX / "s2-papers.jsonl"])
    ids = _by_id(r)
    assert set(ids) == {"arxiv:1701.07875", "arxiv:1406.2661"}
    wgan = ids["arxiv:1701.07875"]
    assert wgan.abstract.startswith("We introduce a new algorithm named WGAN")
    assert wgan.authors[0] == "Martín Arjovsky" and wgan.categories == ("Computer Science", "Mathematics")
    assert wgan.source.endswith("s2-papers.jsonl:1")
    reason = "abstract of corpusid 424242 has no record in the papers shards read"
    assert _problems(r) == [("s2-abstracts.jsonl", 3, reason)]
    warning = ("1 Semantic Scholar papers record(s) had no abstract in the abstracts shards read "
               "(e.g. corpusid 999): not ingested")
    assert [str(w) for w in r.warnings] == [warning]


def test_corpora_bibtex_latex_decoded_strings_resolved_broken_entry_reported():
    r = read_papers(FIX / "zotero.bib")
    ids = _by_id(r)
    assert ids["arxiv:2106.09685"].title == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert ids["arxiv:2106.09685"].arxiv_id == "2106.09685"  # eprint with its version dropped
    fgan = ids["doi:10.5555/3157096.3157127"]
    assert fgan.venue == "Advances in Neural Information Processing Systems"  # @string macro
    assert fgan.year == 2016 and fgan.authors == ("Sebastian Nowozin", "Botond Cseke", "Ryota Tomioka")
    assert ids["bibtex:renyi1961"].authors == ("Alfréd Rényi",)
    assert ids["doi:10.3390/e23091134"].title == "Solving Schrödinger Bridges via Maximum Likelihood"
    assert "R\\'enyi" in ids["bibtex:renyi1961"].abstract  # the abstract as written: evidence points into it
    assert _problems(r) == [
        ("zotero.bib", 33, "entry broken2020: broken BibTeX (a brace or quote is never closed before the next entry)"),
        ("zotero.bib", 38, "entry noabstract2006: missing or empty abstract"),
    ]


def test_corpora_csl_json_array():
    r = read_papers(FIX / "zotero-csl.json")
    vae = _by_id(r)["arxiv:1312.6114"]
    assert (vae.year, vae.authors) == (2014, ("Diederik P. Kingma", "Max Welling"))
    assert vae.categories == ("Computer Science - Machine Learning", "Statistics - Machine Learning")
    assert _by_id(r)["doi:10.5555/3495724.3496298"].venue == "Advances in Neural Information Processing Systems"
    reason = "entry http://zotero.org/users/1234/items/NOABSTR1: missing or empty abstract"
    assert _problems(r) == [("zotero-csl.json", 52, reason)]


def test_corpora_csl_json_broken_item_skipped_and_the_rest_kept(tmp_path):
    text = (FIX / "zotero-csl.json").read_text(encoding="utf-8")
    broken = text.replace('"title": "Denoising Diffusion Probabilistic Models",', '"title": "Denoising" "x",', 1)
    path = tmp_path / "lib.json"
    path.write_text(broken, encoding="utf-8")
    r = read_papers(path)
    assert [p.id for p in r.papers] == ["arxiv:1312.6114"]
    # the line where the JSON breaks; the item after it is read again (and reported for its own reason)
    assert [(e.line, e.reason.split(":")[0]) for e in r.problems] == [(34, "broken JSON"), (52, "entry http")]


@pytest.mark.parametrize("name, kind", [
    ("arxiv-snapshot.jsonl", "arxiv"), ("openalex-works.jsonl", "openalex"), ("s2-graph.jsonl", "s2"),
    ("s2-papers.jsonl", "s2"), ("s2-abstracts.jsonl", "s2"), ("zotero.bib", "bibtex"),
    ("zotero-csl.json", "csljson"),
])
def test_corpora_format_detected_by_content(name, kind):
    head = (FIX / name).read_text(encoding="utf-8")[:4096]
    assert detect_format(name, head) == kind
    assert detect_format("input.dat", head) == kind  # not by the name
    assert kind in FORMATS


@pytest.mark.parametrize("suffix, opener", [
    (".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open), (".zst", None),
])
def test_corpora_compressed_inputs_read_as_the_plain_file(tmp_path, suffix, opener):
    src = FIX / "arxiv-snapshot.jsonl"
    dst = tmp_path / f"arxiv-snapshot.jsonl{suffix}"
    if opener is None:
        import zstandard

        dst.write_bytes(zstandard.ZstdCompressor().compress(src.read_bytes()))
    else:
        with opener(dst, "wb") as f:
            f.write(src.read_bytes())
    plain, packed = read_papers(src), read_papers(dst)
    assert [p.model_dump(exclude={"source"}) for p in packed.papers] == \
        [p.model_dump(exclude={"source"}) for p in plain.papers]
    assert [(e.line, e.reason) for e in packed.problems] == [(e.line, e.reason) for e in plain.problems]


def test_corpora_folder_and_glob_find_compressed_files(tmp_path):
    shutil.copy(FIX / "zotero.bib", tmp_path / "lib.bib")
    with gzip.open(tmp_path / "snap.jsonl.gz", "wb") as f:
        f.write((FIX / "arxiv-snapshot.jsonl").read_bytes())
    by_folder = read_papers(tmp_path)
    by_glob = read_papers(str(tmp_path / "*.*"))
    assert {p.id for p in by_folder.papers} == {p.id for p in by_glob.papers}
    assert "arxiv:1701.07875" in {p.id for p in by_folder.papers}


def test_corpora_stdin_with_format(monkeypatch):
    data = (FIX / "openalex-works.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    r = read_papers("-", "openalex")
    assert [p.id for p in r.papers] == ["arxiv:1706.03762"] and len(r.problems) == 2


def test_corpora_windows_1252_file_decoded_with_a_warning(tmp_path):
    path = tmp_path / "export.csv"
    text = 'title,abstract\n"Café models","We minimise the Rényi divergence – a naïve “bound”."\n'
    path.write_bytes(text.encode("cp1252"))
    r = read_papers(path)
    assert [p.abstract for p in r.papers] == ["We minimise the Rényi divergence – a naïve “bound”."]
    assert [str(w) for w in r.warnings] == [f"{path}: not UTF-8; decoded as Windows-1252 (detected)"]


def test_corpora_same_paper_from_arxiv_and_bibtex_is_one_paper():
    r = read_papers([FIX / "arxiv-snapshot.jsonl", FIX / "zotero.bib"])
    lora = [p for p in r.papers if p.arxiv_id == "2106.09685"]
    assert len(lora) == 1 and lora[0].id == "arxiv:2106.09685"
    assert lora[0].source.endswith("arxiv-snapshot.jsonl:1")  # the first read wins
    assert any("duplicate of paper arxiv:2106.09685" in e.reason and e.line == 4 for e in r.problems)


def test_corpora_same_paper_merged_on_doi_and_metadata_filled(tmp_path):
    bib = tmp_path / "a.bib"
    bib.write_text("@article{k1, title={Some Title}, doi={10.1000/XYZ.1}, abstract={We use MMD.}}\n", encoding="utf-8")
    oa = tmp_path / "b.jsonl"
    oa.write_text('{"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1000/xyz.1", "title": "Another '
                  'spelling", "publication_year": 2019, "abstract_inverted_index": {"We": [0], "use": [1], '
                  '"MMD.": [2]}, "authorships": [{"author": {"display_name": "A. B."}}]}\n', encoding="utf-8")
    r = read_papers([bib, oa])
    [p] = r.papers
    assert (p.id, p.title, p.year, p.authors) == ("doi:10.1000/xyz.1", "Some Title", 2019, ("A. B.",))
    # the streaming reader reports the duplicate and keeps the first
    items = list(iter_papers([bib, oa]))
    assert [type(i).__name__ for i in items] == ["Paper", "RecordError"]
